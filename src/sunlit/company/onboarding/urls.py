"""Onboarding pages (小区建档), gathered into the namespace ``company``."""

from django.urls import path

from sunlit.company.onboarding import views

urlpatterns = [
    path("communities/new/", views.community_new, name="community_new"),
    path("communities/<int:community_id>/", views.onboarding, name="onboarding"),
    path("communities/<int:community_id>/buildings/", views.buildings,
         name="onboarding_buildings"),
    path("communities/<int:community_id>/committee/", views.committee,
         name="onboarding_committee"),
    path("communities/<int:community_id>/checkpoint/", views.checkpoint,
         name="onboarding_checkpoint"),
    path("communities/<int:community_id>/invite/", views.invite, name="onboarding_invite"),
]

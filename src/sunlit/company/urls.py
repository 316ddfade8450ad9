"""The company's pages, namespace ``company`` (mounted at ``/company/`` by ``sunlit/urls.py``)."""

from django.urls import path

from sunlit.company.onboarding import views as onboarding
from sunlit.company.overview import views as overview

app_name = "company"

urlpatterns = [
    path("", overview.company_overview, name="overview"),
    path("communities/new/", onboarding.community_new, name="community_new"),
    path("communities/<int:community_id>/", onboarding.onboarding, name="onboarding"),
    path("communities/<int:community_id>/buildings/", onboarding.buildings,
         name="onboarding_buildings"),
    path("communities/<int:community_id>/committee/", onboarding.committee,
         name="onboarding_committee"),
    path("communities/<int:community_id>/checkpoint/", onboarding.checkpoint,
         name="onboarding_checkpoint"),
    path("communities/<int:community_id>/invite/", onboarding.invite, name="onboarding_invite"),
]

"""The company's pages, namespace ``company`` (mounted at ``/company/`` by ``sunlit/urls.py``)."""

from django.urls import path

from sunlit.company.onboarding import views as onboarding
from sunlit.company.overview import views as overview
from sunlit.company.staff import views as staff

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
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:employee_id>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:employee_id>/postings/", staff.staff_post, name="staff_post"),
    path("staff/<int:employee_id>/postings/<int:membership_id>/end/", staff.staff_end,
         name="staff_end"),
    path("staff/<int:employee_id>/suspend/", staff.staff_suspend, name="staff_suspend"),
    path("staff/<int:employee_id>/reinstate/", staff.staff_reinstate, name="staff_reinstate"),
    path("staff/<int:employee_id>/leave/", staff.staff_leave, name="staff_leave"),
    path("staff/<int:employee_id>/password-link/", staff.staff_link, name="staff_link"),
]

"""Pages of the tickets app under /tickets/; the staff pages come from ``urls_staff``."""

from django.urls import path

from sunlit.tickets import urls_staff
from sunlit.tickets.views import member, ticket

app_name = "tickets"

urlpatterns = [
    path("", member.ticket_list, name="ticket_list"),
    path("new/", member.submit, name="submit"),
    path("new/reporters/", member.reporter_search, name="reporter_search"),
    path("<int:pk>/", ticket.ticket_page, name="ticket"),
    path("<int:pk>/act/<str:action>/", ticket.act, name="act"),
    path("<int:pk>/photos/<int:upload_id>/", ticket.photo, name="photo"),
    *urls_staff.urlpatterns,
]

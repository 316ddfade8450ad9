"""Roster pages (排班) of the session's community, gathered into the namespace ``company``."""

from django.urls import path

from sunlit.company.rosters import views

urlpatterns = [
    path("rosters/", views.rosters, name="rosters"),
    path("rosters/shift-types/", views.shift_type_new, name="roster_shift_type_new"),
    path("rosters/patterns/", views.pattern_new, name="roster_pattern_new"),
    path("rosters/patterns/<int:pattern_id>/write/", views.write, name="roster_write"),
    path("rosters/<str:kind>/<int:request_id>/decide/", views.decide, name="roster_decide"),
    path("rosters/mine/", views.mine, name="my_roster"),
    path("rosters/mine/leave/", views.leave_request, name="leave_request"),
    path("rosters/mine/shifts/<int:shift_id>/swap/", views.swap_request, name="swap_request"),
    path("rosters/mine/<str:kind>/<int:request_id>/withdraw/", views.withdraw,
         name="request_withdraw"),
]

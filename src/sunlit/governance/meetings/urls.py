"""Meetings (议事会). Gathered by the app's ``urls.py`` (namespace ``governance``)."""

from django.urls import path

from sunlit.governance.meetings import views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_edit, name="meeting_create"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/do/<str:action>/", views.meeting_action,
         name="meeting_action"),
    path("meetings/<int:meeting_id>/sign-in/", views.meeting_sign_in, name="meeting_sign_in"),
    path("meetings/<int:meeting_id>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:meeting_id>/agenda.json", views.meeting_agenda_json,
         name="meeting_agenda_json"),
    path("meetings/<int:meeting_id>/minutes.json", views.meeting_minutes_json,
         name="meeting_minutes_json"),
    path("meetings/<int:meeting_id>/minutes.pdf", views.meeting_minutes_file,
         name="meeting_minutes_file"),
]

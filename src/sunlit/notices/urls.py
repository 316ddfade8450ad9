from django.urls import path

from sunlit.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.preferences, name="preferences"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/new/", views.publish, name="publish"),
    path("announcements/<int:pk>/", views.announcement, name="announcement"),
]

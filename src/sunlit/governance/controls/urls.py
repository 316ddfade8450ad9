"""Owner-side controls (管控变更): every change, the committee's confirmation. Gathered by the
app's ``urls.py`` (namespace ``governance``)."""

from django.urls import path

from sunlit.governance.controls import views

urlpatterns = [
    path("controls/", views.control_list, name="control_list"),
    path("controls/<int:change_id>/", views.control_change, name="control_change"),
    path("controls/<int:change_id>/do/<str:action>/", views.control_action,
         name="control_action"),
]

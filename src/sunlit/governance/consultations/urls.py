"""Public comment (公示/征求意见). Gathered by the app's ``urls.py`` (namespace ``governance``)."""

from django.urls import path

from sunlit.governance.consultations import views

urlpatterns = [
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/new/", views.consultation_edit, name="consultation_create"),
    path("consultations/<int:consultation_id>/", views.consultation_detail, name="consultation"),
    path("consultations/<int:consultation_id>/edit/", views.consultation_edit,
         name="consultation_edit"),
    path("consultations/<int:consultation_id>/do/<str:action>/", views.consultation_action,
         name="consultation_action"),
    path("consultations/<int:consultation_id>/documents/<int:document_id>/",
         views.consultation_document, name="consultation_document"),
    path("comments/<int:comment_id>/answer/", views.comment_answer, name="comment_answer"),
]

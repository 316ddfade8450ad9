from django.urls import path

from sunlit.governance import views
from sunlit.governance.controls import urls as controls_urls
from sunlit.governance.proposals import views as proposal_views

app_name = "governance"

urlpatterns = [
    path("", views.vote_list, name="vote_list"),
    path("new/", views.vote_edit, name="vote_create"),
    path("<int:vote_id>/", views.vote_detail, name="vote"),
    path("<int:vote_id>/edit/", views.vote_edit, name="vote_edit"),
    path("<int:vote_id>/cast/", views.cast, name="cast"),
    path("<int:vote_id>/do/<str:action>/", views.vote_action, name="vote_action"),
    path("<int:vote_id>/ballots/", views.ballot_entry, name="ballot_entry"),
    path("<int:vote_id>/result/", views.result, name="result"),
    path("<int:vote_id>/electorate.json", views.electorate_json, name="electorate_json"),
    path("<int:vote_id>/ballots.json", views.ballots_json, name="ballots_json"),
    path("<int:vote_id>/documents/<int:document_id>/", views.document_file, name="document"),
    # proposals helper: units that have not voted yet (上门征集)
    path("<int:vote_id>/not-voted/", proposal_views.not_voted, name="not_voted"),
    path("<int:vote_id>/not-voted.csv", proposal_views.not_voted_csv, name="not_voted_csv"),
    path("ballots/<int:ballot_id>/resolve/", views.ballot_resolve, name="ballot_resolve"),
    path("ballots/<int:ballot_id>/<str:decision>/", views.ballot_review, name="ballot_review"),
    path("ballots/<int:ballot_id>/file/<str:which>/", views.ballot_file, name="ballot_file"),
    *controls_urls.urlpatterns,
]

# --- meetings (议事会), public comment (公示/征求意见), vote documents -----------------------------
from sunlit.governance import meeting_views as mv  # noqa: E402

urlpatterns += [
    path("meetings/", mv.meeting_list, name="meeting_list"),
    path("meetings/new/", mv.meeting_edit, name="meeting_create"),
    path("meetings/<int:meeting_id>/", mv.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", mv.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/do/<str:action>/", mv.meeting_action, name="meeting_action"),
    path("meetings/<int:meeting_id>/sign-in/", mv.meeting_sign_in, name="meeting_sign_in"),
    path("meetings/<int:meeting_id>/minutes/", mv.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:meeting_id>/agenda.json", mv.meeting_agenda_json, name="meeting_agenda_json"),
    path("meetings/<int:meeting_id>/minutes.json", mv.meeting_minutes_json,
         name="meeting_minutes_json"),
    path("meetings/<int:meeting_id>/minutes.pdf", mv.meeting_minutes_file,
         name="meeting_minutes_file"),
    path("consultations/", mv.consultation_list, name="consultation_list"),
    path("consultations/new/", mv.consultation_edit, name="consultation_create"),
    path("consultations/<int:consultation_id>/", mv.consultation_detail, name="consultation"),
    path("consultations/<int:consultation_id>/edit/", mv.consultation_edit,
         name="consultation_edit"),
    path("consultations/<int:consultation_id>/do/<str:action>/", mv.consultation_action,
         name="consultation_action"),
    path("consultations/<int:consultation_id>/documents/<int:document_id>/",
         mv.consultation_document, name="consultation_document"),
    path("comments/<int:comment_id>/answer/", mv.comment_answer, name="comment_answer"),
    path("<int:vote_id>/documents/add/", mv.vote_document_add, name="vote_document_add"),
]

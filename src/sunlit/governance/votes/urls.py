"""Votes (表决): the list, the draft, the ballot pages, the result and its documents. Gathered by
the app's ``urls.py`` (namespace ``governance``)."""

from django.urls import path

from sunlit.governance.votes import views

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
    path("ballots/<int:ballot_id>/resolve/", views.ballot_resolve, name="ballot_resolve"),
    path("ballots/<int:ballot_id>/<str:decision>/", views.ballot_review, name="ballot_review"),
    path("ballots/<int:ballot_id>/file/<str:which>/", views.ballot_file, name="ballot_file"),
    path("<int:vote_id>/documents/add/", views.vote_document_add, name="vote_document_add"),
]

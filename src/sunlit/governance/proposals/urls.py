"""金点子 (proposals) and the governance policy, namespace ``proposals`` (mounted at ``/proposals/``
by ``sunlit/urls.py``)."""

from django.urls import path

from sunlit.governance.proposals import views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="proposal_list"),
    path("new/", views.proposal_create, name="proposal_create"),
    path("policy/", views.policy, name="policy"),
    path("<int:proposal_id>/", views.proposal_detail, name="proposal"),
    path("<int:proposal_id>/support/", views.support, name="support"),
    path("<int:proposal_id>/unsupport/", views.unsupport, name="unsupport"),
    path("<int:proposal_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:proposal_id>/answer/", views.answer, name="answer"),
    path("<int:proposal_id>/close/", views.close, name="close"),
    path("<int:proposal_id>/photos/<int:upload_id>/", views.photo, name="photo"),
]

# the helper of a vote's collection (上门征集): units that have not voted yet; gathered into the
# votes' namespace ``governance`` by the app's ``urls.py``
vote_urlpatterns = [
    path("<int:vote_id>/not-voted/", views.not_voted, name="not_voted"),
    path("<int:vote_id>/not-voted.csv", views.not_voted_csv, name="not_voted_csv"),
]

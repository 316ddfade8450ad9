"""The governance pages (namespace ``governance``, mounted at ``/governance/``), gathered from its
packages; 金点子 have their own namespace ``proposals`` (``proposals/urls.py``)."""

from sunlit.governance.consultations import urls as consultations
from sunlit.governance.controls import urls as controls
from sunlit.governance.meetings import urls as meetings
from sunlit.governance.proposals import urls as proposals
from sunlit.governance.votes import urls as votes

app_name = "governance"

urlpatterns = [
    *votes.urlpatterns,
    *proposals.vote_urlpatterns,
    *controls.urlpatterns,
    *meetings.urlpatterns,
    *consultations.urlpatterns,
]

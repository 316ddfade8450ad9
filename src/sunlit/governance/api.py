"""The governance API (/api/v1/), gathered from its packages: one router per package, listed
once here and mounted by ``sunlit/api.py`` under ``/v1/``. Paths and tags are the packages'.

Not nested in one app router: django-ninja's schema writes a nested router's paths without the
slash after the ``/api`` prefix (``/apiv1/...``), which would change the published contract."""

from sunlit.governance.consultations.api import router as consultations
from sunlit.governance.controls.api import router as controls
from sunlit.governance.meetings.api import router as meetings
from sunlit.governance.proposals.api import router as proposals
from sunlit.governance.votes.api import router as votes

routers = (votes, proposals, meetings, consultations, controls)

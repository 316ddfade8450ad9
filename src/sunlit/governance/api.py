"""The governance API under /api/v1/: one router per domain package, gathered here and mounted
once by ``sunlit.api`` (paths and tags are the packages')."""

from __future__ import annotations

from ninja import Router

from sunlit.governance.consultations.api import router as consultations
from sunlit.governance.controls.api import router as controls
from sunlit.governance.meetings.api import router as meetings
from sunlit.governance.proposals.api import router as proposals
from sunlit.governance.votes.api import router as votes

router = Router()
for domain in (votes, proposals, meetings, consultations, controls):
    router.add_router("", domain)

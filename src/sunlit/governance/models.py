"""The governance app's models, gathered from its packages so that Django finds them (the app
label stays ``governance``): votes (Civil Code art. 278), owner-side controls, proposals (金点子)
and vote notices, meetings (议事会), public comment (公示/征求意见)."""

from sunlit.governance.consultations.models import (
    Answer,
    Comment,
    Consultation,
    ConsultationDocument,
)
from sunlit.governance.controls.models import ControlChange
from sunlit.governance.meetings.models import AgendaItem, Attendee, Decision, Meeting
from sunlit.governance.proposals.models import (
    GovernancePolicy,
    Proposal,
    ProposalSupport,
    VoteNotice,
)
from sunlit.governance.votes.models import (
    DEFAULT_NOTICE_DAYS,
    Ballot,
    Result,
    Vote,
    VoteDocument,
    VoteUnit,
    VoteVoter,
)

__all__ = [
    "DEFAULT_NOTICE_DAYS", "AgendaItem", "Answer", "Attendee", "Ballot", "Comment", "Consultation",
    "ConsultationDocument", "ControlChange", "Decision", "GovernancePolicy", "Meeting", "Proposal",
    "ProposalSupport", "Result", "Vote", "VoteDocument", "VoteNotice", "VoteUnit", "VoteVoter",
]

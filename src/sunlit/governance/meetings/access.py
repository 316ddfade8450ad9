"""Reaching meetings and comment periods within the user's communities (STYLE.md rule 5).

Members see announced meetings and published comment periods of their community; drafts only
those who run them. Anything of another community is a 404; ``for_write`` without the grant
is a 403.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, require
from sunlit.governance.meetings.models import Attendee, Meeting, MeetingStatus


def get_meeting_for(user, meeting_id: int, *, for_write: bool = False) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("community", "minutes_document"),
                                pk=meeting_id)
    if not can(user, "meetings.view", meeting):
        raise Http404
    if meeting.status == MeetingStatus.DRAFT and not can(user, "meetings.manage", meeting):
        raise Http404
    if for_write:
        require(user, "meetings.manage", meeting)
    return meeting


def get_attendee_for(user, attendee_id: int) -> Attendee:
    """An attendee, for the staff who sign people in."""
    attendee = get_object_or_404(Attendee.objects.select_related("meeting"), pk=attendee_id)
    if not can(user, "meetings.view", attendee):
        raise Http404
    require(user, "meetings.sign_in", attendee)
    return attendee

"""Meetings and public comment API (/api/v1/, tag ``meetings``): scoped like the pages.

Another community's meeting or comment period — or a draft the caller does not run — is 404.
Creating POSTs honour ``Idempotency-Key``. Documents are uploaded as multipart
(``POST /communities/{id}/documents``: PDF or image) and named by upload id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.api.values import plain_values
from sunlit.core import uploads
from sunlit.core.permissions import can
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.access import get_attendee_for, get_meeting_for
from sunlit.governance.meetings.models import Meeting, MeetingKind, Organiser
from sunlit.web.rendering import canonical_json

router = Router(tags=["meetings"])


# --- schemas -------------------------------------------------------------------------------------

class DocumentUploadOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str
    original_name: str


class AgendaIn(Schema):
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


class MeetingIn(Schema):
    kind: MeetingKind
    title: str = Field(..., max_length=100)
    organiser: Organiser
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    place: str = Field("", max_length=100)
    online_link: str = Field("", max_length=300)
    description: str = Field("", max_length=10000)
    agenda: list[AgendaIn] = []


class MeetingPatch(Schema):
    kind: MeetingKind | None = None
    title: str | None = Field(None, max_length=100)
    organiser: Organiser | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=100)
    online_link: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=10000)
    agenda: list[AgendaIn] | None = None


class AttendeeOut(Schema):
    id: int
    role: str
    name: str = Field(..., description="业委会委员和工作人员为姓名；业主为“X号楼业主”")
    signed_in_at: dt.datetime | None


class DecisionOut(Schema):
    id: int
    position: int
    text: str
    vote_ids: list[int]
    ticket_numbers: list[str]
    entry_numbers: list[str]


class AttendanceOut(Schema):
    committee: list[str]
    staff: list[str]
    owners_registered: int
    owners_attended: int
    attended: int


class MeetingOut(Schema):
    id: int
    community_id: int
    kind: str
    kind_label: str
    title: str
    description: str
    organiser: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    online_link: str
    status: str
    status_label: str
    announced_at: dt.datetime | None
    held_at: dt.datetime | None
    minutes_published_at: dt.datetime | None
    agenda: list[AgendaIn]
    agenda_sha256: str
    minutes_text: str
    minutes_document_sha256: str | None
    minutes_sha256: str
    attendance: AttendanceOut
    attendees: list[AttendeeOut]
    decisions: list[DecisionOut]


class MeetingDecisionIn(Schema):
    text: str = Field(..., max_length=2000)
    vote_ids: list[int] = []
    ticket_numbers: list[str] = []
    entry_numbers: list[str] = Field([], description="记账凭证号（支出）")


class MinutesIn(Schema):
    text: str = Field("", max_length=50000)
    document_id: int | None = Field(None, description="PDF 纪要（上传文件 id）")


class MeetingReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class InviteIn(Schema):
    user_id: int


# --- helpers -------------------------------------------------------------------------------------

def _meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk, "community_id": meeting.community_id, "kind": meeting.kind,
        "kind_label": meeting.get_kind_display(), "title": meeting.title,
        "description": meeting.description, "organiser": meeting.organiser,
        "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "place": meeting.place,
        "online_link": meeting.online_link, "status": meeting.status,
        "status_label": meeting.get_status_display(), "announced_at": meeting.announced_at,
        "held_at": meeting.held_at, "minutes_published_at": meeting.minutes_published_at,
        "agenda": [{"title": a.title, "description": a.description}
                   for a in meeting.agenda.order_by("position")],
        "agenda_sha256": meeting.agenda_sha256, "minutes_text": meeting.minutes_text,
        "minutes_document_sha256": (meeting.minutes_document.sha256
                                    if meeting.minutes_document else None),
        "minutes_sha256": meeting.minutes_sha256, "attendance": meetings.attendance(meeting),
        "attendees": [{"id": a.pk, "role": a.role, "name": a.public_name,
                       "signed_in_at": a.signed_in_at}
                      for a in meeting.attendees.order_by("role", "pk")],
        "decisions": [{"id": d.pk, "position": d.position, "text": d.text,
                       "vote_ids": sorted(v.pk for v in d.votes.all()),
                       "ticket_numbers": sorted(t.number for t in d.tickets.all()),
                       "entry_numbers": sorted(e.number for e in d.entries.all())}
                      for d in meeting.decisions.prefetch_related("votes", "tickets", "entries")
                      .order_by("position")],
    }


# --- documents -----------------------------------------------------------------------------------

@router.post("/communities/{community_id}/documents", response={201: DocumentUploadOut, **ERRORS},
             summary="上传文件（PDF 或图片，multipart；按内容检查）")
def upload_document(request, community_id: int, file: File[UploadedFile]):
    community = community_for(request, community_id, "uploads.create")
    upload = uploads.store_file(file, community=community, actor=request.auth,
                                original_name=file.name or "")
    return Status(201, DocumentUploadOut.from_orm(upload))


# --- meetings ------------------------------------------------------------------------------------

@router.get("/communities/{community_id}/meetings", response={200: Page[MeetingOut], **ERRORS},
            summary="会议列表")
def list_meetings(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "meetings.view")
    items = Meeting.objects.in_community(community)
    if not can(request.auth, "meetings.manage", community=community):
        items = items.public()
    return page(items.order_by("-starts_at", "-pk"), query, _meeting_out)


@router.post("/communities/{community_id}/meetings", response={201: MeetingOut, **ERRORS},
             summary="发起会议（草稿）")
@idempotent
def create_meeting(request, community_id: int, payload: MeetingIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "meetings.manage")
    data = plain_values(payload.dict())
    meeting = meetings.create_meeting(community, actor=request.auth, **data)
    return Status(201, _meeting_out(meeting))


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="会议详情")
def get_meeting(request, meeting_id: int):
    return _meeting_out(get_meeting_for(request.auth, meeting_id))


@router.patch("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS},
              summary="修改会议草稿")
def patch_meeting(request, meeting_id: int, payload: MeetingPatch):
    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    data = plain_values({k: v for k, v in payload.dict(exclude_unset=True).items()
                    if v is not None or k == "ends_at"})
    return _meeting_out(meetings.update_meeting(meeting, actor=request.auth, **data))


@router.post("/meetings/{meeting_id}/announce", response={200: MeetingOut, **ERRORS},
             summary="发出会议通知")
def announce_meeting(request, meeting_id: int):
    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    return _meeting_out(meetings.announce_meeting(meeting, actor=request.auth))


@router.post("/meetings/{meeting_id}/hold", response={200: MeetingOut, **ERRORS},
             summary="标记会议已召开")
def hold_meeting(request, meeting_id: int):
    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    return _meeting_out(meetings.hold_meeting(meeting, actor=request.auth))


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingOut, **ERRORS},
             summary="取消会议")
def cancel_meeting(request, meeting_id: int, payload: MeetingReasonIn):
    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    return _meeting_out(meetings.cancel_meeting(meeting, actor=request.auth,
                                                reason=payload.reason))


@router.post("/meetings/{meeting_id}/registrations", response={201: AttendeeOut, **ERRORS},
             summary="业主报名参会")
@idempotent
def register(request, meeting_id: int, idempotency_key: IdempotencyKeyHeader = None):
    meeting = get_meeting_for(request.auth, meeting_id)
    attendee = meetings.register_for_meeting(meeting, actor=request.auth)
    return Status(201, {"id": attendee.pk, "role": attendee.role, "name": attendee.public_name,
                        "signed_in_at": attendee.signed_in_at})


@router.post("/meetings/{meeting_id}/invitations", response={201: AttendeeOut, **ERRORS},
             summary="邀请业委会委员或工作人员参会")
@idempotent
def invite(request, meeting_id: int, payload: InviteIn,
           idempotency_key: IdempotencyKeyHeader = None):
    from sunlit.core.models import User

    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    user = User.objects.filter(pk=payload.user_id).first()
    attendee = meetings.invite_member(meeting, user, actor=request.auth)
    return Status(201, {"id": attendee.pk, "role": attendee.role, "name": attendee.public_name,
                        "signed_in_at": attendee.signed_in_at})


@router.post("/attendees/{attendee_id}/sign-in", response={200: AttendeeOut, **ERRORS},
             summary="签到（工作人员记录）")
def sign_in(request, attendee_id: int):
    attendee = meetings.sign_in(get_attendee_for(request.auth, attendee_id), actor=request.auth)
    return {"id": attendee.pk, "role": attendee.role, "name": attendee.public_name,
            "signed_in_at": attendee.signed_in_at}


@router.post("/meetings/{meeting_id}/decisions", response={201: MeetingOut, **ERRORS},
             summary="记录会议决定（关联表决、工单、记账凭证）")
@idempotent
def add_decision(request, meeting_id: int, payload: MeetingDecisionIn,
                 idempotency_key: IdempotencyKeyHeader = None):
    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    votes, tickets, entries = meetings.resolve_links(meeting.community,
                                            [str(v) for v in payload.vote_ids],
                                            payload.ticket_numbers, payload.entry_numbers)
    meetings.add_decision(meeting, actor=request.auth, text=payload.text, votes=votes,
                          tickets=tickets, entries=entries)
    return Status(201, _meeting_out(meeting))


@router.post("/meetings/{meeting_id}/minutes", response={200: MeetingOut, **ERRORS},
             summary="公布会议纪要")
def publish_minutes(request, meeting_id: int, payload: MinutesIn):
    meeting = get_meeting_for(request.auth, meeting_id, for_write=True)
    document = uploads.resolve_upload(request.auth, payload.document_id,
                                      community=meeting.community,
                                      purpose=uploads.MINUTES_DOCUMENT, field="document_id")
    return _meeting_out(meetings.publish_minutes(meeting, actor=request.auth, text=payload.text,
                                                 document=document))


@router.get("/meetings/{meeting_id}/minutes-document", response={200: Any, **ERRORS},
            summary="纪要文档（RFC 8785 JSON，SHA-256 见透明日志）")
def minutes_json(request, meeting_id: int):
    meeting = get_meeting_for(request.auth, meeting_id)
    if not meeting.minutes_sha256:
        raise ValidationError({"status": ["纪要尚未公布"]})
    return canonical_json(meetings.minutes_document(meeting))

"""Meetings: notice period, attendance, decisions with links, minutes on the log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from sunlit.core.models import Upload
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.models import AttendeeRole, MeetingKind, MeetingStatus
from sunlit.governance.votes import services
from sunlit.governance.votes.selectors import sha256_of
from sunlit.notices.models import Notification
from sunlit.transparency.models import LogLeaf
from tests.governance.meeting_fixtures import STARTS, T0

pytestmark = pytest.mark.django_db


def leaves(community, event_type):
    return LogLeaf.objects.filter(community=community, event_type=event_type)


def test_notice_period_is_enforced_and_the_agenda_hash_goes_on_the_log(meeting_draft, committee,
                                                                      community, owner):
    meeting = meeting_draft(starts_at=T0 + dt.timedelta(days=6, hours=23))
    with pytest.raises(ValidationError) as refused:
        meetings.announce_meeting(meeting, actor=committee, now=T0)
    assert "starts_at" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not leaves(community, "governance.meeting.announced").exists()
    meetings.update_meeting(meeting, actor=committee, starts_at=T0 + dt.timedelta(days=7))
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ANNOUNCED
    assert meeting.agenda_sha256 == sha256_of(meetings.agenda_document(meeting))
    leaf = leaves(community, "governance.meeting.announced").get()
    assert leaf.subject_id == str(meeting.pk)
    # the committee member is invited, every member notified
    assert meeting.attendees.get().role == AttendeeRole.COMMITTEE
    assert Notification.objects.filter(recipient=owner, title__contains="会议通知").exists()
    with pytest.raises(ValidationError):
        meetings.update_meeting(meeting, actor=committee, title="改名")


@override_settings(SUNLIT_MEETING_NOTICE_DAYS=3)
def test_notice_days_setting_and_the_assembly_minimum(meeting_draft, committee):
    assert meetings.notice_days(MeetingKind.SUNSHINE) == 3
    assert meetings.notice_days(MeetingKind.ASSEMBLY) == 15
    meeting = meeting_draft(kind=MeetingKind.ASSEMBLY, starts_at=T0 + dt.timedelta(days=14))
    with pytest.raises(ValidationError, match="15"):
        meetings.announce_meeting(meeting, actor=committee, now=T0)


def test_bad_input_is_refused_with_field_messages(community, committee, owner):
    with pytest.raises(ValidationError) as refused:
        meetings.create_meeting(community, actor=committee, kind="party", title="", organiser="x",
                                starts_at="tomorrow", online_link="http://x", agenda="a")
    assert {"kind", "title", "organiser", "starts_at", "online_link", "agenda"} <= set(
        refused.value.message_dict)
    with pytest.raises(PermissionDenied):
        meetings.create_meeting(community, actor=owner, kind="sunshine", title="x",
                                organiser="committee", starts_at=STARTS, place="x")


def test_an_announcement_needs_an_agenda(meeting_draft, committee):
    meeting = meeting_draft(agenda=[])
    with pytest.raises(ValidationError) as refused:
        meetings.announce_meeting(meeting, actor=committee, now=T0)
    assert "agenda" in refused.value.message_dict


def test_owners_register_staff_sign_in_and_attendance_is_counted(meeting_draft, committee,
                                                                 service, owner, resident,
                                                                 community):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    meetings.invite_member(meeting, service, actor=committee)
    attendee = meetings.register_for_meeting(meeting, actor=owner, now=T0 + dt.timedelta(days=1))
    assert attendee.role == AttendeeRole.OWNER and attendee.public_name == "1号楼业主"
    with pytest.raises(ValidationError, match="已在参会名单"):
        meetings.register_for_meeting(meeting, actor=owner, now=T0 + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):  # a tenant is not an owner
        meetings.register_for_meeting(meeting, actor=resident, now=T0 + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="业委会委员或物业工作人员"):
        meetings.invite_member(meeting, owner, actor=committee)
    # sign-in opens two hours before the start, by staff only
    with pytest.raises(ValidationError, match="2 小时"):
        meetings.sign_in(attendee, actor=service, now=STARTS - dt.timedelta(hours=3))
    with pytest.raises(PermissionDenied):
        meetings.sign_in(attendee, actor=owner, now=STARTS)
    meetings.sign_in(attendee, actor=service, now=STARTS - dt.timedelta(minutes=10))
    with pytest.raises(ValidationError, match="已于"):
        meetings.sign_in(attendee, actor=service, now=STARTS)
    staff = meeting.attendees.get(user=service)
    meetings.sign_in(staff, actor=committee, now=STARTS)
    with pytest.raises(ValidationError, match="会议已开始"):
        meetings.register_for_meeting(meeting, actor=owner, now=STARTS)
    assert meetings.attendance(meeting) == {"committee": [], "staff": ["客服小陈"],
                                             "owners_registered": 1, "owners_attended": 1,
                                             "attended": 2}


def test_minutes_only_after_the_meeting_was_held(meeting_draft, committee, community):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    with pytest.raises(ValidationError, match="会议召开后"):
        meetings.publish_minutes(meeting, actor=committee, text="纪要", now=STARTS)
    with pytest.raises(ValidationError, match="尚未开始"):
        meetings.hold_meeting(meeting, actor=committee, now=STARTS - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        meetings.add_decision(meeting, actor=committee, text="决定")
    meetings.hold_meeting(meeting, actor=committee, now=STARTS)
    assert leaves(community, "governance.meeting.held").count() == 1
    with pytest.raises(ValidationError) as refused:
        meetings.publish_minutes(meeting, actor=committee, text="  ", now=STARTS)
    assert "text" in refused.value.message_dict
    with pytest.raises(ValidationError, match="召开后不能取消"):
        meetings.cancel_meeting(meeting, actor=committee, reason="改期")


def test_decisions_link_votes_tickets_and_entries_of_the_same_community_only(
        held_meeting, committee, community, other_community, make_ticket, draft):
    meeting = held_meeting()
    vote = draft()
    ticket = make_ticket(community)
    foreign_ticket = make_ticket(other_community, number="BX-OTHER-1")
    from sunlit.governance.models import Vote
    from tests.governance.conftest import CLOSES, OPENS

    foreign_vote = Vote.objects.create(community=other_community, title="别的小区", description="x",
                                       matter="other", opens_at=OPENS, closes_at=CLOSES)
    for bad in ({"votes": [foreign_vote]}, {"tickets": [foreign_ticket]}, {"entries": [ticket]},
                {"votes": ["1"]}):
        with pytest.raises(ValidationError):
            meetings.add_decision(meeting, actor=committee, text="更换电梯维保单位", **bad)
    assert not meeting.decisions.exists()
    decision = meetings.add_decision(meeting, actor=committee, text="启动电梯更换表决",
                                     votes=[vote], tickets=[ticket])
    assert decision.position == 1 and list(decision.votes.all()) == [vote]
    second = meetings.add_decision(meeting, actor=committee, text="暂缓")
    meetings.remove_decision(decision, actor=committee)
    second.refresh_from_db()
    assert second.position == 1


def test_minutes_are_published_with_hashes_and_attendance_on_the_log(
        held_meeting, committee, community, make_ticket, owner, service, draft):
    meeting = held_meeting()
    committee_attendee = meeting.attendees.get(user=committee)
    meetings.sign_in(committee_attendee, actor=service, now=STARTS)
    ticket = make_ticket(community)
    vote = draft()
    meetings.add_decision(meeting, actor=committee, text="同意续签电梯维保合同", votes=[vote],
                          tickets=[ticket])
    pdf = Upload.objects.create(community=community, kind=Upload.Kind.PDF, storage_key="m.pdf",
                                content_type="application/pdf", size=10, sha256="ab" * 32,
                                uploaded_by=committee)
    image = Upload.objects.create(community=community, storage_key="m.jpg", uploaded_by=committee,
                                  content_type="image/jpeg", size=10, sha256="cd" * 32)
    with pytest.raises(ValidationError, match="PDF"):
        meetings.publish_minutes(meeting, actor=committee, document=image)
    meetings.publish_minutes(meeting, actor=committee, text="会议纪要正文", document=pdf,
                             now=STARTS + dt.timedelta(hours=3))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTES
    assert meeting.minutes_sha256 == sha256_of(meetings.minutes_document(meeting))
    leaf = leaves(community, "governance.meeting.minutes").get()
    import json

    public = json.loads(leaf.data)["public"]
    # committee members are owners: counted in public, named only in a commitment
    assert public["committee_attended"] == 1 and committee_attendee.name not in leaf.data
    assert "committee" in json.loads(leaf.data)["commitments"]
    assert public["document_sha256"] == "ab" * 32
    assert public["decisions"][0]["tickets"] == [ticket.number]
    assert public["decisions"][0]["votes"] == [vote.pk]
    assert Notification.objects.filter(recipient=owner, title__contains="会议纪要").exists()
    with pytest.raises(ValidationError):
        meetings.publish_minutes(meeting, actor=committee, text="again")


def test_cancel_an_announced_meeting_goes_on_the_log(meeting_draft, committee, community):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    with pytest.raises(ValidationError):
        meetings.cancel_meeting(meeting, actor=committee, reason=" ")
    meetings.cancel_meeting(meeting, actor=committee, reason="台风预警，改期")
    assert leaves(community, "governance.meeting.cancelled").count() == 1


def test_vote_documents_accept_pdf_uploads(draft, committee, community):
    from sunlit.core import uploads
    from tests.governance.meeting_fixtures import pdf_bytes

    vote = draft()
    upload = uploads.store_file(pdf_bytes(), community=community, actor=committee,
                                original_name="方案.pdf")
    document = services.add_document(vote, upload, actor=committee, title="施工方案")
    assert document.upload.kind == Upload.Kind.PDF

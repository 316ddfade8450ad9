"""Meeting and public comment pages over HTTP: owners on their phones, staff forms."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sunlit.governance.consultations import services as consultations
from sunlit.governance.consultations.models import Comment, Consultation, ConsultationStatus
from sunlit.governance.meetings import services as meetings
from sunlit.governance.meetings.models import Attendee, Meeting, MeetingStatus
from tests.governance.meeting_fixtures import C_END, C_START, STARTS, T0, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage_dir(settings, tmp_path):
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "uploads")


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_committee_drafts_and_announces_a_meeting_through_the_form(login, committee, community,
                                                                   owner):
    client = login(committee)
    page = client.get(reverse("governance:meeting_create"))
    assert page.status_code == 200 and "议程" in page.content.decode()
    with time_machine.travel(T0, tick=False):
        bad = client.post(reverse("governance:meeting_create"), {
            "kind": "sunshine", "title": "", "organiser": "committee",
            "starts_at": "2026-03-05T19:00", "agenda": "电梯维保"})
        assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
        assert 'value="2026-03-05T19:00"' in bad.content.decode()  # what was typed stays
        assert not Meeting.objects.exists()
        answer = client.post(reverse("governance:meeting_create"), {
            "kind": "sunshine", "title": "三月阳光议事会", "organiser": "committee",
            "starts_at": "2026-03-05T19:00", "place": "社区活动室",
            "agenda": "电梯维保合同续签：维保费用\n北门充电棚"})
        meeting = Meeting.objects.get()
        assert answer.status_code == 302
        assert [a.title for a in meeting.agenda.all()] == ["电梯维保合同续签", "北门充电棚"]
        # too early: the notice period is refused with a message, nothing changes
        page = client.post(reverse("governance:meeting_action", args=[meeting.pk, "announce"]),
                           follow=True).content.decode()
        assert "须提前至少 7 天通知" in page
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.DRAFT
    # owners do not see drafts
    assert login(owner).get(reverse("governance:meeting", args=[meeting.pk])).status_code == 404


def test_owner_registers_on_his_phone_page(login, meeting_draft, committee, owner):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    client = login(owner)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        page = client.get(reverse("governance:meeting", args=[meeting.pk])).content.decode()
        assert "报名参会" in page and "电梯维保合同续签" in page
        page = client.post(reverse("governance:meeting_action", args=[meeting.pk, "register"]),
                           follow=True).content.decode()
    assert "报名成功" in page and "您已在参会名单中" in page
    assert Attendee.objects.get(user=owner).role == "owner"
    # owners cannot announce, hold or open the sign-in sheet
    assert client.post(reverse("governance:meeting_action", args=[meeting.pk, "hold"])) \
        .status_code == 403
    assert client.get(reverse("governance:meeting_sign_in", args=[meeting.pk])).status_code == 403


def test_sign_in_sheet_decisions_and_minutes_with_a_pdf(login, meeting_draft, committee, service,
                                                        owner, community, make_ticket,
                                                        other_community):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    attendee = meetings.register_for_meeting(meeting, actor=owner, now=T0)
    ticket = make_ticket(community)
    make_ticket(other_community, number="BX-FOREIGN")
    staff = login(service)
    with time_machine.travel(STARTS, tick=False):
        sheet = staff.get(reverse("governance:meeting_sign_in", args=[meeting.pk]))
        assert "王小明" in sheet.content.decode()
        staff.post(reverse("governance:meeting_sign_in", args=[meeting.pk]),
                   {"attendee": attendee.pk})
        attendee.refresh_from_db()
        assert attendee.signed_in_at == STARTS
        client = login(committee)
        client.post(reverse("governance:meeting_action", args=[meeting.pk, "hold"]))
        url = reverse("governance:meeting_minutes", args=[meeting.pk])
        page = client.post(url, {"decision": "1", "text": "续签", "tickets": "BX-FOREIGN"})
        assert "本小区没有这些工单" in page.content.decode()
        client.post(url, {"decision": "1", "text": "同意续签电梯维保合同",
                          "tickets": ticket.number})
        assert meeting.decisions.get().tickets.get() == ticket
        bad = client.post(url, {"publish": "1", "text": "",
                                "document": SimpleUploadedFile("纪要.pdf", b"\x89PNG fake")})
        assert "不是有效的 PDF" in bad.content.decode()
        data = pdf_bytes()
        client.post(url, {"publish": "1", "text": "会议于 19:00 召开。",
                          "document": SimpleUploadedFile("纪要.pdf", data)})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTES
    page = login(service).get(reverse("governance:meeting", args=[meeting.pk])).content.decode()
    assert "同意续签电梯维保合同" in page and ticket.number in page and "王小明" not in page
    owner_client = login(owner)
    pdf = owner_client.get(reverse("governance:meeting_minutes_file", args=[meeting.pk]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content) == data
    minutes = owner_client.get(reverse("governance:meeting_minutes_json", args=[meeting.pk]))
    assert hashlib.sha256(minutes.content).hexdigest() == meeting.minutes_sha256


def test_another_community_gets_404(login, meeting_draft, consultation, committee,
                                    owner_other_community):
    meeting = meeting_draft()
    meetings.announce_meeting(meeting, actor=committee, now=T0)
    item = consultation()
    client = login(owner_other_community)
    assert client.get(reverse("governance:meeting", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("governance:consultation", args=[item.pk])).status_code == 404
    assert client.post(reverse("governance:consultation_action", args=[item.pk, "comment"]),
                       {"text": "x"}).status_code == 404


def test_owner_comments_and_sees_masked_authors_and_answers(login, consultation, owner, manager,
                                                            estate):
    item = consultation()
    consultations.comment(item, actor=estate.people.other_building, text="二号楼的意见",
                          now=C_START)
    client = login(owner)
    with time_machine.travel(C_START + dt.timedelta(hours=1), tick=False):
        page = client.get(reverse("governance:consultation", args=[item.pk])).content.decode()
        assert "发表意见" in page and "2号楼业主" in page and "业主丙" not in page
        page = client.post(reverse("governance:consultation_action", args=[item.pk, "comment"]),
                           {"text": "希望公开报价明细"}, follow=True).content.decode()
    comments = page[page.index('data-testid="comments"'):]
    assert "意见已提交" in page and "1号楼业主" in comments and "王小明" not in comments
    mine = Comment.objects.get(author=owner)
    # an owner cannot answer; the manager answers in public, by name and role
    assert client.post(reverse("governance:comment_answer", args=[mine.pk]),
                       {"text": "x"}).status_code == 403
    staff = login(manager)
    staff.post(reverse("governance:comment_answer", args=[mine.pk]), {"text": "报价已上传"})
    page = login(owner).get(reverse("governance:consultation", args=[item.pk])).content.decode()
    assert "项目经理 刘经理" in page and "报价已上传" in page
    with time_machine.travel(C_END, tick=False):
        page = client.post(reverse("governance:consultation_action", args=[item.pk, "comment"]),
                           {"text": "晚了"}, follow=True).content.decode()
    assert "征求意见已结束" in page and Comment.objects.filter(author=owner).count() == 1


def test_staff_draft_upload_publish_and_close_a_consultation(login, committee, community):
    client = login(committee)
    with time_machine.travel(T0, tick=False):
        client.post(reverse("governance:consultation_create"), {
            "kind": "comment", "topic": "facade", "title": "外立面翻新方案",
            "description": "拟使用维修资金翻新 1-3 号楼外立面。",
            "starts_at": "2026-03-02T12:00", "ends_at": "2026-03-12T12:00"})
        item = Consultation.objects.get(community=community)
        page = client.post(reverse("governance:consultation_action",
                                   args=[item.pk, "document"]),
                           {"title": "设计方案", "file": SimpleUploadedFile(
                               "方案.pdf", pdf_bytes()[:-200])}, follow=True).content.decode()
        assert "不完整" in page and not item.documents.exists()
        client.post(reverse("governance:consultation_action", args=[item.pk, "document"]),
                    {"title": "设计方案", "file": SimpleUploadedFile("方案.pdf", pdf_bytes())})
        assert item.documents.get().upload.kind == "pdf"
        client.post(reverse("governance:consultation_action", args=[item.pk, "publish"]))
    item.refresh_from_db()
    assert item.status == ConsultationStatus.PUBLISHED
    with time_machine.travel(item.ends_at, tick=False):
        client.post(reverse("governance:consultation_action", args=[item.pk, "close"]),
                    {"summary": "未收到反对意见，提交业主大会表决。"})
    item.refresh_from_db()
    assert item.status == ConsultationStatus.CLOSED


def test_vote_document_upload_page_accepts_pdf(login, draft, committee):
    vote = draft()
    client = login(committee)
    page = client.get(reverse("governance:vote", args=[vote.pk])).content.decode()
    assert "上传表决材料" in page
    client.post(reverse("governance:vote_document_add", args=[vote.pk]),
                {"title": "施工方案", "file": SimpleUploadedFile("方案.pdf", pdf_bytes())})
    document = vote.documents.get()
    response = client.get(reverse("governance:document", args=[vote.pk, document.pk]))
    assert response["Content-Type"] == "application/pdf"


def test_nav_has_meetings_and_public_comment(login, owner):
    page = login(owner).get(reverse("governance:meeting_list")).content.decode()
    assert "业主共治" in page and reverse("governance:consultation_list") in page
    assert reverse("governance:vote_list") in page and reverse("proposals:proposal_list") in page


def test_list_pages_do_not_query_per_row(login, meeting_draft, consultation, committee,
                                         django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(committee)
    counts = []
    for n in (2, 8):
        while Meeting.objects.count() < n:
            meeting_draft(title=f"会议 {Meeting.objects.count()}")
            consultation(publish=False, title=f"公示 {Consultation.objects.count()}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("governance:meeting_list")).status_code == 200
            assert client.get(reverse("governance:consultation_list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(40):
        client.get(reverse("governance:meeting_list"))

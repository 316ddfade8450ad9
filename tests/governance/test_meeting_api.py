"""The meetings and public comment API: same rules as the pages, uniform errors, idempotency."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine

from sunlit.core.models import Upload
from sunlit.governance.consultations.models import Comment, Consultation
from sunlit.governance.meetings.models import Meeting
from tests.governance.meeting_fixtures import C_END, C_START, STARTS, T0, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage_dir(settings, tmp_path):
    settings.SUNLIT_STORAGE_URL = str(tmp_path / "uploads")


@pytest.fixture
def api(client):
    def call(user, method, path, payload=None, **headers):
        client.force_login(user)
        send = getattr(client, method)
        if payload is None:
            return send(f"/api/v1{path}", **headers)
        return send(f"/api/v1{path}", payload, content_type="application/json", **headers)

    return call


MEETING = {"kind": "sunshine", "title": "三月阳光议事会", "organiser": "committee",
           "starts_at": STARTS.isoformat(), "place": "社区活动室",
           "agenda": [{"title": "电梯维保合同续签"}, {"title": "北门充电棚", "description": "选址"}]}


def test_meeting_lifecycle_over_the_api(api, committee, community, owner, service, make_ticket):
    with time_machine.travel(T0, tick=False):
        answer = api(committee, "post", f"/communities/{community.pk}/meetings", MEETING,
                     HTTP_IDEMPOTENCY_KEY="m1")
        assert answer.status_code == 201, answer.json()
        again = api(committee, "post", f"/communities/{community.pk}/meetings", MEETING,
                    HTTP_IDEMPOTENCY_KEY="m1")
        assert again.json()["id"] == answer.json()["id"] and Meeting.objects.count() == 1
        meeting_id = answer.json()["id"]
        assert api(owner, "get", f"/meetings/{meeting_id}").status_code == 404  # a draft
        body = api(committee, "post", f"/meetings/{meeting_id}/announce").json()
        assert body["status"] == "announced" and len(body["agenda_sha256"]) == 64
        registered = api(owner, "post", f"/meetings/{meeting_id}/registrations")
        assert registered.status_code == 201 and registered.json()["name"] == "1号楼业主"
        assert api(owner, "post", f"/meetings/{meeting_id}/registrations").status_code == 422
    ticket = make_ticket(community)
    with time_machine.travel(STARTS, tick=False):
        attendee = registered.json()["id"]
        assert api(owner, "post", f"/attendees/{attendee}/sign-in").status_code == 403
        assert api(service, "post", f"/attendees/{attendee}/sign-in").json()["signed_in_at"]
        api(committee, "post", f"/meetings/{meeting_id}/hold")
        bad = api(committee, "post", f"/meetings/{meeting_id}/decisions",
                  {"text": "续签", "ticket_numbers": ["NOPE"], "vote_ids": [999999]})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {"tickets", "votes"}
        body = api(committee, "post", f"/meetings/{meeting_id}/decisions",
                   {"text": "同意续签", "ticket_numbers": [ticket.number]}).json()
        assert body["decisions"][0]["ticket_numbers"] == [ticket.number]
        body = api(committee, "post", f"/meetings/{meeting_id}/minutes",
                   {"text": "纪要正文"}).json()
    assert body["status"] == "minutes" and body["attendance"]["owners_attended"] == 1
    document = api(owner, "get", f"/meetings/{meeting_id}/minutes-document").content
    assert hashlib.sha256(document).hexdigest() == body["minutes_sha256"]


def test_meeting_bad_input_gets_field_errors(api, committee, community, owner_other_community):
    answer = api(committee, "post", f"/communities/{community.pk}/meetings",
                 {**MEETING, "kind": "party", "starts_at": "soon"})
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"kind", "starts_at"}
    answer = api(committee, "post", f"/communities/{community.pk}/meetings",
                 {**MEETING, "place": "", "online_link": "ftp://x"})
    assert {e["field"] for e in answer.json()["errors"]} == {"online_link"}
    assert api(owner_other_community, "get", f"/communities/{community.pk}/meetings") \
        .status_code == 404
    assert not Meeting.objects.exists()


def test_pdf_upload_and_minutes_document(api, held_meeting, committee, community,
                                         other_community):
    meeting = held_meeting()
    from django.test import Client

    web = Client()
    web.force_login(committee)
    answer = web.post(f"/api/v1/communities/{community.pk}/documents",
                      {"file": _file("纪要.pdf", pdf_bytes())})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["kind"] == "pdf"
    refused = web.post(f"/api/v1/communities/{community.pk}/documents",
                       {"file": _file("x.pdf", pdf_bytes(encrypt=True))})
    assert refused.status_code == 422 and "加密" in refused.json()["errors"][0]["message"]
    foreign = Upload.objects.create(community=other_community, kind="pdf", storage_key="o.pdf",
                                    content_type="application/pdf", size=1, sha256="0" * 64)
    bad = api(committee, "post", f"/meetings/{meeting.pk}/minutes",
              {"document_id": foreign.pk})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "document_id"
    body = api(committee, "post", f"/meetings/{meeting.pk}/minutes",
               {"document_id": answer.json()["id"]}).json()
    assert body["minutes_document_sha256"] == answer.json()["sha256"]


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_consultation_over_the_api(api, committee, community, owner, manager, resident):
    payload = {"kind": "comment", "topic": "elevator", "title": "电梯维保合同续签",
               "description": "续签三年", "starts_at": C_START.isoformat(),
               "ends_at": C_END.isoformat()}
    with time_machine.travel(T0, tick=False):
        created = api(committee, "post", f"/communities/{community.pk}/consultations", payload,
                      HTTP_IDEMPOTENCY_KEY="c1")
        assert created.status_code == 201
        item_id = created.json()["id"]
        api(committee, "post", f"/communities/{community.pk}/consultations", payload,
            HTTP_IDEMPOTENCY_KEY="c1")
        assert Consultation.objects.count() == 1
        assert api(committee, "post", f"/consultations/{item_id}/publish").json()["status"] == \
            "published"
        early = api(owner, "post", f"/consultations/{item_id}/comments", {"text": "早"})
        assert early.status_code == 422 and early.json()["errors"][0]["field"] == "consultation"
    with time_machine.travel(C_START + dt.timedelta(hours=1), tick=False):
        comment = api(owner, "post", f"/consultations/{item_id}/comments", {"text": "费用偏高"},
                      HTTP_IDEMPOTENCY_KEY="k")
        assert comment.status_code == 201 and comment.json()["author"] == "1号楼业主"
        api(owner, "post", f"/consultations/{item_id}/comments", {"text": "费用偏高"},
            HTTP_IDEMPOTENCY_KEY="k")
        assert Comment.objects.count() == 1
        assert api(resident, "post", f"/consultations/{item_id}/comments",
                   {"text": "x"}).status_code == 403
        comment_id = comment.json()["id"]
        assert api(owner, "post", f"/comments/{comment_id}/answers",
                   {"text": "x"}).status_code == 403
        answer = api(manager, "post", f"/comments/{comment_id}/answers", {"text": "将重新询价"})
        assert answer.json()["answerer_role"] == "项目经理"
        early_close = api(committee, "post", f"/consultations/{item_id}/close", {"summary": "x"})
        assert early_close.status_code == 422
    with time_machine.travel(C_END, tick=False):
        closed = api(committee, "post", f"/consultations/{item_id}/close",
                     {"summary": "已重新询价", "vote_id": 99999})
        assert closed.status_code == 422
        body = api(committee, "post", f"/consultations/{item_id}/close",
                   {"summary": "已重新询价"}).json()
    assert body["status"] == "closed" and body["comments"][0]["answers"][0]["text"] == "将重新询价"

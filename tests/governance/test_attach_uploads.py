"""Every governance attach point refuses uploads the caller may not attach (core.uploads).

Ballot scans and authorisations, meeting minutes, consultation documents and proposal photos
through the API; vote documents (a page-only attach point) through their service. Each is tried
with another person's upload, the caller's own upload in another community, one already
attached to a record, and an id that does not exist: 422 with the field named and a Chinese
message, and nothing attached, no ballot, no log leaf.
"""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from sunlit.core.choices import Role
from sunlit.core.models import Upload
from sunlit.governance.consultations import services as consultations
from sunlit.governance.models import Ballot, VoteDocument
from sunlit.governance.proposals.models import Proposal
from sunlit.governance.votes import services
from sunlit.transparency.models import LogLeaf
from tests.factories import attachments_of, hostile_uploads, make_upload
from tests.governance.conftest import DURING
from tests.governance.meeting_fixtures import T0

CASES = ["another person's", "another community's", "already attached", "nonexistent"]


@pytest.fixture
def api(client):
    def call(user, method, path, payload=None):
        client.force_login(user)
        return getattr(client, method)(f"/api/v1{path}", payload, content_type="application/json")

    return call


def refused(answer, field: str) -> None:
    assert answer.status_code == 422, answer.content
    body = answer.json()
    assert [e["field"] for e in body["errors"]] == [field]
    message = body["errors"][0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def snapshot(ids) -> tuple:
    return attachments_of(ids), LogLeaf.objects.count(), Ballot.objects.count()


@pytest.fixture
def clerk(make_member):
    return make_member(Role.SERVICE, username="clerk", display_name="客服小李")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("field", ["scan_id", "authorisation_id"])
def test_entered_ballot_refuses_uploads_not_the_clerks(api, open_vote, estate, clerk, community,
                                                        other_community, case, field):
    vote = open_vote()
    bad = hostile_uploads(community, clerk, other_community)
    payload = {"unit_id": estate.units.u102.pk, "choice": "yes", "received_at": DURING.isoformat(),
               "channel": "paper" if field == "scan_id" else "proxy", "proxy_name": "周小周",
               field: bad[case]}
    if field == "authorisation_id":
        payload["scan_id"] = make_upload(community, clerk).pk
    before = snapshot(bad.values())
    with time_machine.travel(DURING, tick=False):
        answer = api(clerk, "post", f"/votes/{vote.pk}/entered-ballots", payload)
    refused(answer, field)
    assert snapshot(bad.values()) == before


def test_entered_ballot_takes_the_clerks_own_fresh_scan(api, open_vote, estate, clerk, community):
    vote = open_vote()
    scan = make_upload(community, clerk)
    with time_machine.travel(DURING, tick=False):
        answer = api(clerk, "post", f"/votes/{vote.pk}/entered-ballots", {
            "unit_id": estate.units.u102.pk, "choice": "yes", "received_at": DURING.isoformat(),
            "scan_id": scan.pk})
    assert answer.status_code == 201, answer.json()
    assert Ballot.objects.get().scan == scan
    # the same scan cannot go on a second ballot
    with time_machine.travel(DURING, tick=False):
        again = api(clerk, "post", f"/votes/{vote.pk}/entered-ballots", {
            "unit_id": estate.units.u201.pk, "choice": "no", "received_at": DURING.isoformat(),
            "scan_id": scan.pk})
    refused(again, "scan_id")


@pytest.mark.parametrize("case", CASES)
def test_minutes_refuse_documents_not_the_committees(api, held_meeting, committee, community,
                                                     other_community, case):
    meeting = held_meeting()
    bad = hostile_uploads(community, committee, other_community, kind="pdf")
    before = snapshot(bad.values())
    refused(api(committee, "post", f"/meetings/{meeting.pk}/minutes",
                {"document_id": bad[case], "text": "纪要"}), "document_id")
    assert snapshot(bad.values()) == before
    meeting.refresh_from_db()
    assert meeting.minutes_document is None and not meeting.minutes_sha256


def test_minutes_refuse_an_image_as_the_pdf(api, held_meeting, committee, community):
    meeting = held_meeting()
    image = make_upload(community, committee)
    refused(api(committee, "post", f"/meetings/{meeting.pk}/minutes",
                {"document_id": image.pk}), "document_id")


@pytest.mark.parametrize("case", CASES)
def test_consultation_documents_refuse_uploads_not_the_committees(api, consultation, committee,
                                                                  community, other_community,
                                                                  case):
    item = consultation(publish=False)
    bad = hostile_uploads(community, committee, other_community, kind="pdf")
    before = snapshot(bad.values())
    refused(api(committee, "post", f"/consultations/{item.pk}/documents",
                {"upload_id": bad[case], "title": "合同草案"}), "upload_id")
    assert snapshot(bad.values()) == before and not item.documents.exists()


def test_a_consultation_document_is_the_committees_own_upload(api, consultation, committee,
                                                              community, owner):
    """The reported attack: an owner's in-home ticket photo attached as a public document."""
    item = consultation(publish=False)
    photo = make_upload(community, owner)
    refused(api(committee, "post", f"/consultations/{item.pk}/documents",
                {"upload_id": photo.pk, "title": "现场照片"}), "upload_id")
    mine = make_upload(community, committee, kind="pdf")
    answer = api(committee, "post", f"/consultations/{item.pk}/documents",
                 {"upload_id": mine.pk, "title": "合同草案"})
    assert answer.status_code == 201, answer.json()
    assert item.documents.get().upload == mine


@pytest.mark.parametrize("case", CASES)
def test_proposal_photos_refuse_uploads_not_the_owners(api, estate, community, other_community,
                                                       case):
    owner = estate.people.owner
    bad = hostile_uploads(community, owner, other_community)
    before = snapshot(bad.values())
    refused(api(owner, "post", f"/communities/{community.pk}/proposals",
                {"title": "增设充电桩", "text": "北门", "photo_ids": [bad[case]]}), "photo_ids")
    assert snapshot(bad.values()) == before and not Proposal.objects.exists()


@pytest.mark.parametrize("case", CASES)
def test_vote_documents_refuse_uploads_not_the_committees(draft, committee, community,
                                                          other_community, case):
    vote = draft()
    bad = hostile_uploads(community, committee, other_community, kind="pdf")
    upload = Upload.objects.filter(pk=bad[case]).first()
    leaves = LogLeaf.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.add_document(vote, upload, actor=committee, title="方案")
    assert set(exc.value.message_dict) == {"upload"}
    assert not VoteDocument.objects.exists() and LogLeaf.objects.count() == leaves


def test_services_refuse_another_persons_upload_whatever_the_caller(consultation, committee,
                                                                    community, owner):
    """The services check the same rule as the API (pages store a fresh upload and call them)."""
    item = consultation(publish=False)
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError) as exc:
        consultations.add_document(item, make_upload(community, owner), actor=committee,
                                   title="照片")
    assert "本人" in exc.value.message_dict["upload"][0]

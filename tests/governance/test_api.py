"""The votes API: the same rules as the pages, the uniform error shape."""

from __future__ import annotations

import hashlib

import pytest
import time_machine
from django.urls import reverse

from sunlit.governance.models import Ballot, Vote
from sunlit.governance.votes import balloting, services
from tests.governance.conftest import CLOSES, DURING, OPENS, T0


@pytest.fixture
def api(client):
    def call(user, method, path, payload=None, **headers):
        client.force_login(user)
        send = getattr(client, method)
        if payload is None:
            return send(f"/api/v1{path}", **headers)
        return send(f"/api/v1{path}", payload, content_type="application/json", **headers)

    return call


def test_committee_creates_announces_and_opens(api, committee, community, estate):
    with time_machine.travel(T0, tick=False):
        answer = api(committee, "post", f"/communities/{community.pk}/votes", {
            "title": "选聘物业", "description": "公开招标选聘", "matter": "manager",
            "opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat()},
            HTTP_IDEMPOTENCY_KEY="k1")
        assert answer.status_code == 201, answer.json()
        vote_id = answer.json()["id"]
        again = api(committee, "post", f"/communities/{community.pk}/votes", {
            "title": "选聘物业", "description": "公开招标选聘", "matter": "manager",
            "opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat()},
            HTTP_IDEMPOTENCY_KEY="k1")
        assert again.json()["id"] == vote_id and Vote.objects.count() == 1
        assert api(committee, "post", f"/votes/{vote_id}/announce").json()["status"] == \
            "announced"
    with time_machine.travel(OPENS, tick=False):
        body = api(committee, "post", f"/votes/{vote_id}/open").json()
    assert body["status"] == "open" and body["participation"]["total_owners"] == 7
    assert body["participation"]["area_ratio"] == {"numerator": 0, "denominator": 1}


def test_owner_votes_and_sees_his_receipt_but_no_partial_tally(api, open_vote, estate):
    vote = open_vote()
    with time_machine.travel(DURING, tick=False):
        answer = api(estate.people.owner, "post", f"/votes/{vote.pk}/ballots",
                     {"unit_id": estate.units.u101.pk, "choice": "yes"})
        assert answer.status_code == 201
        body = api(estate.people.owner, "get", f"/votes/{vote.pk}").json()
    assert body["my_ballots"][0]["receipt"] == answer.json()["receipt"]
    assert body["participation"]["owners"] == 1 and body["result"] is None


@pytest.mark.parametrize("payload, field", [
    ({"unit_id": "x", "choice": "yes"}, "unit_id"),
    ({"choice": "yes"}, "unit_id"),
    ({"unit_id": 1, "choice": "maybe"}, "choice"),
])
def test_bad_ballots_get_field_errors(api, open_vote, estate, payload, field):
    vote = open_vote()
    with time_machine.travel(DURING, tick=False):
        answer = api(estate.people.owner, "post", f"/votes/{vote.pk}/ballots", payload)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    assert not Ballot.objects.exists()


def test_outside_scope_and_outside_window(api, open_vote, estate, other_community):
    from tests.factories import UnitFactory

    vote = open_vote()
    foreign = UnitFactory(building__community=other_community)
    with time_machine.travel(DURING, tick=False):
        answer = api(estate.people.owner, "post", f"/votes/{vote.pk}/ballots",
                     {"unit_id": foreign.pk, "choice": "yes"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "unit", "message": "该房屋不在本次表决范围内"}]
    with time_machine.travel(CLOSES, tick=False):
        answer = api(estate.people.owner, "post", f"/votes/{vote.pk}/ballots",
                     {"unit_id": estate.units.u101.pk, "choice": "yes"})
    assert answer.json()["errors"] == [{"field": "vote", "message": "投票已截止"}]
    with time_machine.travel(DURING, tick=False):
        answer = api(estate.people.neighbour, "post", f"/votes/{vote.pk}/ballots",
                     {"unit_id": estate.units.u101.pk, "choice": "yes"})
    assert answer.status_code == 403
    assert not Ballot.objects.exists()


def test_other_community_and_drafts_are_404(api, draft, open_vote, estate,
                                            owner_other_community):
    vote = open_vote()
    assert api(owner_other_community, "get", f"/votes/{vote.pk}").status_code == 404
    assert api(estate.people.owner, "get", f"/votes/{draft(title='草稿').pk}").status_code == 404
    assert api(estate.people.owner, "post", f"/votes/{vote.pk}/close").status_code == 403


def test_published_documents_retally_to_the_result(api, open_vote, estate, committee):
    vote = open_vote()
    balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="yes",
                          now=DURING)
    services.close_vote(vote, actor=committee, now=CLOSES)
    assert api(estate.people.owner, "get", f"/votes/{vote.pk}/ballot-list").status_code == 422
    services.publish_result(vote, actor=committee, now=CLOSES)
    electorate = api(estate.people.owner, "get", f"/votes/{vote.pk}/electorate").content
    ballots = api(estate.people.owner, "get", f"/votes/{vote.pk}/ballot-list").content
    vote.refresh_from_db()
    assert hashlib.sha256(electorate).hexdigest() == vote.electorate_sha256
    assert hashlib.sha256(ballots).hexdigest() == vote.result.ballots_sha256
    body = api(estate.people.owner, "get", f"/votes/{vote.pk}").json()
    assert body["result"]["passed"] is False
    assert body["result"]["thresholds"][0] == {
        "name": "participation_area", "value": {"numerator": 179, "denominator": 1779},
        "limit": {"numerator": 2, "denominator": 3}, "strict": False, "met": False}


def test_the_vote_list_filters_by_status_as_its_page_does(api, open_vote, draft, estate, committee,
                                                          community, client):
    """One filter set for the page and the API: ``?status=``; owners never see a draft, even
    when they ask for drafts by name; an unknown status is a 422 in the API, ignored on the page."""
    running = open_vote(title="续聘物业（进行中）")
    drafted = draft(title="更换电梯（草稿）")
    path = f"/communities/{community.pk}/votes"
    mine = api(committee, "get", f"{path}?status=open").json()
    assert [v["id"] for v in mine["items"]] == [running.pk]
    assert [v["id"] for v in api(committee, "get", f"{path}?status=draft").json()["items"]] \
        == [drafted.pk]
    assert api(estate.people.owner, "get", f"{path}?status=draft").json() == {"count": 0, "items": []}
    assert api(estate.people.owner, "get", path).json()["count"] == 1
    bad = api(committee, "get", f"{path}?status=maybe")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    client.force_login(committee)
    page = client.get(reverse("governance:vote_list"), {"status": "draft"}).content.decode()
    assert drafted.title in page and running.title not in page
    page = client.get(reverse("governance:vote_list"), {"status": "maybe"}).content.decode()
    assert drafted.title in page and running.title in page

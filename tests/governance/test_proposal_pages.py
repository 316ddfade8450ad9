"""Proposals over HTTP: the API (uniform errors, idempotency, scope) and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from sunlit.governance.proposals import services as proposals
from sunlit.governance.proposals.models import Proposal, ProposalSupport
from tests.governance.conftest import SHANGHAI

T = dt.datetime(2026, 5, 4, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def api(client):
    def call(user, method, path, payload=None, **headers):
        client.force_login(user)
        send = getattr(client, method)
        if payload is None:
            return send(f"/api/v1{path}", **headers)
        return send(f"/api/v1{path}", payload, content_type="application/json", **headers)

    return call


@pytest.fixture
def reached(community, committee, estate):
    proposals.set_policy(community, actor=committee, support_threshold=2, answer_days=7,
                         convene_days=15)
    proposal = proposals.submit_proposal(community, actor=estate.people.owner,
                                         title="增设快递柜", text="北门快递堆在地上", now=T)
    proposals.support_proposal(proposal, actor=estate.people.neighbour, now=T)
    proposals.support_proposal(proposal, actor=estate.people.co1, now=T)
    proposal.refresh_from_db()
    return proposal


def test_api_create_idempotent_support_and_detail(api, community, estate):
    path = f"/communities/{community.pk}/proposals"
    payload = {"title": "小区增设休息座椅", "text": "中心花园没有座椅", "category": "facilities"}
    first = api(estate.people.owner, "post", path, payload, HTTP_IDEMPOTENCY_KEY="p1")
    assert first.status_code == 201, first.json()
    again = api(estate.people.owner, "post", path, payload, HTTP_IDEMPOTENCY_KEY="p1")
    assert again.json()["id"] == first.json()["id"] and Proposal.objects.count() == 1
    body = first.json()
    assert body["author"] == "1号楼业主" and "王" not in str(body)
    pid = body["id"]
    answer = api(estate.people.neighbour, "post", f"/proposals/{pid}/support")
    assert answer.status_code == 201 and answer.json()["supporters"] == 1
    twice = api(estate.people.neighbour, "post", f"/proposals/{pid}/support")
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "proposal"
    own = api(estate.people.owner, "post", f"/proposals/{pid}/support")
    assert own.status_code == 422
    assert api(estate.people.neighbour, "get", f"/proposals/{pid}").json()["supported"] is True
    back = api(estate.people.neighbour, "delete", f"/proposals/{pid}/support")
    assert back.status_code == 200 and back.json()["supporters"] == 0


@pytest.mark.parametrize("payload, field", [
    ({"text": "x"}, "title"),
    ({"title": "t", "text": "x", "kind": "petition"}, "kind"),
    ({"title": "t", "text": "x", "photo_ids": ["a"]}, "photo_ids.0"),
    ({"title": "t" * 101, "text": "x"}, "title"),
])
def test_api_bad_input(api, community, estate, payload, field):
    answer = api(estate.people.owner, "post", f"/communities/{community.pk}/proposals", payload)
    assert answer.status_code == 422
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert Proposal.objects.count() == 0


def test_api_other_community_and_non_owner(api, community, estate, reached, resident,
                                           owner_other_community, upload, other_community):
    assert api(owner_other_community, "get", f"/proposals/{reached.pk}").status_code == 404
    assert api(owner_other_community, "post",
               f"/proposals/{reached.pk}/support").status_code == 404
    assert api(resident, "post", f"/communities/{community.pk}/proposals",
               {"title": "t", "text": "x"}).status_code == 403
    foreign = upload(other_community)
    answer = api(estate.people.owner, "post", f"/communities/{community.pk}/proposals",
                 {"title": "t", "text": "x", "photo_ids": [foreign.pk]})
    assert answer.status_code == 422 and Proposal.objects.count() == 1


def test_api_answer_convert_and_policy(api, community, reached, committee, manager, estate):
    path = f"/proposals/{reached.pk}/answer"
    assert api(manager, "post", path, {"decision": "accepted", "answer": "好"}).status_code == 403
    answer = api(committee, "post", path, {
        "decision": "to_vote", "answer": "交业主表决", "matter": "common_use",
        "opens_at": "2026-06-01T09:00:00+08:00", "closes_at": "2026-06-10T18:00:00+08:00"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "answered" and body["vote_id"] and body["decision"] == "to_vote"
    listed = api(estate.people.owner, "get",
                 f"/communities/{community.pk}/proposals?show=answered").json()["items"]
    assert [p["id"] for p in listed] == [reached.pk]
    policy = f"/communities/{community.pk}/governance-policy"
    new = {"support_threshold": 30, "answer_days": 10, "convene_days": 15,
           "interim_counts_area": False}
    assert api(estate.people.owner, "put", policy, new).status_code == 403
    # raising the threshold is the committee's: the manager gets a 403 that says how to ask
    refused = api(manager, "put", policy, new)
    assert refused.status_code == 403 and "业委会" in refused.json()["detail"]
    easier = {"support_threshold": 1, "answer_days": 5, "convene_days": 15,
              "interim_counts_area": False}
    assert api(manager, "put", policy, easier).json()["support_threshold"] == 1
    assert api(committee, "put", policy, new).json()["support_threshold"] == 30
    assert api(manager, "put", policy, {**new, "answer_days": 0}).status_code == 422


def test_api_overdue_days(api, community, reached, estate):
    with time_machine.travel(reached.answer_due + dt.timedelta(days=2, hours=1), tick=False):
        body = api(estate.people.owner, "get",
                   f"/communities/{community.pk}/proposals?show=overdue").json()["items"]
    assert body[0]["id"] == reached.pk and body[0]["overdue_days"] == 2


# --- pages ---------------------------------------------------------------------------------------

@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_list_filters_and_overdue_badge(login, reached, estate, django_assert_max_num_queries):
    with time_machine.travel(reached.answer_due + dt.timedelta(days=3), tick=False):
        client = login(estate.people.owner)
        with django_assert_max_num_queries(20):
            page = client.get(reverse("proposals:proposal_list"))
        html = page.content.decode()
        assert page.status_code == 200 and "增设快递柜" in html and "逾期未答复 3 天" in html
        empty = client.get(reverse("proposals:proposal_list") + "?show=open").content.decode()
        assert "增设快递柜" not in empty
        partial = client.get(reverse("proposals:proposal_list") + "?show=overdue",
                             HTTP_HX_REQUEST="true").content.decode()
        assert "增设快递柜" in partial and "<html" not in partial
        detail = client.get(reverse("proposals:proposal", args=[reached.pk])).content.decode()
        assert "已逾期 3 天" in detail


def test_owner_proposes_and_neighbour_supports_on_the_page(login, estate, community):
    client = login(estate.people.owner)
    answer = client.post(reverse("proposals:proposal_create"), {
        "kind": "idea", "title": "地库增加照明", "category": "facilities",
        "text": "地库B区太暗"})
    proposal = Proposal.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("proposals:proposal",
                                                               args=[proposal.pk])
    bad = client.post(reverse("proposals:proposal_create"), {"kind": "idea", "title": "",
                                                             "category": "other", "text": "x"})
    assert bad.status_code == 200 and Proposal.objects.count() == 1
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert 'data-testid="support"' not in page  # not his own
    neighbour = login(estate.people.neighbour)
    assert 'data-testid="support"' in neighbour.get(
        reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    neighbour.post(reverse("proposals:support", args=[proposal.pk]))
    assert ProposalSupport.objects.filter(user=estate.people.neighbour).exists()


def test_committee_answers_on_the_page(login, reached, committee, estate):
    client = login(committee)
    page = client.get(reverse("proposals:proposal", args=[reached.pk])).content.decode()
    assert 'data-testid="answer-form"' in page
    bad = client.post(reverse("proposals:answer", args=[reached.pk]),
                      {"decision": "accepted", "answer": ""})
    assert bad.status_code == 422
    done = client.post(reverse("proposals:answer", args=[reached.pk]),
                       {"decision": "accepted", "answer": "采纳，下月安装"})
    assert done.status_code == 302
    reached.refresh_from_db()
    assert reached.status == "answered"
    owner_page = login(estate.people.owner).get(
        reverse("proposals:proposal", args=[reached.pk])).content.decode()
    assert "采纳，下月安装" in owner_page and 'data-testid="answer-form"' not in owner_page
    assert login(estate.people.owner).post(reverse("proposals:answer", args=[reached.pk]),
                                           {"decision": "declined",
                                            "answer": "x"}).status_code == 403


def test_interim_page_shows_progress(login, community, estate):
    request = proposals.submit_proposal(community, actor=estate.people.owner,
                                        kind="interim", title="临时业主大会", text="改选业委会")
    html = login(estate.people.neighbour).get(
        reverse("proposals:proposal", args=[request.pk])).content.decode()
    assert "1 / 7" in html and "我也联署" in html


def test_policy_page(login, committee, estate):
    client = login(committee)
    answer = client.post(reverse("proposals:policy"), {"support_threshold": "5",
                                                       "answer_days": "10",
                                                       "convene_days": "15"})
    assert answer.status_code == 302
    assert login(estate.people.owner).post(reverse("proposals:policy"), {
        "support_threshold": "1", "answer_days": "1", "convene_days": "1"}).status_code == 403

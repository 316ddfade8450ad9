"""Owner-side controls (governance/controls/): the vote lifecycle and the one mechanism by
which a company-side change that weakens a protection takes effect only when the committee
confirms it. The thresholds, the board and the witnesses have their own tests in
tests/finance, tests/board and tests/transparency."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlChange, ControlKind, ControlStatus
from sunlit.governance.models import Vote
from sunlit.governance.proposals import selectors as select
from sunlit.governance.proposals import services as proposals
from sunlit.governance.votes import balloting, services
from sunlit.governance.votes.choices import MatterKind, VoteStatus
from sunlit.notices.models import Notification
from sunlit.transparency.models import LogLeaf
from tests.factories import MembershipFactory
from tests.governance.conftest import CLOSES, DURING, OPENS, T0

KIND = ControlKind


@pytest.fixture
def dual(make_member, community):
    """A committee member who also holds a company role: he counts as the company."""
    user = make_member(Role.COMMITTEE, username="dual", display_name="兼职经理")
    MembershipFactory(user=user, community=community, role=Role.MANAGER)
    return user


@pytest.fixture
def member2(make_member):
    return make_member(Role.COMMITTEE, username="committee2", display_name="业委会李委员")


def leaves(kind):
    return [json.loads(leaf.data) for leaf in
            LogLeaf.objects.filter(event_type=kind).order_by("index")]


def state():
    """What a refusal must leave untouched: rows, log leaves, notifications, audit."""
    return (ControlChange.objects.count(), LogLeaf.objects.count(), Notification.objects.count(),
            AuditEvent.objects.count(), list(Vote.objects.values_list("status", "closes_at")))


@pytest.fixture
def dismissal(open_vote):
    """An open vote to dismiss the company — what a company would most like to cancel."""
    return open_vote(title="解聘阳光物业服务有限公司", matter=MatterKind.MANAGER,
                     description="物业服务质量差，提请解聘。")


# --- the vote lifecycle ----------------------------------------------------------------------------

def test_the_manager_cannot_cancel_an_open_vote_alone(dismissal, manager, company_admin, dual):
    before = state()
    for who in (manager, company_admin, dual):
        with pytest.raises(PermissionDenied) as exc:
            services.cancel_vote(dismissal, actor=who, reason="流程有误", now=DURING)
        assert "由业委会决定" in str(exc.value)
        with pytest.raises(PermissionDenied):  # nor through the controls without proposing
            controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                    {"vote": dismissal.pk, "reason": "流程有误"}, actor=who,
                                    reason="流程有误", propose=False, now=DURING)
    assert state() == before


def test_a_cancel_proposal_takes_effect_only_when_the_committee_confirms(
        dismissal, manager, committee, member2):
    community = dismissal.community
    change = controls.request_change(community, KIND.VOTE_CANCEL,
                                     {"vote": dismissal.pk, "reason": "公告材料有误"},
                                     actor=manager, reason="公告材料有误", now=DURING)
    assert change.status == ControlStatus.PENDING and change.weakens
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.OPEN
    [proposed] = leaves("governance.control.proposed")
    assert proposed["public"]["kind"] == "governance.vote_cancel"
    assert proposed["public"]["proposed_by"] == {"side": "company", "name": "刘经理"}
    # every committee member hears of it, once; the manager does not
    assert Notification.objects.filter(object_type="governance.controlchange").count() == 2
    assert set(Notification.objects.filter(object_type="governance.controlchange")
               .values_list("recipient_id", flat=True)) == {committee.pk, member2.pk}
    # a second proposal for the same vote waits for the first
    with pytest.raises(ValidationError) as exc:
        controls.request_change(community, KIND.VOTE_CANCEL,
                                {"vote": dismissal.pk, "reason": "再提一次"}, actor=manager,
                                reason="再提一次", now=DURING)
    assert "已有一项同类变更在等待业委会确认" in exc.value.message_dict["kind"][0]
    change = controls.confirm_change(change, actor=committee, note="同意撤销，重新公告",
                                     now=DURING + dt.timedelta(hours=1))
    vote = Vote.objects.get(pk=dismissal.pk)
    assert vote.status == VoteStatus.CANCELLED and vote.cancel_reason == "公告材料有误"
    assert (change.status, change.proposed_by, change.decided_by) == (
        ControlStatus.APPLIED, manager, committee)
    [applied] = leaves("governance.control.applied")
    assert applied["public"]["confirmed_by"] == {"side": "committee"}  # an owner: by role
    assert applied["public"]["direct"] is False and set(applied["commitments"]) == {
        "confirmer_name"}
    assert leaves("governance.vote.cancelled")[0]["public"]["status_from"] == "open"
    assert Notification.objects.filter(recipient=manager, title__startswith="业委会已确认").exists()


def test_the_committee_may_refuse_and_nothing_changes(dismissal, manager, committee):
    change = controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                     {"vote": dismissal.pk, "reason": "流程有误"}, actor=manager,
                                     reason="流程有误", now=DURING)
    with pytest.raises(ValidationError) as exc:
        controls.reject_change(change, actor=committee, reason="")
    assert exc.value.message_dict == {"reason": ["请填写理由"]}
    change = controls.reject_change(change, actor=committee, reason="业主有权表决，不同意撤销")
    assert change.status == ControlStatus.REJECTED
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.OPEN
    assert not leaves("governance.vote.cancelled")
    assert leaves("governance.control.rejected")[0]["public"]["by"] == {"side": "committee"}
    with pytest.raises(ValidationError):  # decided once
        controls.confirm_change(change, actor=committee)


@pytest.mark.parametrize("who", ["manager", "company_admin", "dual", "service", "owner",
                                 "auditor"])
def test_only_a_committee_member_without_a_company_role_confirms(dismissal, manager, who,
                                                                  request, estate):
    change = controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                     {"vote": dismissal.pk, "reason": "流程有误"}, actor=manager,
                                     reason="流程有误", now=DURING)
    actor = estate.people.owner if who == "owner" else request.getfixturevalue(who)
    before = state()
    with pytest.raises(PermissionDenied):
        controls.confirm_change(change, actor=actor, now=DURING)
    with pytest.raises(PermissionDenied):
        controls.reject_change(change, actor=actor, reason="不同意")
    assert state() == before
    assert ControlChange.objects.get(pk=change.pk).status == ControlStatus.PENDING


def test_only_the_proposer_withdraws(dismissal, manager, company_admin, committee):
    change = controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                     {"vote": dismissal.pk, "reason": "流程有误"}, actor=manager,
                                     reason="流程有误", now=DURING)
    with pytest.raises(PermissionDenied):
        controls.withdraw_change(change, actor=company_admin)
    with pytest.raises(PermissionDenied):
        controls.withdraw_change(change, actor=committee)
    change = controls.withdraw_change(change, actor=manager)
    assert change.status == ControlStatus.WITHDRAWN
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.OPEN
    assert len(leaves("governance.control.withdrawn")) == 1


def test_a_proposal_needs_a_reason_and_valid_parameters(dismissal, manager):
    before = state()
    with pytest.raises(ValidationError) as exc:
        controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                {"vote": dismissal.pk, "reason": "x"}, actor=manager, now=DURING)
    assert exc.value.message_dict == {"reason": ["请填写理由"]}
    with pytest.raises(ValidationError) as exc:
        controls.request_change(dismissal.community, KIND.VOTE_CANCEL, {"vote": 999999,
                                "reason": "x"}, actor=manager, reason="x", now=DURING)
    assert exc.value.message_dict == {"vote": ["请选择本小区的表决"]}
    with pytest.raises(ValidationError) as exc:
        controls.request_change(dismissal.community, "gossip", {}, actor=manager)
    assert exc.value.message_dict == {"kind": ["没有这项管控事项"]}
    assert state() == before


def test_a_proposal_still_checked_when_confirmed(dismissal, manager, committee):
    """A proposal confirmed after the vote closed is refused then: nothing changes."""
    change = controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                     {"vote": dismissal.pk, "reason": "流程有误"}, actor=manager,
                                     reason="流程有误", now=DURING)
    services.close_vote(dismissal, actor=committee, now=CLOSES)
    with pytest.raises(ValidationError) as exc:
        controls.confirm_change(change, actor=committee, now=CLOSES)
    assert "截止后不能撤销" in exc.value.message_dict["status"][0]
    assert ControlChange.objects.get(pk=change.pk).status == ControlStatus.PENDING
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.CLOSED


def test_announcing_is_the_committees(draft, manager, committee, community):
    vote = draft(actor=manager, title="车位管理费调整")
    assert not vote.owner_side_draft
    with pytest.raises(PermissionDenied):
        services.announce_vote(vote, actor=manager, now=T0)
    change = controls.request_change(community, KIND.VOTE_ANNOUNCE, {"vote": vote.pk},
                                     actor=manager, reason="请业委会公告", now=T0)
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.DRAFT
    controls.confirm_change(change, actor=committee, now=T0)
    vote.refresh_from_db()
    assert (vote.status, vote.announced_by) == (VoteStatus.ANNOUNCED, committee)
    # the schedule opens it at the announced time, whoever runs the step
    services.open_vote(vote, actor=manager, now=OPENS)
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.OPEN


def test_the_committees_draft_is_the_committees(draft, manager, committee, upload):
    vote = draft()  # drafted by the committee
    assert vote.owner_side_draft
    before = state()
    with pytest.raises(PermissionDenied):
        services.update_vote(vote, actor=manager, title="改掉标题")
    with pytest.raises(PermissionDenied):
        services.add_document(vote, upload(), actor=manager, title="材料")
    with pytest.raises(PermissionDenied):
        services.cancel_vote(vote, actor=manager, reason="不办了")
    assert state() == before
    # a draft of the company's own is the company's to drop
    own = draft(actor=manager, title="物业自拟")
    services.cancel_vote(own, actor=manager, reason="不办了")
    assert Vote.objects.get(pk=own.pk).status == VoteStatus.CANCELLED


def test_extension_by_the_committee_with_its_bounds(dismissal, committee, manager):
    community = dismissal.community
    later = CLOSES + dt.timedelta(days=7)
    with pytest.raises(PermissionDenied):
        services.extend_vote(dismissal, actor=manager, closes_at=later, now=DURING)
    for bad, message in (
            (CLOSES, "新的截止时间须晚于现在的截止时间"),
            (CLOSES + dt.timedelta(days=30, seconds=1), "最多延长至公告截止时间后 30 天"),
            (dt.datetime(2026, 4, 1, 10, 0), "请填写完整的日期和时间")):
        with pytest.raises(ValidationError) as exc:
            services.extend_vote(dismissal, actor=committee, closes_at=bad, now=DURING)
        assert message in exc.value.message_dict["closes_at"][0]
    with pytest.raises(ValidationError):  # after the close nobody extends
        services.extend_vote(dismissal, actor=committee, closes_at=later, now=CLOSES)
    assert not leaves("governance.vote.extended")
    change = controls.request_change(community, KIND.VOTE_EXTEND,
                                     {"vote": dismissal.pk, "closes_at": later.isoformat()},
                                     actor=manager, reason="参与率不足三分之二", now=DURING)
    controls.confirm_change(change, actor=committee, now=DURING)
    vote = Vote.objects.get(pk=dismissal.pk)
    assert (vote.closes_at, vote.announced_closes_at) == (later, CLOSES)
    [extended] = leaves("governance.vote.extended")
    assert extended["public"]["closes_at"].startswith("2026-03-31T10:00")
    # the limit counts from the announced close, not from the last extension
    with pytest.raises(ValidationError):
        services.extend_vote(dismissal, actor=committee,
                             closes_at=CLOSES + dt.timedelta(days=31), now=DURING)
    services.extend_vote(dismissal, actor=committee, closes_at=CLOSES + dt.timedelta(days=30),
                         now=DURING)
    # owners may vote until the new close
    balloting.cast_ballot(vote, vote.electorate.first().unit, actor=vote.electorate.first()
                          .voters.first().person.user, choice="yes",
                          now=CLOSES + dt.timedelta(days=1))


def test_direct_changes_are_recorded_too(dismissal, committee):
    change = controls.request_change(dismissal.community, KIND.VOTE_EXTEND, {
        "vote": dismissal.pk, "closes_at": (CLOSES + dt.timedelta(days=3)).isoformat()},
        actor=committee, now=DURING)
    assert change.status == ControlStatus.APPLIED and change.was_direct
    [applied] = leaves("governance.control.applied")
    assert applied["public"]["direct"] is True
    assert applied["public"]["proposed_by"] == {"side": "committee"}


# --- the proposal rules (金点子 threshold, deadlines) ------------------------------------------------

def test_the_company_may_ease_the_proposal_rules_but_not_tighten_them(community, manager,
                                                                      committee):
    eased = controls.request_change(community, KIND.GOVERNANCE_POLICY,
                                    {"support_threshold": 10}, actor=manager)
    assert eased.status == ControlStatus.APPLIED and not eased.weakens
    assert select.policy_for(community).support_threshold == 10
    tightened = controls.request_change(community, KIND.GOVERNANCE_POLICY,
                                        {"support_threshold": 200, "interim_counts_area": True},
                                        actor=manager, reason="避免滥提")
    assert tightened.status == ControlStatus.PENDING
    assert select.policy_for(community).support_threshold == 10
    controls.confirm_change(tightened, actor=committee)
    policy = select.policy_for(community)
    assert (policy.support_threshold, policy.interim_counts_area) == (200, True)
    assert controls.request_change(community, KIND.GOVERNANCE_POLICY,
                                   {"support_threshold": 200}, actor=manager) is None
    with pytest.raises(PermissionDenied):
        proposals.set_policy(community, actor=manager, support_threshold=300, answer_days=15,
                             convene_days=15, interim_counts_area=True)


# --- pages and API ----------------------------------------------------------------------------------

@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_pages_manager_proposes_committee_confirms_owners_see(login, dismissal, manager,
                                                               committee, estate):
    import time_machine

    with time_machine.travel(DURING, tick=False):
        answer = login(manager).post(
            reverse("governance:vote_action", args=[dismissal.pk, "cancel"]),
            {"reason": "公告材料有误"}, follow=True)
    assert "已提交业委会确认" in answer.content.decode()
    change = ControlChange.objects.get()
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.OPEN
    # every owner sees the proposal and who made it
    page = login(estate.people.owner).get(reverse("governance:control_list"))
    assert page.status_code == 200 and "公告材料有误" in page.content.decode()
    page = login(estate.people.owner).get(reverse("governance:control_change", args=[change.pk]))
    text = page.content.decode()
    assert "刘经理" in text and "待业委会确认" in text and "同意，立即生效" not in text
    # the owner cannot decide it (403), nor can the manager
    for who in (estate.people.owner, manager):
        refused = login(who).post(reverse("governance:control_action",
                                          args=[change.pk, "confirm"]))
        assert refused.status_code == 403
    # the committee member decides on his phone page
    page = login(committee).get(reverse("governance:control_change", args=[change.pk]))
    assert "同意，立即生效" in page.content.decode()
    with time_machine.travel(DURING, tick=False):
        login(committee).post(reverse("governance:control_action", args=[change.pk, "reject"]),
                              {"reason": ""})
        assert ControlChange.objects.get().status == ControlStatus.PENDING
        answer = login(committee).post(
            reverse("governance:control_action", args=[change.pk, "confirm"]), follow=True)
    assert "已确认，变更已生效" in answer.content.decode()
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.CANCELLED
    page = login(estate.people.owner).get(reverse("governance:vote", args=[dismissal.pk]))
    assert page.status_code == 200


def test_pages_of_another_community_are_404(login, dismissal, manager, owner_other_community):
    change = controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                                     {"vote": dismissal.pk, "reason": "x"}, actor=manager,
                                     reason="x", now=DURING)
    client = login(owner_other_community)
    assert client.get(reverse("governance:control_change", args=[change.pk])).status_code == 404
    assert client.post(reverse("governance:control_action",
                               args=[change.pk, "confirm"])).status_code == 404


@pytest.fixture
def api(client):
    def call(user, method, path, data=None):
        client.force_login(user)
        return getattr(client, method)(f"/api/v1{path}", data=data,
                                       content_type="application/json")

    return call


def test_api_propose_confirm_and_refusals(api, dismissal, manager, committee, estate,
                                          owner_other_community):
    community = dismissal.community
    path = f"/communities/{community.pk}/control-changes"
    # the vote's own endpoint is the committee's: the manager gets a 403 saying how to ask
    refused = api(manager, "post", f"/votes/{dismissal.pk}/cancel", {"reason": "流程有误"})
    assert refused.status_code == 403 and "变更申请" in refused.json()["detail"]
    bad = api(manager, "post", path, {"kind": "governance.vote_cancel",
                                      "params": {"vote": dismissal.pk}, "reason": "x"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "reason", "message": "请填写撤销原因（最多 200 个字）"}]
    assert api(manager, "post", path, {"kind": "nope", "params": {}}).status_code == 422
    assert not ControlChange.objects.exists()
    made = api(manager, "post", path, {"kind": "governance.vote_cancel",
                                       "params": {"vote": dismissal.pk, "reason": "流程有误"},
                                       "reason": "流程有误"})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "pending" and body["proposed_side"] == "company"
    listed = api(estate.people.owner, "get", path).json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]
    assert api(owner_other_community, "get", f"/control-changes/{body['id']}").status_code == 404
    assert api(manager, "post", f"/control-changes/{body['id']}/confirm", {}).status_code == 403
    done = api(committee, "post", f"/control-changes/{body['id']}/confirm", {"note": "同意"})
    assert done.status_code == 200 and done.json()["status"] == "applied"
    assert done.json()["decided_side"] == "committee"
    assert Vote.objects.get(pk=dismissal.pk).status == VoteStatus.CANCELLED


def test_api_committee_extends_directly(api, dismissal, committee):
    import time_machine

    with time_machine.travel(DURING, tick=False):
        answer = api(committee, "post", f"/votes/{dismissal.pk}/extend",
                     {"closes_at": "2026-03-30T10:00:00+08:00"})
        assert answer.status_code == 200, answer.json()
        assert dt.datetime.fromisoformat(answer.json()["closes_at"].replace("Z", "+00:00")) \
            == CLOSES + dt.timedelta(days=6)
        naive = api(committee, "post", f"/votes/{dismissal.pk}/extend",
                    {"closes_at": "2026-03-31T10:00:00"})
    assert naive.status_code == 422
    assert ControlChange.objects.get().was_direct


def test_resolve_api_for_the_owner(api, dismissal, estate, service, committee, upload):
    neighbour = estate.people.neighbour
    balloting.cast_ballot(dismissal, estate.units.u102, actor=neighbour, choice="no", now=DURING)
    paper = balloting.enter_ballot(dismissal, estate.units.u102, actor=service, choice="yes",
                                   received_at=DURING, scan=upload(by=service),
                                   now=DURING + dt.timedelta(hours=1))
    balloting.confirm_ballot(paper, actor=committee, now=DURING + dt.timedelta(hours=1))
    import time_machine

    with time_machine.travel(DURING + dt.timedelta(hours=2), tick=False):
        mine = api(neighbour, "get", f"/votes/{dismissal.pk}").json()["my_ballots"][0]
        assert mine["entered"][0]["status"] == "held" and mine["choice"] == "no"
        assert api(neighbour, "post", f"/ballots/{paper.pk}/resolve",
                   {"decision": "maybe"}).status_code == 422
        assert api(estate.people.owner, "post", f"/ballots/{paper.pk}/resolve",
                   {"decision": "accept"}).status_code == 404
        answer = api(neighbour, "post", f"/ballots/{paper.pk}/resolve", {"decision": "accept"})
    assert answer.status_code == 200 and answer.json()["is_current"] is True
    assert answer.json()["receipt"]  # the owner now holds this ballot's receipt


def test_page_manager_asks_the_committee_to_announce_his_draft(login, draft, manager, committee):
    import time_machine

    vote = draft(actor=manager, title="车位管理费调整")
    page = login(manager).get(reverse("governance:vote", args=[vote.pk])).content.decode()
    assert "提请业委会公告" in page
    with time_machine.travel(T0, tick=False):
        answer = login(manager).post(reverse("governance:vote_action",
                                             args=[vote.pk, "announce"]), {}, follow=True)
    assert "已提交业委会确认" in answer.content.decode()
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.DRAFT
    page = login(committee).get(reverse("governance:vote", args=[vote.pk])).content.decode()
    assert "待业委会确认" in page
    change = ControlChange.objects.get()
    with time_machine.travel(T0, tick=False):
        login(committee).post(reverse("governance:control_action", args=[change.pk, "confirm"]))
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.ANNOUNCED


def test_free_text_on_the_log_is_masked(dismissal, manager):
    controls.request_change(dismissal.community, KIND.VOTE_CANCEL,
                            {"vote": dismissal.pk, "reason": "业主13812345678反映材料有误"},
                            actor=manager, reason="业主13812345678反映材料有误", now=DURING)
    [proposed] = leaves("governance.control.proposed")
    assert "13812345678" not in json.dumps(proposed, ensure_ascii=False)


def test_a_change_is_summarised_in_chinese_whatever_the_proposers_language(community, manager):
    """The summary is stored and goes on the log: Chinese, also when the proposer reads English;
    a yes/no setting reads 是/否, not Python's True/False."""
    from django.utils import translation

    with translation.override("en"):
        change = controls.request_change(
            community, KIND.GOVERNANCE_POLICY,
            {"support_threshold": 10, "answer_days": 15, "convene_days": 15,
             "interim_counts_area": True}, actor=manager, reason="须同时达到面积")
    assert "须同时达到20%面积 否 → 是" in change.summary
    assert "True" not in change.summary and "False" not in change.summary

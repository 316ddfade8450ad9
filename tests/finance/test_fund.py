"""The maintenance fund: deposits per household, uses by vote or emergency, the exact split."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlit.core.choices import Role
from sunlit.core.models import Membership
from sunlit.finance.books import ledger
from sunlit.finance.fund import services as fund
from sunlit.finance.fund.choices import FundUseStatus
from sunlit.finance.models import FundAccount, FundUse, JournalEntry
from sunlit.governance.votes import balloting
from sunlit.governance.votes import services as votes
from sunlit.governance.votes.choices import MatterKind, VoteScope
from sunlit.transparency import merkle
from sunlit.transparency.models import LogLeaf
from tests.factories import OwnershipFactory, PersonFactory, UnitFactory, UserFactory
from tests.finance.conftest import NOW
from tests.finance.money_fixtures import TODAY, storage_dir  # noqa: F401

D = Decimal
T0 = NOW - dt.timedelta(days=40)


def last_event(kind: str) -> dict:
    return json.loads(LogLeaf.objects.filter(event_type=kind).order_by("-index").first().data)["public"]


# --- the split ---------------------------------------------------------------------------------------


def test_largest_remainder_gives_the_odd_fen_to_the_largest_remainders():
    assert fund.largest_remainder(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert fund.largest_remainder(D("0.05"), [D("89.50"), D("120.33"), D("60.01")]) == [
        D("0.02"), D("0.02"), D("0.01")]
    with pytest.raises(ValueError):
        fund.largest_remainder(D("1.00"), [D(0)])


@settings(max_examples=300, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**11),
       areas=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60)
       .filter(lambda a: sum(a) > 0))
def test_shares_sum_to_the_cost_and_each_is_within_a_fen_of_its_exact_share(total, areas):
    cost = D(total).scaleb(-2)
    weights = [D(a).scaleb(-2) for a in areas]
    shares = fund.largest_remainder(cost, weights)
    assert sum(shares) == cost
    whole = sum(areas)
    for share, area in zip(shares, areas, strict=True):
        exact = Fraction(total * area, whole)  # in fen
        assert abs(Fraction(int(share * 100)) - exact) < 1
        assert share >= 0 and share == share.quantize(D("0.01"))


# --- deposits ------------------------------------------------------------------------------------------


@pytest.fixture
def funded(books, finance, homes):
    """Every home paid the initial contribution at 50 元/㎡: 4475.00, 6016.50, 3000.50."""
    return fund.collect_initial(books, actor=finance, rate="50", deposited_on=TODAY, now=NOW)


def balances(homes):
    return [FundAccount.objects.get(unit=u).balance for u in homes]


def test_initial_collection_by_area_credits_each_household(funded, books, homes):
    assert balances(homes) == [D("4475.00"), D("6016.50"), D("3000.50")]
    assert funded.total == D("13492.00") and funded.units == 3
    assert ledger.balances(books)["2244"]["balance"] == D("13492.00")
    event = last_event("finance.fund.deposited")
    assert event["units"] == 3 and event["split_root"] == funded.split_root
    rows = [fund.Row(u.pk, u.label, u.area, b).document()
            for u, b in zip(homes, balances(homes), strict=True)]
    assert fund.split_root(rows) == funded.split_root
    statement = list(fund.unit_statement(homes[0]))
    assert [(x.credit, x.entry.number) for x in statement] == [(D("4475.00"), event["entries"][0])]


def test_initial_collection_twice_is_refused(funded, books, finance):
    with pytest.raises(ValidationError, match="已归集"):
        fund.collect_initial(books, actor=finance, rate="50", deposited_on=TODAY, now=NOW)


@pytest.mark.parametrize(("deposits", "field"), [
    ("bad", "deposits.0"), ([("u", "10")], "deposits.0"), ([(0, "-5")], "deposits.0"),
    ([(0, "1.001")], "deposits.0"), ([(0, "5"), (0, "5")], "deposits.1"), ([], "deposits"),
])
def test_bad_deposits_are_refused_with_nothing_written(books, finance, homes, deposits, field):
    if isinstance(deposits, list):
        deposits = [(homes[u] if isinstance(u, int) else u, a) for u, a in deposits]
    with pytest.raises(ValidationError) as exc:
        fund.record_deposits(books, actor=finance, deposits=deposits, deposited_on=TODAY, now=NOW)
    assert field in exc.value.message_dict
    assert not FundAccount.objects.exists() and not JournalEntry.objects.exists()


def test_deposit_for_another_communitys_unit_is_refused(books, finance, other_community):
    foreign = UnitFactory(building__community=other_community)
    with pytest.raises(ValidationError, match="不属于本小区"):
        fund.record_deposits(books, actor=finance, deposits=[(foreign, "100")], deposited_on=TODAY, now=NOW)


# --- votes ----------------------------------------------------------------------------------------------


@pytest.fixture
def passed_vote(community, committee, homes, owner):
    """passed_vote(matter=..., choice=..., publish=True): a vote of the three homes' owners."""

    def make(matter=MatterKind.USE_FUND, choice="yes", publish=True, target=None, actor=None):
        target, actor = target or community, actor or committee
        units = homes if target == community else [UnitFactory(building__community=target)]
        voters = []
        for n, unit in enumerate(units):
            if target == community and unit == homes[0]:
                voters.append(owner)
                continue
            user = UserFactory(username=f"voter-{target.pk}-{n}-{matter}-{choice}")
            Membership.objects.create(user=user, community=target, role=Role.OWNER)
            OwnershipFactory(unit=unit, person=PersonFactory(community=target, user=user))
            voters.append(user)
        vote = votes.create_vote(target, actor=actor, title="更换 1 号楼屋面防水层", description="见方案",
                                 matter=matter, scope=VoteScope.UNITS, units=units,
                                 opens_at=T0 + dt.timedelta(days=15), closes_at=T0 + dt.timedelta(days=20))
        votes.announce_vote(vote, actor=actor, now=T0)
        votes.open_vote(vote, actor=actor, now=T0 + dt.timedelta(days=15))
        for unit, user in zip(units, voters, strict=True):
            balloting.cast_ballot(vote, unit, actor=user, choice=choice, now=T0 + dt.timedelta(days=16))
        votes.close_vote(vote, actor=actor, now=T0 + dt.timedelta(days=21))
        if publish:
            votes.publish_result(vote, actor=actor, now=T0 + dt.timedelta(days=21))
        vote.refresh_from_db()
        return vote

    return make


def use(community, finance, **kw):
    args = {"title": "更换 1 号楼屋面防水层", "contractor": "上海建工防水工程有限公司", "amount": "3000.00",
            "used_on": TODAY, "basis": "vote", "scope": "units", "now": NOW}
    return fund.create_fund_use(community, actor=finance, **(args | kw))


def test_use_by_a_passed_vote_is_split_by_area_and_posted(funded, books, finance, homes, passed_vote,
                                                          receipt, committee):
    vote = passed_vote()
    pending = use(books, finance, vote=vote, units=homes, documents=[receipt(finance)])
    # the owners decided; a committee member checks that this is what they decided
    assert pending.status == FundUseStatus.PENDING and balances(homes)[0] == D("4475.00")
    done = fund.approve_fund_use(pending, actor=committee, now=NOW)
    assert done.status == FundUseStatus.POSTED
    shares = [D(r["amount"]) for r in done.split]
    assert shares == [D("995.04"), D("1337.79"), D("667.17")] and sum(shares) == D("3000.00")
    assert balances(homes) == [D("4475.00") - shares[0], D("6016.50") - shares[1], D("3000.50") - shares[2]]
    assert ledger.balances(books)["2244"]["balance"] == D("10492.00")
    event = last_event("finance.fund.used")
    assert event["vote"] == vote.pk and event["beneficiaries"] == 3 and event["split_root"] == done.split_root
    assert [a["side"] for a in event["approvers"]] == ["committee"]
    proof = fund.share_proof(done.split, homes[1].pk)
    merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"], fund.leaf_of(proof["row"]),
                            [bytes.fromhex(h) for h in proof["inclusion_proof"]],
                            bytes.fromhex(done.split_root))
    assert ledger.trial_balance_ok(books)


def test_use_without_vote_or_emergency_is_refused(funded, books, finance, homes):
    for basis, field in (("", "basis"), ("vote", "vote")):
        with pytest.raises(ValidationError) as exc:
            use(books, finance, basis=basis, units=homes)
        assert field in exc.value.message_dict
    assert not FundUse.objects.exists()


def test_vote_of_wrong_kind_unpublished_failed_or_other_community_refused(
        funded, books, finance, homes, passed_vote, other_community, make_member):
    wrong_kind = passed_vote(matter=MatterKind.MANAGER)
    with pytest.raises(ValidationError, match="不是“使用维修资金”"):
        use(books, finance, vote=wrong_kind, units=homes)
    failed = passed_vote(choice="no")
    with pytest.raises(ValidationError, match="未获通过"):
        use(books, finance, vote=failed, units=homes)
    foreign_committee = make_member(Role.COMMITTEE, other_community, username="c-other")
    foreign = passed_vote(target=other_community, actor=foreign_committee)
    with pytest.raises(ValidationError, match="本小区"):
        use(books, finance, vote=foreign, units=homes)
    assert not FundUse.objects.exists()


def test_vote_not_yet_published_refused(funded, books, finance, homes, passed_vote):
    closed = passed_vote(publish=False)
    with pytest.raises(ValidationError, match="尚未公布"):
        use(books, finance, vote=closed, units=homes)


def test_beneficiaries_outside_the_votes_electorate_refused(funded, books, finance, homes, passed_vote,
                                                            building):
    vote = passed_vote()
    extra = UnitFactory(building=building, number="301", area=D("50"))
    with pytest.raises(ValidationError, match="不在该表决的表决范围"):
        use(books, finance, vote=vote, units=[*homes, extra])


def test_balances_never_go_negative(funded, books, finance, homes, passed_vote, receipt):
    vote = passed_vote()
    with pytest.raises(ValidationError, match="余额不足") as exc:
        use(books, finance, vote=vote, units=homes, amount="20000.00", documents=[receipt(finance)])
    assert "3 户" in exc.value.messages[0]
    assert balances(homes) == [D("4475.00"), D("6016.50"), D("3000.50")]


@pytest.fixture
def dual(make_member, community):
    """A committee member who also holds a company role: he acts for the company."""
    from tests.factories import MembershipFactory

    user = make_member(Role.COMMITTEE, username="dual", display_name="兼职经理")
    MembershipFactory(user=user, community=community, role=Role.MANAGER)
    return user


def test_nobody_on_the_company_side_moves_the_fund_by_a_vote(funded, books, finance, homes,
                                                             passed_vote, receipt, manager,
                                                             company_admin, dual):
    from django.core.exceptions import PermissionDenied

    pending = use(books, finance, vote=passed_vote(), units=homes, documents=[receipt(finance)])
    entries = LogLeaf.objects.count()
    for who in (manager, company_admin, dual):
        with pytest.raises(ValidationError, match="由业委会委员核对表决事项后确认"):
            fund.approve_fund_use(pending, actor=who, now=NOW)
    with pytest.raises(PermissionDenied):
        fund.approve_fund_use(pending, actor=finance, now=NOW)
    pending.refresh_from_db()
    assert pending.status == FundUseStatus.PENDING and pending.committee_approved_at is None
    assert balances(homes) == [D("4475.00"), D("6016.50"), D("3000.50")]
    assert LogLeaf.objects.count() == entries


# --- emergency -----------------------------------------------------------------------------------------


def test_nobody_invokes_the_emergency_procedure_alone(funded, books, finance, manager, dual,
                                                      company_admin, homes, receipt, committee):
    pending = use(books, finance, basis="emergency", units=homes, emergency_reason="电梯困人",
                  documents=[receipt(finance)])
    pending = fund.approve_fund_use(pending, actor=dual, now=NOW)  # for the company side only
    assert pending.manager_approved_by == dual and pending.status == FundUseStatus.PENDING
    with pytest.raises(ValidationError, match="已经审批过"):
        fund.approve_fund_use(pending, actor=company_admin, now=NOW)
    assert fund.approve_fund_use(pending, actor=committee, now=NOW).status == FundUseStatus.POSTED



def test_emergency_needs_reason_documents_and_both_approvals(funded, books, finance, manager, committee,
                                                            second_manager, homes, receipt):
    with pytest.raises(ValidationError) as exc:
        use(books, finance, basis="emergency", units=homes)
    assert {"emergency_reason", "documents"} <= set(exc.value.message_dict)
    pending = use(books, finance, basis="emergency", units=homes, emergency_reason="暴雨致屋面渗漏，3 户进水",
                  documents=[receipt(finance)])
    assert pending.status == FundUseStatus.PENDING and balances(homes)[0] == D("4475.00")
    pending = fund.approve_fund_use(pending, actor=manager, now=NOW)
    with pytest.raises(ValidationError, match="重复审批"):
        fund.approve_fund_use(pending, actor=manager, now=NOW)
    with pytest.raises(ValidationError, match="已经审批过"):
        fund.approve_fund_use(pending, actor=second_manager, now=NOW)
    assert pending.status == FundUseStatus.PENDING
    done = fund.approve_fund_use(pending, actor=committee, now=NOW)
    assert done.status == FundUseStatus.POSTED and sum(balances(homes)) == D("10492.00")
    event = last_event("finance.fund.used")
    assert event["basis"] == "emergency" and "vote" not in event
    assert [a["side"] for a in event["approvers"]] == ["manager", "committee"]
    assert event["documents"] == [done.documents.get().sha256]


def test_emergency_registrant_and_foreign_committee_cannot_approve(funded, books, manager, homes, receipt,
                                                                   committee_other_community):
    from django.core.exceptions import PermissionDenied

    pending = use(books, manager, basis="emergency", units=homes, emergency_reason="电梯困人，曳引机损坏",
                  documents=[receipt(manager)])
    with pytest.raises(ValidationError, match="经办人"):
        fund.approve_fund_use(pending, actor=manager, now=NOW)
    with pytest.raises(PermissionDenied):
        fund.approve_fund_use(pending, actor=committee_other_community, now=NOW)


def test_scope_building_and_community(funded, books, finance, homes, building, receipt, manager, committee):
    pending = use(books, finance, basis="emergency", scope="building", buildings=[building],
                  emergency_reason="消防泵故障", documents=[receipt(finance)], amount="0.05")
    assert len(pending.split) == 3 and sum(D(r["amount"]) for r in pending.split) == D("0.05")
    with pytest.raises(ValidationError):
        use(books, finance, basis="emergency", scope="units", units=[], emergency_reason="x",
            documents=[receipt(finance)])


def test_a_fund_use_is_listed_in_the_public_ledger_with_its_page(funded, books, finance, homes,
                                                                 passed_vote, receipt, committee,
                                                                 owner, client):
    """Owners see each use of their fund in the 阳光账本 as the works it paid for, with a link to
    the use's page — not folded into “住户收付款 N 笔”; deposits by household stay summed."""
    from django.urls import reverse

    from sunlit.finance.books import documents
    from sunlit.finance.report import selectors as report

    done = fund.approve_fund_use(use(books, finance, vote=passed_vote(), units=homes,
                                     documents=[receipt(finance)]), actor=committee, now=NOW)
    month = TODAY.replace(day=1)
    out = report.drill_down(books, month, "fund-out", details=False)
    assert [e.pk for e in out.entries] == [e.pk for e in done.entries.all()] and out.groups == []
    assert out.total == D("3000.00")
    docs = documents.documents_for([e.pk for e in out.entries])
    link = reverse("finance:fund_use", args=[done.pk])
    assert link in [d.url for ds in docs.values() for d in ds]
    deposits = report.drill_down(books, month, "fund-in", details=False)
    assert deposits.entries == [] and sum(g.count for g in deposits.groups) >= 1
    client.force_login(owner)
    assert client.get(link).status_code == 200

"""Nothing on the log names a household, a person or his numbers (docs/security.md).

Every member of a community reads its log (``log.read_entries``), so the public part of every
event must be free of household facts. Three layers prove it:

1. the registry: every public field of every registered event type says what it holds (a field
   kind of ``transparency.kinds.FIELD_KINDS`` or a shape of them); no kind is free text left unmasked; a
   unit may be named only by the roster's own unit-level events; a household's money events
   commit to their unit;
2. the kinds: ``record()`` checks each value and masks free text (phone and ID numbers, plates,
   e-mails, unit numbers and the community's own unit labels, roster names);
3. the services: the demo community (tickets, votes, meetings, proposals, money, arrears, the
   board) plus the flows the demo lacks, with hostile text typed where people type, leaves a log
   in which every public value passes its kind and no name, mobile, ID number, plate or unit
   label of the roster appears outside the roster's own unit-level fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from sunlit.core.choices import STAFF_ROLES, PersonKind, Role
from sunlit.core.models import Community, Membership, Person, User
from sunlit.registry.models import Unit, Vehicle
from sunlit.transparency import events, services
from sunlit.transparency.events import REGISTRY, UNIT_LEVEL_EVENTS
from sunlit.transparency.kinds import FIELD_KINDS
from sunlit.transparency.models import LogLeaf
from sunlit.transparency.privacy import LogMasker
from tests.factories import BuildingFactory, PersonFactory, UnitFactory, make_upload

#: a household's own money: its unit (and the bills that lead to it) only as commitments
HOUSEHOLD_EVENTS = {
    "finance.bill.issued", "finance.payment.received", "finance.payment.refunded",
    "finance.late_fee.collected", "finance.waiver.approved", "finance.waiver.rejected",
    "finance.reminder.sent",
}
#: lists of households: counts and totals in public, the list only as a commitment
HOUSEHOLD_LISTS = {"finance.reminders.sent": "reminded"}
#: kinds a unit label may be written in (only in UNIT_LEVEL_EVENTS)
UNIT_KINDS = {name for name, kind in FIELD_KINDS.items() if kind.unit_level}
#: event types the flows below do not produce, and why (a new type goes in the flows or here)
NOT_GENERATED = {
    "log.openings.erased": "an erasure: tests/transparency/test_record.py",
    "finance.callback.refused": "a refused payment callback: tests/finance/test_online.py",
    "finance.readings.imported": "a meter-reading import: tests/finance/test_meter_import.py",
    "roster.import.committed": "a roster import: test_service_events.py",
    "roster.ownership.changed": "a share changed by import: test_service_events.py",
    "governance.interim.reached": "20 % of owners sign: tests/governance/test_proposals.py",
    "governance.vote.cancelled": "kind checked above (test_free_text_is_masked…); "
                                 "tests/governance/test_lifecycle.py",
    "tickets.quote.proposed": "a chargeable repair: tests/tickets/test_quotes.py",
    "tickets.quote.decided": "a chargeable repair: tests/tickets/test_quotes.py",
    "company.onboarding.started": "onboarding: tests/company/test_onboarding.py",
    "company.onboarding.buildings": "onboarding: tests/company/test_onboarding.py",
    "company.onboarding.committee_filed": "the committee's filing (names committed only): "
                                          "tests/company/test_onboarding.py",
    "company.onboarding.owners_invited": "onboarding: tests/company/test_onboarding.py",
    "community.seat.taken": "a filed committee member activates: "
                            "tests/company/test_onboarding.py",
    "community.staff.ended": "a posting ends (moved, left): tests/company/test_staff.py",
}


# --- 1. the registry --------------------------------------------------------------------------


def test_every_public_field_of_every_event_type_says_what_it_holds():
    for name, event in REGISTRY.items():
        for field_name, spec in event.public.items():
            where = f"{name}.{field_name}"
            assert spec.what is not None, f"{where}: no field kind"
            for kind in spec.kinds():
                assert kind in FIELD_KINDS, where
                if FIELD_KINDS[kind].unit_level:
                    assert name in UNIT_LEVEL_EVENTS, f"{where} may name a unit"
            if isinstance(spec.what, str):
                assert FIELD_KINDS[spec.what].json == spec.kind, where


def test_no_field_kind_is_free_text_unchecked():
    """A kind that holds text is masked, or checked to a form that cannot hold a sentence."""
    for kind in FIELD_KINDS.values():
        if kind.json in ("text", "text[]", "json"):
            assert kind.masked or kind.check is not None, kind.name


def test_a_households_money_commits_to_its_unit():
    for name in HOUSEHOLD_EVENTS:
        event = REGISTRY[name]
        assert "unit" in event.private and "unit" not in event.public, name
        assert not {"bill", "allocations", "bills_paid"} & set(event.public), name
    for name, field_name in HOUSEHOLD_LISTS.items():
        assert field_name in REGISTRY[name].private and field_name not in REGISTRY[name].public


def test_the_event_table_in_the_docs_is_the_registry():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("event_table", root / "scripts" / "event_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    docs = (root / "docs" / "transparency.md").read_text(encoding="utf-8")
    assert module.table() in docs, "run scripts/event_table.py and paste it into the docs"


# --- 2. the kinds -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value"), [
    ("ref", "1号楼-1单元-101"), ("ref", "13812345678"), ("ref", "sk-1"), ("ref", "张三"),
    ("enum", "张三"), ("enum", "1-101"), ("enum", "Paid"),
    ("code", "13812345678"), ("code", "110101199003071234"), ("code", "张三"),
    ("hash", "abc"), ("hash", "G" * 64),
    ("label", "1号楼"), ("owner_label", "1号楼-1单元-101业主"), ("owner_label", "张三"),
    ("staff_name", "13812345678"), ("staff_name", "a\nb"),
    ("count", -1), ("id", 0), ("setting", "张三"),
])
def test_a_value_that_is_not_its_kind_is_refused(kind, value):
    spec = events.FieldSpec.parse_public(kind)
    with pytest.raises(ValueError):
        spec.check_written(value)


@pytest.mark.parametrize(("kind", "value"), [
    ("ref", "SK-202501-0001"), ("ref", "BX-20261118-0007"), ("ref", "B7K2M9QX"),
    ("enum", "paid"), ("code", "6405"), ("code", ">1/2"), ("code", "2025-01"),
    ("hash", "ab" * 32), ("label", "项目经理"), ("owner_label", "3号楼业主"),
    ("staff_name", "客服小李"), ("count", 0), ("id", 12), ("setting", "0.000300"),
    ("masked_text", "关于电梯维保——征求意见（ＡＢ）"),
])
def test_a_value_of_its_kind_passes_unchanged(kind, value):
    assert events.FieldSpec.parse_public(kind).check_written(value) == value


@pytest.fixture
def roster(community):
    building = BuildingFactory(community=community, name="紫荆苑")
    unit = UnitFactory(building=building, entrance="2", number="1502")
    person = PersonFactory(community=community, name="欧阳小明", mobile="13912345678")
    return unit, person


def test_free_text_is_masked_when_recorded_and_left_alone_otherwise(community, roster):
    unit, person = roster
    hostile = (f"{person.name}（{unit.label}，电话 13912345678，身份证 110101199003071234，"
               "车牌 沪A12345，邮箱 wang@example.com）家门口漏水")
    clean = "关于电梯维保——征求意见（ＡＢ）"
    with transaction.atomic():
        first = services.record(community, "governance.vote.cancelled", ("governance.vote", 1),
                                public={"title": clean, "status_from": "draft", "reason": hostile})
    public = first.event["public"]
    assert public["title"] == clean  # nothing personal: byte for byte as written
    for secret in (person.name, unit.label, "13912345678", "110101199003071234", "沪A12345",
                   "wang@example.com"):
        assert secret not in first.data, secret
    assert "欧**明" in public["reason"] and "紫荆苑**室" in public["reason"]
    assert "139****5678" in public["reason"]


def test_a_value_off_its_kind_leaves_no_leaf(community):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc, transaction.atomic():
        services.record(community, "finance.reminder.sent", ("finance.reminder", 1), public={
            "amount": Decimal("10"), "bills": 1, "period": dt.date(2026, 1, 1),
            "channel": "1号楼-1单元-101"}, private={"unit": "x"})
    assert "public.channel" in exc.value.message_dict
    assert not LogLeaf.objects.exists()


# --- 3. the services ------------------------------------------------------------------------------


def _strings(spec, value, kind=None):
    """(field kind, text) of every string in a written value, by its declared kind."""
    what = spec if kind is None else kind
    if isinstance(what, str):
        name = what.rstrip("?")
        if isinstance(value, list):
            for item in value:
                yield from _strings(spec, item, name)
        elif isinstance(value, str):
            yield name, value
        return
    if isinstance(what, events.ListOf):
        for item in value or []:
            yield from _strings(spec, item, what.item)
    elif isinstance(what, events.Tuple):
        for shape, item in zip(what.items, value or [], strict=False):
            yield from _strings(spec, item, shape)
    elif isinstance(what, events.MapOf):
        for key, item in (value or {}).items():
            yield what.key, key
            yield from _strings(spec, item, what.value)
    elif isinstance(what, events.Obj):
        shapes = {name.rstrip("?"): shape for name, shape in what.fields}
        for key, item in (value or {}).items():
            yield from _strings(spec, item, shapes[key])


def _hostile_flows(community: Community, now: dt.datetime) -> None:
    """What the demo does not do, with personal data typed into every free-text box."""
    from sunlit.board import services as board
    from sunlit.board.models import BoardItem, WeeklyBoard
    from sunlit.finance.billing import services as finance_services
    from sunlit.finance.charges import waivers
    from sunlit.finance.charges.choices import WaiverReason, WaiverTarget
    from sunlit.finance.expenses import services as expenses
    from sunlit.finance.models import Bill, Payment
    from sunlit.finance.payments import services as payments
    from sunlit.governance.meetings import services as meetings
    from sunlit.registry import services as registry
    from sunlit.tickets import configuration
    from sunlit.tickets.models import Category
    from sunlit.transparency.cosignature import CosignatureSigner

    committee = User.objects.filter(memberships__community=community,
                                    memberships__role=Role.COMMITTEE).first()
    manager = User.objects.filter(memberships__community=community,
                                  memberships__role=Role.MANAGER).first()
    finance = User.objects.filter(memberships__community=community,
                                  memberships__role=Role.FINANCE).first()
    person = Person.objects.in_community(community).filter(kind=PersonKind.NATURAL,
                                                           mobile__gt="").order_by("pk").first()
    unit = Unit.objects.in_community(community).order_by("pk").first()
    hostile = f"{person.name} {unit.label} 电话 {person.mobile} 沪A12345"

    payment = Payment.objects.in_community(community).order_by("-pk").first()
    payments.refund_payment(payment, actor=finance, amount=Decimal("0.01"), reason=hostile,
                            now=now)
    unpaid = list(Bill.objects.in_community(community).unpaid().order_by("pk")[:2])
    approve = waivers.request_waiver(unpaid[0], actor=finance, target=WaiverTarget.BILL,
                                     amount="1.00", reason_category=WaiverReason.HARDSHIP,
                                     reason=hostile, now=now)
    waivers.approve_waiver(approve, actor=manager, note=hostile, now=now)
    reject = waivers.request_waiver(unpaid[1], actor=finance, target=WaiverTarget.BILL,
                                    amount="1.00", reason_category=WaiverReason.OTHER,
                                    reason=hostile, now=now)
    waivers.reject_waiver(reject, actor=manager, note=hostile, now=now)
    published = WeeklyBoard.objects.filter(community=community).exclude(published_at=None)
    item = BoardItem.objects.filter(board__in=published).first()
    contest = board.contest_item(item, hostile, actor=committee, now=now)
    board.answer_contest(contest, hostile, actor=manager, now=now)
    week = published.order_by("week_start").first().week_start - dt.timedelta(weeks=1)
    draft = board.generate_board(community, week, actor=None, now=now)
    board.return_board(draft, actor=committee, note=hostile, now=now)
    board.cosign_board(draft, actor=committee, note=hostile, now=now)
    board.set_require_cosign(community, True, actor=committee)
    # public money refused, terms changed, a unit's facts corrected, a promised time changed
    expense = expenses.create_expense(community, actor=finance, category="6405",
                                      payee=f"{person.name}维修部", amount="20.00",
                                      spent_on=timezone.localdate(now), description=hostile,
                                      receipts=[make_upload(community, finance)], submit=True,
                                      now=now)
    expenses.reject_expense(expense, actor=manager, reason=hostile, now=now)
    finance_services.update_policy(community, actor=manager, late_fee_grace_days=11)
    registry.update_unit(unit, actor=manager, area=unit.area + Decimal("0.50"))
    category = Category.objects.in_community(community).order_by("pk").first()
    configuration.set_sla_target(category, "normal", actor=manager, accept_minutes=45,
                                 arrive_minutes=None, resolve_minutes=24 * 60, now=now)
    meeting = meetings.create_meeting(community, actor=committee, kind="sunshine",
                                      title=f"{unit.label} 漏水协调会", organiser="committee",
                                      starts_at=now + dt.timedelta(days=30), place=hostile,
                                      agenda=[hostile])
    meetings.announce_meeting(meeting, actor=committee, now=now)
    meetings.cancel_meeting(meeting, actor=committee, reason=hostile, now=now)
    signer = CosignatureSigner.generate("witness.example/demo")
    witness = services.register_witness_key(community, actor=committee,
                                            vkey=signer.verifier.vkey, name="业委会见证节点")
    services.revoke_witness_key(witness, actor=committee)
    _owner_side_flows(community, now, hostile=hostile, committee=committee, manager=manager)


def _owner_side_flows(community, now, *, hostile, committee, manager) -> None:
    """Entered ballots (held, refused by the owner, rejected by the committee), an extended vote
    and control changes proposed, confirmed, refused and withdrawn — with hostile reasons."""
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind
    from sunlit.governance.models import Ballot, Vote
    from sunlit.governance.votes import balloting
    from sunlit.governance.votes import services as votes
    from sunlit.governance.votes.choices import Channel, VoteStatus

    service = User.objects.filter(memberships__community=community,
                                  memberships__role=Role.SERVICE).first()
    vote = (Vote.objects.in_community(community)
            .filter(status=VoteStatus.OPEN, ballots__channel=Channel.ONLINE).distinct().first())
    online = Ballot.objects.filter(vote=vote, channel=Channel.ONLINE).select_related(
        "vote_unit", "cast_by").first()
    received = max(vote.opens_at, now - dt.timedelta(minutes=5))
    def voter(vote_unit):
        return Person.objects.filter(pk__in=vote_unit.voters.values("person_id")).first()

    held = balloting.enter_ballot(vote, online.vote_unit, actor=service, choice="no",
                                  received_at=received, scan=make_upload(community, service),
                                  person=voter(online.vote_unit), now=now)
    held = balloting.confirm_ballot(held, actor=committee, now=now)
    balloting.resolve_held_ballot(held, actor=online.cast_by, accept=False, now=now)
    other = Ballot.objects.filter(vote=vote).exclude(vote_unit=online.vote_unit).values_list(
        "vote_unit", flat=True)
    unit = vote.electorate.exclude(pk__in=[*other, online.vote_unit_id]).filter(
        voters__isnull=False).first()
    wrong = balloting.enter_ballot(vote, unit, actor=service, choice="yes", received_at=received,
                                   person=voter(unit),
                                   channel=Channel.PROXY, proxy_name=hostile[:20],
                                   scan=make_upload(community, service),
                                   authorisation=make_upload(community, service), now=now)
    balloting.reject_ballot(wrong, actor=committee, reason=hostile, now=now)
    votes.extend_vote(vote, actor=committee, closes_at=vote.closes_at + dt.timedelta(days=1),
                      now=now)
    raise_to = {"dual_approval_above": "99999.00"}
    confirmed = controls.request_change(community, ControlKind.MONEY_POLICY, raise_to,
                                        actor=manager, reason=hostile, now=now)
    controls.confirm_change(confirmed, actor=committee, note=hostile, now=now)
    refused = controls.request_change(community, ControlKind.MONEY_POLICY,
                                      {"receipt_required_above": "99999.00"}, actor=manager,
                                      reason=hostile, now=now)
    controls.reject_change(refused, actor=committee, reason=hostile, now=now)
    withdrawn = controls.request_change(community, ControlKind.MONEY_POLICY,
                                        {"receipt_required_above": "99998.00"}, actor=manager,
                                        reason=hostile, now=now)
    controls.withdraw_change(withdrawn, actor=manager, now=now)


def _forbidden(community: Community) -> dict[str, str]:
    """Every household fact the log must not show in public: {text: what it is}."""
    out: dict[str, str] = {}
    for person in Person.objects.in_community(community):
        if person.kind == PersonKind.NATURAL and len(person.name) >= 2:
            out[person.name] = "a roster name"
        for number, what in ((person.mobile, "a mobile number"), (person.id_number, "an ID number")):
            if number:
                out[number] = what
    for plate in Vehicle.objects.in_community(community).values_list("plate", flat=True):
        out[plate] = "a plate"
    for unit in Unit.objects.in_community(community).select_related("building"):
        out[unit.label] = "a unit label"
    return out


def _staff_names(community: Community) -> set[str]:
    names = set()
    for member in Membership.objects.in_community(community).filter(role__in=STAFF_ROLES) \
            .select_related("user"):
        names |= {str(member.user), member.user.username, member.user.display_name}
    return names - {""}


@pytest.mark.django_db(transaction=False)
def test_the_log_the_services_write_holds_no_household_fact(db):
    from sunlit.demo import load_demo
    from sunlit.finance.models import Payment
    from sunlit.transparency import selectors

    load_demo(units=100)
    community = Community.objects.get(code="mingqiang")
    with transaction.atomic():
        _hostile_flows(community, timezone.now())

    forbidden = _forbidden(community)
    staff = _staff_names(community)
    masker = LogMasker(community)
    seen, problems = set(), []
    for leaf in LogLeaf.objects.filter(community=community).order_by("index").iterator():
        kind = REGISTRY[leaf.event_type]
        seen.add(leaf.event_type)
        public = leaf.event["public"]
        for field_name, value in public.items():
            spec = kind.public[field_name]
            where = f"#{leaf.index} {leaf.event_type}.{field_name}"
            try:
                again = spec.check_written(value, masker)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if again != value:
                problems.append(f"{where}: not masked: {value!r}")
            for field_kind, text in _strings(spec.what, value):
                if field_kind in UNIT_KINDS:
                    continue
                if field_kind == "staff_name" and text not in staff:
                    problems.append(f"{where}: {text!r} is not a staff member's name")
                for secret, what in forbidden.items():
                    if secret in text and not (field_kind == "staff_name" and text in staff):
                        problems.append(f"{where}: {what} {secret!r} in {text!r}")
        for field_name in kind.private:
            assert field_name not in public
    assert not problems, "\n".join(problems[:40])

    assert HOUSEHOLD_EVENTS | set(HOUSEHOLD_LISTS) <= seen
    missing = set(REGISTRY) - seen
    assert missing <= set(NOT_GENERATED), " ".join(sorted(missing - set(NOT_GENERATED)))

    # the household (and whoever may see its facts) can still check its own leaf
    payment = Payment.objects.in_community(community).order_by("pk").first()
    leaf = LogLeaf.objects.get(event_type="finance.payment.received", subject_id=str(payment.pk))
    assert selectors.openings(leaf)["unit"]["value"] == payment.unit.label
    assert leaf.event["public"]["amount"] == f"{payment.amount:.2f}"

"""Billing runs: every bill with its lines, the receivable entry, one log event with the bills'
root; preview writes nothing; atomic; a period is billed once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sunlit.finance.billing import runs as billing
from sunlit.finance.billing import services
from sunlit.finance.billing.choices import Cycle, FeeKind, MeterKind, RunStatus
from sunlit.finance.books import ledger
from sunlit.finance.models import Bill, BillingRun, BillLine, JournalEntry, Meter
from sunlit.registry.choices import UnitUsage
from sunlit.transparency import merkle
from sunlit.transparency.entry import canonical, parse
from sunlit.transparency.models import LogLeaf
from tests.factories import UnitFactory
from tests.finance.conftest import FEB, JAN, NOW

D = Decimal


def _bills(period=JAN):
    return {b.unit.number: b for b in Bill.objects.filter(period_start=period).select_related("unit")}


def test_a_run_bills_every_unit_with_its_lines(run, homes, parking_space, property_fee, parking_fee):
    billing_run = run()
    bills = _bills()
    assert set(bills) == {"101", "102", "201", "P-001"}
    assert bills["101"].amount == D("210.33") and bills["102"].amount == D("282.78")
    assert bills["201"].amount == D("141.02") and bills["P-001"].amount == D("80.00")
    assert billing_run.status == RunStatus.COMMITTED and billing_run.bill_count == 4
    assert billing_run.total == D("714.13")
    line = bills["101"].lines.get()
    assert line.calculation["formula"] == "面积 × 单价 × 计费月数"
    assert line.calculation["area"] == "89.50" and line.calculation["amount"] == "210.33"
    assert bills["101"].number == "ZD-202601-000001"
    assert bills["101"].due_on == dt.date(2026, 2, 7)  # issued 8 Jan + 30 days


def test_the_receivables_are_one_balanced_entry(run, homes, parking_space, property_fee, parking_fee):
    billing_run = run()
    entry = billing_run.entry
    lines = {(x.account.code, x.debit, x.credit) for x in entry.lines.select_related("account")}
    assert lines == {("1122", D("714.13"), D("0.00")), ("6001", D("0.00"), D("634.13")),
                     ("6002", D("0.00"), D("80.00"))}
    balances = ledger.balances(billing_run.community)
    assert balances["1122"]["balance"] == D("714.13") and ledger.trial_balance_ok(billing_run.community)


def test_the_run_is_one_log_event_whose_root_proves_each_bill(run, homes, property_fee):
    billing_run = run()
    leaf = LogLeaf.objects.get(event_type="finance.run.committed")
    public = parse(leaf.data.encode())["public"]
    assert public["bills"] == 3 and public["total"] == "634.13"
    assert public["by_fee_item"]["WY"]["total"] == "634.13"
    assert not LogLeaf.objects.filter(event_type="finance.bill.issued").exists()
    bill = Bill.objects.get(unit=homes[1], run=billing_run)
    proof = billing.bill_proof(bill)
    assert proof["bills_root"] == public["bills_root"]
    data = canonical(proof["bill"])
    merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"], merkle.leaf_hash(data),
                            [bytes.fromhex(h) for h in proof["inclusion_proof"]],
                            bytes.fromhex(public["bills_root"]))
    assert proof["bill"]["amount"] == "282.78" and proof["bill"]["unit"] == "1号楼-1单元-102"
    # a changed amount no longer matches the root
    forged = {**proof["bill"], "amount": "1.00"}
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"], merkle.leaf_hash(canonical(forged)),
                                [bytes.fromhex(h) for h in proof["inclusion_proof"]],
                                bytes.fromhex(public["bills_root"]))


def test_preview_writes_nothing(community, finance, homes, property_fee):
    before = (Bill.objects.count(), JournalEntry.objects.count(), LogLeaf.objects.count())
    plan = services.preview_billing_run(community, JAN, actor=finance)
    assert len(plan.bills) == 3 and plan.total == D("634.13")
    assert (Bill.objects.count(), JournalEntry.objects.count(), LogLeaf.objects.count()) == before


def test_a_period_is_billed_once(run, homes, property_fee, community, finance):
    run()
    with pytest.raises(ValidationError, match="已经计费"):
        run()
    with pytest.raises(ValidationError, match="已经计费"):
        services.preview_billing_run(community, JAN, actor=finance)
    assert Bill.objects.count() == 3 and BillingRun.objects.count() == 1


def test_the_constraints_refuse_a_second_run_even_without_the_check(run, homes, property_fee, community):
    first = run()
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingRun.objects.create(community=community, period_start=JAN, period_end=FEB,
                                  status=RunStatus.COMMITTED)
    line = BillLine.objects.filter(bill__run=first).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        BillLine.objects.create(community=community, bill=line.bill, fee_item=line.fee_item, unit=line.unit,
                                period_start=JAN, period_end=FEB, quantity=1, price=1, amount=1)


def test_a_failure_leaves_nothing(run, homes, property_fee, monkeypatch):
    from sunlit.finance.payments import services as payments

    def boom(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(payments, "offset_prepaid_bulk", boom)
    before = LogLeaf.objects.count()
    with pytest.raises(IntegrityError):
        run()
    assert not Bill.objects.exists() and not BillLine.objects.exists()
    assert not JournalEntry.objects.exists() and not BillingRun.objects.exists()
    assert LogLeaf.objects.count() == before


def test_next_month_is_a_new_period(run, homes, property_fee):
    run()
    run(FEB)
    assert Bill.objects.filter(unit=homes[0]).count() == 2
    assert Bill.objects.get(unit=homes[0], period_start=FEB).number == "ZD-202602-000001"


def test_delivery_mid_month_is_prorated_and_later_delivery_not_billed(run, building, property_fee):
    UnitFactory(building=building, number="301", delivered_on=dt.date(2026, 1, 15))
    UnitFactory(building=building, number="302", delivered_on=dt.date(2026, 3, 1))
    run()
    bills = _bills()
    assert set(bills) == {"301"}
    assert bills["301"].amount == D("115.34")
    assert bills["301"].lines.get().calculation["charge_from"] == "2026-01-15"


def test_quarterly_items_bill_in_the_quarter_s_first_month(run, community, finance, homes, property_fee):
    item = services.create_fee_item(community, actor=finance, code="LH", name="绿化养护费",
                                    kind=FeeKind.AREA, cycle=Cycle.QUARTERLY, account="6001",
                                    applies_to=[UnitUsage.RESIDENTIAL])
    services.set_tariff(item, actor=finance, price="0.10", effective_from=dt.date(2025, 1, 1),
                        today=dt.date(2025, 1, 1))
    run()
    jan = Bill.objects.get(unit=homes[0], period_start=JAN)
    assert {x.fee_item.code: x.amount for x in jan.lines.select_related("fee_item")} == {
        "WY": D("210.33"), "LH": D("26.85")}  # 89.50 × 0.10 × 3
    run(FEB)
    feb = Bill.objects.get(unit=homes[0], period_start=FEB)
    assert [x.fee_item.code for x in feb.lines.select_related("fee_item")] == ["WY"]


def test_metered_and_shared_lines(run, community, finance, homes, water_fee):
    meters = [services.create_meter(community, actor=finance, kind=MeterKind.WATER, unit=u)
              for u in homes[:2]]
    services.record_readings(community, actor=finance, period_start=JAN, read_on=dt.date(2026, 1, 31),
                             readings=[(meters[0], "100.00", "125.50"), (meters[1], "50", "57.25")])
    common = services.create_meter(community, actor=finance, kind=MeterKind.ELECTRICITY, name="电梯总表")
    shared = services.create_fee_item(community, actor=finance, code="GT", name="公共电费分摊",
                                      kind=FeeKind.SHARED, cycle=Cycle.MONTHLY, account="6003",
                                      applies_to=[UnitUsage.RESIDENTIAL], meter=common)
    services.set_tariff(shared, actor=finance, price="0.6", effective_from=dt.date(2025, 1, 1),
                        today=dt.date(2025, 1, 1))
    services.record_readings(community, actor=finance, period_start=JAN, read_on=dt.date(2026, 1, 31),
                             readings=[(common, "10000", "11234.5")])
    billing_run = run()
    bills = _bills()
    lines = {(n, x.fee_item.code): x.amount
             for n, b in bills.items() for x in b.lines.select_related("fee_item")}
    assert lines == {("101", "SF"): D("107.80"), ("102", "SF"): D("25.38"),
                     ("101", "GT"): D("245.67"), ("102", "GT"): D("330.30"), ("201", "GT"): D("164.73")}
    gt = BillLine.objects.get(unit=homes[0], fee_item=shared)
    assert gt.calculation["total_area"] == "269.84" and gt.calculation["meter_usage"] == "1234.50"
    assert "201" not in {n for n, code in lines if code == "SF"}
    assert any("未抄表" in w for w in billing_run.summary["warnings"]) is False  # 201 has no meter


def test_missing_readings_are_warned_and_not_billed(community, finance, homes, water_fee, property_fee):
    services.create_meter(community, actor=finance, kind=MeterKind.WATER, unit=homes[0])
    plan = services.preview_billing_run(community, JAN, actor=finance)
    assert any("1 户本期未抄表" in w for w in plan.warnings)


@pytest.mark.parametrize("role", ["owner", "auditor", "technician", "service", "committee"])
def test_who_may_run_billing(role, request, community, homes, property_fee):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.run_billing(community, JAN, actor=user, now=NOW)
    assert not Bill.objects.exists()


def test_other_community_staff_cannot_bill_here(community, other_community, homes, property_fee, make_member):
    stranger = make_member("finance", target=other_community, username="finance2")
    with pytest.raises(PermissionDenied):
        services.run_billing(community, JAN, actor=stranger, now=NOW)


@pytest.mark.parametrize("period", [dt.date(2026, 1, 15), "2026-01-01", None,
                                    dt.datetime(2026, 1, 1, tzinfo=dt.UTC)])
def test_bad_periods_are_refused(community, finance, homes, property_fee, period):
    with pytest.raises(ValidationError, match="账期"):
        services.run_billing(community, period, actor=finance, now=NOW)
    assert not BillingRun.objects.exists()


def test_nothing_to_bill_is_an_error(community, finance, homes):
    ledger.open_books(community, actor=finance)
    with pytest.raises(ValidationError, match="没有可计费"):
        services.run_billing(community, JAN, actor=finance, now=NOW)
    assert not BillingRun.objects.exists()


def test_web_run_is_queued_then_executed_by_the_worker(community, finance, homes, property_fee,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.start_billing_run(community, JAN, actor=finance)
    queued.refresh_from_db()
    assert queued.status == RunStatus.COMMITTED and queued.bill_count == 3
    with pytest.raises(ValidationError, match="已经计费"):
        services.start_billing_run(community, JAN, actor=finance)


def test_a_failed_web_run_records_why(community, finance, homes, django_capture_on_commit_callbacks):
    ledger.open_books(community, actor=finance)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.start_billing_run(community, JAN, actor=finance)
    queued.refresh_from_db()
    assert queued.status == RunStatus.FAILED and "没有可计费" in queued.error
    assert not Bill.objects.exists()


def test_meter_of_another_community_is_refused(community, other_community, finance, homes):
    foreign = Meter.objects.create(community=other_community, kind=MeterKind.WATER)
    with pytest.raises(ValidationError):
        services.record_readings(community, actor=finance, period_start=JAN, read_on=JAN,
                                 readings=[(foreign, "1", "2")])


@pytest.mark.parametrize(("previous", "current"), [("10", "9"), ("a", "1"), ("1.001", "2"), (1.5, "2")])
def test_bad_readings_are_refused(community, finance, homes, previous, current):
    meter = services.create_meter(community, actor=finance, kind=MeterKind.WATER, unit=homes[0])
    with pytest.raises(ValidationError):
        services.record_readings(community, actor=finance, period_start=JAN, read_on=JAN,
                                 readings=[(meter, previous, current)])
    assert not meter.readings.exists()


def test_the_fast_encodings_are_the_canonical_ones():
    fields = {f.attname for f in Bill._meta.concrete_fields} - {"id"}
    assert set(billing.BILL_COLUMNS) == fields
    assert set(billing.BILL_LINE_COLUMNS) == {f.attname for f in BillLine._meta.concrete_fields} - {"id"}
    calculation = {"formula": "面积 × 单价",
                   "segments": [{"from": "2026-01-01", "months": "17/31", "days": 17}],
                   "units": 3, "note": 'quote " back\\slash \n tab\t \u2028 \x01 😀'}
    line = billing.line_document("WY", "物业服务费", JAN, FEB, D("1.50"), D("89.5"), D("2.35"), calculation)
    assert billing.fast_canonical(line) == canonical(line)
    head = billing.bill_json_head(community_code="mingqiang", period_start=JAN, period_end=FEB,
                                  issued_on=JAN, due_on=FEB)
    label = '1号楼-1单元-"101"\\'
    fast = billing.bill_json(head, number="ZD-202601-000001", unit_id=7, label=label, amount=D("1.5"),
                             line_jsons=[billing.fast_canonical(line).decode()] * 2)
    slow = canonical(billing.bill_document(
        community_code="mingqiang", number="ZD-202601-000001", unit_id=7, label=label, period_start=JAN,
        period_end=FEB, issued_on=JAN, due_on=FEB, amount=D("1.5"), lines=[line, line]))
    assert fast == slow


def test_equal_calculations_are_stored_once(run, building, property_fee):
    from sunlit.finance.models import Calculation

    for number in ("501", "502", "503"):
        UnitFactory(building=building, number=number, area=D("89.50"))
    UnitFactory(building=building, number="504", area=D("120.00"))
    run()
    run(FEB)  # February's calculation has other dates: new rows
    assert Calculation.objects.count() == 4
    lines = BillLine.objects.filter(period_start=JAN).select_related("calc")
    assert len({x.calc_id for x in lines}) == 2 and lines[0].calculation["formula"]

"""Counter payments: oldest first or picked bills, partial payments, prepaid and its automatic
offset, refunds as reversing entries, idempotency, bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.finance.billing import services
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import ledger
from sunlit.finance.models import Allocation, Bill, Payment, PrepaidBalance, Refund
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import AllocationKind, PaymentMethod
from sunlit.transparency import selectors as log_selectors
from sunlit.transparency.entry import parse
from sunlit.transparency.models import LogLeaf
from tests.finance.conftest import FEB, NOW

D = Decimal
LATER = NOW + dt.timedelta(days=40)


@pytest.fixture
def two_bills(run, homes, property_fee):
    """January and February bills of owner_unit: 210.33 each."""
    run()
    run(FEB)
    unit = homes[0]
    return unit, list(Bill.objects.filter(unit=unit).order_by("period_start"))


def pay(unit, finance, amount, **kwargs):
    kwargs.setdefault("method", PaymentMethod.CASH)
    return payments.receive_payment(unit, actor=finance, amount=amount, now=LATER, **kwargs)


def _fresh(bills):
    return [Bill.objects.get(pk=b.pk) for b in bills]


def test_payment_goes_to_the_oldest_bill_first(two_bills, finance):
    unit, bills = two_bills
    payment = pay(unit, finance, "300.00")
    jan, feb = _fresh(bills)
    assert (jan.paid, jan.status) == (D("210.33"), BillStatus.PAID)
    assert (feb.paid, feb.status) == (D("89.67"), BillStatus.PARTIAL)
    assert payment.number.startswith("SK-202602-") and payment.to_prepaid == D("0.00")
    lines = {(x.account.code, x.debit, x.credit) for x in payment.entry.lines.select_related("account")}
    assert lines == {("1001", D("300.00"), D("0.00")), ("1122", D("0.00"), D("300.00"))}
    leaf = LogLeaf.objects.get(event_type="finance.payment.received")
    event = parse(leaf.data.encode())["public"]
    assert event == {"number": payment.number, "method": "cash", "amount": "300.00", "bills": 2,
                     "to_prepaid": "0.00", "entry": payment.entry.number}
    # the household and the bills it paid (bill numbers follow unit order) only as commitments
    assert unit.label not in leaf.data and jan.number not in leaf.data
    private = {k: v["value"] for k, v in log_selectors.openings(leaf).items()}
    assert private == {"unit": unit.label,
                       "allocations": [{"bill": jan.number, "amount": "210.33"},
                                       {"bill": feb.number, "amount": "89.67"}]}
    entry = parse(LogLeaf.objects.get(event_type="finance.entry.posted",
                                      subject_id=str(payment.entry_id)).data.encode())["public"]
    assert entry["memo"] == f"收款 {payment.number}"
    assert {(x["account"], x.get("households")) for x in entry["lines"]} == {("1001", 1),
                                                                              ("1122", 1)}


def test_picked_bills_are_paid_in_the_payer_s_choice(two_bills, finance):
    unit, (jan, feb) = two_bills
    pay(unit, finance, "210.33", bills=[feb.pk], method=PaymentMethod.POS)
    jan, feb = _fresh([jan, feb])
    assert jan.status == BillStatus.OPEN and feb.status == BillStatus.PAID


def test_excess_goes_to_prepaid_and_the_next_run_takes_it(two_bills, finance, run, homes):
    unit, _bills = two_bills
    payment = pay(unit, finance, "500.00", method=PaymentMethod.TRANSFER)
    assert payment.to_prepaid == D("79.34")
    assert PrepaidBalance.objects.get(unit=unit).balance == D("79.34")
    assert ledger.balances(unit.community)["2203"]["balance"] == D("79.34")
    march = run(dt.date(2026, 3, 1))
    bill = Bill.objects.get(unit=unit, period_start=dt.date(2026, 3, 1))
    assert (bill.paid, bill.status) == (D("79.34"), BillStatus.PARTIAL)
    assert PrepaidBalance.objects.get(unit=unit).balance == D("0.00")
    assert march.summary["offsets"]["units"] == 1 and march.summary["offsets"]["total"] == "79.34"
    assert ledger.balances(unit.community)["2203"]["balance"] == D("0.00")
    assert Allocation.objects.filter(bill=bill, kind=AllocationKind.PREPAID).get().amount == D("79.34")
    assert ledger.trial_balance_ok(unit.community)


def test_refund_takes_prepaid_first_then_reopens_the_newest_bill(two_bills, finance):
    unit, bills = two_bills
    payment = pay(unit, finance, "500.00")
    refund = payments.refund_payment(payment, actor=finance, amount="100.00", reason="多交", now=LATER)
    jan, feb = _fresh(bills)
    assert PrepaidBalance.objects.get(unit=unit).balance == D("0.00")
    assert (jan.status, feb.status) == (BillStatus.PAID, BillStatus.PARTIAL)
    assert feb.paid == D("210.33") - D("20.66")
    lines = {(x.account.code, x.debit, x.credit) for x in refund.entry.lines.select_related("account")}
    assert lines == {("2203", D("79.34"), D("0.00")), ("1122", D("20.66"), D("0.00")),
                     ("1001", D("0.00"), D("100.00"))}
    assert refund.entry.reverses == payment.entry
    with pytest.raises(ValidationError, match=r"不能超过可退金额 400\.00"):
        payments.refund_payment(payment, actor=finance, amount="400.01", reason="再退", now=LATER)
    payments.refund_payment(payment, actor=finance, amount="400.00", reason="全部退回", now=LATER)
    jan, feb = _fresh(bills)
    assert jan.paid == feb.paid == D("0.00") and jan.status == BillStatus.OPEN
    assert Payment.objects.get(pk=payment.pk).refundable == D("0.00")
    balances = ledger.balances(unit.community)
    # the cash is back and all six bills of the three homes are open again
    assert balances["1001"]["balance"] == D("0.00") and balances["1122"]["balance"] == D("1268.26")
    assert ledger.trial_balance_ok(unit.community)
    assert LogLeaf.objects.filter(event_type="finance.payment.refunded").count() == 2


@pytest.mark.parametrize(("amount", "message"), [
    ("-5", "负数"), ("abc", "数字"), ("1.234", "两位小数"), (12.5, "精确"), ("0", "大于零"),
])
def test_bad_amounts_change_nothing(two_bills, finance, amount, message):
    unit, bills = two_bills
    with pytest.raises(ValidationError, match=message):
        pay(unit, finance, amount)
    assert not Payment.objects.exists() and not Allocation.objects.exists()
    assert [b.paid for b in _fresh(bills)] == [D("0.00"), D("0.00")]


def test_a_bill_of_another_unit_cannot_be_picked(two_bills, finance, homes):
    unit, _bills = two_bills
    neighbour_bill = Bill.objects.filter(unit=homes[1]).first()
    with pytest.raises(ValidationError, match="不属于该房屋"):
        pay(unit, finance, "100", bills=[neighbour_bill.pk])
    with pytest.raises(ValidationError, match="无效"):
        pay(unit, finance, "100", bills=["x"])
    assert not Payment.objects.exists()


def test_bad_method_is_refused(two_bills, finance):
    unit, _bills = two_bills
    with pytest.raises(ValidationError, match="收款方式"):
        pay(unit, finance, "100", method="bitcoin")


def test_the_same_idempotency_key_records_one_payment(two_bills, finance):
    unit, _bills = two_bills
    first = pay(unit, finance, "100.00", idempotency_key="counter-1")
    again = pay(unit, finance, "100.00", idempotency_key="counter-1")
    assert first.pk == again.pk and Payment.objects.count() == 1
    with pytest.raises(ValidationError, match="另一笔"):
        pay(unit, finance, "101.00", idempotency_key="counter-1")


@pytest.mark.parametrize("role", ["owner", "auditor", "service", "committee", "technician"])
def test_who_may_take_payments(two_bills, role, request):
    unit, _bills = two_bills
    with pytest.raises(PermissionDenied):
        pay(unit, request.getfixturevalue(role), "100")
    assert not Payment.objects.exists()


def test_refund_reason_required_and_staff_only(two_bills, finance, owner):
    unit, _bills = two_bills
    payment = pay(unit, finance, "100")
    with pytest.raises(ValidationError, match="原因"):
        payments.refund_payment(payment, actor=finance, amount="1", reason="")
    with pytest.raises(PermissionDenied):
        payments.refund_payment(payment, actor=owner, amount="1", reason="x")
    assert not Refund.objects.exists()


def test_one_time_charge_and_deposit(community, finance, homes, books):
    from sunlit.finance.billing.choices import Cycle, FeeKind

    deposit = services.create_fee_item(community, actor=finance, code="ZXYJ", name="装修押金",
                                       kind=FeeKind.DEPOSIT, cycle=Cycle.ONCE, account="6051")
    services.set_tariff(deposit, actor=finance, price="2000", effective_from=dt.date(2025, 1, 1),
                        today=dt.date(2025, 1, 1))
    bill = services.charge_one_time(homes[0], deposit, actor=finance, now=NOW)
    assert bill.amount == D("2000.00") and bill.run is None
    assert ledger.balances(community)["2241"]["balance"] == D("2000.00")
    assert LogLeaf.objects.filter(event_type="finance.bill.issued", subject_id=str(bill.pk)).exists()
    with pytest.raises(ValidationError, match="已收过"):
        services.charge_one_time(homes[0], deposit, actor=finance, now=NOW)


@pytest.mark.parametrize("parts", [("0.08", "128.58", "81.67"), ("105.17", "105.16")])
def test_partial_payments_settle_a_bill_exactly(two_bills, finance, parts):
    """SQLite keeps NUMERIC as a double: paid + amount computed in SQL (0.08 + 128.58 + 81.67)
    exceeds 210.33 and trips the paid ≤ amount check. The locked row gets the exact Decimal."""
    unit, bills = two_bills
    for part in parts:
        pay(unit, finance, part, bills=[bills[0].pk])
    jan = Bill.objects.get(pk=bills[0].pk)
    assert (jan.paid, jan.status) == (D("210.33"), BillStatus.PAID)
    last = Payment.objects.order_by("-pk").first()
    payments.refund_payment(last, actor=finance, amount=parts[-1], reason="多收", now=LATER)
    assert Bill.objects.get(pk=bills[0].pk).paid == D("210.33") - D(parts[-1])

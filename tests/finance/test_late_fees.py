"""Late fees collected at the moment of payment: exact amounts across month ends, principal
first then the bill's late fee, partial payments, what is left owed and collected later,
collection switched off and on again, refunds giving late fees back, pages and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from sunlit.finance.billing import selectors, services
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import ledger
from sunlit.finance.models import Bill, LateFeeCharge, Payment, PrepaidBalance
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from sunlit.tickets.sla import SHANGHAI
from sunlit.transparency import selectors as log_selectors
from sunlit.transparency.entry import parse
from sunlit.transparency.models import LogLeaf
from tests.finance.conftest import FEB

D = Decimal
# Both bills (January and February, 210.33 each) were issued on 2026-01-08 and are due on
# 2026-02-07; with 30 days' grace the first day that accrues is 2026-03-10.


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def two_bills(run, homes, property_fee):
    run()
    run(FEB)
    unit = homes[0]
    bills = list(Bill.objects.filter(unit=unit).order_by("period_start"))
    assert [b.due_on for b in bills] == [dt.date(2026, 2, 7)] * 2
    return unit, bills


def pay(unit, finance, amount, day, **kwargs):
    kwargs.setdefault("method", PaymentMethod.CASH)
    return payments.receive_payment(unit, actor=finance, amount=amount, now=at(day), **kwargs)


def fresh(bill):
    return Bill.objects.get(pk=bill.pk)


def test_principal_then_late_fee_for_each_bill_across_a_month_end(two_bills, finance):
    unit, (jan, feb) = two_bills
    # paid on 1 April: 10–31 March = 22 days × 210.33 × 0.0003 = 1.388178 → 1.39 per bill
    payment = pay(unit, finance, "500.00", dt.date(2026, 4, 1))
    charges = list(LateFeeCharge.objects.filter(payment=payment).order_by("bill__period_start"))
    assert [(c.bill_id, c.amount, c.assessed) for c in charges] == [
        (jan.pk, D("1.39"), D("1.39")), (feb.pk, D("1.39"), D("1.39"))]
    assert charges[0].calculation["pieces"][0] == {
        "from": "2026-03-10", "to": "2026-03-31", "days": 22, "base": "210.33", "value": "1.3882"}
    assert payment.to_prepaid == D("500.00") - D("420.66") - D("2.78") == D("76.56")
    assert fresh(jan).status == fresh(feb).status == BillStatus.PAID
    lines = {(x.account.code, x.debit, x.credit) for x in payment.entry.lines.select_related("account")}
    assert lines == {("1001", D("500.00"), D("0.00")), ("1122", D("0.00"), D("420.66")),
                     ("6301", D("0.00"), D("2.78")), ("2203", D("0.00"), D("76.56"))}
    balances = ledger.balances(unit.community)
    assert balances["6301"]["balance"] == D("2.78") and ledger.trial_balance_ok(unit.community)
    leaf = LogLeaf.objects.get(event_type="finance.late_fee.collected")
    event = parse(leaf.data.encode())["public"]
    assert event["total"] == "2.78" and event["as_of"] == "2026-04-01" and event["rate"] == "0.000300"
    assert event["bill_count"] == 2 and unit.label not in leaf.data
    # each bill's fee and the unit: only as commitments, opened with the salts kept off the log
    private = {k: v["value"] for k, v in log_selectors.openings(leaf).items()}
    assert private["unit"] == unit.label
    bills = private["bills"]
    assert [b["amount"] for b in bills] == ["1.39", "1.39"] and bills[0]["days"] == 22
    # nothing is owed any more, on any later day
    account = selectors.unit_account(unit, as_of=dt.date(2026, 6, 1))
    assert account.late_fees == D("0.00") and account.owed == D("0.00")


def test_before_the_grace_ends_no_late_fee(two_bills, finance):
    unit, _bills = two_bills
    payment = pay(unit, finance, "420.66", dt.date(2026, 3, 9))  # the last day of grace
    assert not LateFeeCharge.objects.exists() and payment.to_prepaid == D("0.00")


def test_partial_payments_with_late_fees(two_bills, finance):
    unit, (jan, feb) = two_bills
    first = pay(unit, finance, "100.00", dt.date(2026, 4, 1))
    # all of it goes to January's principal: no money left for its late fee
    assert fresh(jan).paid == D("100.00") and not LateFeeCharge.objects.filter(payment=first).exists()
    # what pages show is the late fee if the bill is paid in full that day: on 1 April the
    # 22 days on 210.33 = 1.39; on 2 April one more day on 110.33: 1.388178 + 0.033099 → 1.42
    assert selectors.bill_view(fresh(jan), dt.date(2026, 4, 1)).late_fee.amount == D("1.39")
    assert selectors.bill_view(fresh(jan), dt.date(2026, 4, 2)).late_fee.amount == D("1.42")
    second = pay(unit, finance, "300.00", dt.date(2026, 5, 1))
    # January: 110.33 principal, then 22 d × 210.33 + 30 d × 110.33 (April) = 2.381148 → 2.38
    # February: 300 − 110.33 − 2.38 = 187.29 of principal, nothing left for its late fee
    charge = LateFeeCharge.objects.get(payment=second)
    assert (charge.bill_id, charge.amount) == (jan.pk, D("2.38"))
    assert fresh(feb).paid == D("187.29") and fresh(feb).status == BillStatus.PARTIAL
    # February owes 52 days (10 March – 30 April) on 210.33 = 3.281148 → 3.28, and from 2 May
    # on the 23.04 left: on 2 May + 1 May's 0.006912 → 3.28806 → 3.29
    assert selectors.bill_view(fresh(feb), dt.date(2026, 5, 1)).late_fee.amount == D("3.28")
    assert selectors.bill_view(fresh(feb), dt.date(2026, 5, 2)).late_fee.amount == D("3.29")
    assert ledger.balances(unit.community)["6301"]["balance"] == D("2.38")
    assert ledger.trial_balance_ok(unit.community)


def test_a_late_fee_left_on_a_paid_bill_is_collected_by_the_next_payment(two_bills, finance):
    unit, (jan, feb) = two_bills
    pay(unit, finance, "210.33", dt.date(2026, 4, 1), bills=[jan.pk])  # principal only
    assert fresh(jan).status == BillStatus.PAID
    # the fee stopped growing when the principal was paid: still 1.39 two weeks later
    account = selectors.unit_account(unit, as_of=dt.date(2026, 4, 15))
    by_bill = {v.bill.pk: v.late_fee.amount for v in account.bills}
    assert by_bill[jan.pk] == D("1.39")
    later = pay(unit, finance, "10.00", dt.date(2026, 4, 15))
    charge = LateFeeCharge.objects.get(payment=later)
    assert (charge.bill_id, charge.amount) == (jan.pk, D("1.39"))
    assert fresh(feb).paid == D("8.61")  # the rest went to February's principal
    assert selectors.bill_view(fresh(jan), dt.date(2026, 6, 1)).late_fee.amount == D("0.00")


def test_collection_switched_off_then_on_counts_only_from_that_day(two_bills, finance, community):
    unit, (jan, feb) = two_bills
    services.update_policy(community, actor=finance, late_fee_collect=False)
    payment = pay(unit, finance, "210.33", dt.date(2026, 4, 1), bills=[jan.pk])
    assert not LateFeeCharge.objects.exists() and payment.to_prepaid == D("0.00")
    assert selectors.unit_account(unit, as_of=dt.date(2026, 4, 1)).late_fees == D("0.00")
    services.update_policy(community, actor=finance, late_fee_collect=True, today=dt.date(2026, 5, 1))
    policy = selectors.policy_of(community)
    assert policy.late_fee_collect and policy.late_fee_collect_from == dt.date(2026, 5, 1)
    events = [parse(x.data.encode())["public"] for x in
              LogLeaf.objects.filter(event_type="finance.policy.changed").order_by("index")]
    assert events[0]["changes"] == {"late_fee_collect": ["True", "False"]}
    assert events[1]["terms"]["late_fee_collect_from"] == "2026-05-01"
    # February paid on 11 May: only 1–10 May count: 10 days × 210.33 × 0.0003 = 0.63099 → 0.63
    later = pay(unit, finance, "300.00", dt.date(2026, 5, 11))
    charges = LateFeeCharge.objects.filter(payment=later)
    assert [(c.bill_id, c.amount) for c in charges] == [(feb.pk, D("0.63"))]
    # January, paid while collection was off, owes nothing
    assert selectors.bill_view(fresh(jan), dt.date(2026, 5, 11)).late_fee.amount == D("0.00")


def test_a_refund_gives_late_fees_back_and_they_are_owed_again(two_bills, finance):
    unit, (_jan, feb) = two_bills
    payment = pay(unit, finance, "500.00", dt.date(2026, 4, 1))
    refund = payments.refund_payment(payment, actor=finance, amount="80.00", reason="多交",
                                     now=at(dt.date(2026, 4, 2)))
    # 76.56 from prepaid, then 1.39 of February's late fee and 1.39 of January's, then 0.66
    # of February's principal
    lines = {(x.account.code, x.debit, x.credit) for x in refund.entry.lines.select_related("account")}
    assert lines == {("2203", D("76.56"), D("0.00")), ("6301", D("2.78"), D("0.00")),
                     ("1122", D("0.66"), D("0.00")), ("1001", D("0.00"), D("80.00"))}
    back = LateFeeCharge.objects.filter(refund=refund)
    assert sorted(c.amount for c in back) == [D("-1.39"), D("-1.39")]
    assert fresh(feb).paid == D("209.67") and PrepaidBalance.objects.get(unit=unit).balance == D("0.00")
    assert ledger.balances(unit.community)["6301"]["balance"] == D("0.00")
    assert ledger.trial_balance_ok(unit.community)
    # owed again: January 1.39 (paid 1 April); February 1.39 + 0.66 × 0.0003 on 2 April → 1.39
    account = selectors.unit_account(unit, as_of=dt.date(2026, 4, 2))
    assert account.late_fees == D("2.78")


def test_idempotent_retry_collects_once(two_bills, finance):
    unit, _bills = two_bills
    first = pay(unit, finance, "500.00", dt.date(2026, 4, 1), idempotency_key="k-9")
    again = pay(unit, finance, "500.00", dt.date(2026, 4, 1), idempotency_key="k-9")
    assert first.pk == again.pk and LateFeeCharge.objects.count() == 2 and Payment.objects.count() == 1


def test_counter_page_shows_principal_and_late_fee_then_receipt(client, finance, two_bills):
    unit, (jan, _feb) = two_bills
    client.force_login(finance)
    with time_machine.travel(at(dt.date(2026, 4, 1)), tick=False):
        page = client.get(reverse("finance:unit", args=[unit.pk]))
        assert 'data-testid="late-fees">¥2.78' in page.text
        assert 'data-testid="total-due">¥423.44' in page.text and "先缴本金" in page.text
        answer = client.post(reverse("finance:unit", args=[unit.pk]), {"amount": "423.44", "method": "cash"})
        payment = Payment.objects.get()
        assert answer.status_code == 302 and payment.to_prepaid == D("0.00")
        receipt = client.get(reverse("finance:payment", args=[payment.pk]))
        assert 'data-testid="receipt-late-fees"' in receipt.text and "¥1.39" in receipt.text
        assert "本金 ¥420.66，滞纳金 ¥2.78" in receipt.text
        bill = client.get(reverse("finance:bill", args=[jan.pk]))
        assert 'data-testid="late-fee-collected">¥1.39' in bill.text
        assert 'data-testid="late-fee-charge"' in bill.text


def test_owner_sees_late_fees_on_my_bills_and_in_the_api(client, owner, two_bills, finance):
    unit, (jan, _feb) = two_bills
    pay(unit, finance, "210.33", dt.date(2026, 4, 1), bills=[jan.pk])
    client.force_login(owner)
    with time_machine.travel(at(dt.date(2026, 4, 10)), tick=False):
        page = client.get(reverse("finance:my_bills"))
        # January: 1.39 left; February if paid today: 10 March – 9 April = 31 days × 210.33 ×
        # 0.0003 = 1.956069 → 1.96
        assert 'data-testid="late-fees">¥3.35' in page.text
        account = client.get(f"/api/v1/finance/units/{unit.pk}/account").json()
        fees = {b["number"]: (b["late_fee"], b["late_fee_collected"]) for b in account["bills"]}
        assert fees[jan.number] == ("1.39", "0.00") and account["late_fees"] == "3.35"
        client.force_login(finance)
        answer = client.post(f"/api/v1/finance/units/{unit.pk}/payments",
                             {"amount": "300.00", "method": "pos"}, content_type="application/json")
        assert answer.status_code == 201
        body = answer.json()
        assert [(x["bill"], x["amount"]) for x in body["late_fees"]] == [(jan.number, "1.39"), (
            Bill.objects.get(unit=unit, period_start=FEB).number, "1.96")]


def test_collection_switch_page_and_api(client, finance, manager, community, two_bills, auditor):
    client.force_login(finance)
    page = client.get(reverse("finance:late_fees"))
    assert page.status_code == 200 and "万分之3" in page.text
    answer = client.post(reverse("finance:late_fees"), {})  # the box unticked: off
    assert answer.status_code == 302 and not selectors.policy_of(community).late_fee_collect
    api = client.put(f"/api/v1/finance/communities/{community.pk}/late-fees/collection", {"collect": True},
                     content_type="application/json")
    assert api.status_code == 200 and api.json()["collect"] is True and api.json()["collect_from"]
    wrong = client.put(f"/api/v1/finance/communities/{community.pk}/late-fees/collection",
                       {"collect": "maybe"}, content_type="application/json")
    assert wrong.status_code == 422
    client.force_login(auditor)
    assert client.get(reverse("finance:late_fees")).status_code == 200
    assert client.post(reverse("finance:late_fees"), {"late_fee_collect": "on"}).status_code == 403
    listed = client.get(f"/api/v1/finance/communities/{community.pk}/late-fees")
    assert listed.status_code == 200 and listed.json()["terms"]["collect"] is True


@pytest.mark.parametrize("amount, day", [
    ("500.00", dt.date(2026, 4, 1)),   # both bills, their late fees, the rest to prepaid
    ("423.44", dt.date(2026, 4, 1)),   # exactly principal and late fees
    ("300.00", dt.date(2026, 4, 1)),   # part of the second bill
    ("420.66", dt.date(2026, 3, 1)),   # before the grace ends: no late fee
])
def test_every_receipt_adds_up_to_what_was_paid(client, finance, owner, two_bills, amount, day,
                                                tmp_path):
    """The receipt's lines — principal per bill, the late fee collected on each, what went to
    prepaid — add up to the amount received, on the page, in the API and in the PDF."""
    from sunlit.finance.payments.receipts import receipt_for

    unit, _bills = two_bills
    payment = pay(unit, finance, amount, day)
    receipt = receipt_for(payment)
    assert receipt.total == payment.amount == D(amount)
    kinds = [line["kind"] for line in receipt.lines]
    assert ("late_fee" in kinds) == (day > dt.date(2026, 3, 10))
    assert ("prepaid" in kinds) == (payment.to_prepaid > 0)
    client.force_login(owner)
    data = client.get(f"/api/v1/finance/payments/{payment.pk}/receipt").json()
    assert sum(D(x["amount"]) for x in data["lines"]) == D(data["amount"]) == D(amount)
    assert data["payee"].startswith("阳光物业") and "明强小区" in data["payee"]
    page = client.get(reverse("finance:payment", args=[payment.pk])).text
    assert f"¥{D(amount):,.2f}" in page and "收款单位" in page

"""Every money document of the demo adds up (issue 14): a bill's lines make its amount and its
allocations what it shows paid; a receipt's lines make the amount received; a billing run's
bills make its total; every journal entry balances; a fund use's split makes its amount and each
household's fund balance is its sub-ledger; the aging report's buckets, buildings, fee items
and debtors make its total; each month's report closes on the balance the journal holds at the
end of the month, and opens on the last month's close; the 阳光账本 month adds up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from sunlit.core.models import Community
from sunlit.demo import load_demo
from sunlit.finance.arrears import selectors as arrears
from sunlit.finance.billing.models import Bill, BillingRun
from sunlit.finance.books import calc
from sunlit.finance.fund.models import FundAccount, FundUse
from sunlit.finance.models import JournalEntry, JournalLine
from sunlit.finance.payments.models import Payment
from sunlit.finance.payments.receipts import receipt_for
from sunlit.finance.report import selectors as report
from sunlit.finance.report.selectors import FUND, PUBLIC_INCOME, RECEIVABLE

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


@pytest.fixture
def demo():
    load_demo(units=100)
    return Community.objects.get(code="mingqiang")


def _fen(total) -> Decimal:
    """A database SUM as yuan to the fen (SQLite sums decimals as floats)."""
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def _sum(values) -> Decimal:
    return sum(values, ZERO)


def test_bills_runs_and_receipts_add_up(demo):
    bills = Bill.objects.in_community(demo).prefetch_related("lines", "allocations")
    assert bills.count() > 100
    for bill in bills:
        assert _sum(line.amount for line in bill.lines.all()) == bill.amount, bill.number
        assert _sum(a.amount for a in bill.allocations.all()) == bill.paid, bill.number
    for run in BillingRun.objects.in_community(demo).exclude(total=ZERO):
        assert _sum(b.amount for b in run.bills.all()) == run.total, run.pk
    payments = Payment.objects.in_community(demo)
    assert payments.count() > 50
    for payment in payments:
        receipt = receipt_for(payment)
        assert receipt.total == payment.amount, payment.number
        assert all(line["amount"] > 0 for line in receipt.lines), payment.number


def test_every_entry_balances_and_the_fund_matches_its_sub_ledger(demo):
    sides = defaultdict(lambda: [ZERO, ZERO])
    for entry_id, debit, credit in JournalLine.objects.in_community(demo).values_list(
            "entry_id", "debit", "credit"):
        sides[entry_id][0] += debit
        sides[entry_id][1] += credit
    entries = dict(JournalEntry.objects.in_community(demo).values_list("pk", "total"))
    assert entries and set(sides) == set(entries)
    for entry_id, (debit, credit) in sides.items():
        assert debit == credit == entries[entry_id], entry_id

    uses = FundUse.objects.in_community(demo)
    assert uses.exists()
    for use in uses:
        assert _sum(Decimal(row["amount"]) for row in use.split) == use.amount, use.number
    for account in FundAccount.objects.in_community(demo):
        lines = JournalLine.objects.filter(unit=account.unit, account__code=FUND)
        booked = lines.aggregate(c=Sum("credit"), d=Sum("debit"))
        assert _fen(booked["c"]) - _fen(booked["d"]) == account.balance, account.unit_id


def test_the_aging_report_adds_up(demo):
    today = timezone.localdate()
    aging = arrears.aging(demo, as_of=today)
    assert aging.total > 0
    assert _sum(aging.buckets.values()) == aging.total
    assert _sum(row.total for row in aging.by_building) == aging.total
    assert _sum(row.total for row in aging.by_fee_item) == aging.total
    open_bills = [b for b in Bill.objects.in_community(demo).filter(issued_on__lte=today)
                  if b.outstanding > 0]
    assert _sum(b.outstanding for b in open_bills) == aging.total
    assert aging.bills == len(open_bills)


def _journal_balance(community, code: str, before: dt.date) -> Decimal:
    booked = (JournalLine.objects.in_community(community)
              .filter(account__code=code, entry__date__lt=before)
              .aggregate(d=Sum("debit"), c=Sum("credit")))
    debit, credit = _fen(booked["d"]), _fen(booked["c"])
    return debit - credit if code == RECEIVABLE else credit - debit


def test_each_months_report_closes_on_the_books_and_the_ledger_month_adds_up(demo):
    dates = JournalEntry.objects.in_community(demo).order_by("date").values_list("date", flat=True)
    first, last = dates.first().replace(day=1), dates.last().replace(day=1)
    month, previous, months = first, None, 0
    while month <= last:
        months += 1
        built = report.build_report(demo, month)
        _start, end = report.month_bounds(month)
        for code in (RECEIVABLE, PUBLIC_INCOME, FUND):
            assert built.balances[code].closing == _journal_balance(demo, code, end), (month, code)
            if previous is not None:
                assert built.balances[code].opening == previous.balances[code].closing, (month, code)
        data = built.as_json()
        for section in ("income", "costs"):
            rows = _sum(Decimal(r["month"]) for r in data[section]["rows"])
            assert rows == Decimal(data[section]["total"]["month"]), (month, section)
        assert (Decimal(data["surplus"]["month"])
                == Decimal(data["income"]["total"]["month"]) - Decimal(data["costs"]["total"]["month"]))
        for key, row in built.rows.items():  # every figure is its entries' shares
            if row.month:
                shares = report.figure_shares(demo, month, key)
                assert _sum(s.amount for s in shares) == row.month, (month, key)
        previous, month = built, calc.add_months(month, 1)
    assert months >= 3

"""Concurrent counter payments for one unit (PostgreSQL): bills are locked before allocation,
so two cashiers taking money at the same moment never pay one bill twice; the same
idempotency key from two threads records one payment."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from sunlit.finance.billing import selectors
from sunlit.finance.books import ledger
from sunlit.finance.models import Bill, LateFeeCharge, Payment, PrepaidBalance
from sunlit.finance.payments import services as payments
from tests.finance.conftest import FEB

pytestmark = pytest.mark.skipif(connection.vendor == "sqlite",
                                reason="in-memory SQLite serialises writers: nothing to race")


def _race(work, count: int) -> list[BaseException]:
    errors, barrier = [], threading.Barrier(count)

    def run(n):
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_payments_never_overpay_a_bill(transactional_db, run, homes, property_fee, finance):
    run()
    run(FEB)
    unit = homes[0]
    errors = _race(lambda n: payments.receive_payment(unit, actor=finance, amount="150.00", method="cash"), 4)
    assert errors == []
    bills = list(Bill.objects.filter(unit=unit).order_by("period_start"))
    assert [b.paid for b in bills] == [Decimal("210.33"), Decimal("210.33")]
    # the bills are overdue today: each one's late fee is collected exactly (in one or more
    # parts, in whatever order the cashiers came), never twice
    for bill in bills:
        view = selectors.bill_view(bill, timezone.localdate())
        assert view.late_fee.amount == 0 and view.collected == Decimal(view.late_fee.calculation["computed"])
    collected = sum(LateFeeCharge.objects.filter(bill__unit=unit).values_list("amount", flat=True),
                    Decimal(0))
    assert PrepaidBalance.objects.get(unit=unit).balance == Decimal("600.00") - Decimal("420.66") - collected
    assert ledger.trial_balance_ok(unit.community)


def test_the_same_key_from_two_threads_records_one_payment(transactional_db, run, homes, property_fee,
                                                           finance):
    run()
    unit = homes[0]
    errors = _race(lambda n: payments.receive_payment(unit, actor=finance, amount="100.00", method="pos",
                                                      idempotency_key="pos-7781"), 3)
    assert Payment.objects.count() == 1
    # the losers either replayed the first payment or were told the key is taken
    assert all("幂等键" in str(e) for e in errors)
    assert Bill.objects.get(unit=unit).paid == Decimal("100.00")

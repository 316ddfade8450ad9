"""The same signed notification delivered by N threads at once (PostgreSQL): one payment.

The order row is locked (``SELECT ... FOR UPDATE``) before its state is read; the first thread
records the payment and marks the order paid, the others then see it paid with the same
transaction id and answer success without writing anything."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from sunlit.finance.books import ledger
from sunlit.finance.models import Allocation, Bill, CallbackRefusal, Payment, PaymentOrder
from sunlit.finance.online import services as online
from sunlit.finance.online.gateways import sandbox
from sunlit.transparency.models import LogLeaf

pytestmark = [pytest.mark.usefixtures("no_late_fees"), pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="needs PostgreSQL (DATABASE_URL): in-memory SQLite serialises writers",
)]
THREADS = 8


def _race(work, count: int) -> list:
    results, errors, barrier = [], [], threading.Barrier(count)

    def run(n):
        try:
            barrier.wait()
            results.append(work(n))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_concurrent_duplicate_notifications_record_one_payment(
    transactional_db, run, homes, property_fee, owner, provider
):
    run()
    order = online.create_payment_order(homes[0], actor=owner, provider=provider)
    if provider == "wechat":
        headers, body = sandbox.wechat_notification(
            out_trade_no=order.out_trade_no,
            total_fen=order.amount_fen,
            transaction="4200000000202601080000000042",
        )
    else:
        headers, body = sandbox.alipay_notification(
            out_trade_no=order.out_trade_no, total_amount=str(order.amount), trade_no="2026010800042"
        )

    def deliver(_n):
        response = Client().post(
            f"/finance/callbacks/{provider}/mingqiang/",
            data=body,
            content_type=headers["Content-Type"],
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
        return response.status_code, response.content

    answers = _race(deliver, THREADS)
    ok = (
        (200, b"success")
        if provider == "alipay"
        else (200, b'{"code": "SUCCESS", "message": "\\u6210\\u529f"}')
    )
    assert answers == [ok] * THREADS
    assert Payment.objects.count() == 1 and Allocation.objects.count() == 1
    assert PaymentOrder.objects.get().status == "paid" and not CallbackRefusal.objects.exists()
    assert Bill.objects.get(unit=homes[0]).status == "paid"
    assert LogLeaf.objects.filter(event_type="finance.payment.received").count() == 1
    assert ledger.trial_balance_ok(homes[0].community)

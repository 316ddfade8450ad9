"""Online payments with late-fee collection on: the order charges each bill's principal and its
late fee as of the day (as the counter does), and the verified notification collects both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.billing.selectors import policy_of
from sunlit.finance.charges import latefees
from sunlit.finance.models import Bill, LateFeeCharge
from sunlit.finance.online import services as online
from sunlit.finance.online.choices import OrderStatus
from sunlit.finance.online.gateways import sandbox
from sunlit.tickets.sla import SHANGHAI
from tests.finance.conftest import FEB
from tests.finance.test_online import deliver

LATE = dt.datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI)  # January's bill is past due + 30 days' grace


def test_the_order_includes_late_fees_and_the_callback_collects_them(client, owner, homes, run,
                                                                     property_fee):
    run()
    run(FEB)
    bills = list(Bill.objects.filter(unit=homes[0]).order_by("period_start"))
    with time_machine.travel(LATE, tick=False):
        terms = latefees.Terms.of(policy_of(homes[0].community))
        expected = [latefees.bill_late_fee(b, LATE.date(), terms, [(LATE.date(), b.outstanding)]).owed
                    for b in bills]
        assert expected[0] > 0  # January is late
        order = online.create_payment_order(homes[0], actor=owner, provider="wechat")
        lines = {line["number"]: line for line in order.bills}
        for bill, fee in zip(bills, expected, strict=True):
            assert Decimal(lines[bill.number]["late_fee"]) == fee
            assert Decimal(lines[bill.number]["amount"]) == bill.outstanding + fee
        assert order.amount == sum((b.outstanding for b in bills), Decimal(0)) + sum(expected)
        response = deliver(client, "wechat", sandbox.wechat_notification(
            out_trade_no=order.out_trade_no, total_fen=order.amount_fen,
            transaction="4200000000202604200000000001"))
        assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payment.to_prepaid == 0
    assert all(b.status == BillStatus.PAID for b in Bill.objects.filter(unit=homes[0]))
    collected = sum(c.amount for c in LateFeeCharge.objects.filter(payment=order.payment))
    assert collected == sum(expected)

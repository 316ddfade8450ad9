"""Finance pages: staff run billing with a preview, take payments at the counter; owners see
their own bills with calculations and proofs, never a neighbour's."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from sunlit.finance.billing.choices import RunStatus
from sunlit.finance.models import Bill, BillingRun, Payment
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod
from tests.finance.conftest import NOW

D = Decimal


@pytest.fixture
def billed(run, homes, property_fee):
    run()
    return Bill.objects.get(unit=homes[0])


def test_staff_preview_then_commit_then_status(client, finance, homes, property_fee,
                                               django_capture_on_commit_callbacks):
    client.force_login(finance)
    page = client.get(reverse("finance:run_list"), {"period": "2026-01"})
    assert page.status_code == 200 and "计费预览" in page.text and "634.13" in page.text
    assert not Bill.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("finance:run_start"), {"period": "2026-01"})
    run = BillingRun.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("finance:run", args=[run.pk])
    status = client.get(answer.url)
    assert run.status == RunStatus.COMMITTED and "已完成" in status.text and run.bills_root in status.text
    again = client.post(reverse("finance:run_start"), {"period": "2026-01"}, follow=True)
    assert "已经计费" in again.text and BillingRun.objects.count() == 1


def test_run_status_page_polls_while_working(client, finance, community, homes):
    run = BillingRun.objects.create(community=community, period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 2, 1), status=RunStatus.QUEUED)
    client.force_login(finance)
    page = client.get(reverse("finance:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in page.text and "<html" not in page.text
    assert 'data-testid="worker-idle"' in page.text and "sunlit worker" in page.text
    from django.utils import timezone

    from sunlit.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now())
    page = client.get(reverse("finance:run", args=[run.pk]))
    assert 'data-testid="worker-idle"' not in page.text and "每 2 秒自动刷新" in page.text


@time_machine.travel(NOW, tick=False)  # before the due date: no late fee (see test_late_fees.py)
def test_counter_payment_and_receipt(client, finance, billed, homes):
    client.force_login(finance)
    found = client.get(reverse("finance:counter"), {"q": "1号楼 101"})
    assert homes[0].label in found.text and "210.33" in found.text
    page = client.get(reverse("finance:unit", args=[homes[0].pk]))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    data = {"amount": "250.00", "method": PaymentMethod.CASH, "idempotency_key": key}
    answer = client.post(reverse("finance:unit", args=[homes[0].pk]), data)
    payment = Payment.objects.get()
    assert answer.status_code == 302 and payment.to_prepaid == D("39.67")
    client.post(reverse("finance:unit", args=[homes[0].pk]), data)  # a double click
    assert Payment.objects.count() == 1
    receipt = client.get(reverse("finance:payment", args=[payment.pk]))
    assert payment.number in receipt.text and "已存证" in receipt.text


def test_bad_counter_input_keeps_what_was_typed(client, finance, billed, homes):
    client.force_login(finance)
    answer = client.post(reverse("finance:unit", args=[homes[0].pk]),
                         {"amount": "12.345", "method": "cash", "reference": "POS-778"})
    assert answer.status_code == 400 and "两位小数" in answer.text and "POS-778" in answer.text
    assert not Payment.objects.exists()


def test_owner_sees_his_bills_with_calculation_and_proof(client, owner, billed, homes):
    client.force_login(owner)
    page = client.get(reverse("finance:my_bills"))
    assert page.status_code == 200 and billed.number in page.text and "210.33" in page.text
    assert homes[1].label not in page.text
    detail = client.get(reverse("finance:bill", args=[billed.pk]))
    assert "89.50 ㎡ × 2.3500 元 × 1 月" in detail.text
    assert "四舍五入到分：210.33 元" in detail.text and "已存证" in detail.text
    proof = client.get(reverse("api:finance_bill_proof", args=[billed.pk]))
    assert proof.status_code == 200 and proof.json()["bill"]["number"] == billed.number


def test_owner_cannot_reach_a_neighbours_bill_or_staff_pages(client, owner, billed, homes):
    neighbour_bill = Bill.objects.get(unit=homes[1])
    client.force_login(owner)
    assert client.get(reverse("finance:bill", args=[neighbour_bill.pk])).status_code == 404
    assert client.get(reverse("finance:unit", args=[homes[1].pk])).status_code == 404
    assert client.get(reverse("api:finance_bill_proof", args=[neighbour_bill.pk])).status_code == 404
    for name in ("finance:run_list", "finance:books", "finance:fee_item_list", "finance:counter"):
        assert client.get(reverse(name)).status_code == 403, name
    answer = client.post(reverse("finance:unit", args=[homes[0].pk]), {"amount": "10", "method": "cash"})
    assert answer.status_code == 403 and not Payment.objects.exists()


def test_other_community_staff_get_404(client, billed, other_community, make_member):
    stranger = make_member("finance", target=other_community, username="finance2")
    client.force_login(stranger)
    assert client.get(reverse("finance:bill", args=[billed.pk])).status_code == 404
    assert client.get(reverse("finance:unit", args=[billed.unit_id])).status_code == 404


def test_late_fee_shows_as_of_today(client, owner, billed):
    client.force_login(owner)
    # due 7 Feb, 30 days' grace: fee from 10 Mar; paid in full on 19 Mar (a payment stops that
    # day's fee: what the page shows) 9 days × 210.33 × 0.0003 = 0.567891
    with time_machine.travel(dt.datetime(2026, 3, 19, 12, 0, tzinfo=NOW.tzinfo)):
        page = client.get(reverse("finance:bill", args=[billed.pk]))
    assert "¥0.57（9 天）" in page.text


def test_fee_items_and_tariff_pages(client, finance, property_fee):
    client.force_login(finance)
    page = client.get(reverse("finance:fee_item_list"))
    assert "物业服务费" in page.text and "2.35" in page.text
    bad = client.post(reverse("finance:fee_item", args=[property_fee.pk]),
                      {"price": "2.80", "effective_from": "2026-03-01"})
    assert bad.status_code == 400 and "须提前公示" in bad.text


def test_books_page(client, finance, billed):
    client.force_login(finance)
    page = client.get(reverse("finance:books"))
    assert "1122 应收账款-业主" in page.text and "634.13" in page.text


def test_refund_page(client, finance, billed, homes):
    payment = payments.receive_payment(homes[0], actor=finance, amount="300", method="cash")
    client.force_login(finance)
    too_much = client.post(reverse("finance:payment", args=[payment.pk]), {"amount": "300.01", "reason": "x"})
    assert too_much.status_code == 400 and "不能超过" in too_much.text
    ok = client.post(reverse("finance:payment", args=[payment.pk]), {"amount": "89.67", "reason": "多交"})
    assert ok.status_code == 302


def test_my_bills_query_budget(client, owner, run, homes, property_fee, django_assert_max_num_queries):
    for month in range(1, 7):
        run(dt.date(2026, month, 1))
    client.force_login(owner)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("finance:my_bills"))
    assert page.text.count("data-testid=\"bill-ZD-") == 6


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("6142423.99"), "6,142,423.99"), (Decimal("0"), "0.00"), (Decimal("-1234.5"), "-1,234.50"),
    ("999.10", "999.10"), (None, ""), ("abc", "abc"),
])
def test_yuan_writes_amounts_with_thousands_separators(value, shown):
    from sunlit.finance.templatetags.ledger import yuan

    assert yuan(value) == shown

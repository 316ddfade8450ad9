"""Online payments (WeChat Pay API v3, Alipay) through the local simulator's signed notifications:
the real verification path of the SDKs, idempotent callbacks, refusals kept, logged and counted."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sunlit.finance.books import ledger
from sunlit.finance.models import Bill, CallbackRefusal, Payment, PaymentOrder, PrepaidBalance
from sunlit.finance.online import services as online
from sunlit.finance.online.choices import OrderStatus, RefusalReason
from sunlit.finance.online.gateways import sandbox
from sunlit.notices.models import Notification
from sunlit.transparency.models import LogLeaf
from tests.factories import OwnershipFactory, UnitFactory, UserFactory
from tests.finance.conftest import FEB

# the payment path with late-fee collection off (test_online_late_fees.py: with it on)
pytestmark = pytest.mark.usefixtures("no_late_fees")


@pytest.fixture
def billed(run, homes, property_fee):
    run()
    run(FEB)
    return list(Bill.objects.filter(unit=homes[0]).order_by("period_start"))


@pytest.fixture
def order(owner, homes, billed):
    return online.create_payment_order(homes[0], actor=owner, provider="wechat")


def wechat(order, **kw):
    kw.setdefault("total_fen", order.amount_fen)
    kw.setdefault("transaction", "4200000000202601080000000001")
    return sandbox.wechat_notification(out_trade_no=order.out_trade_no, **kw)


def alipay(order, **kw):
    kw.setdefault("total_amount", str(order.amount))
    kw.setdefault("trade_no", "2026010822001400000000000001")
    return sandbox.alipay_notification(out_trade_no=order.out_trade_no, **kw)


def deliver(client, provider, headers_body, code="mingqiang"):
    headers, body = headers_body
    return client.post(
        f"/finance/callbacks/{provider}/{code}/",
        data=body,
        content_type=headers["Content-Type"],
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def nothing_paid(order):
    order.refresh_from_db()
    return order.status == OrderStatus.CREATED and not Payment.objects.exists()


def refusals_logged():
    return LogLeaf.objects.filter(event_type="finance.callback.refused").count()


# --- the happy path ------------------------------------------------------------------------------


def test_owner_orders_all_unpaid_bills_and_the_wechat_notification_pays_them(
    client, owner, order, billed, homes, finance
):
    assert order.amount == Decimal("420.66") and [b["id"] for b in order.bills] == [b.pk for b in billed]
    assert order.sandbox and order.expires_at - order.created_at == dt.timedelta(minutes=30)
    response = deliver(client, "wechat", wechat(order))
    assert response.status_code == 200 and response.json()["code"] == "SUCCESS"
    order.refresh_from_db()
    payment = order.payment
    assert order.status == OrderStatus.PAID and order.transaction_id.startswith("4200")
    assert payment.method == "wechat" and payment.amount == Decimal("420.66")
    assert payment.reference == order.transaction_id and payment.received_by is None
    assert all(b.status == "paid" for b in Bill.objects.filter(unit=homes[0]))
    lines = {(x.account.code, x.debit, x.credit) for x in payment.entry.lines.select_related("account")}
    assert lines == {("1012", Decimal("420.66"), Decimal("0")), ("1122", Decimal("0"), Decimal("420.66"))}
    assert ledger.trial_balance_ok(homes[0].community)
    leaf = LogLeaf.objects.get(event_type="finance.payment.received", subject_id=str(payment.pk))
    public = json.loads(leaf.data)["public"]
    assert public["provider"] == "wechat" and public["transaction_id"] == order.transaction_id
    assert public["order"] == order.out_trade_no
    assert Notification.objects.filter(recipient=owner, title__startswith="缴费成功").exists()
    assert not CallbackRefusal.objects.exists()


def test_the_same_notification_twice_records_one_payment(client, order):
    notification = wechat(order)
    first, second = deliver(client, "wechat", notification), deliver(client, "wechat", notification)
    assert first.status_code == second.status_code == 200
    assert second.json() == {"code": "SUCCESS", "message": "成功"}
    assert Payment.objects.count() == 1 and not CallbackRefusal.objects.exists()
    # the provider retries with a fresh signature: still one payment
    assert deliver(client, "wechat", wechat(order)).status_code == 200
    assert Payment.objects.count() == 1


def test_alipay_pays_and_answers_success_once(client, owner, homes, billed):
    order = online.create_payment_order(homes[0], actor=owner, provider="alipay", bills=[billed[0].pk])
    assert order.amount == Decimal("210.33")
    notification = alipay(order)
    for _ in range(2):
        response = deliver(client, "alipay", notification)
        assert response.status_code == 200 and response.content == b"success"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and Payment.objects.get().method == "alipay"
    assert (
        Bill.objects.get(pk=billed[0].pk).status == "paid"
        and Bill.objects.get(pk=billed[1].pk).status == "open"
    )


def test_bills_paid_meanwhile_send_the_money_to_the_oldest_then_prepaid(
    client, owner, finance, homes, billed
):
    from sunlit.finance.payments import services as payments

    order = online.create_payment_order(homes[0], actor=owner, provider="wechat", bills=[billed[0].pk])
    payments.receive_payment(homes[0], actor=finance, amount="300.00", method="cash")  # pays Jan + part Feb
    assert deliver(client, "wechat", wechat(order)).status_code == 200
    assert Bill.objects.get(pk=billed[1].pk).status == "paid"
    assert PrepaidBalance.objects.get(unit=homes[0]).balance == Decimal("300.00") + Decimal(
        "210.33"
    ) - Decimal("420.66")


# --- refusals ----------------------------------------------------------------------------------------


def test_a_bad_signature_is_refused_kept_counted_and_not_logged(client, order, finance):
    headers, body = wechat(order)
    headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][:-8] + "AAAAAAA="
    response = deliver(client, "wechat", (headers, body))
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    assert nothing_paid(order)
    refusal = CallbackRefusal.objects.get()
    assert refusal.reason == RefusalReason.BAD_SIGNATURE and refusal.community == order.community
    assert refusals_logged() == 0  # anyone can send these: kept and counted, not on the log
    assert Notification.objects.filter(recipient=finance, title__contains="签名无效").count() == 1
    deliver(client, "wechat", (headers, body))  # a flood tells finance staff once an hour
    assert Notification.objects.filter(recipient=finance).count() == 1
    assert online.refusal_counts(order.community) == {"bad_signature": 2}


def test_a_tampered_body_is_refused(client, order):
    headers, body = wechat(order)
    tampered = body.replace(b'"summary":"\xe6\x94\xaf\xe4\xbb\x98\xe6\x88\x90\xe5\x8a\x9f"', b'"summary":"x"')
    assert tampered != body
    assert deliver(client, "wechat", (headers, tampered)).status_code == 400
    assert nothing_paid(order) and CallbackRefusal.objects.get().reason == RefusalReason.BAD_SIGNATURE


def test_a_notification_signed_with_another_key_is_refused(client, order):
    other = sandbox._new_rsa_pem()
    assert deliver(client, "wechat", wechat(order, platform_key=other)).status_code == 400
    assert deliver(client, "alipay", alipay(order, platform_key=other)).content == b"fail"
    assert nothing_paid(order)
    assert set(CallbackRefusal.objects.values_list("reason", flat=True)) == {RefusalReason.BAD_SIGNATURE}


def test_a_wrong_apiv3_key_cannot_be_decrypted(client, order):
    assert deliver(client, "wechat", wechat(order, apiv3_key="x" * 32)).status_code == 400
    assert nothing_paid(order) and CallbackRefusal.objects.get().reason == RefusalReason.DECRYPT_FAILED


def test_a_wrong_amount_is_refused_logged_and_shown_to_finance(client, order, finance):
    response = deliver(client, "wechat", wechat(order, total_fen=order.amount_fen - 1))
    assert response.status_code == 400
    assert nothing_paid(order)
    refusal = CallbackRefusal.objects.get()
    assert refusal.reason == RefusalReason.WRONG_AMOUNT and refusal.order == order
    assert refusal.amount_seen == order.amount - Decimal("0.01")
    leaf = LogLeaf.objects.get(event_type="finance.callback.refused")
    assert json.loads(leaf.data)["public"]["order"] == order.out_trade_no
    client.force_login(finance)
    page = client.get("/finance/callback-refusals/").content.decode()
    assert "金额与订单不符" in page and order.out_trade_no in page


def test_alipay_wrong_amount_and_wrong_app_are_refused(client, owner, homes, billed):
    order = online.create_payment_order(homes[0], actor=owner, provider="alipay")
    assert deliver(client, "alipay", alipay(order, total_amount="0.01")).content == b"fail"
    assert deliver(client, "alipay", alipay(order, app_id="2021999999999999")).content == b"fail"
    assert nothing_paid(order)
    assert sorted(CallbackRefusal.objects.values_list("reason", flat=True)) == [
        RefusalReason.WRONG_AMOUNT,
        RefusalReason.WRONG_MERCHANT,
    ]


def test_unknown_order_and_another_communitys_order_are_refused(client, order, other_community):
    from sunlit.finance.models import PaymentOrder as P

    ghost = P(out_trade_no="SL20260108000000NOPE", amount=order.amount)
    assert deliver(client, "wechat", wechat(ghost)).status_code == 400
    # a real order of 明强小区 delivered to 远景小区's address
    assert deliver(client, "wechat", wechat(order), code=other_community.code).status_code == 400
    assert nothing_paid(order)
    rows = list(CallbackRefusal.objects.order_by("id").values_list("reason", "community_id"))
    assert rows == [
        (RefusalReason.UNKNOWN_ORDER, order.community_id),
        (RefusalReason.UNKNOWN_ORDER, other_community.pk),
    ]
    assert deliver(client, "wechat", wechat(order), code="no-such-place").status_code == 404
    assert deliver(client, "paypal", wechat(order)).status_code == 404
    unknown = list(CallbackRefusal.objects.order_by("id").values_list("reason", "provider", "community_id"))[
        2:
    ]
    assert unknown == [
        (RefusalReason.NOT_CONFIGURED, "wechat", None),
        (RefusalReason.NOT_CONFIGURED, "", order.community_id),
    ]


def test_expired_and_closed_orders_are_refused(client, order, owner, homes):
    later = timezone.now() + dt.timedelta(minutes=31)
    assert deliver(client, "wechat", wechat(order, paid_at=later)).status_code == 400
    assert online.close_expired_orders(now=later) == 1
    assert deliver(client, "wechat", wechat(order)).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and not Payment.objects.exists()
    assert list(CallbackRefusal.objects.values_list("reason", flat=True)) == [RefusalReason.ORDER_CLOSED] * 2
    with pytest.raises(ValidationError):
        online.simulate_payment(order, actor=owner)


def test_a_replayed_old_notification_is_refused(client, order):
    stale = wechat(order, timestamp=int(timezone.now().timestamp()) - 600)
    assert deliver(client, "wechat", stale).status_code == 400
    assert nothing_paid(order) and CallbackRefusal.objects.get().reason == RefusalReason.STALE


def test_a_notification_from_another_merchant_is_refused(client, order):
    assert deliver(client, "wechat", wechat(order, mchid="1900000999")).status_code == 400
    assert nothing_paid(order) and CallbackRefusal.objects.get().reason == RefusalReason.WRONG_MERCHANT


def test_garbage_and_missing_headers_are_refused(client, order):
    assert (
        client.post(
            "/finance/callbacks/wechat/mingqiang/", data=b"{}", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/finance/callbacks/alipay/mingqiang/",
            data=b"\xff\xfe",
            content_type="application/x-www-form-urlencoded",
        ).content
        == b"fail"
    )
    assert client.get("/finance/callbacks/wechat/mingqiang/").status_code == 405
    assert nothing_paid(order)
    assert set(CallbackRefusal.objects.values_list("reason", flat=True)) == {RefusalReason.MALFORMED}


def test_a_second_transaction_for_a_paid_order_is_refused(client, order):
    deliver(client, "wechat", wechat(order))
    assert (
        deliver(client, "wechat", wechat(order, transaction="4200000000202601089999999999")).status_code
        == 400
    )
    assert Payment.objects.count() == 1
    assert CallbackRefusal.objects.get().reason == RefusalReason.DUPLICATE_TRANSACTION


# --- ordering ------------------------------------------------------------------------------------


def test_only_a_household_of_the_unit_orders(owner, resident, finance, homes, billed, owner_other_community):
    with pytest.raises(PermissionDenied):
        online.create_payment_order(homes[0], actor=finance, provider="wechat")
    with pytest.raises(PermissionDenied):
        online.create_payment_order(homes[0], actor=owner_other_community, provider="wechat")
    assert online.create_payment_order(homes[0], actor=resident, provider="alipay").amount == Decimal(
        "420.66"
    )
    assert PaymentOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"provider": "paypal"}, "provider"),
        ({"provider": "wechat", "bills": ["1"]}, "bills"),
        ({"provider": "wechat", "bills": [True]}, "bills"),
        ({"provider": "wechat", "bills": [999999]}, "bills"),
        ({"provider": "wechat", "idempotency_key": "k" * 65}, "idempotency_key"),
    ],
)
def test_bad_orders_are_refused_and_write_nothing(owner, homes, billed, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        online.create_payment_order(homes[0], actor=owner, **kwargs)
    assert field in exc.value.message_dict and not PaymentOrder.objects.exists()


def test_paid_bills_and_another_units_bills_cannot_be_ordered(owner, finance, homes, billed):
    from sunlit.finance.payments import services as payments

    other = Bill.objects.filter(unit=homes[1]).first()
    with pytest.raises(ValidationError):
        online.create_payment_order(homes[0], actor=owner, provider="wechat", bills=[other.pk])
    payments.receive_payment(homes[0], actor=finance, amount="420.66", method="cash")
    with pytest.raises(ValidationError, match="没有待缴账单"):
        online.create_payment_order(homes[0], actor=owner, provider="wechat")
    assert not PaymentOrder.objects.exists()


def test_the_same_key_returns_the_first_order(owner, homes, billed):
    first = online.create_payment_order(homes[0], actor=owner, provider="wechat", idempotency_key="k1")
    again = online.create_payment_order(homes[0], actor=owner, provider="wechat", idempotency_key="k1")
    assert first.pk == again.pk
    with pytest.raises(ValidationError, match="幂等键"):
        online.create_payment_order(
            homes[0], actor=owner, provider="wechat", bills=[billed[0].pk], idempotency_key="k1"
        )


def test_providers_are_off_unless_configured(owner, homes, billed, monkeypatch):
    monkeypatch.delenv("SUNLIT_PAYMENTS_SANDBOX")
    assert online.providers_for(homes[0].community) == []
    with pytest.raises(ValidationError, match="尚未开通"):
        online.create_payment_order(homes[0], actor=owner, provider="wechat")


def test_the_sandbox_needs_the_environment_not_only_settings(settings, monkeypatch):
    from sunlit.finance.online.gateways import local_sandbox_enabled

    monkeypatch.delenv("SUNLIT_PAYMENTS_SANDBOX")
    settings.SUNLIT_PAYMENTS = {**settings.SUNLIT_PAYMENTS, "sandbox": "local"}
    settings.DEBUG = False
    assert not local_sandbox_enabled()
    settings.DEBUG = True
    assert local_sandbox_enabled()


# --- pages and API -------------------------------------------------------------------------------


def test_owner_pays_from_my_bills_through_the_simulator(client, owner, homes, billed):
    client.force_login(owner)
    page = client.get("/finance/my/").content.decode()
    assert "在线缴费" in page and "微信支付" in page and "支付宝" in page
    response = client.post(
        f"/finance/my/units/{homes[0].pk}/pay/",
        {"provider": "wechat", "bills": [str(billed[0].pk)], "idempotency_key": "form-1"},
    )
    order = PaymentOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/finance/orders/{order.pk}/simulator/"
    simulator = client.get(response["Location"]).content.decode()
    assert "SUNLIT_PAYMENTS_SANDBOX=local" in simulator and "210.33" in simulator
    response = client.post(f"/finance/orders/{order.pk}/simulator/")
    assert response.status_code == 302
    status = client.get(f"/finance/orders/{order.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "已缴" in status and "贰佰壹拾元叁角叁分" in status
    # the same form again (a double click) makes no second order
    client.post(
        f"/finance/my/units/{homes[0].pk}/pay/",
        {"provider": "wechat", "bills": [str(billed[0].pk)], "idempotency_key": "form-1"},
    )
    assert PaymentOrder.objects.count() == 1


def test_pay_form_errors_go_back_to_my_bills(client, owner, homes, billed, owner_other_community):
    client.force_login(owner)
    response = client.post(
        f"/finance/my/units/{homes[0].pk}/pay/", {"provider": "wechat", "bills": ["x"]}, follow=True
    )
    assert "账单编号无效" in response.content.decode()
    assert client.post(f"/finance/my/units/{homes[1].pk}/pay/", {"provider": "wechat"}).status_code == 404
    assert not PaymentOrder.objects.exists()


def test_the_simulator_is_not_there_without_the_sandbox(client, owner, order, monkeypatch):
    client.force_login(owner)
    monkeypatch.delenv("SUNLIT_PAYMENTS_SANDBOX")
    assert client.get(f"/finance/orders/{order.pk}/simulator/").status_code == 404
    assert client.post(f"/finance/orders/{order.pk}/simulator/").status_code == 404


def test_another_owner_sees_no_order(client, order, owner_other_community):
    client.force_login(owner_other_community)
    assert client.get(f"/finance/orders/{order.pk}/").status_code == 404
    assert client.post(f"/finance/orders/{order.pk}/simulator/").status_code == 404
    assert nothing_paid(order)


def test_api_orders_idempotently_and_reports_status(client, owner, homes, billed, owner_other_community):
    client.force_login(owner)
    url = f"/api/v1/finance/units/{homes[0].pk}/payment-orders"
    body = {"provider": "alipay", "bills": [billed[1].pk]}
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "a-1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "a-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    data = first.json()
    assert data["amount"] == "210.33" and data["status"] == "created" and data["sandbox"]
    assert data["pay"] == {"kind": "redirect", "url": f"/finance/orders/{data['id']}/simulator/"}
    assert PaymentOrder.objects.count() == 1
    assert (
        client.post(url, {"provider": "wechat", "bills": "all"}, content_type="application/json").status_code
        == 422
    )
    assert client.post(url, {"provider": "bitcoin"}, content_type="application/json").status_code == 422
    order = PaymentOrder.objects.get()
    deliver(client, "alipay", alipay(order))
    status = client.get(f"/api/v1/finance/payment-orders/{order.pk}").json()
    assert status["status"] == "paid" and status["receipt_number"].startswith("SK-") and status["pay"] is None
    client.force_login(owner_other_community)
    assert client.get(f"/api/v1/finance/payment-orders/{order.pk}").status_code == 404
    assert client.post(url, body, content_type="application/json").status_code == 404


def test_refusals_are_for_finance_staff(client, order, owner, finance, community):
    deliver(client, "wechat", wechat(order, total_fen=1))
    client.force_login(finance)
    rows = client.get(f"/api/v1/finance/communities/{community.pk}/callback-refusals").json()["items"]
    assert rows[0]["reason"] == "wrong_amount" and rows[0]["amount_seen"] == "0.01"
    client.force_login(owner)
    assert client.get(f"/api/v1/finance/communities/{community.pk}/callback-refusals").status_code == 403
    assert client.get("/finance/callback-refusals/").status_code == 403


def test_unit_without_orders_of_other_households(owner, homes, billed):
    stranger = UserFactory()
    unit = UnitFactory(building=homes[0].building, number="909")
    OwnershipFactory(unit=unit, person__user=stranger, person__community=unit.community)
    with pytest.raises(PermissionDenied):
        online.create_payment_order(unit, actor=owner, provider="wechat")


def test_alipay_refuses_the_same_set(client, owner, homes, billed, other_community):
    from urllib.parse import parse_qsl, urlencode

    order = online.create_payment_order(homes[0], actor=owner, provider="alipay")
    headers, body = alipay(order)
    form = dict(parse_qsl(body.decode()))
    form["total_amount"] = "0.01"  # tampered after signing
    assert deliver(client, "alipay", (headers, urlencode(form).encode())).content == b"fail"
    ghost = PaymentOrder(out_trade_no="SL20260108000000GHOST", amount=order.amount)
    assert deliver(client, "alipay", alipay(ghost)).content == b"fail"
    assert deliver(client, "alipay", alipay(order), code=other_community.code).content == b"fail"
    later = timezone.now() + dt.timedelta(minutes=31)
    assert deliver(client, "alipay", alipay(order, paid_at=later)).content == b"fail"
    # a notification of a state other than paid is answered and records nothing
    assert deliver(client, "alipay", alipay(order, trade_status="WAIT_BUYER_PAY")).content == b"success"
    assert nothing_paid(order)
    assert list(CallbackRefusal.objects.order_by("id").values_list("reason", flat=True)) == [
        RefusalReason.BAD_SIGNATURE,
        RefusalReason.UNKNOWN_ORDER,
        RefusalReason.UNKNOWN_ORDER,
        RefusalReason.ORDER_CLOSED,
    ]
    assert deliver(client, "alipay", alipay(order)).content == b"success"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and Payment.objects.count() == 1

"""Online payments — 线上缴费: an owner pays bills through WeChat Pay or Alipay.

1. ``create_payment_order`` (the owner, for a unit he owns or lives in): the unpaid bills he
   picked (all of the unit by default) and their total become a ``PaymentOrder`` with a fresh
   merchant order number, valid ``ORDER_MINUTES``.
2. ``start_payment`` asks the provider for the way to pay (a QR code, a page) — outside any
   transaction, it is a network call — or, with the local simulator, points at 模拟支付.
3. The provider's notification reaches ``handle_callback``: the adapter verifies its signature
   (and decrypts it), then, under a row lock on the order, the amount (to the fen), the merchant
   and the order's state are checked and the payment is recorded once through
   ``payments.record_payment`` (debit 1012, the order's bills first, then the oldest, the rest
   to prepaid). The same notification again answers success and records nothing.
4. A refused notification is kept (``CallbackRefusal``), counted and shown to finance staff,
   who are notified; authentic ones (signature verified) also go on the log.

Late fees are not charged online yet: ``order_lines`` is where a late-fee module adds its lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.choices import Role
from sunlit.core.idempotency import clean_service_key, replayed
from sunlit.core.models import AuditEvent, Community, Membership, User
from sunlit.core.permissions import object_rule, require
from sunlit.finance.books import money
from sunlit.finance.models import Bill, CallbackRefusal, Payment, PaymentOrder
from sunlit.finance.online.choices import OrderStatus, Provider, RefusalReason
from sunlit.finance.online.gateways import (
    CallbackRefused,
    GatewayError,
    Notice,
    OrderRequest,
    PayAction,
    gateway_for,
)
from sunlit.finance.payments import services as payments
from sunlit.registry.models import Unit
from sunlit.transparency import services as log

logger = logging.getLogger("sunlit.finance.online.services")

ORDER_MINUTES = 30
#: a real provider is asked about an unpaid order when its notification is this late, this often
QUERY_AFTER_SECONDS = 15
QUERY_EVERY_SECONDS = 10
#: refusals of notifications anyone could send (no valid signature): kept and counted, not logged
UNAUTHENTIC = frozenset(
    {
        RefusalReason.BAD_SIGNATURE,
        RefusalReason.MALFORMED,
        RefusalReason.STALE,
        RefusalReason.DECRYPT_FAILED,
        RefusalReason.NOT_CONFIGURED,
    }
)
#: at most one notification to finance staff per hour for unauthentic refusals (a flood stays quiet)
QUIET = dt.timedelta(hours=1)


@object_rule("finance.pay_online")
def _household_pays(user, obj) -> bool:
    unit_id = obj.pk if isinstance(obj, Unit) else getattr(obj, "unit_id", None)
    return unit_id is not None and Unit.objects.of_user(user).filter(pk=unit_id).exists()


def providers_for(community: Community) -> list[tuple[str, str, bool]]:
    """(provider, label, simulated) of the providers switched on for the community."""
    out = []
    for provider in Provider:
        gateway = gateway_for(provider, community.code)
        if gateway is not None:
            out.append((provider.value, str(provider.label), gateway.simulated))
    return out


def order_lines(bills: Sequence[Bill], as_of: dt.date) -> list[dict]:
    """What an order charges per bill: its outstanding principal and its late fee as of
    ``as_of`` (``finance.latefees``: counting this principal as paid that day, less what was
    collected or waived), the way the counter collects. ``amount`` is their sum."""
    from sunlit.finance.billing.selectors import policy_of
    from sunlit.finance.charges import latefees

    bills = list(bills)
    if not bills:
        return []
    terms = latefees.Terms.of(policy_of(bills[0].community_id))
    prefetch_related_objects(bills, *latefees.PREFETCH)
    lines = []
    for b in bills:
        fee = money.ZERO
        if latefees.may_owe(b, as_of, terms):
            fee = latefees.bill_late_fee(b, as_of, terms, [(as_of, b.outstanding)]).owed
        lines.append({"id": b.pk, "number": b.number, "period": f"{b.period_start:%Y-%m}",
                      "principal": money.text(b.outstanding), "late_fee": money.text(fee),
                      "amount": money.text(b.outstanding + fee)})
    return lines


def _new_trade_no(now: dt.datetime) -> str:
    # WeChat allows 6–32 characters of [A-Za-z0-9_-|*]; Alipay 64
    return f"SL{timezone.localtime(now):%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


# --- orders -----------------------------------------------------------------------------------------


@transaction.atomic
def create_payment_order(
    unit: Unit,
    *,
    actor: User,
    provider: str,
    bills: Sequence[int] = (),
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> PaymentOrder:
    """支付订单: the bills a household pays online (all unpaid bills of the unit by default).

    Only a household of the unit (owner or resident) orders. A retry with the same
    ``idempotency_key`` returns the first order; the key with other bills is refused.
    """
    community = unit.community
    require(actor, "finance.pay_online", unit)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    key = clean_service_key(idempotency_key, errors)
    if provider not in Provider.values:
        errors["provider"] = [_("请选择支付方式：微信支付或支付宝")]
    elif gateway_for(provider, community.code) is None:
        errors["provider"] = [_("该支付方式尚未开通，请选择其他方式或到物业服务中心缴费")]
    picked = list(dict.fromkeys(bills or ()))
    if any(isinstance(b, bool) or not isinstance(b, int) for b in picked):
        errors["bills"] = [_("账单编号无效")]
        picked = []
    if errors:
        raise ValidationError(errors)
    if key:
        existing = replayed(PaymentOrder.objects.filter(community=community, payer=actor), key)
        if existing is not None:
            same = (
                existing.unit_id == unit.pk
                and existing.provider == provider
                and (not picked or sorted(picked) == sorted(b["id"] for b in existing.bills))
            )
            if not same:
                raise ValidationError({"idempotency_key": [_("该幂等键已用于另一笔订单")]})
            return existing
    unpaid = list(Bill.objects.filter(unit=unit).unpaid().oldest_first())
    if picked:
        by_id = {b.pk: b for b in unpaid}
        wrong = [b for b in picked if b not in by_id]
        if wrong:
            raise ValidationError(
                {
                    "bills": [
                        _("所选账单不属于该房屋或已缴清：%(ids)s") % {"ids": "、".join(str(b) for b in wrong)}
                    ]
                }
            )
        chosen = [b for b in unpaid if b.pk in set(picked)]
    else:
        chosen = unpaid
    if not chosen:
        raise ValidationError({"bills": [_("没有待缴账单")]})
    lines = order_lines(chosen, timezone.localdate(now))
    amount = sum((Decimal(x["amount"]) for x in lines), money.ZERO)
    gateway = gateway_for(provider, community.code)
    order = PaymentOrder(
        community=community,
        unit=unit,
        provider=provider,
        out_trade_no=_new_trade_no(now),
        amount=amount,
        bills=lines,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=ORDER_MINUTES),
        payer=actor,
        idempotency_key=key,
        sandbox=gateway.simulated,
    )
    try:
        with transaction.atomic():
            order.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"idempotency_key": [_("该幂等键已用于另一笔订单")]}) from None
    audit.record(
        AuditEvent.Action.CREATE,
        order,
        actor=actor,
        summary=f"线上缴费订单 {order.out_trade_no} {unit.label} {money.text(amount)} 元",
    )
    return order


def notify_path(order: PaymentOrder) -> str:
    return reverse(
        "finance:payment_callback",
        kwargs={"provider": order.provider, "community_code": order.community.code},
    )


def start_payment(
    order: PaymentOrder, *, base_url: str, mobile: bool = True, client_ip: str = "127.0.0.1"
) -> PayAction:
    """Where the payer goes to pay ``order``: asked of the provider once (kept on the order).

    Runs outside a transaction (a network call). A provider's refusal marks the order failed
    and raises ValidationError with the reason.
    """
    if order.pay_data.get("url"):
        return PayAction(order.pay_data["kind"], order.pay_data["url"])
    if order.status != OrderStatus.CREATED:
        raise ValidationError(
            {"order": [_("订单已%(status)s，不能再支付") % {"status": order.get_status_display()}]}
        )
    gateway = gateway_for(order.provider, order.community.code)
    if gateway is None:
        raise ValidationError({"provider": [_("该支付方式尚未开通，请选择其他方式或到物业服务中心缴费")]})
    if gateway.simulated:
        action = PayAction("redirect", reverse("finance:simulator", kwargs={"order_id": order.pk}))
    else:
        request = OrderRequest(
            out_trade_no=order.out_trade_no,
            amount=order.amount,
            description=f"{order.community.name} {order.unit.label} 物业费"[:120],
            expires_at=order.expires_at,
            notify_url=base_url.rstrip("/") + notify_path(order),
            return_url=base_url.rstrip("/") + reverse("finance:order", kwargs={"order_id": order.pk}),
            mobile=mobile,
            client_ip=client_ip,
        )
        try:
            action = gateway.create_order(request)
        except GatewayError as exc:
            PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.CREATED).update(
                status=OrderStatus.FAILED, error=str(exc)[:300]
            )
            order.refresh_from_db()
            raise ValidationError(
                {"provider": [_("支付渠道暂不可用，请稍后再试或到物业服务中心缴费")]}
            ) from exc
    order.pay_data = {"kind": action.kind, "url": action.url}
    PaymentOrder.objects.filter(pk=order.pk).update(pay_data=order.pay_data)
    return action


def close_expired_orders(now: dt.datetime | None = None) -> int:
    """Closes orders past their deadline that were never paid (the providers close them too:
    the deadline is sent with the order). A conditional UPDATE: a paid order is never touched."""
    now = now or timezone.now()
    return PaymentOrder.objects.filter(status=OrderStatus.CREATED, expires_at__lt=now).update(
        status=OrderStatus.CLOSED
    )


def refresh_order(order: PaymentOrder, *, now: dt.datetime | None = None) -> PaymentOrder:
    """The order as it stands: closed when past its deadline; for a real provider, asked once
    its notification is late (the query answer is signed and verified like a notification)."""
    now = now or timezone.now()
    if order.status != OrderStatus.CREATED:
        return order
    gateway = gateway_for(order.provider, order.community.code)
    late = now - order.created_at > dt.timedelta(seconds=QUERY_AFTER_SECONDS)
    # the page polls every 2 s: ask the provider at most once per QUERY_EVERY_SECONDS per order
    if (
        gateway is not None
        and not gateway.simulated
        and late
        and cache.add(f"sunlit:order-query:{order.pk}", 1, timeout=QUERY_EVERY_SECONDS)
    ):
        try:
            notice = gateway.query(order.out_trade_no)
        except GatewayError:
            notice = None
        if notice is not None and notice.paid:
            try:
                gateway.check_merchant(notice)
                _apply_notice(order.community, order.provider, notice, now)
            except CallbackRefused as exc:
                record_refusal(order.community, order.provider, exc, headers={}, body=b"", now=now)
    if order.is_expired(now):
        PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.CREATED).update(status=OrderStatus.CLOSED)
    order.refresh_from_db()
    return order


# --- notifications ------------------------------------------------------------------------------


def handle_callback(
    provider: str,
    community_code: str,
    *,
    headers: dict[str, str],
    body: bytes,
    remote_addr: str = "",
    now: dt.datetime | None = None,
) -> tuple[int, str, str]:
    """A provider's payment notification — 支付结果通知 — verified, checked and recorded once.

    Returns (status, content type, body) in the provider's expected form: WeChat
    ``{"code": "SUCCESS"}`` / 4xx ``{"code": "FAIL"}``; Alipay ``success`` / ``fail``.
    """
    now = now or timezone.now()
    community = Community.objects.filter(code=community_code).first() if community_code else None
    gateway = gateway_for(provider, community_code) if community is not None else None
    if gateway is None:
        exc = CallbackRefused(RefusalReason.NOT_CONFIGURED, f"{provider}/{community_code}"[:100])
        record_refusal(
            community,
            provider,
            exc,
            headers=headers,
            body=body,
            remote_addr=remote_addr,
            now=now,
        )
        return 404, "text/plain; charset=utf-8", "fail"
    try:
        notice = gateway.parse_callback(headers, body, now=now)
        gateway.check_merchant(notice)
        _apply_notice(community, provider, notice, now)
    except CallbackRefused as exc:
        record_refusal(community, provider, exc, headers=headers, body=body, remote_addr=remote_addr, now=now)
        return gateway.answer(False, str(exc))
    return gateway.answer(True)


@transaction.atomic
def _apply_notice(community: Community, provider: str, notice: Notice, now: dt.datetime) -> Payment | None:
    """Records the payment a verified notice reports, once (the order row is locked)."""
    refuse = lambda reason, detail="": CallbackRefused(  # noqa: E731
        reason, detail, out_trade_no=notice.out_trade_no, amount=notice.amount
    )
    order = (
        PaymentOrder.objects.select_for_update()
        .filter(provider=provider, out_trade_no=notice.out_trade_no)
        .first()
    )
    if order is None or order.community_id != community.pk:
        raise refuse(RefusalReason.UNKNOWN_ORDER, notice.out_trade_no[:64])
    if not notice.paid:
        return None  # WAIT_BUYER_PAY, TRADE_CLOSED ...: nothing to record
    if order.status == OrderStatus.PAID:
        if order.transaction_id == notice.transaction_id:
            return order.payment  # the same notification again: already recorded
        raise _for(order, refuse(RefusalReason.DUPLICATE_TRANSACTION, _("订单已由另一笔交易支付")))
    if notice.amount != order.amount:
        raise _for(
            order,
            refuse(
                RefusalReason.WRONG_AMOUNT,
                _("通知 %(seen)s 元，订单 %(want)s 元")
                % {"seen": money.text(notice.amount), "want": money.text(order.amount)},
            ),
        )
    if order.status != OrderStatus.CREATED or (notice.paid_at or now) > order.expires_at:
        raise _for(order, refuse(RefusalReason.ORDER_CLOSED, order.get_status_display()))
    if not notice.transaction_id or len(notice.transaction_id) > 64:
        raise _for(order, refuse(RefusalReason.MALFORMED, "transaction_id"))
    if PaymentOrder.objects.filter(provider=provider, transaction_id=notice.transaction_id).exists():
        raise _for(order, refuse(RefusalReason.DUPLICATE_TRANSACTION, notice.transaction_id))
    unit = Unit.objects.select_related("community", "building").get(pk=order.unit_id)
    payment = payments.record_payment(
        unit,
        actor=None,
        amount=order.amount,
        method=provider,
        bills=[b["id"] for b in order.bills],
        then_oldest=True,
        reference=notice.transaction_id[:60],
        note=_("线上缴费 %(no)s") % {"no": order.out_trade_no},
        idempotency_key=f"order:{order.out_trade_no}",
        now=now,
        log_extra={
            "provider": provider,
            "transaction_id": notice.transaction_id,
            "order": order.out_trade_no,
        },
    )
    order.status, order.transaction_id, order.paid_at, order.payment = (
        OrderStatus.PAID,
        notice.transaction_id,
        notice.paid_at or now,
        payment,
    )
    order.save(update_fields=["status", "transaction_id", "paid_at", "payment"])
    if order.payer_id:
        from sunlit.notices.choices import NotificationKind
        from sunlit.notices.services import notify

        notify(
            community=community,
            recipients=[order.payer_id],
            kind=NotificationKind.BILL,
            title=_("缴费成功：%(unit)s ¥%(amount)s")
            % {"unit": unit.label, "amount": money.text(payment.amount)},
            body=_("收据号 %(number)s，可在线查看与下载电子收据。") % {"number": payment.number},
            url=reverse("finance:payment", kwargs={"payment_id": payment.pk}),
            obj=payment,
        )
    return payment


def _for(order: PaymentOrder, exc: CallbackRefused) -> CallbackRefused:
    exc.order = order
    return exc


def _headers_digest(headers: dict[str, str]) -> str:
    text = "\n".join(f"{k.lower()}: {v}" for k, v in sorted(headers.items(), key=lambda kv: kv[0].lower()))
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def record_refusal(
    community: Community | None,
    provider: str,
    exc: CallbackRefused,
    *,
    headers: dict[str, str],
    body: bytes,
    remote_addr: str = "",
    now: dt.datetime | None = None,
) -> CallbackRefusal:
    """回调拒收: keeps a refused notification (digests only), puts an authentic one on the
    community's log, and tells the community's finance staff (quietly for a flood)."""
    now = now or timezone.now()
    order = getattr(exc, "order", None)
    if order is not None and community is None:
        community = order.community
    with transaction.atomic():
        recent = (
            community is not None
            and exc.reason in UNAUTHENTIC
            and CallbackRefusal.objects.filter(
                community=community, reason__in=UNAUTHENTIC, received_at__gte=now - QUIET
            ).exists()
        )
        refusal = CallbackRefusal.objects.create(
            community=community,
            provider=provider if provider in Provider.values else "",
            reason=exc.reason,
            detail=(exc.detail or "")[:300],
            out_trade_no=(exc.out_trade_no or "")[:64],
            order=order,
            amount_seen=exc.amount if exc.amount is not None and exc.amount < money.MAX_AMOUNT else None,
            headers_sha256=_headers_digest(headers),
            body_sha256=hashlib.sha256(body).hexdigest(),
            body_size=len(body),
            remote_addr=(remote_addr or "")[:45],
            received_at=now,
        )
        if community is not None and exc.reason not in UNAUTHENTIC:
            public = {
                "provider": refusal.provider,
                "reason": refusal.reason,
                "body_sha256": refusal.body_sha256,
            }
            if order is not None:
                public["order"] = order.out_trade_no
            if refusal.amount_seen is not None:
                public["amount_seen"] = refusal.amount_seen
            log.record(community, "finance.callback.refused", refusal, public=public, time=now)
        if community is not None and not recent:
            from sunlit.notices.choices import NotificationKind
            from sunlit.notices.services import notify

            staff = (
                Membership.objects.in_community(community)
                .active()
                .filter(role__in=[Role.FINANCE, Role.MANAGER])
                .values_list("user_id", flat=True)
            )
            notify(
                community=community,
                recipients=list(staff),
                kind=NotificationKind.SYSTEM,
                title=_("支付回调被拒收：%(reason)s") % {"reason": refusal.get_reason_display()},
                body=_("渠道 %(provider)s，订单 %(order)s。请在“回调拒收记录”中核对。")
                % {"provider": refusal.get_provider_display(), "order": refusal.out_trade_no or "—"},
                url=reverse("finance:refusals"),
                obj=refusal,
            )
    logger.warning(
        "payment callback refused: %s %s %s %s", provider, exc.reason, exc.out_trade_no, exc.detail
    )
    return refusal


def refusal_counts(community: Community, *, since: dt.datetime | None = None) -> dict[str, int]:
    """Refused notifications per reason (for the finance pages)."""
    from django.db.models import Count

    rows = CallbackRefusal.objects.in_community(community)
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    return dict(rows.values_list("reason").annotate(n=Count("id")).order_by())


# --- the local simulator ----------------------------------------------------------------------------


def simulate_payment(
    order: PaymentOrder, *, actor: User, now: dt.datetime | None = None
) -> tuple[int, str, str]:
    """模拟支付 确认支付: builds the provider's notification for ``order`` with the simulated
    platform keys and hands it to ``handle_callback``, the same path a provider's request takes."""
    from sunlit.finance.online.gateways import sandbox

    require(actor, "finance.pay_online", order)
    gateway = gateway_for(order.provider, order.community.code)
    if gateway is None or not gateway.simulated:
        raise ValidationError({"provider": [_("模拟支付未启用")]})
    if order.status != OrderStatus.CREATED:
        raise ValidationError(
            {"order": [_("订单已%(status)s，不能再支付") % {"status": order.get_status_display()}]}
        )
    transaction_id = sandbox.transaction_id(order.provider)
    if order.provider == Provider.WECHAT:
        headers, body = sandbox.wechat_notification(
            out_trade_no=order.out_trade_no, total_fen=order.amount_fen, transaction=transaction_id
        )
    else:
        headers, body = sandbox.alipay_notification(
            out_trade_no=order.out_trade_no, total_amount=money.text(order.amount), trade_no=transaction_id
        )
    return handle_callback(
        order.provider, order.community.code, headers=headers, body=body, remote_addr="sandbox", now=now
    )

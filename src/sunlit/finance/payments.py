"""Payments — 收款, allocation — 核销, prepaid balances — 预存款, refunds — 退款.

A payment is applied to the unit's unpaid bills oldest first (by due date, then period), or
to the bills the payer picked, in that order; what is left goes to the unit's prepaid balance,
which later bills take automatically (``offset_prepaid_bulk``, run by every billing run). A
refund gives back at most what is left of a payment: first from the prepaid balance, then by
taking back the payment's allocations, newest first (those bills are open again); its entry
reverses the payment's entry for that amount.

Bill rows and prepaid balances are locked (``select_for_update``, in id order) before they are
read for an allocation; their amounts change with ``F()``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.finance import ledger, money
from sunlit.finance.choices import COUNTER_METHODS, AllocationKind, BillStatus, EntrySource, PaymentMethod
from sunlit.finance.models import Allocation, Bill, Payment, PrepaidBalance, Refund
from sunlit.registry.models import Unit
from sunlit.transparency import services as log

#: Where the money of each method is: the debit of a payment, the credit of its refund.
METHOD_ACCOUNT = {PaymentMethod.CASH: ledger.CASH, PaymentMethod.POS: ledger.POS,
                  PaymentMethod.TRANSFER: ledger.BANK,
                  # online: the provider settles into the merchant account (1012 POS 及第三方支付)
                  PaymentMethod.WECHAT: ledger.POS, PaymentMethod.ALIPAY: ledger.POS}
MAX_KEY = 64


def _apply(bills: Sequence[Bill], amount: Decimal) -> list[tuple[Bill, Decimal]]:
    """Splits ``amount`` over ``bills`` in order, each up to what it still owes."""
    out, left = [], amount
    for bill in bills:
        if left <= 0:
            break
        take = min(left, bill.outstanding)
        if take > 0:
            out.append((bill, take))
            left -= take
    return out


def _settle(bill: Bill, amount: Decimal) -> None:
    """Adds ``amount`` (negative: takes back) to a locked bill's paid amount and status."""
    paid = bill.paid + amount
    status = bill.status_for(paid)
    Bill.objects.filter(pk=bill.pk).update(paid=F("paid") + amount, status=status)
    bill.paid, bill.status = paid, status


def _add_prepaid(unit_id: int, community_id: int, amount: Decimal) -> None:
    updated = PrepaidBalance.objects.filter(unit_id=unit_id).update(balance=F("balance") + amount)
    if not updated:
        PrepaidBalance.objects.create(community_id=community_id, unit_id=unit_id, balance=amount)


def _locked_unpaid(unit_ids: Sequence[int]) -> dict[int, list[Bill]]:
    bills = defaultdict(list)
    locked = list(Bill.objects.filter(unit_id__in=unit_ids).unpaid().order_by("id")
                  .select_for_update())
    for bill in sorted(locked, key=lambda b: (b.due_on, b.period_start, b.pk)):
        bills[bill.unit_id].append(bill)
    return bills


# --- counter payments -----------------------------------------------------------------------------


@transaction.atomic
def receive_payment(unit: Unit, *, actor: User, amount, method: str, bills: Sequence[int] = (),
                    reference: str = "", note: str = "", idempotency_key: str = "",
                    now: dt.datetime | None = None) -> Payment:
    """Records money received at the counter — 柜台收款 — for a unit, and applies it.

    ``bills`` (ids) are the bills the payer picked; without them, oldest first. A retry with
    the same ``idempotency_key`` returns the first payment (the unique constraint backs it).
    """
    community = unit.community
    require(actor, "finance.collect", community=community)
    idempotency_key = (idempotency_key or "").strip()
    errors: dict[str, list[str]] = {}
    if len(idempotency_key) > MAX_KEY:
        errors["idempotency_key"] = [_("幂等键最长 64 个字符")]
    elif idempotency_key:
        existing = Payment.objects.filter(community=community, idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.unit_id != unit.pk or str(existing.amount) != str(_try_money(amount)):
                raise ValidationError({"idempotency_key": [_("该幂等键已用于另一笔收款")]})
            return existing
    try:
        amount = money.parse_money(amount)
    except money.MoneyError as exc:
        errors["amount"] = [str(exc)]
    if method not in COUNTER_METHODS:
        errors["method"] = [_("请选择收款方式：现金、POS 刷卡或银行转账")]
    reference, note = (reference or "").strip(), (note or "").strip()
    if len(reference) > 60:
        errors["reference"] = [_("交易参考号最多 60 个字符")]
    if len(note) > 200:
        errors["note"] = [_("备注最多 200 个字符")]
    picked = list(dict.fromkeys(bills or ()))
    if any(isinstance(b, bool) or not isinstance(b, int) for b in picked):
        errors["bills"] = [_("账单编号无效")]
        picked = []
    if errors:
        raise ValidationError(errors)
    return record_payment(unit, actor=actor, amount=amount, method=method, bills=picked, reference=reference,
                          note=note, idempotency_key=idempotency_key, now=now)


def record_payment(unit: Unit, *, actor: User | None, amount: Decimal, method: str, bills: Sequence[int] = (),
                   then_oldest: bool = False, reference: str = "", note: str = "", idempotency_key: str = "",
                   now: dt.datetime | None = None, log_extra: dict | None = None) -> Payment:
    """Posts and applies money received for a unit — the one writer of ``Payment`` rows.

    Callers check permission and validate first (``receive_payment`` at the counter,
    ``online.handle_callback`` for a provider's verified notification, whose ``actor`` is
    None). ``bills`` go first, in order (all must still be unpaid unless ``then_oldest``);
    with ``then_oldest`` what is left goes to the unit's other unpaid bills oldest first.
    The rest goes to prepaid. Must run inside the caller's transaction.
    """
    community = unit.community
    picked = list(bills)
    unpaid = _locked_unpaid([unit.pk]).get(unit.pk, [])
    if picked and not then_oldest:
        by_id = {b.pk: b for b in unpaid}
        wrong = [b for b in picked if b not in by_id]
        if wrong:
            raise ValidationError({"bills": [_("所选账单不属于该房屋或已缴清：%(ids)s") % {
                "ids": "、".join(str(b) for b in wrong)}]})
        targets = [b for b in unpaid if b.pk in set(picked)]
    elif picked:
        first = set(picked)
        targets = [b for b in unpaid if b.pk in first] + [b for b in unpaid if b.pk not in first]
    else:
        targets = unpaid
    applied = _apply(targets, amount)
    to_prepaid = amount - sum((x for _b, x in applied), money.ZERO)
    now = now or timezone.now()
    today = timezone.localdate(now)
    number = ledger.reserve_numbers(community, f"SK-{today:%Y%m}", 1)[0]
    lines = [ledger.Line(METHOD_ACCOUNT[method], debit=amount, unit_id=unit.pk, memo=number)]
    if amount - to_prepaid:
        lines.append(ledger.Line(ledger.RECEIVABLE, credit=amount - to_prepaid, unit_id=unit.pk,
                                 memo=number))
    if to_prepaid:
        lines.append(ledger.Line(ledger.PREPAID, credit=to_prepaid, unit_id=unit.pk, memo=number))
    entry = ledger.post_entry(community, ledger.EntrySpec(
        today, EntrySource.PAYMENT, f"收款 {number} {unit.label}", lines), actor=actor, time=now)
    payment = Payment(community=community, number=number, unit=unit, method=method, amount=amount,
                      to_prepaid=to_prepaid, reference=reference, note=note, received_at=now,
                      received_by=actor, idempotency_key=idempotency_key, entry=entry)
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"idempotency_key": [_("该幂等键已用于另一笔收款")]}) from None
    Allocation.objects.bulk_create([
        Allocation(community=community, bill=bill, payment=payment, kind=AllocationKind.PAYMENT,
                   amount=x, entry=entry, created_at=now) for bill, x in applied])
    for bill, x in applied:
        _settle(bill, x)
    if to_prepaid:
        _add_prepaid(unit.pk, community.pk, to_prepaid)
    log.record(community, "finance.payment.received", payment, time=now, public={
        "number": number, "unit": unit.label, "method": str(method), "amount": amount,
        "allocations": [{"bill": b.number, "amount": money.text(x)} for b, x in applied],
        "to_prepaid": to_prepaid, "entry": entry.number, **(log_extra or {})})
    audit.record(AuditEvent.Action.CREATE, payment, actor=actor, community=community,
                 summary=f"收款 {number} {unit.label} {money.text(amount)} 元")
    return payment


def _try_money(value) -> Decimal | None:
    try:
        return money.parse_money(value)
    except money.MoneyError:
        return None


# --- prepaid offsets ------------------------------------------------------------------------------


def offset_prepaid_bulk(community: Community, unit_ids: Sequence[int], *, actor: User | None,
                        now: dt.datetime | None = None) -> dict:
    """预存款自动抵扣: applies the prepaid balances of ``unit_ids`` to their unpaid bills, oldest
    first, with one journal entry (debit 2203, credit 1122, a line per household). Runs inside
    the caller's transaction; returns {"units": n, "total": "0.00"}."""
    wanted = set(unit_ids)
    balances = [p for p in PrepaidBalance.objects.in_community(community).filter(balance__gt=0)
                .order_by("id").select_for_update() if p.unit_id in wanted]
    if not balances:
        return {"units": 0, "total": "0.00"}
    unpaid = _locked_unpaid([p.unit_id for p in balances])
    plan = []
    for prepaid in balances:
        applied = _apply(unpaid.get(prepaid.unit_id, []), prepaid.balance)
        if applied:
            plan.append((prepaid, applied))
    if not plan:
        return {"units": 0, "total": "0.00"}
    now = now or timezone.now()
    lines, total = [], money.ZERO
    for prepaid, applied in plan:
        used = sum((x for _b, x in applied), money.ZERO)
        total += used
        lines.append(ledger.Line(ledger.PREPAID, debit=used, unit_id=prepaid.unit_id))
        lines.append(ledger.Line(ledger.RECEIVABLE, credit=used, unit_id=prepaid.unit_id))
    entry = ledger.post_entry(community, ledger.EntrySpec(
        timezone.localdate(now), EntrySource.PREPAID_OFFSET, f"预存款自动抵扣 {len(plan)} 户", lines),
        actor=actor, time=now)
    allocations = []
    for prepaid, applied in plan:
        used = sum((x for _b, x in applied), money.ZERO)
        PrepaidBalance.objects.filter(pk=prepaid.pk).update(balance=F("balance") - used)
        for bill, x in applied:
            allocations.append(Allocation(community_id=community.pk, bill=bill, kind=AllocationKind.PREPAID,
                                          amount=x, entry=entry, created_at=now))
            _settle(bill, x)
    Allocation.objects.bulk_create(allocations)
    return {"units": len(plan), "total": money.text(total), "entry": entry.number}


# --- refunds --------------------------------------------------------------------------------------


@transaction.atomic
def refund_payment(payment: Payment, *, actor: User, amount, reason: str,
                   now: dt.datetime | None = None) -> Refund:
    """退款: gives back part or all of a payment, never more than is left of it.

    Takes first from the unit's prepaid balance (up to what the payment put there), then the
    payment's allocations back, newest first. The entry reverses the payment's: debit 2203 /
    1122, credit the cash, POS or bank account the money came into.
    """
    community = payment.community
    require(actor, "finance.collect", community=community)
    payment = Payment.objects.select_for_update().select_related("unit").get(pk=payment.pk)
    errors: dict[str, list[str]] = {}
    try:
        amount = money.parse_money(amount)
    except money.MoneyError as exc:
        errors["amount"] = [str(exc)]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写退款原因")]
    elif len(reason) > 200:
        errors["reason"] = [_("退款原因最多 200 个字")]
    if not errors and amount > payment.refundable:
        errors["amount"] = [_("退款金额不能超过可退金额 %(left)s 元") % {
            "left": money.text(payment.refundable)}]
    if errors:
        raise ValidationError(errors)
    prepaid = PrepaidBalance.objects.select_for_update().filter(unit_id=payment.unit_id).first()
    # what this payment put into prepaid and earlier refunds have not taken from there yet
    taken_back = -sum((x for x in Allocation.objects.filter(
        payment=payment, kind=AllocationKind.REFUND).values_list("amount", flat=True)), money.ZERO)
    from_prepaid_before = payment.refunded - taken_back
    from_prepaid_room = max(money.ZERO, payment.to_prepaid - from_prepaid_before)
    from_prepaid = min(amount, from_prepaid_room, prepaid.balance if prepaid else money.ZERO)
    left = amount - from_prepaid
    taken: list[tuple[Bill, Decimal]] = []
    if left > 0:
        net = defaultdict(lambda: money.ZERO)
        for bill_id, x in Allocation.objects.filter(payment=payment).values_list("bill_id", "amount"):
            net[bill_id] += x
        bills = {b.pk: b for b in Bill.objects.filter(pk__in=[k for k, v in net.items() if v > 0])
                 .order_by("id").select_for_update()}
        for bill in sorted(bills.values(), key=lambda b: (b.due_on, b.period_start, b.pk), reverse=True):
            if left <= 0:
                break
            take = min(left, net[bill.pk])
            taken.append((bill, take))
            left -= take
    if left > 0:
        raise ValidationError({"amount": [_("该笔收款的预存部分已被抵扣，可退金额不足")]})
    now = now or timezone.now()
    today = timezone.localdate(now)
    number = ledger.reserve_numbers(community, f"TK-{today:%Y%m}", 1)[0]
    lines = []
    if from_prepaid:
        lines.append(ledger.Line(ledger.PREPAID, debit=from_prepaid, unit_id=payment.unit_id, memo=number))
    if amount - from_prepaid:
        lines.append(ledger.Line(ledger.RECEIVABLE, debit=amount - from_prepaid, unit_id=payment.unit_id,
                                 memo=number))
    lines.append(ledger.Line(METHOD_ACCOUNT[payment.method], credit=amount, unit_id=payment.unit_id,
                             memo=number))
    entry = ledger.post_entry(community, ledger.EntrySpec(
        today, EntrySource.REFUND, f"退款 {number}（冲销收款 {payment.number}）：{reason}"[:200], lines,
        reverses=payment.entry), actor=actor, time=now)
    refund = Refund.objects.create(community=community, number=number, payment=payment, amount=amount,
                                   reason=reason, refunded_by=actor, refunded_at=now, entry=entry)
    Payment.objects.filter(pk=payment.pk).update(refunded=F("refunded") + amount)
    if from_prepaid:
        PrepaidBalance.objects.filter(pk=prepaid.pk).update(balance=F("balance") - from_prepaid)
    Allocation.objects.bulk_create([
        Allocation(community=community, bill=bill, payment=payment, kind=AllocationKind.REFUND,
                   amount=-x, entry=entry, created_at=now) for bill, x in taken])
    for bill, x in taken:
        _settle(bill, -x)
    log.record(community, "finance.payment.refunded", refund, time=now, public={
        "number": number, "payment": payment.number, "unit": payment.unit.label, "amount": amount,
        "reason": reason, "reopened": [{"bill": b.number, "amount": money.text(x)} for b, x in taken],
        "entry": entry.number})
    audit.record(AuditEvent.Action.CREATE, refund, actor=actor,
                 summary=f"退款 {number}（收款 {payment.number}）{money.text(amount)} 元：{reason[:80]}")
    return refund


def unit_balance(unit: Unit) -> dict:
    """What a household owes and has in advance, from its bills and prepaid balance."""
    owed = Bill.objects.filter(unit=unit).unpaid().aggregate(a=Sum("amount"), p=Sum("paid"))
    due = money.to_fen(Decimal(str(owed["a"] or 0)) - Decimal(str(owed["p"] or 0)))
    prepaid = PrepaidBalance.objects.filter(unit=unit).values_list("balance", flat=True).first()
    return {"owed": due, "prepaid": prepaid or money.ZERO,
            "open_bills": Bill.objects.filter(unit=unit, status__in=[BillStatus.OPEN,
                                                                    BillStatus.PARTIAL]).count()}

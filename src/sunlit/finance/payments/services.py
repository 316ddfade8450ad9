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
from django.db.models import F, Q, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.idempotency import clean_service_key, replayed
from sunlit.core.locking import locked, locked_rows
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.charges import latefees
from sunlit.finance.models import Allocation, Bill, LateFeeCharge, Payment, PrepaidBalance, Refund
from sunlit.finance.payments.choices import COUNTER_METHODS, AllocationKind, PaymentMethod
from sunlit.registry.models import Unit
from sunlit.transparency import services as log

#: Where the money of each method is: the debit of a payment, the credit of its refund.
METHOD_ACCOUNT = {PaymentMethod.CASH: ledger.CASH, PaymentMethod.POS: ledger.POS,
                  PaymentMethod.TRANSFER: ledger.BANK,
                  # online: the provider settles into the merchant account (1012 POS 及第三方支付)
                  PaymentMethod.WECHAT: ledger.POS, PaymentMethod.ALIPAY: ledger.POS}


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
    # the row is locked: write the exact Decimal, not paid + amount in SQL (SQLite adds NUMERIC
    # as doubles: 206.79 + 3.54 can exceed 210.33 and trip the paid ≤ amount check)
    Bill.objects.filter(pk=bill.pk).update(paid=paid, status=status)
    bill.paid, bill.status = paid, status


def _add_prepaid(unit_id: int, community_id: int, amount: Decimal) -> None:
    updated = PrepaidBalance.objects.filter(unit_id=unit_id).update(balance=F("balance") + amount)
    if not updated:
        PrepaidBalance.objects.create(community_id=community_id, unit_id=unit_id, balance=amount)


def _locked_unpaid(unit_ids: Sequence[int]) -> dict[int, list[Bill]]:
    bills = defaultdict(list)
    locked = locked_rows(Bill.objects.filter(unit_id__in=unit_ids).unpaid())
    for bill in sorted(locked, key=lambda b: (b.due_on, b.period_start, b.pk)):
        bills[bill.unit_id].append(bill)
    return bills


# --- late fees at the moment of payment (charges) ---------------------------------------------------


def _policy_of(community):
    from sunlit.finance.billing.selectors import policy_of

    return policy_of(community)


def _locked_for_payment(unit: Unit, today: dt.date, terms: latefees.Terms
                        ) -> tuple[list[Bill], list[Bill]]:
    """The unit's unpaid bills, and its paid bills that still owe a late fee, locked (id order)
    with their allocations, late-fee collections and waivers."""
    unpaid_q = Q(status__in=[BillStatus.OPEN, BillStatus.PARTIAL])
    wanted = unpaid_q
    if terms.collect:
        wanted = unpaid_q | Q(status=BillStatus.PAID,
                              due_on__lt=today - dt.timedelta(days=terms.terms.grace_days))
    locked = locked_rows(Bill.objects.filter(unit=unit).filter(wanted))
    prefetch_related_objects(locked, *latefees.PREFETCH)
    unpaid = sorted((b for b in locked if b.status != BillStatus.PAID),
                    key=lambda b: (b.due_on, b.period_start, b.pk))
    owing = [b for b in locked if b.status == BillStatus.PAID
             and latefees.bill_late_fee(b, today, terms).owed > 0]
    return unpaid, owing


def _apply_with_late_fees(bills: Sequence[Bill], amount: Decimal, today: dt.date,
                          terms: latefees.Terms):
    """Splits ``amount`` over ``bills`` in order: each bill's principal first, then its late
    fee as of ``today`` (counting the principal just paid as paid today). Returns
    ([(bill, principal)], [(bill, late fee, BillLateFee)])."""
    applied, fees, left = [], [], amount
    for bill in bills:
        if left <= 0:
            break
        take = min(left, bill.outstanding)
        if take > 0:
            applied.append((bill, take))
            left -= take
        if not latefees.may_owe(bill, today, terms) or left <= 0:
            continue
        view = latefees.bill_late_fee(bill, today, terms, [(today, take)] if take > 0 else [])
        fee = min(left, view.owed)
        if fee > 0:
            fees.append((bill, fee, view))
            left -= fee
    return applied, fees


# --- counter payments -----------------------------------------------------------------------------


@transaction.atomic
def receive_payment(unit: Unit, *, actor: User, amount, method: str, bills: Sequence[int] = (),
                    reference: str = "", note: str = "", idempotency_key: str = "",
                    now: dt.datetime | None = None) -> Payment:
    """Records money received at the counter — 柜台收款 — for a unit, and applies it.

    ``bills`` (ids) are the bills the payer picked; without them, oldest first (with the paid
    bills that still owe a late fee). Each bill takes its principal first, then its late fee
    as of the payment's date (``latefees``), collected in the same entry (credit 6301) unless
    the community switched collection off; the rest goes to the prepaid balance. A retry with
    the same ``idempotency_key`` returns the first payment (the unique constraint backs it).
    """
    community = unit.community
    require(actor, "finance.collect", community=community)
    errors: dict[str, list[str]] = {}
    idempotency_key = clean_service_key(idempotency_key, errors)
    if not errors and idempotency_key:
        existing = replayed(Payment.objects.filter(community=community), idempotency_key)
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
    with ``then_oldest`` what is left goes to the unit's other unpaid bills (and paid bills
    still owing a late fee) oldest first. Each bill takes its principal, then its late fee as
    of the payment's date (``latefees``). The rest goes to prepaid. Must run inside the
    caller's transaction.
    """
    community = unit.community
    picked = list(bills)
    now = now or timezone.now()
    today = timezone.localdate(now)
    terms = latefees.Terms.of(_policy_of(community))
    unpaid, owing = _locked_for_payment(unit, today, terms)
    if picked and not then_oldest:
        by_id = {b.pk: b for b in unpaid}
        wrong = [b for b in picked if b not in by_id]
        if wrong:
            raise ValidationError({"bills": [_("所选账单不属于该房屋或已缴清：%(ids)s") % {
                "ids": "、".join(str(b) for b in wrong)}]})
        targets = [b for b in unpaid if b.pk in set(picked)]
    elif picked:
        first = set(picked)
        rest = [*(b for b in unpaid if b.pk not in first), *owing]
        targets = [b for b in unpaid if b.pk in first] + sorted(
            rest, key=lambda b: (b.due_on, b.period_start, b.pk))
    else:
        targets = sorted([*unpaid, *owing], key=lambda b: (b.due_on, b.period_start, b.pk))
    applied, fees = _apply_with_late_fees(targets, amount, today, terms)
    principal = sum((x for _b, x in applied), money.ZERO)
    fee_total = sum((f for _b, f, _v in fees), money.ZERO)
    to_prepaid = amount - principal - fee_total
    number = ledger.reserve_numbers(community, f"SK-{today:%Y%m}", 1)[0]
    lines = [ledger.Line(METHOD_ACCOUNT[method], debit=amount, unit_id=unit.pk, memo=number)]
    if principal:
        lines.append(ledger.Line(ledger.RECEIVABLE, credit=principal, unit_id=unit.pk, memo=number))
    if fee_total:
        lines.append(ledger.Line(ledger.LATE_FEES, credit=fee_total, unit_id=unit.pk,
                                 memo=f"{number} 滞纳金"))
    if to_prepaid:
        lines.append(ledger.Line(ledger.PREPAID, credit=to_prepaid, unit_id=unit.pk, memo=number))
    entry = ledger.post_entry(community, ledger.EntrySpec(
        today, EntrySource.PAYMENT, f"收款 {number} {unit.label}", lines,
        public_memo=f"收款 {number}"), actor=actor, time=now)
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
    if fees:
        LateFeeCharge.objects.bulk_create([
            LateFeeCharge(community=community, bill=bill, unit=unit, payment=payment, as_of=today,
                          amount=fee, assessed=view.computed.amount,
                          calculation=view.computed.calculation, entry=entry, created_at=now)
            for bill, fee, view in fees])
    # a household's payment: amounts in public; its unit and the bills it paid (bill numbers
    # follow unit order) only as commitments
    log.record(community, "finance.payment.received", payment, time=now, public={
        "number": number, "method": str(method), "amount": amount, "bills": len(applied),
        "to_prepaid": to_prepaid, "entry": entry.number, **(log_extra or {})},
        private={"unit": unit.label,
                 "allocations": [{"bill": b.number, "amount": money.text(x)} for b, x in applied]})
    if fees:
        log.record(community, "finance.late_fee.collected", payment, time=now, public={
            "payment": number, "as_of": today, "total": fee_total,
            "rate": str(terms.terms.daily_rate), "grace_days": terms.terms.grace_days,
            "cap_percent": str(terms.terms.cap_percent), "bill_count": len(fees),
            "entry": entry.number}, private={
            "unit": unit.label,
            "bills": [{"bill": b.number, "amount": money.text(fee), "days": view.days,
                       "computed": money.text(view.computed.amount),
                       "collected_before": money.text(view.collected),
                       "waived": money.text(view.waived)} for b, fee, view in fees]})
    audit.record(AuditEvent.Action.CREATE, payment, actor=actor, community=community,
                 summary=f"收款 {number} {unit.label} {money.text(amount)} 元"
                 + (f"（含滞纳金 {money.text(fee_total)} 元）" if fee_total else ""))
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
    balances = [p for p in locked_rows(PrepaidBalance.objects.in_community(community)
                                       .filter(balance__gt=0)) if p.unit_id in wanted]
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
        PrepaidBalance.objects.filter(pk=prepaid.pk).update(balance=prepaid.balance - used)  # locked
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
    late fees the payment collected (newest bill first; they are owed again), then the
    payment's allocations back, newest first. The entry reverses the payment's: debit 2203 /
    6301 / 1122, credit the cash, POS or bank account the money came into.
    """
    community = payment.community
    require(actor, "finance.collect", community=community)
    payment = locked(payment, "unit")
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
    # charges: then the late fees this payment collected (newest bill first), then principal
    fees_back: list[tuple[Bill, Decimal]] = []
    if left > 0:
        net_fee = defaultdict(lambda: money.ZERO)
        for bill_id, x in LateFeeCharge.objects.filter(payment=payment).values_list("bill_id", "amount"):
            net_fee[bill_id] += x
        fee_bills = {b.pk: b for b in locked_rows(Bill.objects.all(),
                                                  [k for k, v in net_fee.items() if v > 0])}
        for bill in sorted(fee_bills.values(), key=lambda b: (b.due_on, b.period_start, b.pk), reverse=True):
            if left <= 0:
                break
            take = min(left, net_fee[bill.pk])
            fees_back.append((bill, take))
            left -= take
    taken: list[tuple[Bill, Decimal]] = []
    if left > 0:
        net = defaultdict(lambda: money.ZERO)
        for bill_id, x in Allocation.objects.filter(payment=payment).values_list("bill_id", "amount"):
            net[bill_id] += x
        bills = {b.pk: b for b in locked_rows(Bill.objects.all(), [k for k, v in net.items() if v > 0])}
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
    fee_back_total = sum((x for _b, x in fees_back), money.ZERO)
    if fee_back_total:
        lines.append(ledger.Line(ledger.LATE_FEES, debit=fee_back_total, unit_id=payment.unit_id,
                                 memo=f"{number} 退滞纳金"))
    if amount - from_prepaid - fee_back_total:
        lines.append(ledger.Line(ledger.RECEIVABLE, debit=amount - from_prepaid - fee_back_total,
                                 unit_id=payment.unit_id, memo=number))
    lines.append(ledger.Line(METHOD_ACCOUNT[payment.method], credit=amount, unit_id=payment.unit_id,
                             memo=number))
    entry = ledger.post_entry(community, ledger.EntrySpec(
        today, EntrySource.REFUND, f"退款 {number}（冲销收款 {payment.number}）：{reason}"[:200], lines,
        reverses=payment.entry, public_memo=f"退款 {number}（冲销收款 {payment.number}）"),
        actor=actor, time=now)
    refund = Refund.objects.create(community=community, number=number, payment=payment, amount=amount,
                                   reason=reason, refunded_by=actor, refunded_at=now, entry=entry)
    # both rows are locked: exact Decimals, not SQL arithmetic (SQLite's NUMERIC is a double)
    Payment.objects.filter(pk=payment.pk).update(refunded=payment.refunded + amount)
    if from_prepaid:
        PrepaidBalance.objects.filter(pk=prepaid.pk).update(balance=prepaid.balance - from_prepaid)
    Allocation.objects.bulk_create([
        Allocation(community=community, bill=bill, payment=payment, kind=AllocationKind.REFUND,
                   amount=-x, entry=entry, created_at=now) for bill, x in taken])
    for bill, x in taken:
        _settle(bill, -x)
    today_fee = timezone.localdate(now)
    LateFeeCharge.objects.bulk_create([
        LateFeeCharge(community=community, bill=bill, unit_id=payment.unit_id, payment=payment, refund=refund,
                      as_of=today_fee, amount=-x, assessed=money.ZERO, calculation={"refund": number},
                      entry=entry, created_at=now) for bill, x in fees_back])
    reopened = ([{"bill": b.number, "amount": money.text(x)} for b, x in taken]
                + [{"bill": b.number, "late_fee": money.text(x)} for b, x in fees_back])
    log.record(community, "finance.payment.refunded", refund, time=now, public={
        "number": number, "payment": payment.number, "amount": amount,
        "reason": reason, "reopened": len(reopened), "entry": entry.number},  # reason: masked
        private={"unit": payment.unit.label, "reopened_bills": reopened})
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

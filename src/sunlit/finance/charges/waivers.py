"""Waivers — 减免: forgiving part or all of a bill's amount due or of its late fee.

Finance staff request a waiver (a bill, the bill's amount due or its late fee, an amount or
"all of it", a reason category and a reason); a *different* person with approval rights
(manager, company admin: ``finance.approve_waiver``) approves or rejects it. Both decisions are
kept and put on the log with the approver's name and role — public responsibility — and no
owner data (the free-text reason only as a commitment).

Approved, a **bill waiver** settles that much of the bill like a payment would (an
``Allocation`` of kind ``waiver``: the bill's amount due drops, its late fee stops growing on
that part) and is posted: debit 6009 主营业务收入-减免, credit 1122 应收账款. A **late-fee waiver**
lowers the late fee owed from the day of approval (``finance.latefees``: owed = computed −
collected − waived); uncollected late fees are not in the books (they are income when
collected), so it has no entry. "All of it" is fixed at approval: the amount due (or late fee
owed) that day.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.choices import Role
from sunlit.core.idempotency import clean_service_key, replayed
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, User
from sunlit.core.permissions import require, roles_in
from sunlit.core.validators import clean_prose
from sunlit.finance.billing.selectors import policy_of
from sunlit.finance.books import ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.charges import latefees
from sunlit.finance.charges.choices import WaiverReason, WaiverStatus, WaiverTarget
from sunlit.finance.models import Account, Allocation, Bill, Waiver
from sunlit.finance.payments.choices import AllocationKind
from sunlit.transparency import services as log

MAX_REASON = 500
APPROVER_ROLES = (Role.COMPANY_ADMIN, Role.MANAGER)  # the role named on the log, first held


def staff_name(user: User) -> str:
    return (getattr(user, "display_name", "") or user.get_username()).strip()


def _role_label(user: User, community_id: int) -> str:
    held = roles_in(user, community_id)
    role = next((r for r in APPROVER_ROLES if r in held), None) or next(iter(sorted(held)), "")
    with translation.override("zh-hans"):
        return str(Role(role).label) if role else ""


def _due_of(bill: Bill, target: str, today: dt.date) -> money.Decimal:
    """What the waiver could forgive today: the bill's amount due, or its late fee owed."""
    if target == WaiverTarget.BILL:
        return bill.outstanding
    prefetch_related_objects([bill], *latefees.PREFETCH)
    settle = [(today, bill.outstanding)] if bill.outstanding > 0 else []  # as pages show it
    return latefees.bill_late_fee(bill, today, latefees.Terms.of(policy_of(bill.community_id)), settle).owed


@transaction.atomic
def request_waiver(bill: Bill, *, actor: User, target: str, reason_category: str, reason: str,
                   amount=None, whole: bool = False, idempotency_key: str = "",
                   now: dt.datetime | None = None) -> Waiver:
    """申请减免: a request waiting for approval. ``amount`` or ``whole``; the amount may not be
    more than what is due today (checked again at approval)."""
    community = bill.community
    require(actor, "finance.waive", community=community)
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    idempotency_key = clean_service_key(idempotency_key, errors)
    if not errors and idempotency_key:
        existing = replayed(Waiver.objects.filter(community=community), idempotency_key)
        if existing is not None:
            if existing.bill_id != bill.pk:
                raise ValidationError({"idempotency_key": [_("该幂等键已用于另一笔减免申请")]})
            return existing
    if target not in WaiverTarget.values:
        errors["target"] = [_("请选择减免对象：账单欠费或滞纳金")]
    if reason_category not in WaiverReason.values:
        errors["reason_category"] = [_("请选择减免原因类别")]
    reason = clean_prose(reason or "") if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = [_("请填写减免原因")]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [_("减免原因最多 %(n)d 个字") % {"n": MAX_REASON}]
    if not isinstance(whole, bool):
        errors["whole"] = [_("应为是或否")]
        whole = False
    requested = None
    if whole and amount not in (None, ""):
        errors["amount"] = [_("全额减免时不要填写金额")]
    elif not whole:
        try:
            requested = money.parse_money(amount, what=_("减免金额"))
        except money.MoneyError as exc:
            errors["amount"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    bill = locked(bill, "unit__building")
    due = _due_of(bill, target, today)
    if due <= 0:
        raise ValidationError({"target": [_("该账单没有可减免的欠费") if target == WaiverTarget.BILL
                                          else _("该账单目前没有应收的滞纳金")]})
    if requested is not None and requested > due:
        raise ValidationError({"amount": [_("减免金额不能超过应收金额 %(due)s 元") % {
            "due": money.text(due)}]})
    number = ledger.reserve_numbers(community, f"JM-{today:%Y%m}", 1)[0]
    waiver = Waiver(community=community, number=number, bill=bill, unit=bill.unit, target=target,
                    whole=whole, requested_amount=requested, reason_category=reason_category,
                    reason=reason, requested_by=actor, requested_at=now, idempotency_key=idempotency_key)
    try:
        with transaction.atomic():
            waiver.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"idempotency_key": [_("该幂等键已用于另一笔减免申请")]}) from None
    what = "全额" if whole else f"{money.text(requested)} 元"
    audit.record(AuditEvent.Action.CREATE, waiver, actor=actor,
                 summary=f"申请减免 {number} 账单 {bill.number} {what}（{waiver.get_target_display()}）")
    return waiver


def _lock_for_decision(waiver: Waiver, actor: User) -> Waiver:
    require(actor, "finance.approve_waiver", community=waiver.community_id)
    return locked(waiver, "bill__unit__building", "requested_by", "community")


def _check_decider(waiver: Waiver, actor: User) -> None:
    if waiver.requested_by_id == actor.pk:
        raise PermissionDenied(_("减免须由申请人以外的人审批"))


@transaction.atomic
def approve_waiver(waiver: Waiver, *, actor: User, note: str = "",
                   now: dt.datetime | None = None) -> Waiver:
    """批准减免: by a manager or company admin other than the requester. Approving an approved
    waiver again returns it unchanged (idempotent); a rejected one cannot be approved."""
    waiver = _lock_for_decision(waiver, actor)
    if waiver.status == WaiverStatus.APPROVED:
        return waiver
    if waiver.status != WaiverStatus.PENDING:
        raise ValidationError({"status": [_("该减免申请已被驳回，不能再批准")]})
    _check_decider(waiver, actor)
    note = clean_prose(note or "") if isinstance(note, str) else ""
    if len(note) > MAX_REASON:
        raise ValidationError({"note": [_("审批意见最多 %(n)d 个字") % {"n": MAX_REASON}]})
    community = waiver.community
    now = now or timezone.now()
    today = timezone.localdate(now)
    bill = locked(waiver.bill, "unit__building")
    due = _due_of(bill, waiver.target, today)
    amount = due if waiver.whole else waiver.requested_amount
    if due <= 0:
        raise ValidationError({"amount": [_("该账单已没有可减免的金额")]})
    if amount > due:
        raise ValidationError({"amount": [_("减免金额 %(a)s 元超过目前应收的 %(due)s 元") % {
            "a": money.text(amount), "due": money.text(due)}]})
    entry = None
    if waiver.target == WaiverTarget.BILL:
        if not Account.objects.in_community(community).filter(code=ledger.WAIVERS).exists():
            ledger.open_books(community, actor=None)  # books opened before 6009 existed
        entry = ledger.post_entry(community, ledger.EntrySpec(
            today, EntrySource.WAIVER, f"减免 {waiver.number} 账单 {bill.number} {bill.unit.label}", [
                ledger.Line(ledger.WAIVERS, debit=amount, unit_id=bill.unit_id, memo=waiver.number),
                ledger.Line(ledger.RECEIVABLE, credit=amount, unit_id=bill.unit_id, memo=waiver.number)],
            public_memo=f"减免 {waiver.number}"), actor=actor, time=now)
        Allocation.objects.create(community=community, bill=bill, kind=AllocationKind.WAIVER,
                                  amount=amount, entry=entry, created_at=now)
        paid = bill.paid + amount
        Bill.objects.filter(pk=bill.pk).update(paid=paid, status=bill.status_for(paid))  # locked: exact
    role = _role_label(actor, community.pk)
    Waiver.objects.filter(pk=waiver.pk).update(
        status=WaiverStatus.APPROVED, amount=amount, decided_by=actor, decided_role=role,
        decided_at=now, decision_note=note, effective_on=today, entry=entry)
    waiver.refresh_from_db()
    log.record(community, "finance.waiver.approved", waiver, time=now, public={
        "number": waiver.number, "target": waiver.target,
        "amount": amount, "reason_category": waiver.reason_category,
        "requested_by": staff_name(waiver.requested_by), "approver": staff_name(actor),
        "approver_role": role, "effective_on": today, "entry": entry.number if entry else None,
    }, private={"reason": waiver.reason, "unit": bill.unit.label, "bill": bill.number})
    audit.record(AuditEvent.Action.UPDATE, waiver, actor=actor,
                 summary=f"批准减免 {waiver.number} {money.text(amount)} 元")
    return waiver


@transaction.atomic
def reject_waiver(waiver: Waiver, *, actor: User, note: str = "",
                  now: dt.datetime | None = None) -> Waiver:
    """驳回减免: kept with the approver's note; rejecting a rejected request again changes nothing."""
    waiver = _lock_for_decision(waiver, actor)
    if waiver.status == WaiverStatus.REJECTED:
        return waiver
    if waiver.status != WaiverStatus.PENDING:
        raise ValidationError({"status": [_("该减免申请已批准，不能再驳回")]})
    _check_decider(waiver, actor)
    note = clean_prose(note or "") if isinstance(note, str) else ""
    if len(note) > MAX_REASON:
        raise ValidationError({"note": [_("审批意见最多 %(n)d 个字") % {"n": MAX_REASON}]})
    now = now or timezone.now()
    role = _role_label(actor, waiver.community_id)
    Waiver.objects.filter(pk=waiver.pk).update(status=WaiverStatus.REJECTED, decided_by=actor,
                                               decided_role=role, decided_at=now, decision_note=note)
    waiver.refresh_from_db()
    bill = waiver.bill
    log.record(waiver.community, "finance.waiver.rejected", waiver, time=now, public={
        "number": waiver.number, "target": waiver.target,
        "requested_amount": waiver.requested_amount, "whole": waiver.whole,
        "reason_category": waiver.reason_category, "requested_by": staff_name(waiver.requested_by),
        "approver": staff_name(actor), "approver_role": role,
    }, private={"reason": waiver.reason, "note": note or None, "unit": bill.unit.label,
                "bill": bill.number})
    audit.record(AuditEvent.Action.UPDATE, waiver, actor=actor, summary=f"驳回减免 {waiver.number}")
    return waiver

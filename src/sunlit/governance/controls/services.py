"""Owner-side controls — 业主方管控事项 — and the one way to change them (docs/security.md, rule b).

The controls that protect owners from the company — the vote lifecycle, the board's committee
co-signature, the expense thresholds, the witness list, the proposal rules — are changed here:

* by the **owner side** (a committee member who holds no company role): at once;
* by the **company side**, when the change only *strengthens* a protection (a lower threshold,
  the co-signature switched on): at once;
* by the **company side**, when it weakens one: only as a **proposal** that takes effect when a
  committee member confirms it. The committee may refuse it; the proposer may withdraw it.

Each control is registered below with the permission that lets a user change (or propose to
change) it and two functions of its own app: ``plan(community, params, *, now)`` validates it
(``ValidationError`` per field) and says whether it weakens a protection; ``apply(community,
params, *, actor, now)`` makes it through the app's own service, which checks the owner side
again. Every change, direct or proposed, is a ``ControlChange`` row, a log event
(``governance.control.*``) and an audit record; the list is public to the community.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core import audit, sides
from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Membership, User
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose
from sunlit.governance.controls.models import ControlChange, ControlKind, ControlSide, ControlStatus
from sunlit.transparency import services as log

MAX_REASON = 200


@dataclass
class Plan:
    """What a change would do: the parameters to store and apply, a one-line summary for the
    pages and the log, whether it weakens a protection, and the object it is about."""

    params: dict
    summary: str
    weakens: bool
    subject: Any = None
    subject_label: str = ""
    unchanged: bool = False


@dataclass(frozen=True)
class Control:
    kind: str
    action: str  # the permission to change it, or to propose a change
    plan: str  # "module:function"
    apply: str
    #: a proposal must say why (not for announcing a draft: the draft says it)
    reason_required: bool = True

    def call(self, which: str, *args, **kwargs):
        module, name = getattr(self, which).split(":")
        function: Callable = getattr(importlib.import_module(module), name)
        return function(*args, **kwargs)


CONTROLS: dict[str, Control] = {c.kind: c for c in (
    Control(ControlKind.MONEY_POLICY, "finance.money.policy",
            "sunlit.finance.expenses.services:plan_policy_change",
            "sunlit.finance.expenses.services:apply_policy_change"),
    Control(ControlKind.BOARD_COSIGN, "board.settings",
            "sunlit.board.services:plan_cosign_change", "sunlit.board.services:apply_cosign_change"),
    Control(ControlKind.WITNESS_ADD, "log.manage_witnesses",
            "sunlit.transparency.services:plan_witness_add",
            "sunlit.transparency.services:apply_witness_add"),
    Control(ControlKind.WITNESS_REVOKE, "log.manage_witnesses",
            "sunlit.transparency.services:plan_witness_revoke",
            "sunlit.transparency.services:apply_witness_revoke"),
    Control(ControlKind.VOTE_ANNOUNCE, "governance.manage",
            "sunlit.governance.votes.controls:plan_announce",
            "sunlit.governance.votes.controls:apply_announce",
            reason_required=False),
    Control(ControlKind.VOTE_CANCEL, "governance.manage",
            "sunlit.governance.votes.controls:plan_cancel",
            "sunlit.governance.votes.controls:apply_cancel"),
    Control(ControlKind.VOTE_EXTEND, "governance.manage",
            "sunlit.governance.votes.controls:plan_extend",
            "sunlit.governance.votes.controls:apply_extend"),
    Control(ControlKind.GOVERNANCE_POLICY, "governance.policy",
            "sunlit.governance.proposals.services:plan_policy_change",
            "sunlit.governance.proposals.services:apply_policy_change"),
)}


owner_side_required = sides.owner_side_required
require_committee = sides.require_committee


def _side(user: User, community) -> str:
    return sides.side_of(user, community) or ControlSide.COMPANY


def _person(side: str, user: User | None) -> dict:
    """Who acted, as the log shows him: the side; a company employee by name (public
    responsibility); an owner's name only as a commitment (see ``_private``)."""
    row = {"side": side}
    if side == ControlSide.COMPANY and user is not None:
        row["name"] = str(user)[:50]
    return row


def _private(**people: tuple[str, User | None]) -> dict:
    return {f"{key}_name": str(user)[:50] for key, (side, user) in people.items()
            if user is not None and side != ControlSide.COMPANY}


def _masked(text: str) -> str:
    from sunlit.core.masking import mask_text

    return mask_text(text)


def _clean_reason(reason: str, *, required: bool, field: str = "reason") -> str:
    reason = clean_prose(reason or "")
    if required and not reason:
        raise ValidationError({field: [_("请填写理由")]})
    if len(reason) > MAX_REASON:
        raise ValidationError({field: [_("理由最多 %(n)d 个字") % {"n": MAX_REASON}]})
    return reason


def control_for(kind: str) -> Control:
    control = CONTROLS.get(kind)
    if control is None:
        raise ValidationError({"kind": [_("没有这项管控事项")]})
    return control


def _subject(plan: Plan) -> tuple[str, str]:
    if plan.subject is None:
        return "", ""
    return plan.subject._meta.label_lower, str(plan.subject.pk)


def _public(change: ControlChange) -> dict:
    # free text (a cancellation's reason) is masked like the board's texts; keys, amounts,
    # times and ids are not personal data
    params = {k: _masked(v) if k == "reason" and isinstance(v, str) else v
              for k, v in change.params.items()}
    return {"change": change.pk, "kind": change.kind, "summary": _masked(change.summary),
            "params": params, "subject": change.subject_label or None}


def _notify(change: ControlChange, recipients, title: str, *, channels=None) -> None:
    from sunlit.notices.services import notify

    notify(community=change.community, recipients=recipients, title=title,
           body=change.summary, url=reverse("governance:control_change", args=[change.pk]),
           kind="system", obj=change, channels=channels)


def committee_members(community) -> list[int]:
    """The users who may confirm: active committee members holding no company role."""
    members = set(Membership.objects.in_community(community).active()
                  .filter(role=Role.COMMITTEE, user__is_active=True)
                  .values_list("user_id", flat=True))
    staff = set(Membership.objects.in_community(community).active()
                .filter(role__in=STAFF_ROLES, user_id__in=members)
                .values_list("user_id", flat=True))
    return sorted(members - staff)


# --- the services --------------------------------------------------------------------------------

@transaction.atomic
def request_change(community: Community, kind: str, params: dict, *, actor: User,
                   reason: str = "", propose: bool = True,
                   now: dt.datetime | None = None) -> ControlChange | None:
    """Changes a control — or, for a company-side change that weakens a protection, proposes it
    (``propose=False``: refuses it instead, with a Chinese 403). ``None`` when nothing would
    change. Returns the ``ControlChange`` (``applied`` or ``pending``); an applied one carries
    what the control's service returned as ``.result``."""
    control = control_for(kind)
    require(actor, control.action, community=community)
    now = now or timezone.now()
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("变更内容格式不正确")]})
    plan = control.call("plan", community, params, now=now)
    if plan.unchanged:
        return None
    # the summary is stored and goes on the log: in Chinese, whatever language the proposer uses
    with translation.override(settings.LANGUAGE_CODE):
        plan = dataclasses.replace(
            plan, summary=control.call("plan", community, params, now=now).summary)
    side = _side(actor, community)
    direct = side == ControlSide.COMMITTEE or not plan.weakens
    if not direct and not propose:
        raise owner_side_required(str(ControlKind(kind).label))
    if not direct and side != ControlSide.COMPANY:
        raise PermissionDenied(_("您没有执行此操作的权限"))
    reason = _clean_reason(reason, required=not direct and control.reason_required)
    subject_type, subject_id = _subject(plan)
    change = ControlChange(
        community=community, kind=kind, subject_type=subject_type, subject_id=subject_id,
        subject_label=plan.subject_label[:120], params=plan.params, summary=plan.summary[:300],
        reason=reason, weakens=plan.weakens, proposed_by=actor, proposed_side=side,
        proposed_at=now)
    if direct:
        result = control.call("apply", community, plan.params, actor=actor, now=now)
        change.status, change.decided_by, change.decided_side, change.decided_at = (
            ControlStatus.APPLIED, actor, side, now)
        change.save()
        log.record(community, "governance.control.applied", change, time=now, public={
            **_public(change), "direct": True, "weakens": change.weakens,
            "proposed_by": _person(side, actor), "confirmed_by": _person(side, actor),
            "reason": _masked(reason) or None},
            private=_private(confirmer=(side, actor)))
        audit.record(AuditEvent.Action.UPDATE, change, actor=actor,
                     summary=f"{ControlKind(kind).label}：{change.summary}")
        change.result = result  # what the control's own service returned (not stored)
        return change
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        raise ValidationError({"kind": [_("已有一项同类变更在等待业委会确认，请等确认或撤回后再提")]}) \
            from None
    log.record(community, "governance.control.proposed", change, time=now, public={
        **_public(change), "weakens": True, "proposed_by": _person(side, actor),
        "reason": _masked(reason)})
    audit.record(AuditEvent.Action.CREATE, change, actor=actor,
                 summary=f"提请业委会确认 {ControlKind(kind).label}：{change.summary}")
    _notify(change, committee_members(community),
            _("待业委会确认：%(kind)s") % {"kind": ControlKind(kind).label})
    return change


def _pending(change: ControlChange) -> ControlChange:
    change = locked(change, "community")
    if change.status != ControlStatus.PENDING:
        raise ValidationError({"status": [_("该变更已处理（%(s)s）") % {
            "s": change.get_status_display()}]})
    return change


def _committee_decides(change: ControlChange, actor: User) -> None:
    require(actor, "governance.controls.confirm", change)
    if not sides.is_committee_member(actor, change.community_id):
        raise PermissionDenied(_("只有不在物业公司任职的业委会委员可以确认或否决"))


@transaction.atomic
def confirm_change(change: ControlChange, *, actor: User, note: str = "",
                   now: dt.datetime | None = None) -> ControlChange:
    """A committee member confirms a company-side proposal — 业委会确认: it takes effect now,
    through the control's own service (checked against today's state again)."""
    _committee_decides(change, actor)
    now = now or timezone.now()
    note = _clean_reason(note, required=False, field="note")
    change = _pending(change)
    if change.proposed_by_id == actor.pk:
        raise ValidationError({"confirmed_by": [_("提出人不能确认自己的变更")]})
    control = control_for(change.kind)
    control.call("plan", change.community, change.params, now=now)  # still valid today?
    control.call("apply", change.community, change.params, actor=actor, now=now)
    change.status, change.decided_by, change.decided_side = (ControlStatus.APPLIED, actor,
                                                             ControlSide.COMMITTEE)
    change.decided_at, change.decision_note = now, note
    change.save(update_fields=["status", "decided_by", "decided_side", "decided_at",
                               "decision_note"])
    log.record(change.community, "governance.control.applied", change, time=now, public={
        **_public(change), "direct": False, "weakens": change.weakens,
        "proposed_by": _person(change.proposed_side, change.proposed_by),
        "confirmed_by": _person(ControlSide.COMMITTEE, actor),
        "reason": _masked(change.reason) or None},
        private=_private(confirmer=(ControlSide.COMMITTEE, actor)))
    audit.record(AuditEvent.Action.UPDATE, change, actor=actor,
                 summary=f"业委会确认 {change.get_kind_display()}：{change.summary}",
                 changes={"status": [ControlStatus.PENDING, ControlStatus.APPLIED]})
    if change.proposed_by_id:
        _notify(change, [change.proposed_by_id],
                _("业委会已确认：%(kind)s") % {"kind": change.get_kind_display()}, channels=[])
    return change


@transaction.atomic
def reject_change(change: ControlChange, *, actor: User, reason: str,
                  now: dt.datetime | None = None) -> ControlChange:
    """A committee member refuses a company-side proposal — 业委会不同意; nothing changes."""
    _committee_decides(change, actor)
    now = now or timezone.now()
    reason = _clean_reason(reason, required=True)
    change = _pending(change)
    change.status, change.decided_by, change.decided_side = (ControlStatus.REJECTED, actor,
                                                             ControlSide.COMMITTEE)
    change.decided_at, change.decision_note = now, reason
    change.save(update_fields=["status", "decided_by", "decided_side", "decided_at",
                               "decision_note"])
    log.record(change.community, "governance.control.rejected", change, time=now, public={
        **_public(change), "by": _person(ControlSide.COMMITTEE, actor), "reason": _masked(reason)},
        private=_private(by=(ControlSide.COMMITTEE, actor)))
    audit.record(AuditEvent.Action.UPDATE, change, actor=actor,
                 summary=f"业委会不同意 {change.get_kind_display()}：{reason}",
                 changes={"status": [ControlStatus.PENDING, ControlStatus.REJECTED]})
    if change.proposed_by_id:
        _notify(change, [change.proposed_by_id],
                _("业委会未同意：%(kind)s") % {"kind": change.get_kind_display()}, channels=[])
    return change


@transaction.atomic
def withdraw_change(change: ControlChange, *, actor: User,
                    now: dt.datetime | None = None) -> ControlChange:
    """The proposer withdraws his proposal — 撤回 — before the committee decides."""
    require(actor, control_for(change.kind).action, community=change.community_id)
    now = now or timezone.now()
    change = _pending(change)
    if change.proposed_by_id != actor.pk:
        raise PermissionDenied(_("只有提出人可以撤回"))
    change.status, change.decided_by, change.decided_side, change.decided_at = (
        ControlStatus.WITHDRAWN, actor, change.proposed_side, now)
    change.save(update_fields=["status", "decided_by", "decided_side", "decided_at"])
    log.record(change.community, "governance.control.withdrawn", change, time=now, public={
        **_public(change), "by": _person(change.proposed_side, actor)})
    audit.record(AuditEvent.Action.UPDATE, change, actor=actor,
                 summary=f"撤回 {change.get_kind_display()}：{change.summary}",
                 changes={"status": [ControlStatus.PENDING, ControlStatus.WITHDRAWN]})
    return change


def history(community, kind: str | None = None, *, subject=None, limit: int = 5):
    """The latest changes of a control (for the control's own page): who proposed, who confirmed."""
    rows = ControlChange.objects.in_community(community).select_related("proposed_by",
                                                                        "decided_by")
    if kind is not None:
        rows = rows.filter(kind=kind)
    if subject is not None:
        rows = rows.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
    return list(rows.order_by("-proposed_at", "-pk")[:limit])


def pending_for(community, kind: str, subject=None) -> ControlChange | None:
    rows = ControlChange.objects.in_community(community).pending().filter(kind=kind)
    if subject is not None:
        rows = rows.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
    return rows.select_related("proposed_by").first()

"""The workflow steps after submission, each through the transition table: 受理、派单、接单、
到场、完成、回访、归档、撤回、无法处理、重开、挂起、恢复.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, money
from sunlit.core.choices import STAFF_ROLES
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Membership, Upload, User
from sunlit.core.permissions import can, require
from sunlit.core.validators import normalize_text
from sunlit.tickets import dispatch, notifications, sla, workflow
from sunlit.tickets.choices import (
    Action,
    QuoteStatus,
    TicketStatus,
)
from sunlit.tickets.models import (
    MaterialUse,
    Quote,
    Ticket,
    TicketEvent,
)
from sunlit.tickets.services.base import (
    TICKET_RELATED,
    _actor_name,
    _assignee_facts,
    _attach_photos,
    _clean_note,
    _due_times,
    _facts,
    _met,
    _photo_errors,
    _photo_hashes,
    _system_row,
    targets_for,
)
from sunlit.transparency import services as log

# --- workflow steps ------------------------------------------------------------------------------


def _step(ticket: Ticket, actor: User | None, action: str, *, note: str = "",
          is_public: bool = True, now: dt.datetime | None, changes=None,
          reason_required: bool = False, data: dict | None = None,
          photos: Sequence[Upload] = (), log_extra=None,
          validate=None) -> Ticket:
    """Takes one row of the transition table: check, change, timeline, audit, log.

    ``actor`` None is the system itself (automatic dispatch): the table still decides whether
    the step exists from the current state, but no role is asked. ``validate(ticket)`` may
    raise a ValidationError after the permission check and before anything is written.
    """
    now = now or timezone.now()
    ticket = locked(ticket, *TICKET_RELATED)
    if actor is None:
        row = _system_row(ticket, action)
    else:
        row = workflow.transition_for(ticket, actor, action, now=now)
    note = _clean_note(note, required=reason_required)
    if photos:
        if actor is None:
            raise ValidationError({"photos": [_("照片参数无效")]})
        photo_errors = _photo_errors(ticket.community_id, actor, photos)
        if photo_errors:
            raise ValidationError({"photos": photo_errors})
    if validate is not None:
        validate(ticket)
    from_status = ticket.status
    to_status = workflow.target_status(row, ticket)
    fields = {"status": to_status, "updated_at": now}
    if changes is not None:
        fields.update(changes(ticket, now, note) or {})
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=list(fields))
    event = TicketEvent.objects.create(
        community_id=ticket.community_id, ticket=ticket, action=action, from_status=from_status,
        to_status=to_status, actor=actor, actor_name=_actor_name(actor) or _("系统"), note=note,
        is_public=is_public, at=now, data=data or {})
    _attach_photos(ticket, photos, event)
    audit.record(AuditEvent.Action.UPDATE, ticket, actor=actor,
                 summary=f"{ticket.number} {Action(action).label}",
                 changes={"status": [from_status, to_status]})
    department = ticket.department
    log.record(ticket.community, "tickets.ticket.transitioned", ticket, time=now, public={
        **_facts(ticket), "action": str(action), "status_from": str(from_status),
        "status_to": str(to_status), **_assignee_facts(ticket),
        "department": department.name if department is not None else None,
        "met_accept": ticket.met_accept, "met_arrive": ticket.met_arrive,
        "met_resolve": ticket.met_resolve, "paused_seconds": ticket.paused_seconds,
        "reason": ticket.public_reason or None if action == Action.MARK_UNRESOLVABLE else None,
        "photos": _photo_hashes(photos),
        **(log_extra() if callable(log_extra) else log_extra or {}),
    })
    notifications.ticket_changed(ticket, action, actor=actor, from_status=from_status)
    return ticket


def _accepted(ticket: Ticket, now) -> dict:
    if ticket.accepted_at is not None and ticket.status != TicketStatus.REOPENED:
        return {}
    return {"accepted_at": now, "met_accept": _met(ticket.due_accept, now)
            if ticket.met_accept is None else ticket.met_accept}


@transaction.atomic
def accept_ticket(ticket: Ticket, *, actor: User, note: str = "",
                  now: dt.datetime | None = None) -> Ticket:
    """受理: customer service or the dispatcher takes the ticket on (the accept target)."""
    return _step(ticket, actor, Action.ACCEPT, note=note, now=now,
                 changes=lambda t, now, _n: _accepted(t, now))


def _assignable(ticket: Ticket, to: Membership | User) -> Membership:
    if isinstance(to, User):
        members = Membership.objects.in_community(ticket.community_id).active().filter(
            user=to, role__in=STAFF_ROLES).select_related("user", "department")
        member = (next((m for m in members if m.role == "technician"), None)
                  or next(iter(members), None))
    else:
        member = to
    if (not isinstance(member, Membership) or member.community_id != ticket.community_id
            or not member.is_active or member.role not in STAFF_ROLES):
        raise ValidationError({"to": [_("只能派给本小区在岗的工作人员")]})
    return member


def _dispatch(ticket: Ticket, member: Membership, actor: User | None, note: str,
              now: dt.datetime | None, *, automatic: bool) -> Ticket:
    previous = ticket.assignee

    department = member.department or ticket.category.department or ticket.department

    def changes(t, now, _note):
        return {**_accepted(t, now), "assignee": member, "dispatched_at": now, "taken_at": None,
                "department": department}

    # who and which department, as they were at this moment (the weekly board reads them back)
    return _step(ticket, actor, Action.DISPATCH, note=note, now=now, changes=changes, data={
        "to": str(member.user), "job_number": member.job_number,
        "department": department.name if department is not None else "",
        "from": str(previous.user) if previous is not None else "", "automatic": automatic})


@transaction.atomic
def dispatch_ticket(ticket: Ticket, *, to: Membership | User, actor: User, note: str = "",
                    now: dt.datetime | None = None) -> Ticket:
    """派单 (or 改派): gives the ticket to a staff member; the history keeps the earlier one."""
    if not can(actor, "tickets.dispatch", ticket):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    return _dispatch(ticket, _assignable(ticket, to), actor, note, now, automatic=False)


MAX_BULK = 200


@transaction.atomic
def bulk_dispatch(community: Community, ticket_ids: Sequence[int], *, to: Membership, actor: User,
                  note: str = "", now: dt.datetime | None = None) -> list[Ticket]:
    """批量派单: gives several tickets to one staff member, all or nothing.

    The tickets are locked in pk order first (two dispatchers working on overlapping
    selections wait for each other instead of deadlocking), then each goes through
    ``services.dispatch_ticket``. If one is refused, everything rolls back and the
    ``ValidationError`` on ``tickets`` names that ticket and the reason.
    """
    require(actor, "tickets.dispatch", community=community)
    ids = sorted({int(pk) for pk in ticket_ids})
    if not ids:
        raise ValidationError({"tickets": [_("请选择工单")]})
    if len(ids) > MAX_BULK:
        raise ValidationError({"tickets": [_("一次最多派 %(n)s 张工单") % {"n": MAX_BULK}]})
    if not isinstance(to, Membership) or to.community_id != community.pk:
        raise ValidationError({"to": [_("只能派给本小区在岗的工作人员")]})
    tickets = list(Ticket.objects.in_community(community).filter(pk__in=ids)
                   .select_for_update(of=("self",)).order_by("pk"))
    if len(tickets) != len(ids):
        raise ValidationError({"tickets": [_("有工单不存在或不属于本小区，请刷新后重试")]})
    done = []
    for ticket in tickets:
        try:
            done.append(dispatch_ticket(ticket, to=to, actor=actor, note=note, now=now))
        except (ValidationError, PermissionDenied) as exc:
            reason = "；".join(getattr(exc, "messages", None) or [str(exc)])
            raise ValidationError({"tickets": [_("工单 %(number)s 未能派出：%(reason)s") % {
                "number": ticket.number, "reason": reason}]}) from exc
    return done


@transaction.atomic
def auto_dispatch_ticket(ticket: Ticket, *, actor: User | None,
                         now: dt.datetime | None = None) -> Ticket:
    """自动派单: gives the ticket to the technician ``dispatch.choose_assignee`` picks
    (department, skill, on duty now, fewest open tickets). ``actor`` None is the system, as
    when a category dispatches automatically on submission."""
    if actor is not None and not can(actor, "tickets.dispatch", ticket):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    now = now or timezone.now()
    member = dispatch.choose_assignee(locked(ticket, *TICKET_RELATED), at=now)
    if member is None:
        raise ValidationError({"to": [_("没有在岗且具备该类别技能的维修人员，请手动派单")]})
    return _dispatch(ticket, member, actor, _("自动派单") if actor is None else "", now,
                     automatic=True)


@transaction.atomic
def take_ticket(ticket: Ticket, *, actor: User, note: str = "",
                now: dt.datetime | None = None) -> Ticket:
    """接单: the assignee acknowledges the task (once per dispatch; a reassignment asks again)."""
    return _step(ticket, actor, Action.TAKE, note=note, now=now,
                 changes=lambda t, now, _n: {"taken_at": now})


@transaction.atomic
def arrive_ticket(ticket: Ticket, *, actor: User, note: str = "", photos: Sequence[Upload] = (),
                  now: dt.datetime | None = None) -> Ticket:
    """到场: the technician is on site (the arrive target)."""
    return _step(ticket, actor, Action.ARRIVE, note=note, now=now, photos=photos,
                 changes=lambda t, now, _n: {"arrived_at": now, "met_arrive": _met(t.due_arrive, now),
                                             "taken_at": t.taken_at or now})


MAX_MATERIALS = 30
MAX_LABOR_MINUTES = 7 * 24 * 60


def parse_amount(value, *, field: str, what=None, allow_zero: bool = True,
                 limit: Decimal = Decimal("99999999.99")) -> Decimal:
    """A money or quantity amount with at most two places, through ``core.money`` (one parser)."""
    try:
        amount = money.parse_decimal(value, what=what or _("金额"), places=2)
    except money.MoneyError as exc:
        raise ValidationError({field: [str(exc)]}) from None
    if amount < 0 or (amount == 0 and not allow_zero) or amount > limit:
        raise ValidationError({field: [_("数值超出范围")]})
    return amount.quantize(money.FEN)


def _materials(materials, *, charged_allowed: bool) -> list[dict]:
    if materials is None:
        return []
    if isinstance(materials, (str, bytes, dict)) or not isinstance(materials, Sequence):
        raise ValidationError({"materials": [_("材料清单格式无效")]})
    if len(materials) > MAX_MATERIALS:
        raise ValidationError({"materials": [_("材料最多 %(n)s 项") % {"n": MAX_MATERIALS}]})
    cleaned = []
    for number, item in enumerate(materials, start=1):
        field = f"materials.{number}"
        if not isinstance(item, dict):
            raise ValidationError({field: [_("材料清单格式无效")]})
        name = normalize_text(str(item.get("name") or ""))
        if not name or len(name) > 60:
            raise ValidationError({field: [_("第 %(n)s 项：请填写材料名称（最多 60 个字）") % {"n": number}]})
        unit = normalize_text(str(item.get("unit") or ""))
        if len(unit) > 10:
            raise ValidationError({field: [_("第 %(n)s 项：单位最多 10 个字") % {"n": number}]})
        quantity = parse_amount(item.get("quantity", ""), field=field, what=_("数量"), allow_zero=False,
                                limit=Decimal("99999.99"))
        price = item.get("unit_price")
        if price in (None, ""):
            price = None
        else:
            if not charged_allowed:
                raise ValidationError({field: [_(
                    "第 %(n)s 项：业主同意报价后才能收取材料费") % {"n": number}]})
            price = parse_amount(price, field=field)
        cleaned.append({"name": name, "quantity": quantity, "unit": unit, "unit_price": price})
    return cleaned


def _labor(labor_minutes) -> int | None:
    if labor_minutes in (None, ""):
        return None
    if isinstance(labor_minutes, bool) or not isinstance(labor_minutes, int) or not (
            0 <= labor_minutes <= MAX_LABOR_MINUTES):
        raise ValidationError({"labor_minutes": [
            _("用时应为 0 到 %(n)s 之间的整数（分钟）") % {"n": MAX_LABOR_MINUTES}]})
    return labor_minutes


def latest_quote(ticket: Ticket) -> Quote | None:
    return ticket.quotes.exclude(status=QuoteStatus.SUPERSEDED).order_by("-created_at", "-id").first()


@transaction.atomic
def resolve_ticket(ticket: Ticket, *, actor: User, note: str = "", photos: Sequence[Upload] = (),
                   materials: Sequence[dict] | None = None, labor_minutes: int | None = None,
                   now: dt.datetime | None = None) -> Ticket:
    """处理完成: the work is done (or the complaint answered); awaits the follow-up visit.

    Records the materials used and the time spent. A chargeable repair cannot be finished
    while its quote awaits the owner; materials are charged only under an accepted quote.
    """
    state: dict = {}

    def validate(t):
        quote = latest_quote(t) if t.is_chargeable else None
        if quote is not None and quote.status == QuoteStatus.PENDING:
            raise ValidationError({"status": [_("报价尚待业主确认，确认后才能完成")]})
        state["materials"] = _materials(
            materials, charged_allowed=quote is not None and quote.status == QuoteStatus.ACCEPTED)
        state["labor"] = _labor(labor_minutes)

    def changes(t, now, _n):
        fields = {"resolved_at": now, "met_resolve": _met(t.due_resolve, now)}
        if state["labor"] is not None:
            fields["labor_minutes"] = (t.labor_minutes or 0) + state["labor"]
        return fields

    def log_extra():
        return {"labor_minutes": state["labor"],
                "materials": [[item["name"], str(item["quantity"]), item["unit"]]
                              for item in state["materials"]] or None}

    ticket = _step(ticket, actor, Action.RESOLVE, note=note, now=now, photos=photos,
                   validate=validate, changes=changes, log_extra=log_extra,
                   data={"labor_minutes": labor_minutes} if isinstance(labor_minutes, int) else None)
    event = ticket.events.filter(action=Action.RESOLVE).order_by("-at", "-id").first()
    MaterialUse.objects.bulk_create([
        MaterialUse(community_id=ticket.community_id, ticket=ticket, event=event, **item)
        for item in state["materials"]])
    return ticket


@transaction.atomic
def follow_up_ticket(ticket: Ticket, *, actor: User, note: str,
                     now: dt.datetime | None = None) -> Ticket:
    """回访: customer service asked the reporter and records the result."""
    return _step(ticket, actor, Action.FOLLOW_UP, note=note, now=now, reason_required=True,
                 changes=lambda t, now, _n: {"followed_up_at": now})


@transaction.atomic
def archive_ticket(ticket: Ticket, *, actor: User, note: str = "",
                   now: dt.datetime | None = None) -> Ticket:
    """归档."""
    return _step(ticket, actor, Action.ARCHIVE, note=note, now=now,
                 changes=lambda t, now, _n: {"closed_at": now})


@transaction.atomic
def withdraw_ticket(ticket: Ticket, *, actor: User, note: str = "",
                    now: dt.datetime | None = None) -> Ticket:
    """撤销: the reporter withdraws before anyone is on site."""
    return _step(ticket, actor, Action.WITHDRAW, note=note, now=now,
                 changes=lambda t, now, _n: {"closed_at": now, "paused_at": None})


@transaction.atomic
def mark_unresolvable(ticket: Ticket, *, actor: User, reason: str, photos: Sequence[Upload] = (),
                      now: dt.datetime | None = None) -> Ticket:
    """无法解决, with a reason that is shown publicly (and put on the log)."""
    return _step(ticket, actor, Action.MARK_UNRESOLVABLE, note=reason, now=now, photos=photos,
                 reason_required=True, changes=lambda t, now, note: {
                     "closed_at": now, "public_reason": note, "paused_at": None})


@transaction.atomic
def reopen_ticket(ticket: Ticket, *, actor: User, reason: str, photos: Sequence[Upload] = (),
                  now: dt.datetime | None = None) -> Ticket:
    """重新打开: the reporter rejects the resolution within the reopen window.

    The arrive and resolve targets start again from now; whether the first resolution was in
    time stays in the timeline and on the log.
    """
    def changes(t, now, _note):
        due = _due_times(targets_for(t.category, t.priority), now, sla.WorkCalendar.from_db())
        return {"reopened_count": t.reopened_count + 1, "due_arrive": due["due_arrive"],
                "due_resolve": due["due_resolve"], "met_arrive": None, "met_resolve": None,
                "followed_up_at": None}

    return _step(ticket, actor, Action.REOPEN, note=reason, now=now, reason_required=True,
                 photos=photos, changes=changes)


@transaction.atomic
def suspend_ticket(ticket: Ticket, *, actor: User, reason: str, photos: Sequence[Upload] = (),
                   now: dt.datetime | None = None) -> Ticket:
    """挂起: waiting on the owner (not at home, parts to order ...); the SLA clock stops."""
    return _step(ticket, actor, Action.SUSPEND, note=reason, now=now, reason_required=True,
                 photos=photos,
                 changes=lambda t, now, _n: {"paused_at": now, "suspended_from": t.status})


@transaction.atomic
def resume_ticket(ticket: Ticket, *, actor: User, note: str = "",
                  now: dt.datetime | None = None) -> Ticket:
    """恢复处理: back to the state before the suspension; unmet due times move by the pause."""
    def changes(t, now, _note):
        targets = targets_for(t.category, t.priority)
        calendar = sla.WorkCalendar.from_db()
        fields = {"paused_at": None, "suspended_from": "",
                  "paused_seconds": t.paused_seconds + int((now - t.paused_at).total_seconds())}
        for step, target in (("accept", targets.accept), ("arrive", targets.arrive),
                             ("resolve", targets.resolve)):
            due = getattr(t, f"due_{step}")
            if due is not None and getattr(t, f"met_{step}") is None:
                mode = target.calendar if target is not None else sla.SlaCalendar.ALWAYS
                fields[f"due_{step}"] = sla.shift_after_pause(due, t.paused_at, now, mode,
                                                              calendar=calendar)
        return fields

    return _step(ticket, actor, Action.RESUME, note=note, now=now, changes=changes)

"""Every change to a ticket: submission, each workflow step, rating.

Each service is ``@transaction.atomic``: it checks permission first (through
``workflow.transition_for``, which reads the transition table), locks the ticket row,
validates, writes the ticket with ``update_fields``, appends a ``TicketEvent`` to the
timeline, records the audit event and puts the state change on the transparency log, all in
the same transaction. Each returns the updated ticket (a fresh instance).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.choices import STAFF_ROLES, DepartmentKind
from sunlit.core.models import AuditEvent, Community, Department, Membership, Person, User
from sunlit.core.permissions import can, require
from sunlit.core.validators import normalize_text
from sunlit.registry.models import Building, Unit
from sunlit.tickets import sla, workflow
from sunlit.tickets.choices import NUMBER_PREFIX, Action, Channel, Priority, TicketKind, TicketStatus
from sunlit.tickets.models import Category, SlaTarget, Ticket, TicketEvent, TicketSequence
from sunlit.transparency import services as log

MAX_PHOTOS = 9
MAX_TITLE = 60
MAX_DESCRIPTION = 2000
MAX_NOTE = 500
RATABLE = frozenset({TicketStatus.RESOLVED, TicketStatus.FOLLOWED_UP, TicketStatus.ARCHIVED})
LOW_RATING = 2


# --- categories --------------------------------------------------------------------------------

K, D = TicketKind, DepartmentKind
# (kind, name, responsible department kind, default priority): the list of issue 4
DEFAULT_CATEGORIES = (
    (K.REPAIR, "水电", D.ENGINEERING, Priority.NORMAL),
    (K.REPAIR, "电梯", D.ENGINEERING, Priority.URGENT),
    (K.REPAIR, "门禁", D.ENGINEERING, Priority.NORMAL),
    (K.REPAIR, "公共照明", D.ENGINEERING, Priority.NORMAL),
    (K.REPAIR, "其他", D.ENGINEERING, Priority.NORMAL),
    (K.COMPLAINT, "保洁", D.CLEANING, Priority.NORMAL),
    (K.COMPLAINT, "绿化", D.GREENING, Priority.NORMAL),
    (K.COMPLAINT, "安保", D.SECURITY, Priority.NORMAL),
    (K.COMPLAINT, "停车", D.SECURITY, Priority.NORMAL),
    (K.COMPLAINT, "噪音扰民", D.SECURITY, Priority.NORMAL),
    (K.COMPLAINT, "服务态度", D.SERVICE, Priority.NORMAL),
    (K.COMPLAINT, "收费", D.FINANCE, Priority.NORMAL),
    (K.COMPLAINT, "其他", D.SERVICE, Priority.NORMAL),
    (K.SUGGESTION, "其他", D.SERVICE, Priority.LOW),
    (K.INQUIRY, "收费", D.FINANCE, Priority.LOW),
    (K.INQUIRY, "其他", D.SERVICE, Priority.LOW),
)


@transaction.atomic
def create_default_categories(community: Community, *, actor: User | None) -> list[Category]:
    """Gives a community the usual categories (工单类别), each with the community's department
    of the matching kind when it has one. Adds only the missing ones; returns those added."""
    if actor is not None:
        require(actor, "tickets.manage", community=community)
    departments: dict[str, Department] = {}
    for department in Department.objects.in_community(community).order_by("pk"):
        departments.setdefault(department.kind, department)
    present = set(Category.objects.in_community(community).values_list("kind", "name"))
    added = []
    for sort_key, (kind, name, department_kind, priority) in enumerate(DEFAULT_CATEGORIES):
        if (kind, name) in present:
            continue
        category = Category.objects.create(community=community, kind=kind, name=name,
                                           department=departments.get(department_kind),
                                           default_priority=priority, sort_key=sort_key)
        added.append(category)
    if added:
        audit.record(AuditEvent.Action.CREATE, community=community, actor=actor,
                     object_type="tickets.category", summary=f"默认工单类别 {len(added)} 个")
    return added


# --- promised times ----------------------------------------------------------------------------

def targets_for(category: Category, priority: str) -> sla.Targets:
    """The SLA targets of a category at a priority: its own row, else the defaults."""
    row = SlaTarget.objects.filter(category=category, priority=priority).first()
    if row is None:
        return sla.default_targets(category.kind, priority)

    def target(minutes, calendar):
        return None if minutes is None else sla.Target(minutes, calendar)

    return sla.Targets(target(row.accept_minutes, row.accept_calendar),
                       target(row.arrive_minutes, row.arrive_calendar),
                       target(row.resolve_minutes, row.resolve_calendar))


def _due_times(targets: sla.Targets, start: dt.datetime, calendar: sla.WorkCalendar) -> dict:
    return {f"due_{step}": (None if target is None
                            else sla.add_minutes(start, target.minutes, target.calendar,
                                                 calendar=calendar))
            for step, target in (("accept", targets.accept), ("arrive", targets.arrive),
                                 ("resolve", targets.resolve))}


def _met(due: dt.datetime | None, now: dt.datetime) -> bool | None:
    return None if due is None else now <= due


# --- log and timeline ----------------------------------------------------------------------------

def _facts(ticket: Ticket) -> dict:
    return {"number": ticket.number, "kind": str(ticket.kind), "category": ticket.category.name,
            "priority": str(ticket.priority), "due_accept": ticket.due_accept,
            "due_arrive": ticket.due_arrive, "due_resolve": ticket.due_resolve}


def _assignee_facts(ticket: Ticket) -> dict:
    member = ticket.assignee
    if member is None:
        return {}
    return {"assignee": str(member.user), "assignee_job_number": member.job_number or None}


def _actor_name(actor: User | None) -> str:
    return str(actor)[:50] if actor is not None else ""


# --- submission ----------------------------------------------------------------------------------

def _next_number(community: Community, kind: str, now: dt.datetime) -> str:
    key = f"{NUMBER_PREFIX[kind]}-{timezone.localtime(now):%Y%m%d}"
    sequence, _created = TicketSequence.objects.get_or_create(community=community, key=key)
    TicketSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db(fields=["last"])
    return f"{key}-{sequence.last:04d}"


def _lives_in(reporter: Person | None, reporter_user: User | None, unit: Unit) -> bool:
    if reporter_user is not None:
        return Unit.objects.of_user(reporter_user).filter(pk=unit.pk).exists()
    if reporter is None:
        return False
    today = timezone.localdate()
    return Unit.objects.filter(pk=unit.pk).filter(
        Q(ownerships__person=reporter) & (Q(ownerships__end__isnull=True) | Q(ownerships__end__gt=today))
        | Q(residencies__person=reporter, residencies__moved_out__isnull=True)).exists()


@transaction.atomic
def submit_ticket(
    community: Community, *, actor: User, kind: str, category: Category, title: str,
    description: str, priority: str | None = None, unit: Unit | None = None,
    building: Building | None = None, floor: int | None = None, location_text: str = "",
    preferred_from: dt.datetime | None = None, preferred_to: dt.datetime | None = None,
    photo_count: int = 0, channel: str = Channel.APP, reporter: Person | None = None,
    idempotency_key: str = "", now: dt.datetime | None = None,
) -> Ticket:
    """Submits a ticket — 提交工单 — for the actor himself or, by customer service, for an owner.

    Idempotent by ``idempotency_key`` per submitting account: a retry returns the first ticket.
    In-home tickets name a unit the reporter owns or lives in; common-area tickets name a
    building, floor and/or a description of the place.
    """
    require(actor, "tickets.submit", community=community)
    on_behalf = (reporter is not None and reporter.user_id != actor.pk) or channel in (
        Channel.PHONE, Channel.COUNTER)
    if on_behalf:
        require(actor, "tickets.submit_for_owner", community=community)
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 64:
        raise ValidationError({"idempotency_key": [_("幂等键最长 64 个字符")]})
    if idempotency_key:
        existing = Ticket.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.community_id != community.pk:
                raise ValidationError({"idempotency_key": [_("该幂等键已用于另一个小区的工单")]})
            return existing

    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in TicketKind.values:
        errors["kind"] = [_("请选择类型")]
    if category is None or category.community_id != community.pk or not category.is_active:
        errors["category"] = [_("请选择本小区有效的类别")]
    elif kind in TicketKind.values and category.kind != kind:
        errors["category"] = [_("类别与类型不符")]
    priority = priority or (category.default_priority if category is not None else Priority.NORMAL)
    if priority not in Priority.values:
        errors["priority"] = [_("优先级无效")]
    title, description = normalize_text(title or ""), (description or "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("标题最多 %(n)s 个字") % {"n": MAX_TITLE}]
    if not description:
        errors["description"] = [_("请描述问题")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("描述最多 %(n)s 个字") % {"n": MAX_DESCRIPTION}]
    if channel not in Channel.values:
        errors["channel"] = [_("渠道无效")]
    if isinstance(photo_count, bool) or not isinstance(photo_count, int) or not (
            0 <= photo_count <= MAX_PHOTOS):
        errors["photos"] = [_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}]
    if reporter is not None and reporter.community_id != community.pk:
        errors["reporter"] = [_("报事人不属于本小区")]
    if reporter is None and not on_behalf:
        reporter = Person.objects.in_community(community).filter(user=actor).order_by("pk").first()
    reporter_user = (reporter.user if reporter is not None and reporter.user_id else
                     (None if on_behalf else actor))
    location_text = normalize_text(location_text or "")
    if len(location_text) > 100:
        errors["location_text"] = [_("位置说明最多 100 个字")]
    if unit is not None:
        if building is not None or floor is not None:
            errors["unit"] = [_("请选择自家房屋或公共区域，不能同时选择")]
        elif unit.community_id != community.pk or not _lives_in(reporter, reporter_user, unit):
            errors["unit"] = [_("只能为本人名下或居住的房屋报事")]
    else:
        if building is not None and building.community_id != community.pk:
            errors["building"] = [_("楼栋不属于本小区")]
        if floor is not None and (isinstance(floor, bool) or not isinstance(floor, int)
                                  or not -10 <= floor <= 200):
            errors["floor"] = [_("楼层必须是 -10 到 200 之间的整数")]
        if building is None and not location_text:
            errors["location_text"] = [_("请选择楼栋或填写公共区域的位置")]
    if preferred_from and preferred_to and preferred_to <= preferred_from:
        errors["preferred_to"] = [_("预约结束时间应晚于开始时间")]
    if errors:
        raise ValidationError(errors)

    due = _due_times(targets_for(category, priority), now, sla.WorkCalendar.from_db())
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                community=community, number=_next_number(community, kind, now), kind=kind,
                category=category, priority=priority, channel=channel, title=title,
                description=description, reporter=reporter, reporter_user=reporter_user,
                created_by=actor, unit=unit, building=building, floor=floor,
                location_text=location_text, preferred_from=preferred_from,
                preferred_to=preferred_to, photo_count=photo_count,
                department=category.department, idempotency_key=idempotency_key,
                created_at=now, updated_at=now, **due)
    except IntegrityError:
        if idempotency_key:  # a concurrent retry won the race
            existing = Ticket.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    TicketEvent.objects.create(community=community, ticket=ticket, action=Action.SUBMIT,
                               to_status=ticket.status, actor=actor, actor_name=_actor_name(actor),
                               at=now, data={"channel": channel})
    audit.record(AuditEvent.Action.CREATE, ticket, actor=actor, summary=f"{ticket.number} {title}")
    location = None
    if unit is None:
        location = " ".join(p for p in (building.name if building else "",
                                         f"{floor}层" if floor is not None else "",
                                         location_text) if p)
    log.record(community, "tickets.ticket.submitted", ticket, time=now, public={
        **_facts(ticket), "status": str(ticket.status), "channel": str(channel),
        "location": location,
    }, private={"reporter_name": reporter.name if reporter is not None else None,
                "unit": unit.label if unit is not None else None})
    return ticket


# --- workflow steps ------------------------------------------------------------------------------

def _locked(ticket: Ticket) -> Ticket:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins below
    return (Ticket.objects.select_for_update(of=("self",))
            .select_related("category", "assignee__user", "department", "community")
            .get(pk=ticket.pk))


def _clean_note(note: str, *, required: bool, field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({field: [_("请填写原因")]})
    if len(note) > MAX_NOTE:
        raise ValidationError({field: [_("最多 %(n)s 个字") % {"n": MAX_NOTE}]})
    return note


def _step(ticket: Ticket, actor: User, action: str, *, note: str = "", is_public: bool = True,
          now: dt.datetime | None, changes=None, reason_required: bool = False,
          data: dict | None = None) -> Ticket:
    """Takes one row of the transition table: check, change, timeline, audit, log."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    row = workflow.transition_for(ticket, actor, action, now=now)
    note = _clean_note(note, required=reason_required)
    from_status = ticket.status
    to_status = workflow.target_status(row, ticket)
    fields = {"status": to_status, "updated_at": now}
    if changes is not None:
        fields.update(changes(ticket, now, note) or {})
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=list(fields))
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket, action=action,
                               from_status=from_status, to_status=to_status, actor=actor,
                               actor_name=_actor_name(actor), note=note, is_public=is_public,
                               at=now, data=data or {})
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
    })
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
    if (member is None or member.community_id != ticket.community_id or not member.is_active
            or member.role not in STAFF_ROLES):
        raise ValidationError({"to": [_("只能派给本小区在岗的工作人员")]})
    return member


@transaction.atomic
def dispatch_ticket(ticket: Ticket, *, to: Membership | User, actor: User, note: str = "",
                    now: dt.datetime | None = None) -> Ticket:
    """派单 (or 改派): gives the ticket to a staff member; the history keeps the earlier one."""
    if not can(actor, "tickets.dispatch", ticket):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    member = _assignable(ticket, to)
    previous = ticket.assignee

    def changes(t, now, _note):
        return {**_accepted(t, now), "assignee": member, "dispatched_at": now,
                "department": member.department or t.category.department or t.department}

    return _step(ticket, actor, Action.DISPATCH, note=note, now=now, changes=changes, data={
        "to": str(member.user), "job_number": member.job_number,
        "from": str(previous.user) if previous is not None else ""})


@transaction.atomic
def arrive_ticket(ticket: Ticket, *, actor: User, note: str = "",
                  now: dt.datetime | None = None) -> Ticket:
    """到场: the technician is on site (the arrive target)."""
    return _step(ticket, actor, Action.ARRIVE, note=note, now=now, changes=lambda t, now, _n: {
        "arrived_at": now, "met_arrive": _met(t.due_arrive, now)})


@transaction.atomic
def resolve_ticket(ticket: Ticket, *, actor: User, note: str = "",
                   now: dt.datetime | None = None) -> Ticket:
    """处理完成: the work is done (or the complaint answered); awaits the follow-up visit."""
    return _step(ticket, actor, Action.RESOLVE, note=note, now=now, changes=lambda t, now, _n: {
        "resolved_at": now, "met_resolve": _met(t.due_resolve, now)})


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
def mark_unresolvable(ticket: Ticket, *, actor: User, reason: str,
                      now: dt.datetime | None = None) -> Ticket:
    """无法解决, with a reason that is shown publicly (and put on the log)."""
    return _step(ticket, actor, Action.MARK_UNRESOLVABLE, note=reason, now=now,
                 reason_required=True, changes=lambda t, now, note: {
                     "closed_at": now, "public_reason": note, "paused_at": None})


@transaction.atomic
def reopen_ticket(ticket: Ticket, *, actor: User, reason: str,
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
                 changes=changes)


@transaction.atomic
def suspend_ticket(ticket: Ticket, *, actor: User, reason: str,
                   now: dt.datetime | None = None) -> Ticket:
    """挂起: waiting on the owner (not at home, parts to order ...); the SLA clock stops."""
    return _step(ticket, actor, Action.SUSPEND, note=reason, now=now, reason_required=True,
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


@transaction.atomic
def rate_ticket(ticket: Ticket, *, actor: User, rating: int, comment: str = "",
                now: dt.datetime | None = None) -> Ticket:
    """评价: the reporter rates the resolution 1–5; 2 or less goes back to the manager."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    if not (workflow.is_reporter(actor, ticket) or can(actor, "tickets.submit_for_owner", ticket)):
        raise PermissionDenied(_("只有报事人可以评价"))
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("评分应为 1 到 5 分")]
    comment = (comment or "").strip()
    if len(comment) > MAX_NOTE:
        errors["comment"] = [_("评价最多 %(n)s 个字") % {"n": MAX_NOTE}]
    if ticket.status not in RATABLE:
        errors["status"] = [_("工单处理完成后才能评价")]
    elif ticket.rated_at is not None and ticket.resolved_at and ticket.rated_at >= ticket.resolved_at:
        errors["rating"] = [_("已经评价过了")]
    if errors:
        raise ValidationError(errors)
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, now
    ticket.needs_manager_review = rating <= LOW_RATING
    ticket.updated_at = now
    ticket.save(update_fields=["rating", "rating_comment", "rated_at", "needs_manager_review",
                               "updated_at"])
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket,
                               action=Action.RATE, from_status=ticket.status,
                               to_status=ticket.status, actor=actor, actor_name=_actor_name(actor),
                               note=comment, is_public=True, at=now,
                               data={"rating": rating, "needs_manager_review":
                                     ticket.needs_manager_review})
    audit.record(AuditEvent.Action.UPDATE, ticket, actor=actor,
                 summary=f"{ticket.number} 评价 {rating} 分", changes={"rating": [None, str(rating)]})
    log.record(ticket.community, "tickets.ticket.rated", ticket, time=now, public={
        "number": ticket.number, "kind": str(ticket.kind), "category": ticket.category.name,
        "rating": rating}, private={"comment": comment or None})
    return ticket

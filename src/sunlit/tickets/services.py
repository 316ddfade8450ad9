"""Every change to a ticket: submission, each workflow step, rating.

Each service is ``@transaction.atomic``: it checks permission first (through
``workflow.transition_for``, which reads the transition table), locks the ticket row,
validates, writes the ticket with ``update_fields``, appends a ``TicketEvent`` to the
timeline, records the audit event and puts the state change on the transparency log, all in
the same transaction. Each returns the updated ticket (a fresh instance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, money, uploads
from sunlit.core.choices import STAFF_ROLES, DepartmentKind
from sunlit.core.models import AuditEvent, Community, Department, Membership, Person, Upload, User
from sunlit.core.permissions import can, require
from sunlit.core.validators import normalize_text
from sunlit.registry.models import Building, Unit
from sunlit.tickets import dispatch, notifications, sla, workflow
from sunlit.tickets.choices import (
    NUMBER_PREFIX,
    Action,
    Channel,
    EscalationLevel,
    Priority,
    QuoteStatus,
    SlaStep,
    TicketKind,
    TicketStatus,
)
from sunlit.tickets.models import (
    Category,
    Escalation,
    MaterialUse,
    Quote,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketPhoto,
    TicketSequence,
)
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


# --- photos --------------------------------------------------------------------------------------

def _photo_errors(community_id: int, actor: User, photos: Sequence[Upload]) -> list[str]:
    """What is wrong with the photos given to one step (``core.uploads`` checked the content
    and holds the rule of who may attach which upload)."""
    if isinstance(photos, (str, bytes)) or not isinstance(photos, Sequence):
        return [_("照片参数无效")]
    if len(photos) > MAX_PHOTOS:
        return [_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}]
    return uploads.attach_errors(actor, photos, community=community_id,
                                 purpose=uploads.TICKET_PHOTO)


def _attach_photos(ticket: Ticket, photos: Sequence[Upload], event: TicketEvent | None) -> None:
    TicketPhoto.objects.bulk_create([
        TicketPhoto(community_id=ticket.community_id, ticket=ticket, event=event, upload=photo,
                    position=position) for position, photo in enumerate(photos)])


def _photo_hashes(photos: Sequence[Upload]) -> list[str] | None:
    return [photo.sha256 for photo in photos] or None


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


def hourly_limit() -> int:
    return getattr(settings, "SUNLIT_TICKET_HOURLY_LIMIT", 20)


def _check_rate(actor: User, now: dt.datetime) -> None:
    """One account may not flood the desk: at most ``SUNLIT_TICKET_HOURLY_LIMIT`` of its own
    submissions in the hour before ``now`` (a retry with the same idempotency key is not a new
    submission and was answered before this check)."""
    limit = hourly_limit()
    if limit <= 0:
        return
    recent = Ticket.objects.filter(created_by=actor, created_at__gt=now - dt.timedelta(hours=1),
                                   created_at__lte=now).count()
    if recent >= limit:
        raise ValidationError({"__all__": [_(
            "提交过于频繁：每小时最多提交 %(n)s 个工单，请稍后再试；紧急情况请直接拨打物业服务电话"
        ) % {"n": limit}]})


@transaction.atomic
def submit_ticket(
    community: Community, *, actor: User, kind: str, category: Category, title: str,
    description: str, priority: str | None = None, unit: Unit | None = None,
    building: Building | None = None, floor: int | None = None, location_text: str = "",
    preferred_from: dt.datetime | None = None, preferred_to: dt.datetime | None = None,
    photos: Sequence[Upload] = (), channel: str = Channel.APP, reporter: Person | None = None,
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
    if not on_behalf:
        _check_rate(actor, now)
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
    photo_errors = _photo_errors(community.pk, actor, photos)
    if photo_errors:
        errors["photos"] = photo_errors
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
                preferred_to=preferred_to, photo_count=len(photos),
                department=category.department, idempotency_key=idempotency_key,
                created_at=now, updated_at=now, **due)
    except IntegrityError:
        if idempotency_key:  # a concurrent retry won the race
            existing = Ticket.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    event = TicketEvent.objects.create(community=community, ticket=ticket, action=Action.SUBMIT,
                                       to_status=ticket.status, actor=actor,
                                       actor_name=_actor_name(actor), at=now,
                                       data={"channel": channel})
    _attach_photos(ticket, photos, event)
    audit.record(AuditEvent.Action.CREATE, ticket, actor=actor, summary=f"{ticket.number} {title}")
    location = None
    if unit is None:
        location = " ".join(p for p in (building.name if building else "",
                                         f"{floor}层" if floor is not None else "",
                                         location_text) if p)
    log.record(community, "tickets.ticket.submitted", ticket, time=now, public={
        **_facts(ticket), "status": str(ticket.status), "channel": str(channel),
        "location": location, "photos": _photo_hashes(photos),
    }, private={"reporter_name": reporter.name if reporter is not None else None,
                "unit": unit.label if unit is not None else None})
    notifications.ticket_submitted(ticket)
    if category.auto_dispatch:  # by the system, when someone is eligible; else it waits
        member = dispatch.choose_assignee(ticket, at=now)
        if member is not None:
            ticket = _dispatch(ticket, member, None, _("自动派单"), now, automatic=True)
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


def _system_row(ticket: Ticket, action: str) -> workflow.Transition:
    for row in workflow.TRANSITIONS:
        if (row.from_status == ticket.status and row.action == action
                and (row.kinds is None or ticket.kind in row.kinds)):
            return row
    raise ValidationError({"status": [
        _("工单当前状态为“%(status)s”，不能%(action)s")
        % {"status": ticket.get_status_display(), "action": Action(action).label}]})


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
    ticket = _locked(ticket)
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
    member = dispatch.choose_assignee(_locked(ticket), at=now)
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


# --- quotes (报价) for chargeable in-home repairs -----------------------------------------------

QUOTABLE = frozenset({TicketStatus.DISPATCHED, TicketStatus.ON_SITE})


def _quote_items(items, amount: Decimal) -> list[dict]:
    if items is None or items == []:
        return []
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, Sequence) or len(items) > MAX_MATERIALS:
        raise ValidationError({"items": [_("报价明细格式无效")]})
    cleaned = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"items": [_("报价明细格式无效")]})
        name = normalize_text(str(item.get("name") or ""))
        if not name or len(name) > 60:
            raise ValidationError({"items": [_("第 %(n)s 项：请填写名称（最多 60 个字）") % {"n": number}]})
        cleaned.append({"name": name, "amount": parse_amount(item.get("amount", ""), field="items")})
    if sum((item["amount"] for item in cleaned), Decimal("0.00")) != amount:
        raise ValidationError({"items": [_("明细合计与报价金额不一致")]})
    return cleaned


@transaction.atomic
def propose_quote(ticket: Ticket, *, actor: User, amount, items: Sequence[dict] | None = None,
                  note: str = "", now: dt.datetime | None = None) -> Quote:
    """报价: the technician prices a chargeable in-home repair; the owner must accept it before
    the work is finished. A new quote supersedes one still pending."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    if not workflow.may_work(actor, ticket):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    if ticket.kind != TicketKind.REPAIR or ticket.unit_id is None:
        raise ValidationError({"status": [_("只有入户维修可以报价")]})
    if ticket.status not in QUOTABLE:
        raise ValidationError({"status": [_("派单后、完成前才能报价")]})
    amount = parse_amount(amount, field="amount", allow_zero=False)
    items = _quote_items(items, amount)
    note = _clean_note(note, required=False)
    current = latest_quote(ticket)
    if current is not None and current.status == QuoteStatus.ACCEPTED:
        raise ValidationError({"amount": [_("业主已同意报价，不能再改价")]})
    ticket.quotes.filter(status=QuoteStatus.PENDING).update(status=QuoteStatus.SUPERSEDED)
    quote = Quote.objects.create(community_id=ticket.community_id, ticket=ticket, amount=amount,
                                 items=[{"name": i["name"], "amount": str(i["amount"])} for i in items],
                                 note=note, created_by=actor, created_at=now)
    if not ticket.is_chargeable:
        ticket.is_chargeable, ticket.updated_at = True, now
        ticket.save(update_fields=["is_chargeable", "updated_at"])
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket, action=Action.QUOTE,
                               from_status=ticket.status, to_status=ticket.status, actor=actor,
                               actor_name=_actor_name(actor), note=note, at=now,
                               data={"quote": quote.pk, "amount": str(amount)})
    audit.record(AuditEvent.Action.CREATE, quote, actor=actor,
                 summary=f"{ticket.number} 报价 ¥{amount}")
    log.record(ticket.community, "tickets.quote.proposed", ticket, time=now, public={
        "number": ticket.number, "category": ticket.category.name, "amount": amount,
        "items": quote.items or None})
    notifications.quote_proposed(ticket, quote)
    return quote


def _decide_quote(quote: Quote, actor: User, accepted: bool, note: str, now) -> Quote:
    now = now or timezone.now()
    ticket = _locked(quote.ticket)
    # a charge is the owner's decision: the company never accepts (or declines) it for him
    if not workflow.is_reporter(actor, ticket):
        raise PermissionDenied(_("只有报事人本人可以确认报价"))
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != QuoteStatus.PENDING:
        raise ValidationError({"status": [_("该报价已处理或已被新报价取代")]})
    if ticket.status not in QUOTABLE:
        raise ValidationError({"status": [_("工单当前状态不能确认报价")]})
    note = _clean_note(note, required=False)
    quote.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.REJECTED
    quote.decided_by, quote.decided_at, quote.decision_note = actor, now, note
    quote.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    action = Action.ACCEPT_QUOTE if accepted else Action.REJECT_QUOTE
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    TicketEvent.objects.create(community_id=ticket.community_id, ticket=ticket, action=action,
                               from_status=ticket.status, to_status=ticket.status, actor=actor,
                               actor_name=_actor_name(actor), note=note, at=now,
                               data={"quote": quote.pk, "amount": str(quote.amount)})
    audit.record(AuditEvent.Action.UPDATE, quote, actor=actor,
                 summary=f"{ticket.number} {Action(action).label} ¥{quote.amount}",
                 changes={"status": [QuoteStatus.PENDING, quote.status]})
    log.record(ticket.community, "tickets.quote.decided", ticket, time=now, public={
        "number": ticket.number, "amount": quote.amount, "decision": str(quote.status)})
    notifications.quote_decided(ticket, quote)
    return quote


@transaction.atomic
def accept_quote(quote: Quote, *, actor: User, note: str = "",
                 now: dt.datetime | None = None) -> Quote:
    """同意报价: the reporter accepts the price, in his own account — never customer service on
    his behalf (docs/security.md, rule a)."""
    return _decide_quote(quote, actor, True, note, now)


@transaction.atomic
def reject_quote(quote: Quote, *, actor: User, note: str = "",
                 now: dt.datetime | None = None) -> Quote:
    """拒绝报价: the work is not done at that price; the technician may quote again, or the
    ticket is finished without charge or marked 无法解决."""
    return _decide_quote(quote, actor, False, note, now)


@transaction.atomic
def rate_ticket(ticket: Ticket, *, actor: User, rating: int, comment: str = "",
                now: dt.datetime | None = None) -> Ticket:
    """评价: the reporter rates the resolution 1–5; 2 or less goes back to the manager."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    # the company never rates its own service for an owner
    if not workflow.is_reporter(actor, ticket):
        raise PermissionDenied(_("只有报事人本人可以评价"))
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
    notifications.ticket_rated(ticket)
    return ticket


# --- escalation (超时提醒与升级) -------------------------------------------------------------------

WARN_AT = Decimal("0.8")  # of a target's time used: the assignee is warned
ESCALATION_HORIZON = dt.timedelta(days=10)  # a due time further away cannot be at 80 % yet
LEVELS = (EscalationLevel.WARN, EscalationLevel.BREACH, EscalationLevel.COMPANY)


def escalation_level(due: dt.datetime, target: sla.Target, now: dt.datetime,
                     calendar: sla.WorkCalendar) -> str | None:
    """How late a promised time is at ``now``, counted in its own calendar: 80 % of the target
    used → warn; past due → breach; late by the whole target again (twice the target) →
    company. None while less than 80 % is used."""
    if now > due:
        late = sla.minutes_between(due, now, target.calendar, calendar=calendar)
        return EscalationLevel.COMPANY if late >= target.minutes else EscalationLevel.BREACH
    left = sla.minutes_between(now, due, target.calendar, calendar=calendar)
    if left <= target.minutes * (1 - WARN_AT):
        return EscalationLevel.WARN
    return None


def escalation_candidates(now: dt.datetime):
    """Open, running tickets with an unkept promised time within the horizon."""
    horizon = now + ESCALATION_HORIZON
    due_soon = Q()
    for step in SlaStep.values:
        due_soon |= Q(**{f"due_{step}__lte": horizon, f"met_{step}__isnull": True})
    return (Ticket.objects.open().filter(paused_at__isnull=True).filter(due_soon)
            .select_related("category", "community", "assignee__user", "department")
            .order_by("pk"))


@transaction.atomic
def _escalate(ticket: Ticket, step: str, level: str, due: dt.datetime, *, notify: bool,
              now: dt.datetime) -> Escalation | None:
    """Claims one (ticket, step, level, due) by inserting its row; None if already claimed."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(community_id=ticket.community_id, ticket=ticket,
                                                   step=step, level=level, due=due, at=now)
    except IntegrityError:
        return None
    if not notify:
        return escalation
    step_label = SlaStep(step).label
    people = notifications.escalated(ticket, step_label, level)
    escalation.notified = [person.pk for person in people]
    escalation.save(update_fields=["notified"])
    label = EscalationLevel(level).label
    TicketEvent.objects.create(
        community_id=ticket.community_id, ticket=ticket, action=Action.ESCALATE,
        from_status=ticket.status, to_status=ticket.status, actor=None, actor_name=_("系统"),
        note=_("%(step)s时限%(level)s") % {"step": step_label, "level": label},
        is_public=level != EscalationLevel.WARN, at=now,
        data={"step": step, "level": level, "due": due.isoformat(), "notified": len(people)})
    department = ticket.department
    log.record(ticket.community, "tickets.ticket.escalated", ticket, time=now, public={
        "number": ticket.number, "kind": str(ticket.kind), "category": ticket.category.name,
        "step": step, "level": level, "due": due, **_assignee_facts(ticket),
        "department": department.name if department is not None else None})
    return escalation


def run_escalations(*, now: dt.datetime | None = None) -> list[Escalation]:
    """One pass of the schedule: warns assignees at 80 % of a target, escalates to the manager
    at the breach and to the company at twice the target. Each level is sent once per due time
    (a pause or a reopening moves the due time and arms the levels again); a ticket that skipped
    a level (the worker was down) gets only the highest one, the lower ones are marked as passed.
    Safe to run from several workers at once."""
    now = now or timezone.now()
    calendar = sla.WorkCalendar.from_db()
    targets: dict[tuple[int, str], sla.Targets] = {}
    sent: list[Escalation] = []
    for ticket in escalation_candidates(now).iterator(chunk_size=500):
        key = (ticket.category_id, ticket.priority)
        if key not in targets:
            targets[key] = targets_for(ticket.category, ticket.priority)
        for step in SlaStep.values:
            due, target = getattr(ticket, f"due_{step}"), getattr(targets[key], step)
            if due is None or target is None or getattr(ticket, f"met_{step}") is not None:
                continue
            level = escalation_level(due, target, now, calendar)
            if level is None:
                continue
            reached = LEVELS[:LEVELS.index(level) + 1]
            for lower in reached[:-1]:
                _escalate(ticket, step, lower, due, notify=False, now=now)
            escalation = _escalate(ticket, step, level, due, notify=True, now=now)
            if escalation is not None:
                sent.append(escalation)
    return sent

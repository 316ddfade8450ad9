"""How a community's ticket desk is set up: categories, promised times, skills, the duty roster.

The verbs follow ``services.py``: permission ``tickets.manage`` first, ``@transaction.atomic``,
validation into a ``ValidationError`` of field → [Chinese message], the audit trail. Promised
times (服务时限) are public — owners judge the company by them — so every change of an SLA
target is also a fact on the transparency log (``tickets.category.sla_set``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.choices import STAFF_ROLES
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, Department, Membership, User
from sunlit.core.permissions import require
from sunlit.core.validators import normalize_text
from sunlit.tickets import services, sla
from sunlit.tickets.choices import Priority, SlaCalendar, TicketKind
from sunlit.tickets.models import Category, Shift, Skill, SlaTarget
from sunlit.transparency import services as log

MAX_NAME = 30
MAX_TARGET_MINUTES = 366 * 24 * 60  # a promise of more than a year is a typing mistake
MAX_SHIFT = dt.timedelta(hours=24)
STEPS = ("accept", "arrive", "resolve")


def _require_manage(actor: User, community) -> None:
    require(actor, "tickets.manage", community=community)


# --- categories --------------------------------------------------------------------------------

def _category_errors(community_id: int, *, name: str, department: Department | None,
                     default_priority: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写名称")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("名称最多 %(n)s 个字") % {"n": MAX_NAME}]
    if department is not None and (not isinstance(department, Department)
                                   or department.community_id != community_id):
        errors["department"] = [_("请选择本小区的部门")]
    if default_priority not in Priority.values:
        errors["default_priority"] = [_("优先级无效")]
    return errors


def _flag(value, field: str, errors: dict) -> bool:
    if not isinstance(value, bool):
        errors[field] = [_("必须是 true 或 false")]
        return False
    return value


@transaction.atomic
def create_category(community: Community, *, actor: User, kind: str, name: str,
                    department: Department | None = None,
                    default_priority: str = Priority.NORMAL, is_active: bool = True,
                    auto_dispatch: bool = False) -> Category:
    """Adds a category (工单类别) to a community."""
    _require_manage(actor, community)
    name = normalize_text(name or "")
    errors = _category_errors(community.pk, name=name, department=department,
                              default_priority=default_priority)
    if kind not in TicketKind.values:
        errors["kind"] = [_("请选择类型")]
    is_active = _flag(is_active, "is_active", errors)
    auto_dispatch = _flag(auto_dispatch, "auto_dispatch", errors)
    if not errors and Category.objects.in_community(community).filter(kind=kind, name=name).exists():
        errors["name"] = [_("该类型下已有同名类别")]
    if errors:
        raise ValidationError(errors)
    last = Category.objects.in_community(community).order_by("-sort_key").first()
    category = Category.objects.create(
        community=community, kind=kind, name=name, department=department,
        default_priority=default_priority, is_active=is_active, auto_dispatch=auto_dispatch,
        sort_key=(last.sort_key + 1) if last is not None else 0)
    audit.record(AuditEvent.Action.CREATE, category, actor=actor,
                 summary=f"工单类别 {category.get_kind_display()}·{name}")
    return category


@transaction.atomic
def update_category(category: Category, *, actor: User, name: str,
                    department: Department | None, default_priority: str, is_active: bool,
                    auto_dispatch: bool) -> Category:
    """Changes a category's name, department, default priority and switches. The kind stays:
    the tickets filed under it keep their kind."""
    _require_manage(actor, category.community_id)
    category = locked(category)
    name = normalize_text(name or "")
    errors = _category_errors(category.community_id, name=name, department=department,
                              default_priority=default_priority)
    is_active = _flag(is_active, "is_active", errors)
    auto_dispatch = _flag(auto_dispatch, "auto_dispatch", errors)
    if not errors and (Category.objects.in_community(category.community_id)
                       .filter(kind=category.kind, name=name).exclude(pk=category.pk).exists()):
        errors["name"] = [_("该类型下已有同名类别")]
    if errors:
        raise ValidationError(errors)
    data = {"name": name, "department": department, "default_priority": default_priority,
            "is_active": is_active, "auto_dispatch": auto_dispatch}
    changes = audit.diff(category, data)
    if not changes:
        return category
    for field, value in data.items():
        setattr(category, field, value)
    category.save(update_fields=list(data))
    audit.record(AuditEvent.Action.UPDATE, category, actor=actor,
                 summary=f"工单类别 {category.get_kind_display()}·{name}", changes=changes)
    return category


# --- promised times ----------------------------------------------------------------------------

def _target_errors(values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for step in STEPS:
        minutes, calendar = values[f"{step}_minutes"], values[f"{step}_calendar"]
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
            errors[f"{step}_minutes"] = [_("必须是整数（分钟）")]
        elif minutes is not None and not 1 <= minutes <= MAX_TARGET_MINUTES:
            errors[f"{step}_minutes"] = [_("应在 1 到 %(n)s 分钟之间") % {"n": MAX_TARGET_MINUTES}]
        if calendar not in SlaCalendar.values:
            errors[f"{step}_calendar"] = [_("计时方式无效")]
    return errors


def _sla_facts(category: Category, priority: str, targets: sla.Targets, *, defaults: bool) -> dict:
    facts = {"category": category.name, "kind": str(category.kind), "priority": str(priority),
             "defaults": defaults}
    for step in STEPS:
        target = getattr(targets, step)
        facts[f"{step}_minutes"] = target.minutes if target is not None else None
        facts[f"{step}_calendar"] = str(target.calendar) if target is not None else None
    return facts


@transaction.atomic
def set_sla_target(category: Category, priority: str, *, actor: User,
                   accept_minutes: int | None, accept_calendar: str = SlaCalendar.ALWAYS,
                   arrive_minutes: int | None, arrive_calendar: str = SlaCalendar.ALWAYS,
                   resolve_minutes: int | None, resolve_calendar: str = SlaCalendar.WORKING,
                   now: dt.datetime | None = None) -> SlaTarget:
    """Sets the promised times (服务时限) of a category at one priority; empty minutes mean
    nothing is promised for that step. Applies to tickets submitted from now on. On the log."""
    _require_manage(actor, category.community_id)
    category = locked(category, "community")
    values = {"accept_minutes": accept_minutes, "accept_calendar": accept_calendar,
              "arrive_minutes": arrive_minutes, "arrive_calendar": arrive_calendar,
              "resolve_minutes": resolve_minutes, "resolve_calendar": resolve_calendar}
    errors = _target_errors(values)
    if priority not in Priority.values:
        errors["priority"] = [_("优先级无效")]
    if errors:
        raise ValidationError(errors)
    row = SlaTarget.objects.filter(category=category, priority=priority).first()
    if row is None:
        row = SlaTarget.objects.create(community_id=category.community_id, category=category,
                                       priority=priority, **values)
        changes = {k: [None, None if v is None else str(v)] for k, v in values.items()}
    else:
        changes = audit.diff(row, values)
        if not changes:
            return row
        for field, value in values.items():
            setattr(row, field, value)
        row.save(update_fields=list(values))
    audit.record(AuditEvent.Action.UPDATE, category, actor=actor,
                 summary=f"服务时限 {category.name}·{Priority(priority).label}", changes=changes)
    log.record(category.community, "tickets.category.sla_set", category, time=now or timezone.now(),
               public=_sla_facts(category, priority, services.targets_for(category, priority),
                                 defaults=False))
    return row


@transaction.atomic
def reset_sla_target(category: Category, priority: str, *, actor: User,
                     now: dt.datetime | None = None) -> None:
    """Goes back to the default promised times (``sla.DEFAULT_TARGETS``). On the log."""
    _require_manage(actor, category.community_id)
    category = locked(category, "community")
    if priority not in Priority.values:
        raise ValidationError({"priority": [_("优先级无效")]})
    deleted, _rows = SlaTarget.objects.filter(category=category, priority=priority).delete()
    if not deleted:
        return
    audit.record(AuditEvent.Action.DELETE, category, actor=actor,
                 summary=f"服务时限恢复默认 {category.name}·{Priority(priority).label}")
    log.record(category.community, "tickets.category.sla_set", category, time=now or timezone.now(),
               public=_sla_facts(category, priority, sla.default_targets(category.kind, priority),
                                 defaults=True))


@transaction.atomic
def save_sla_targets(category: Category, targets: dict[str, dict | None], *, actor: User,
                     now: dt.datetime | None = None) -> None:
    """Sets several priorities at once (the category page): ``targets[priority]`` is the
    keyword arguments of ``set_sla_target``, or None for the defaults. All or nothing; errors
    come back as ``"<priority>-<field>"``."""
    _require_manage(actor, category.community_id)
    errors: dict[str, list[str]] = {}
    for priority, values in targets.items():
        try:
            with transaction.atomic():
                if values is None:
                    reset_sla_target(category, priority, actor=actor, now=now)
                else:
                    set_sla_target(category, priority, actor=actor, now=now, **values)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{priority}-{field}"] = messages
    if errors:
        raise ValidationError(errors)


# --- skills and the duty roster ---------------------------------------------------------------

def _staff_member(member: Membership, community_id: int | None = None) -> None:
    if (not isinstance(member, Membership) or not member.is_active
            or member.role not in STAFF_ROLES
            or (community_id is not None and member.community_id != community_id)):
        raise ValidationError({"member": [_("请选择本小区在岗的工作人员")]})


@transaction.atomic
def set_skills(member: Membership, categories: Iterable[Category], *, actor: User) -> list[Skill]:
    """The categories a staff member handles (技能), replacing the earlier list; auto-dispatch
    picks among the members with the ticket's category."""
    _require_manage(actor, member.community_id)
    _staff_member(member)
    member = locked(member)
    categories = list(categories)
    if any(not isinstance(c, Category) or c.community_id != member.community_id
           for c in categories):
        raise ValidationError({"categories": [_("请选择本小区的类别")]})
    wanted = {c.pk: c for c in categories}
    present = {s.category_id: s for s in Skill.objects.filter(member=member)}
    removed = [pk for pk in present if pk not in wanted]
    added = [pk for pk in wanted if pk not in present]
    if removed:
        Skill.objects.filter(member=member, category_id__in=removed).delete()
    if added:
        Skill.objects.bulk_create([Skill(community_id=member.community_id, member=member,
                                         category_id=pk) for pk in added])
    if removed or added:
        names = {c.pk: c.name for c in Category.objects.filter(pk__in=[*removed, *added])}
        audit.record(AuditEvent.Action.UPDATE, member, actor=actor,
                     summary=f"技能 {member.user}", changes={
                         "added": [names[pk] for pk in added], "removed": [names[pk] for pk in removed]})
    return list(Skill.objects.filter(member=member).select_related("category"))


@transaction.atomic
def add_shift(member: Membership, *, actor: User, starts_at: dt.datetime, ends_at: dt.datetime,
              note: str = "") -> Shift:
    """Puts a staff member on duty (排班) from ``starts_at`` to ``ends_at`` (at most 24 hours;
    may run past midnight). One member's shifts never overlap."""
    _require_manage(actor, member.community_id)
    _staff_member(member)
    # The member's row is the lock that keeps two overlapping shifts from being added at once.
    member = locked(member, "user")
    note = normalize_text(note or "")
    errors: dict[str, list[str]] = {}
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            errors[field] = [_("请填写完整的日期和时间")]
    if len(note) > 100:
        errors["note"] = [_("备注最多 100 个字")]
    if not errors:
        if ends_at <= starts_at:
            errors["ends_at"] = [_("结束时间应晚于开始时间")]
        elif ends_at - starts_at > MAX_SHIFT:
            errors["ends_at"] = [_("一个班次最长 24 小时")]
    if not errors:
        clash = (Shift.objects.filter(member=member, starts_at__lt=ends_at, ends_at__gt=starts_at)
                 .order_by("starts_at").first())
        if clash is not None:
            local = timezone.localtime
            errors["starts_at"] = [_("与已有班次重叠：%(start)s–%(end)s") % {
                "start": f"{local(clash.starts_at):%m-%d %H:%M}",
                "end": f"{local(clash.ends_at):%m-%d %H:%M}"}]
    if errors:
        raise ValidationError(errors)
    shift = Shift.objects.create(community_id=member.community_id, member=member,
                                 starts_at=starts_at, ends_at=ends_at, note=note)
    audit.record(AuditEvent.Action.CREATE, shift, actor=actor,
                 summary=f"排班 {member.user} {timezone.localtime(starts_at):%Y-%m-%d %H:%M}–"
                         f"{timezone.localtime(ends_at):%H:%M}")
    return shift


@transaction.atomic
def delete_shift(shift: Shift, *, actor: User) -> None:
    """Takes a shift off the roster."""
    _require_manage(actor, shift.community_id)
    shift = locked(shift, "member__user")
    audit.record(AuditEvent.Action.DELETE, shift, actor=actor,
                 summary=f"删除排班 {shift.member.user} "
                         f"{timezone.localtime(shift.starts_at):%Y-%m-%d %H:%M}")
    shift.delete()

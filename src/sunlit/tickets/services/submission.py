"""Submitting a ticket (报修、投诉、建议、咨询): numbering, who may report for which home, the hourly limit,
automatic dispatch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, numbering
from sunlit.core.models import AuditEvent, Community, Person, Upload, User
from sunlit.core.permissions import require
from sunlit.core.validators import clean_prose
from sunlit.registry.models import Building, Unit
from sunlit.tickets import dispatch, notifications, sla
from sunlit.tickets.choices import (
    NUMBER_PREFIX,
    Action,
    Channel,
    Priority,
    TicketKind,
)
from sunlit.tickets.models import (
    Category,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from sunlit.tickets.services.base import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    _actor_name,
    _attach_photos,
    _due_times,
    _facts,
    _photo_errors,
    _photo_hashes,
    targets_for,
)
from sunlit.tickets.services.steps import _dispatch
from sunlit.transparency import services as log

# --- submission ----------------------------------------------------------------------------------

def _next_number(community: Community, kind: str, now: dt.datetime) -> str:
    key = f"{NUMBER_PREFIX[kind]}-{timezone.localtime(now):%Y%m%d}"
    [n] = numbering.reserve(TicketSequence, community, key)
    return f"{key}-{n:04d}"


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
    title, description = clean_prose(title or ""), (description or "").strip()
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
    location_text = clean_prose(location_text or "")
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

"""Escalation (超时提醒与升级): a promised time at 80 %, breached, and escalated to the company."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.tickets import notifications, sla
from sunlit.tickets.choices import (
    Action,
    EscalationLevel,
    SlaStep,
)
from sunlit.tickets.models import (
    Escalation,
    Ticket,
    TicketEvent,
)
from sunlit.tickets.services.base import _assignee_facts, targets_for
from sunlit.transparency import services as log

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

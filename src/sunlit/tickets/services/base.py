"""What every ticket service shares: limits, promised times, the facts a log leaf and the timeline
carry, photos, the locked row and the state refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sunlit.core import uploads
from sunlit.core.models import Upload, User
from sunlit.tickets import sla, workflow
from sunlit.tickets.choices import (
    Action,
    TicketStatus,
)
from sunlit.tickets.models import (
    Category,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketPhoto,
)

MAX_PHOTOS = 9
MAX_TITLE = 60
MAX_DESCRIPTION = 2000
MAX_NOTE = 500
RATABLE = frozenset({TicketStatus.RESOLVED, TicketStatus.FOLLOWED_UP, TicketStatus.ARCHIVED})
LOW_RATING = 2


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


# what a step reads with the locked ticket (read, not locked: core.locking.locked)
TICKET_RELATED = ("category", "assignee__user", "department", "community")


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

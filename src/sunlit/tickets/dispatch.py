"""Automatic dispatch — 自动派单: category → department → a technician on duty, with the
skill, and with the fewest open tickets.

The choice is a pure read; ``services.auto_dispatch_ticket`` takes it. Candidates are active
technicians of the ticket's community, in the category's department when it has one; when
anyone in that set has the category as a skill, only those. Of them, only the ones on duty now
(a ``Shift`` covering the moment) are eligible. Ties on the open load go to whoever was given a
ticket least recently, then to the lower membership id, so the pick is deterministic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from sunlit.core.choices import Role
from sunlit.core.models import Membership
from sunlit.tickets.choices import OPEN_WORK_STATUSES
from sunlit.tickets.models import Shift, Skill, Ticket


@dataclass(frozen=True)
class Candidate:
    member: Membership
    open_load: int
    last_assigned: dt.datetime | None
    has_skill: bool


def candidates(ticket: Ticket, *, at: dt.datetime) -> list[Candidate]:
    """The eligible staff for ``ticket`` at ``at``, best first."""
    members = (Membership.objects.in_community(ticket.community_id).active()
               .filter(role=Role.TECHNICIAN, user__is_active=True))
    department_id = ticket.category.department_id or ticket.department_id
    if department_id is not None:
        members = members.filter(department_id=department_id)
    skilled = set(Skill.objects.filter(category_id=ticket.category_id, member__in=members)
                  .values_list("member_id", flat=True))
    if skilled:
        members = members.filter(pk__in=skilled)
    on_duty = Shift.objects.in_community(ticket.community_id).on_duty(at).values("member_id")
    members = (members.filter(pk__in=on_duty).select_related("user", "department")
               .annotate(load=Count("assigned_tickets",
                                    filter=Q(assigned_tickets__status__in=OPEN_WORK_STATUSES)),
                         last=Max("assigned_tickets__dispatched_at")))
    found = [Candidate(member, member.load, member.last, member.pk in skilled) for member in members]
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    found.sort(key=lambda c: (c.open_load, c.last_assigned or never, c.member.pk))
    return found


def choose_assignee(ticket: Ticket, *, at: dt.datetime) -> Membership | None:
    """The technician automatic dispatch gives ``ticket`` to at ``at``, or None."""
    found = candidates(ticket, at=at)
    return found[0].member if found else None

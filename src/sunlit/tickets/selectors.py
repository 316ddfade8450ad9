"""Read queries of the tickets app that more than one caller uses (queue page, task list, API).

The queue counts down to ``Ticket.next_due()``. With 100,000 tickets in a community the page
cannot compute that in Python, so ``with_next_due`` writes the same rule as SQL: the earliest
due time whose step is not yet kept, NULL for closed tickets. Sorting and the SLA-risk filter
then run in the database on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Least, NullIf
from django.db.models.lookups import GreaterThanOrEqual

from sunlit.core.choices import STAFF_ROLES, Role
from sunlit.core.models import Community, Membership, User
from sunlit.tickets.choices import CLOSED_STATUSES, Action, TicketStatus
from sunlit.tickets.models import Ticket, TicketEvent

# Stands in for "no promise" inside LEAST(): SQLite's MIN() is NULL as soon as one argument is.
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
STEPS = ("accept", "arrive", "resolve")

# What the technician still has to do: dispatched to him, on site, paused, or reopened.
TASK_STATUSES = (TicketStatus.DISPATCHED, TicketStatus.ON_SITE, TicketStatus.SUSPENDED,
                 TicketStatus.REOPENED, TicketStatus.ACCEPTED)


def _unmet(step: str, prefix: str = "") -> Case:
    return Case(
        When(Q(**{f"{prefix}met_{step}__isnull": True, f"{prefix}due_{step}__isnull": False}),
             then=F(f"{prefix}due_{step}")),
        default=Value(FAR_FUTURE), output_field=DateTimeField())


def next_due_expression(prefix: str = "") -> Case:
    """SQL for ``Ticket.next_due()`` — the earliest unkept promised time — NULL when closed.
    ``prefix`` reaches the ticket through a relation (``"ticket__"`` from its events)."""
    earliest = NullIf(Least(*(_unmet(step, prefix) for step in STEPS)),
                      Value(FAR_FUTURE, output_field=DateTimeField()))
    return Case(When(**{f"{prefix}status__in": CLOSED_STATUSES}, then=Value(None)),
                default=earliest, output_field=DateTimeField())


def with_next_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotates ``next_due_at`` (not ``next_due``, which would hide the model's method)."""
    return tickets.annotate(next_due_at=next_due_expression())


def by_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets with ``next_due_at``, the most urgent first; those without a promise last."""
    return with_next_due(tickets).order_by(F("next_due_at").asc(nulls_last=True), "pk")


def for_list(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a list row shows, in one query."""
    return tickets.select_related("category", "assignee__user", "unit__building", "building",
                                  "department", "community")


def in_order(ids: list[int], tickets: QuerySet[Ticket]) -> list[Ticket]:
    """The rows of ``ids`` from ``tickets``, in the order of ``ids``.

    Lists page in two steps: the filtered, sorted query selects only the ids of one page, then
    the rows are read with their joins. Sorting 100,000 tickets by ``next_due_at`` is cheap;
    sorting them joined to categories, units, buildings and staff first is not (PostgreSQL
    joins every row before the top-N sort).
    """
    rows = {ticket.pk: ticket for ticket in tickets.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def queue(community: Community) -> QuerySet[Ticket]:
    """The dispatcher's queue of one community, by next due time."""
    return for_list(by_due(Ticket.objects.in_community(community)))


def tasks_of(user: User, community: Community) -> QuerySet[Ticket]:
    """A technician's own open tickets in one community, by next due time."""
    return for_list(by_due(Ticket.objects.in_community(community)
                           .filter(assignee__user=user, status__in=TASK_STATUSES)))


def awaiting_follow_up(community: Community) -> QuerySet[Ticket]:
    """待回访: resolved, waiting for customer service to call the reporter; oldest first."""
    return (for_list(Ticket.objects.in_community(community).filter(status=TicketStatus.RESOLVED))
            .select_related("reporter").order_by("resolved_at", "pk"))


def low_ratings(community: Community) -> QuerySet[Ticket]:
    """Rated 2 or less: the manager reviews them (``needs_manager_review``)."""
    return (for_list(Ticket.objects.in_community(community).filter(needs_manager_review=True))
            .select_related("reporter").order_by("-rated_at", "-pk"))


def assignable_members(community: Community) -> QuerySet[Membership]:
    """Staff members a ticket may be given to: technicians first, then by name."""
    return (Membership.objects.in_community(community).active().filter(role__in=STAFF_ROLES)
            .exclude(role=Role.FINANCE).select_related("user", "department")
            .annotate(technician_first=Case(When(role=Role.TECHNICIAN, then=Value(0)),
                                            default=Value(1)))
            .order_by("technician_first", "department__name", "user__display_name", "pk"))


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def _four_fifths_used(due, start, now: dt.datetime) -> Q:
    """``due − now ≤ (due − start) / 5``, written without dividing a duration (SQLite)."""
    return Q(GreaterThanOrEqual(
        _duration(due - start),
        _duration(_duration(due - Value(now, output_field=DateTimeField())) * Value(5))))


def _reopened_at_risk(now: dt.datetime):
    """Reopened tickets at 80 %: their promises count from the last reopening, an event. One
    grouped subquery over the reopen events (a correlated one per ticket makes PostgreSQL's
    planner estimate — and JIT-compile — a query over every ticket of the community)."""
    return (TicketEvent.objects.filter(action=Action.REOPEN, ticket__reopened_count__gt=0)
            .exclude(ticket__status__in=CLOSED_STATUSES)
            .values("ticket_id")
            .annotate(start=Max("at"), due=next_due_expression("ticket__"))
            .filter(due__gte=now)
            .filter(_four_fifths_used(F("due"), F("start"), now))
            .values("ticket_id"))


def risk_condition(risk: str, now: dt.datetime) -> Q:
    """The SLA-risk filter as a condition on a queryset annotated by ``with_next_due``.

    ``overdue``: a promise is broken now; ``due_1h``: the next one falls due within the hour;
    ``warn_80``: 80 % of the time to the next due time is used up (wall clock, as the
    countdown shows it; counted from submission, or from the last reopening) and it is not yet
    overdue; ``met``: resolved with every promise kept; ``missed``: at least one promise was
    broken; ``paused``: suspended, the clock stands.
    """
    running = Q(paused_at__isnull=True, next_due_at__isnull=False)
    if risk == "overdue":
        return running & Q(next_due_at__lt=now)
    if risk == "due_1h":
        return running & Q(next_due_at__gte=now, next_due_at__lt=now + dt.timedelta(hours=1))
    if risk == "warn_80":
        fresh = Q(reopened_count=0) & _four_fifths_used(F("next_due_at"), F("created_at"), now)
        reopened = Q(reopened_count__gt=0, pk__in=_reopened_at_risk(now))
        return running & Q(next_due_at__gte=now) & (fresh | reopened)
    if risk == "met":
        return (Q(met_resolve=True) & ~Q(met_accept=False) & ~Q(met_arrive=False))
    if risk == "missed":
        return Q(met_accept=False) | Q(met_arrive=False) | Q(met_resolve=False)
    if risk == "paused":
        return Q(paused_at__isnull=False) & ~Q(status__in=CLOSED_STATUSES)
    raise ValueError(risk)

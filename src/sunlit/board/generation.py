"""Board generation: a pure function of the tickets as they stood at the end of one week.

Weeks run Monday 00:00 → next Monday 00:00 in Asia/Shanghai. ``build(community, week_start)``
reads the database and returns the generated part of a board — statistics, repeated problems,
the department ranking and one ``ItemDraft`` per ticket — without writing anything. Everything
is computed "as of the week's end": a ticket's status is the last state its timeline reached
before Monday 00:00, a promise is kept/missed only if it was kept or fell due by then, a rating
counts only if it was given by then; so generating a past week again gives the same board.

Which tickets: every ticket raised in the week (本周新问题), and every earlier one not closed
when the week began (老问题) — carried forward week after week until the week it is closed in,
where it appears one last time with its outcome.

Numbers are JSON without floats (the content is hashed as RFC 8785 canonical JSON): minutes
are integers (nearest-rank median and p90), rates and averages are decimal strings.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import translation

from sunlit.board.choices import ItemStatus, Section
from sunlit.core.masking import mask_text, roster_names
from sunlit.core.models import Community
from sunlit.tickets.choices import Action, TicketKind, TicketStatus
from sunlit.tickets.models import Ticket, TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMAT_VERSION = 1
HISTORY_WEEKS = 4
REPEAT_THRESHOLD = 3  # same place and category at least 3 times in 4 weeks
SUMMARY_LENGTH = 120

STATUS_OF = {
    TicketStatus.RESOLVED: ItemStatus.RESOLVED,
    TicketStatus.FOLLOWED_UP: ItemStatus.RESOLVED,
    TicketStatus.ARCHIVED: ItemStatus.RESOLVED,
    TicketStatus.UNRESOLVABLE: ItemStatus.UNRESOLVABLE,
    TicketStatus.WITHDRAWN: ItemStatus.WITHDRAWN,
}
CLOSED = (TicketStatus.ARCHIVED, TicketStatus.WITHDRAWN, TicketStatus.UNRESOLVABLE)
STEPS = (("accept", "受理", "accepted_at"), ("arrive", "到场", "arrived_at"),
         ("resolve", "办结", "resolved_at"))


# --- weeks ---------------------------------------------------------------------------------------

def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) in Asia/Shanghai, as aware datetimes."""
    start = dt.datetime.combine(week_start, dt.time(0), tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=7)


def last_complete_week(now: dt.datetime) -> dt.date:
    """The Monday of the last week that has ended at ``now``."""
    return monday_of(now.astimezone(SHANGHAI).date()) - dt.timedelta(days=7)


def local(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# --- numbers -------------------------------------------------------------------------------------

def percentile(values: list[int], pct: int) -> int | None:
    """Nearest-rank percentile (an observed value, an integer: no interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)), 1) - 1]


def ratio(part: int, whole: int) -> str | None:
    """A percentage with one decimal place, as text: 2/3 → "66.7"."""
    if not whole:
        return None
    return str((Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def mean(values: list[int | Decimal], places: str = "0.01") -> str | None:
    if not values:
        return None
    return str((Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal(places), ROUND_HALF_UP))


def _minutes(a: dt.datetime, b: dt.datetime) -> int:
    return max(int((b - a).total_seconds() // 60), 0)


# --- one ticket as of a moment ------------------------------------------------------------------

def promises_at(ticket: Ticket, cutoff: dt.datetime) -> list[dict]:
    """Each promised time of the ticket: kept (True), missed (False) or not yet due (None)."""
    out = []
    for step, label, done_field in STEPS:
        due = getattr(ticket, f"due_{step}")
        if due is None:
            continue
        done = getattr(ticket, done_field)
        if done is not None and done < cutoff:
            met = getattr(ticket, f"met_{step}")
            met = done <= due if met is None else met
        elif due < cutoff and not (ticket.closed_at is not None and ticket.closed_at < cutoff
                                   and ticket.closed_at <= due):
            met = False  # (closed — withdrawn, unresolvable — before it fell due: not missed)
        else:
            met = None
        out.append({"step": step, "label": label, "due": local(due), "met": met})
    return out


def week_metrics(tickets: Iterable[Ticket], cutoff: dt.datetime) -> dict:
    """The week's figures over the tickets raised in it, as they stood at ``cutoff``."""
    tickets = list(tickets)
    response, resolution, ratings = [], [], []
    kept = decided = 0
    for t in tickets:
        if t.accepted_at is not None and t.accepted_at < cutoff:
            response.append(_minutes(t.created_at, t.accepted_at))
        if t.resolved_at is not None and t.resolved_at < cutoff:
            resolution.append(_minutes(t.created_at, t.resolved_at))
        if t.rating is not None and (t.rated_at is None or t.rated_at < cutoff):
            ratings.append(t.rating)
        for promise in promises_at(t, cutoff):
            if promise["met"] is not None:
                decided += 1
                kept += promise["met"]
    return {
        "count": len(tickets),
        "response_median": percentile(response, 50), "response_p90": percentile(response, 90),
        "resolution_median": percentile(resolution, 50),
        "resolution_p90": percentile(resolution, 90),
        "sla_rate": ratio(kept, decided), "sla_kept": kept, "sla_decided": decided,
        "satisfaction": mean(ratings), "ratings": len(ratings),
    }


METRIC_FIELDS = ("created_at", "closed_at", "accepted_at", "arrived_at", "resolved_at", "rated_at", "rating",
                 "due_accept", "due_arrive", "due_resolve", "met_accept", "met_arrive", "met_resolve")
METRICS = ("count", "response_median", "response_p90", "resolution_median", "resolution_p90",
           "sla_rate", "satisfaction")


def compare(current: dict, previous: dict | None, history: list[dict]) -> dict:
    """Each metric beside last week's and the average of the last 4 weeks (text, or None)."""
    out = {}
    for name in METRICS:
        past = [Decimal(str(h[name])) for h in history if h.get(name) is not None]
        out[name] = {
            "previous": None if previous is None or previous.get(name) is None
            else str(previous[name]),
            "average4": mean(past, "0.1") if past else None,
        }
    return out


# --- locations and repeats -----------------------------------------------------------------------

def location_key(row) -> tuple:
    """Where a problem is, for spotting repeats: the unit, or building + floor + place words.

    ``row`` is a ``Place`` (or anything with its attributes)."""
    if row.unit_id is not None:
        return ("unit", row.unit_id)
    words = re.sub(r"\s+", "", row.location_text or "")
    return ("area", row.building_id, row.floor, words)


def location_label(row, names: Iterable[str]) -> str:
    """The place as the board shows it: a home only as 'its building, a home' (unit masked)."""
    if row.unit_id is not None:
        return f"{row.unit_building} · 住户室内"
    parts = []
    if row.building_name:
        parts.append(row.building_name)
    if row.floor is not None:
        parts.append(f"{row.floor}层")
    if row.location_text:
        parts.append(mask_text(row.location_text, names=names))
    return " · ".join(parts) or "公共区域"


@dataclass(frozen=True)
class Place:
    unit_id: int | None
    unit_building: str | None
    building_id: int | None
    building_name: str | None
    floor: int | None
    location_text: str

    @classmethod
    def of(cls, ticket: Ticket) -> Place:
        return cls(ticket.unit_id, ticket.unit.building.name if ticket.unit_id else None,
                   ticket.building_id, ticket.building.name if ticket.building_id else None,
                   ticket.floor, ticket.location_text)


# --- the board -----------------------------------------------------------------------------------

@dataclass
class ItemDraft:
    ticket_id: int
    section: str
    facts: dict


@dataclass
class Generated:
    header: dict  # everything but the items: statistics, repeats, departments
    items: list[ItemDraft]


def _ticket_rows(community: Community):
    return (Ticket.objects.in_community(community)
            .select_related("category", "department", "assignee__user", "assignee__department",
                            "unit__building", "building"))


def _timelines(ticket_ids: list[int], end: dt.datetime) -> dict[int, list]:
    rows = defaultdict(list)
    for chunk in range(0, len(ticket_ids), 2000):
        for row in (TicketEvent.objects.filter(ticket_id__in=ticket_ids[chunk:chunk + 2000], at__lt=end)
                    .order_by("at", "id")
                    .values_list("ticket_id", "action", "to_status", "note", "is_public", "data")):
            rows[row[0]].append(row[1:])
    return rows


def _item(ticket: Ticket, section: str, timeline: list, end: dt.datetime,
          names: tuple[str, ...]) -> dict:
    status = TicketStatus.PENDING
    result = reason = ""
    dispatched = None  # the last dispatch before the week's end: who had it then
    for action, to_status, note, is_public, data in timeline:
        if action == Action.DISPATCH:
            dispatched = data or {}
        if to_status:
            status = to_status
        if is_public and note and action == Action.RESOLVE:
            result = note
        if action == Action.MARK_UNRESOLVABLE:
            reason = note
        if action == Action.REOPEN:
            result = ""
    item_status = STATUS_OF.get(status, ItemStatus.IN_PROGRESS)
    member = ticket.assignee
    department = ticket.department or (member.department if member is not None else None)
    department_name = department.name if department is not None else ""
    staff = None if member is None else {"name": member.user.display_name or member.user.username,
                                         "job_number": member.job_number}
    if dispatched is not None and "to" in dispatched:  # as of the week's end, not as of today
        staff = {"name": dispatched["to"], "job_number": dispatched.get("job_number", "")}
        department_name = dispatched.get("department", department_name)
    elif dispatched is None and ticket.dispatched_at is not None and ticket.dispatched_at >= end:
        staff = None  # dispatched only after the week's end: nobody had it yet
    summary = f"{ticket.title}：{ticket.description}" if ticket.description else ticket.title
    summary = mask_text(summary, names=names)
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[:SUMMARY_LENGTH - 1] + "…"
    rated = ticket.rating is not None and (ticket.rated_at is None or ticket.rated_at < end)
    return {
        "number": ticket.number,
        "section": section,
        "kind": str(TicketKind(ticket.kind).label),
        "category": ticket.category.name,
        "summary": summary,
        "location": location_label(Place.of(ticket), names),
        "raised_at": local(ticket.created_at),
        "status": str(item_status),
        "status_label": str(ItemStatus(item_status).label),
        "ticket_status": str(TicketStatus(status).label),
        "reason": mask_text(reason or ticket.public_reason, names=names)
        if item_status == ItemStatus.UNRESOLVABLE else "",
        "result": mask_text(result, names=names) if item_status == ItemStatus.RESOLVED else "",
        "department": department_name,
        "staff": staff,
        "promises": promises_at(ticket, end),
        "rating": ticket.rating if rated else None,
        "reopened": ticket.reopened_count,
        "repeated": False,
    }


def _departments(items: list[dict]) -> list[dict]:
    """奖优罚劣: departments by share resolved, promises kept, then satisfaction."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        groups[item["department"] or "未分配"].append(item)
    rows = []
    for name, group in groups.items():
        promises = [p["met"] for i in group for p in i["promises"] if p["met"] is not None]
        ratings = [i["rating"] for i in group if i["rating"] is not None]
        resolved = sum(i["status"] == ItemStatus.RESOLVED for i in group)
        rows.append({"department": name, "items": len(group), "resolved": resolved,
                     "resolved_rate": ratio(resolved, len(group)),
                     "sla_rate": ratio(sum(promises), len(promises)),
                     "satisfaction": mean(ratings)})

    def key(row):
        def num(v):
            return Decimal(v) if v is not None else Decimal(-1)
        return (-num(row["resolved_rate"]), -num(row["sla_rate"]), -num(row["satisfaction"]),
                row["department"])

    rows.sort(key=key)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def build(community: Community, week_start: dt.date) -> Generated:
    """The generated board of ``week_start`` (a Monday) for ``community``; writes nothing.

    Labels are frozen in Chinese (the msgids) whatever language the caller runs in: the
    content is hashed, so it must not depend on who generated it.
    """
    with translation.override(None):
        return _build(community, week_start)


def _build(community: Community, week_start: dt.date) -> Generated:
    if week_start.weekday() != 0:
        raise ValueError("week_start must be a Monday")
    start, end = week_bounds(week_start)
    names = roster_names(community)
    tickets = list(_ticket_rows(community)
                   .filter(created_at__lt=end)
                   .filter(Q(created_at__gte=start) | Q(closed_at__gte=start)
                           | (Q(closed_at__isnull=True) & ~Q(status__in=CLOSED)))
                   .order_by("created_at", "id"))
    timelines = _timelines([t.pk for t in tickets], end)
    drafts = []
    for ticket in tickets:
        section = Section.NEW if ticket.created_at >= start else Section.CARRIED
        drafts.append(ItemDraft(ticket.pk, str(section),
                                _item(ticket, section, timelines.get(ticket.pk, []), end, names)))
    drafts.sort(key=lambda d: (d.section != Section.NEW, d.facts["raised_at"], d.facts["number"]))

    # repeated problems: same place and category ≥ 3 times among tickets raised in 4 weeks
    window = (Ticket.objects.in_community(community)
              .filter(created_at__gte=end - dt.timedelta(weeks=HISTORY_WEEKS), created_at__lt=end)
              .values_list("number", "category__name", "unit_id", "unit__building__name",
                           "building_id", "building__name", "floor", "location_text"))
    groups: dict[tuple, list[tuple[str, Place]]] = defaultdict(list)
    for number, category, *place in window:
        place = Place(*place)
        groups[(location_key(place), category)].append((number, place))
    repeated, repeated_numbers = [], set()
    for (_key, category), members in groups.items():
        if len(members) >= REPEAT_THRESHOLD:
            numbers = sorted(number for number, _place in members)
            repeated_numbers.update(numbers)
            repeated.append({"location": location_label(members[0][1], names), "category": category,
                             "count": len(members), "numbers": numbers})
    repeated.sort(key=lambda r: (-r["count"], r["category"], r["location"]))
    for draft in drafts:
        draft.facts["repeated"] = draft.facts["number"] in repeated_numbers

    # statistics of the week, of each of the 4 weeks before it, and the comparison
    new_tickets = [t for t in tickets if t.created_at >= start]
    current = week_metrics(new_tickets, end)
    history = []
    for back in range(1, HISTORY_WEEKS + 1):
        w_start, w_end = week_bounds(week_start - dt.timedelta(weeks=back))
        rows = [SimpleNamespace(**row) for row in Ticket.objects.in_community(community)
                .filter(created_at__gte=w_start, created_at__lt=w_end)
                .values(*METRIC_FIELDS)]
        history.append({"week_start": (week_start - dt.timedelta(weeks=back)).isoformat(),
                        **week_metrics(rows, w_end)})
    new_items = [d.facts for d in drafts if d.section == Section.NEW]
    all_items = [d.facts for d in drafts]
    header = {
        "format": FORMAT_VERSION,
        "community": {"code": community.code, "name": community.name},
        "week_start": week_start.isoformat(),
        "week_end": (week_start + dt.timedelta(days=6)).isoformat(),
        "as_of": local(end),
        "stats": {
            **current,
            "new": len(new_items),
            "carried": len(all_items) - len(new_items),
            "by_category": dict(sorted(Counter(i["category"] for i in new_items).items())),
            "by_status": dict(sorted(Counter(i["status"] for i in all_items).items())),
            "compare": compare(current, history[0] if history else None, history),
            "history": history,
        },
        "repeated": repeated,
        "departments": _departments(all_items),
    }
    return Generated(header, drafts)

"""Benchmarks between communities (对标) and the monthly scorecard (考核), read from the nightly
snapshots (``CommunitySnapshot``): the same figures normalised per 100 households and per
10,000 m², each community's percentile within its company, the anonymised distribution a
committee may see, and each month's score with the figures behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import quantiles

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from sunlit.company.benchmarks.models import CommunitySnapshot, Scorecard

#: the smallest company whose distribution a committee may see: with fewer communities the
#: "anonymised" figures of the others would name them
MIN_PEERS = 5
HUNDRED = Decimal(100)
TWO = Decimal("0.01")


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str
    higher_is_better: bool
    default_target: Decimal
    default_weight: int


KPIS = (
    Kpi("sla_rate", _("时限达标率"), "%", True, Decimal("95"), 30),
    Kpi("rating", _("业主评分"), _("星"), True, Decimal("4.5"), 25),
    Kpi("collection_rate", _("收缴率"), "%", True, Decimal("95"), 20),
    Kpi("complaints_per_100", _("每百户投诉（近30天）"), _("件/百户"), False, Decimal("1"), 15),
    Kpi("open_per_100", _("每百户在办工单"), _("件/百户"), False, Decimal("2"), 5),
    Kpi("arrears_per_10k", _("每万㎡逾期欠费"), _("元/万㎡"), False, Decimal("5000"), 5),
)
BY_KEY = {k.key: k for k in KPIS}


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def values_of(s: CommunitySnapshot) -> dict[str, Decimal | None]:
    """The KPIs of one snapshot (None where there is no sample: no tickets judged, no
    ratings, nothing billed, no units)."""
    units, area = Decimal(s.units), Decimal(s.area)
    return {
        "sla_rate": _q(Decimal(s.sla_met) * HUNDRED / s.sla_judged) if s.sla_judged else None,
        "rating": _q(Decimal(s.rating_sum) / s.ratings) if s.ratings else None,
        "collection_rate": _q(s.collected * HUNDRED / s.billed) if s.billed else None,
        "complaints_per_100": _q(Decimal(s.complaints) * HUNDRED / units) if units else None,
        "open_per_100": _q(Decimal(s.open_tickets) * HUNDRED / units) if units else None,
        "arrears_per_10k": _q(s.arrears * Decimal(10000) / area) if area else None,
    }


def _percentile(value, others: list, higher_is_better: bool) -> int | None:
    """The share (0–100) of the company's communities this one does better than, ties half."""
    if value is None:
        return None
    peers = [v for v in others if v is not None]
    if not peers:
        return None
    better = sum(1 for v in peers if (value > v if higher_is_better else value < v))
    ties = sum(1 for v in peers if v == value) - 1  # itself is among them
    return round((better + ties / 2) * 100 / max(len(peers) - 1, 1)) if len(peers) > 1 else 100


@dataclass
class BenchmarkRow:
    snapshot: CommunitySnapshot
    values: dict[str, Decimal | None]
    percentiles: dict[str, int | None] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[Kpi, Decimal | None, int | None]]:
        return [(k, self.values[k.key], self.percentiles.get(k.key)) for k in KPIS]


def latest_day(organization) -> dt.date | None:
    return (CommunitySnapshot.objects.filter(community__organization=organization)
            .aggregate(d=Max("day"))["d"])


def benchmarks(organization, *, day: dt.date | None = None) -> tuple[dt.date | None, list]:
    """Every community of the company on ``day`` (the latest snapshot): its KPIs and its
    percentile among the company's communities."""
    day = day or latest_day(organization)
    if day is None:
        return None, []
    snapshots = list(CommunitySnapshot.objects.filter(community__organization=organization,
                                                      day=day)
                     .select_related("community").order_by("community_id"))
    rows = [BenchmarkRow(s, values_of(s)) for s in snapshots]
    for kpi in KPIS:
        column = [r.values[kpi.key] for r in rows]
        for row in rows:
            row.percentiles[kpi.key] = _percentile(row.values[kpi.key], column,
                                                   kpi.higher_is_better)
    return day, rows


@dataclass
class Distribution:
    kpi: Kpi
    own: Decimal | None
    peers: int
    low: Decimal | None = None
    q1: Decimal | None = None
    median: Decimal | None = None
    q3: Decimal | None = None
    high: Decimal | None = None
    percentile: int | None = None


def community_view(community) -> tuple[dt.date | None, list[Distribution] | None, int]:
    """A committee's view: its own KPIs beside the anonymised distribution of the company's
    other communities (min, quartiles, max; no names) — ``None`` when the company has fewer than
    ``MIN_PEERS`` communities with a snapshot that day."""
    day, rows = benchmarks(community.organization)
    own = next((r for r in rows if r.snapshot.community_id == community.pk), None)
    if own is None or len(rows) < MIN_PEERS:
        return day, None, len(rows)
    out = []
    for kpi in KPIS:
        others = sorted(r.values[kpi.key] for r in rows
                        if r is not own and r.values[kpi.key] is not None)
        d = Distribution(kpi, own.values[kpi.key], len(others),
                         percentile=own.percentiles[kpi.key])
        if len(others) >= 2:
            q1, median, q3 = quantiles(others, n=4, method="inclusive")
            d.low, d.q1, d.median, d.q3, d.high = (others[0], _q(Decimal(q1)), _q(Decimal(median)),
                                                    _q(Decimal(q3)), others[-1])
        out.append(d)
    return day, out, len(rows)


# --- the scorecard -------------------------------------------------------------------------

def scorecard_of(organization) -> tuple[dict[str, int], dict[str, Decimal]]:
    card = Scorecard.objects.filter(organization=organization).first()
    weights = {k.key: k.default_weight for k in KPIS}
    targets = {k.key: k.default_target for k in KPIS}
    if card is not None:
        weights.update({k: int(v) for k, v in card.weights.items() if k in BY_KEY})
        targets.update({k: Decimal(str(v)) for k, v in card.targets.items() if k in BY_KEY})
    return weights, targets


def kpi_score(kpi: Kpi, value: Decimal | None, target: Decimal) -> Decimal | None:
    """0–100: reaching the target scores 100; short of it, in proportion (for lower-is-better
    figures, each 1 % over the target costs 1 point)."""
    if value is None:
        return None
    if kpi.higher_is_better:
        score = HUNDRED if value >= target or not target else value * HUNDRED / target
    elif value <= target:
        score = HUNDRED
    else:
        score = HUNDRED - (value - target) * HUNDRED / target if target else Decimal(0)
    return _q(max(Decimal(0), min(HUNDRED, score)))


@dataclass
class ScoreRow:
    snapshot: CommunitySnapshot
    values: dict[str, Decimal | None]
    scores: dict[str, Decimal | None]
    total: Decimal | None

    @property
    def cells(self) -> list[tuple[Kpi, Decimal | None, Decimal | None]]:
        return [(k, self.values[k.key], self.scores[k.key]) for k in KPIS]


def month_scores(organization, month: dt.date) -> tuple[dt.date | None, list[ScoreRow]]:
    """The month's scorecard: each community's last snapshot of the month, scored with the
    company's weights and targets; a figure without a sample is left out and the other weights
    count in proportion."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    day = (CommunitySnapshot.objects.filter(community__organization=organization,
                                            day__range=(first, last))
           .aggregate(d=Max("day"))["d"])
    if day is None:
        return None, []
    weights, targets = scorecard_of(organization)
    rows = []
    for snapshot in (CommunitySnapshot.objects.filter(community__organization=organization,
                                                      day=day)
                     .select_related("community").order_by("community_id")):
        values = values_of(snapshot)
        scores = {k.key: kpi_score(k, values[k.key], targets[k.key]) for k in KPIS}
        counted = [(weights[k], s) for k, s in scores.items() if s is not None and weights[k]]
        total_weight = sum(w for w, _s in counted)
        total = (_q(sum(Decimal(w) * s for w, s in counted) / total_weight)
                 if total_weight else None)
        rows.append(ScoreRow(snapshot, values, scores, total))
    return day, rows


def department_scores(community, month: dt.date) -> list[dict]:
    """Per department of one community in ``month``: tickets closed, the share that kept every
    promise, the average rating with its sample, complaints raised (from the tickets: a
    department is judged by the work it was given)."""
    from django.db.models import Count, Sum

    from sunlit.tickets.choices import TicketKind
    from sunlit.tickets.models import Ticket
    from sunlit.tickets.selectors import risk_condition

    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    tickets = Ticket.objects.in_community(community)
    closed = (tickets.filter(closed_at__date__gte=first, closed_at__date__lt=after)
              .values("department__name")
              .annotate(n=Count("pk"), met=Count("pk", filter=risk_condition("met", None)),
                        judged=Count("pk", filter=risk_condition("met", None)
                                     | risk_condition("missed", None))))
    rated = (tickets.filter(rated_at__date__gte=first, rated_at__date__lt=after,
                            rating__isnull=False)
             .values("department__name").annotate(s=Sum("rating"), n=Count("pk")))
    complaints = (tickets.filter(kind=TicketKind.COMPLAINT, created_at__date__gte=first,
                                 created_at__date__lt=after)
                  .values("department__name").annotate(n=Count("pk")))
    rows: dict[str, dict] = {}
    for r in closed:
        rows.setdefault(r["department__name"] or "", {}).update(
            closed=r["n"], sla=_q(Decimal(r["met"]) * HUNDRED / r["judged"]) if r["judged"]
            else None, judged=r["judged"])
    for r in rated:
        rows.setdefault(r["department__name"] or "", {}).update(
            rating=_q(Decimal(r["s"]) / r["n"]), ratings=r["n"])
    for r in complaints:
        rows.setdefault(r["department__name"] or "", {}).update(complaints=r["n"])
    return [{"department": name or str(_("未分派")), "closed": v.get("closed", 0),
             "sla": v.get("sla"), "judged": v.get("judged", 0), "rating": v.get("rating"),
             "ratings": v.get("ratings", 0), "complaints": v.get("complaints", 0)}
            for name, v in sorted(rows.items())]


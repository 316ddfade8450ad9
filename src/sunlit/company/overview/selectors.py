"""The company view (公司总览): one row per community of the company, from the live books.

Every figure is one grouped query over all the company's communities (``GROUP BY community``),
never a query per community, so the page costs the same dozen statements for 2 communities or
200 (measured in ``bench/company_view.py``). Each figure's definition is the one its community's
own page uses, so the numbers agree when one follows the link down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from sunlit.core import money
from sunlit.core.models import Community, Organization

SLA_DAYS = 30
RATING_DAYS = 90
ZERO = Decimal("0.00")


def _fen(value) -> Decimal:
    # SQLite sums decimals as floats: back to exact fen through text
    return money.to_fen(Decimal(str(value or 0)))


def _percent(part, whole) -> Decimal | None:
    from sunlit.finance.arrears.selectors import percent

    return percent(Decimal(part), Decimal(whole)) if whole else None


@dataclass
class Row:
    community: Community
    units: int = 0
    area: Decimal = ZERO
    open_tickets: int = 0
    overdue_tickets: int = 0
    sla_met: int = 0
    sla_judged: int = 0
    rating_sum: int = 0
    ratings: int = 0
    billed: Decimal = ZERO
    collected: Decimal = ZERO
    arrears: Decimal = ZERO
    overdue_units: int = 0
    fund: Decimal = ZERO
    board_week: dt.date | None = None
    board_current: bool = False
    checkpoint_at: dt.datetime | None = None
    checkpoint_size: int = 0
    cosignatures: int = 0
    witnesses: int = 0
    onboarding_open: bool = False

    @property
    def sla_rate(self) -> Decimal | None:
        return _percent(self.sla_met, self.sla_judged)

    @property
    def rating(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(self.rating_sum) / self.ratings).quantize(Decimal("0.01"))

    @property
    def collection_rate(self) -> Decimal | None:
        return _percent(self.collected, self.billed)


@dataclass
class Overview:
    organization: Organization
    rows: list[Row]
    year: int
    as_of: dt.date
    total: Row = field(init=False)

    def __post_init__(self):
        total = Row(community=None)  # type: ignore[arg-type]
        for row in self.rows:
            for name in ("units", "area", "open_tickets", "overdue_tickets", "sla_met",
                         "sla_judged", "rating_sum", "ratings", "billed", "collected", "arrears",
                         "overdue_units", "fund", "cosignatures", "witnesses"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        self.total = total


def _grouped(query, **aggregates) -> dict[int, dict]:
    return {r["community_id"]: r for r in query.values("community_id").annotate(**aggregates)}


def overview(organization: Organization, *, now: dt.datetime | None = None) -> Overview:
    from sunlit.board.generation import last_complete_week
    from sunlit.board.models import WeeklyBoard
    from sunlit.company.models import Onboarding
    from sunlit.finance.billing.models import Bill
    from sunlit.finance.books.models import JournalLine
    from sunlit.registry.models import Unit
    from sunlit.tickets.models import Ticket
    from sunlit.tickets.selectors import risk_condition, with_next_due
    from sunlit.transparency.models import Checkpoint, Cosignature, WitnessKey

    now = now or timezone.now()
    today = timezone.localdate(now)
    communities = list(Community.objects.filter(organization=organization).order_by("pk"))
    ids = [c.pk for c in communities]
    rows = {c.pk: Row(community=c) for c in communities}
    within = {"community_id__in": ids}

    def put(grouped: dict[int, dict], **names) -> None:
        for community_id, values in grouped.items():
            row = rows[community_id]
            for attr, key in names.items():
                value = values[key]
                if isinstance(getattr(row, attr), Decimal):
                    value = _fen(value)
                setattr(row, attr, value if value is not None else getattr(row, attr))

    put(_grouped(Unit.objects.filter(**within), n=Count("pk"), a=Sum("area")), units="n",
        area="a")
    tickets = Ticket.objects.filter(**within)
    put(_grouped(tickets.open(), n=Count("pk")), open_tickets="n")
    put(_grouped(with_next_due(tickets.open()).filter(risk_condition("overdue", now)),
                 n=Count("pk")), overdue_tickets="n")
    recent = tickets.filter(closed_at__gte=now - dt.timedelta(days=SLA_DAYS))
    put(_grouped(recent, met=Count("pk", filter=risk_condition("met", now)),
                 judged=Count("pk", filter=risk_condition("met", now)
                              | risk_condition("missed", now))),
        sla_met="met", sla_judged="judged")
    rated = tickets.filter(rated_at__gte=now - dt.timedelta(days=RATING_DAYS),
                           rating__isnull=False)
    put(_grouped(rated, s=Sum("rating"), n=Count("pk")), rating_sum="s", ratings="n")
    year_bills = Bill.objects.filter(**within).filter(
        issued_on__lte=today, period_start__gte=dt.date(today.year, 1, 1),
        period_start__lt=dt.date(today.year + 1, 1, 1))
    put(_grouped(year_bills, b=Sum("amount"), c=Sum("paid")), billed="b", collected="c")
    overdue = Bill.objects.filter(**within).unpaid().filter(due_on__lt=today)
    put(_grouped(overdue, owed=Sum(F("amount") - F("paid")),
                 units=Count("unit_id", distinct=True)), arrears="owed", overdue_units="units")
    fund = JournalLine.objects.filter(**within, account__code="2244")
    for community_id, values in _grouped(fund, c=Sum("credit"), d=Sum("debit")).items():
        rows[community_id].fund = _fen(values["c"]) - _fen(values["d"])  # a liability: credit
    week = last_complete_week(now)
    for community_id, values in _grouped(WeeklyBoard.objects.filter(
            **within, published_at__isnull=False), w=Max("week_start")).items():
        rows[community_id].board_week = values["w"]
        rows[community_id].board_current = values["w"] >= week
    latest = _grouped(Checkpoint.objects.filter(**within), size=Max("size"), at=Max("signed_at"))
    put(latest, checkpoint_size="size", checkpoint_at="at")
    heads = Q()
    for community_id, values in latest.items():
        heads |= Q(checkpoint__community_id=community_id, checkpoint__size=values["size"])
    if latest:
        put(_grouped(Cosignature.objects.filter(heads), n=Count("pk")), cosignatures="n")
    put(_grouped(WitnessKey.objects.filter(**within).active(), n=Count("pk")), witnesses="n")
    for community_id in Onboarding.objects.filter(**within, owners_invited_at__isnull=True) \
            .values_list("community_id", flat=True):
        rows[community_id].onboarding_open = True
    return Overview(organization=organization, rows=list(rows.values()), year=today.year,
                    as_of=today)


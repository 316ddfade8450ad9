"""Arrears reports — 欠费账龄 and 收缴率 — computed from bills and allocations as of a date.

Both reports are read-only and computed in SQL aggregates: a community of 100,000 units with
24 months of bills is 2.4 million bills, so nothing here loops over every bill in Python.

**What is unpaid as of a date.** A bill counts from its issue date. Its unpaid amount at the end
of ``as_of`` (Asia/Shanghai) is its amount minus its allocations made before the next midnight
(payments and prepaid offsets positive, refunds negative). Almost every bill is either
untouched (status 待缴 and no allocation ever) — unpaid in full, aggregated in SQL — or was
touched: partly paid, paid after ``as_of``, or reopened by a refund. Touched bills are few and
are computed exactly in Python from their allocations.

**Fee items.** A bill's unpaid amount is split over its lines: an untouched bill owes each line
in full; what was paid on a touched bill is attributed to its lines in proportion to their
amounts, rounded half-up per line, the last line taking the rounding remainder (so the lines
always add up to the bill).

**Late fees** (滞纳金) are ``calc.late_fee`` of each unpaid bill as of the date — the same
function the owner's page uses — shown beside the arrears, never added to them. Untouched bills
with the same due date and amount have the same late fee: SQL groups them, Python computes one
fee per group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from sunlit.core.masking import mask_name
from sunlit.finance.arrears import bills
from sunlit.finance.arrears.bills import BUCKET_KEYS, BUCKETS, Bucket, bucket_case, empty_buckets, end_of, fen
from sunlit.finance.billing import selectors
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import calc, money
from sunlit.finance.models import Allocation, Bill, BillLine, FeeItem
from sunlit.registry.models import Building, Ownership, Unit

ZERO = money.ZERO
ONE_DAY = dt.timedelta(days=1)


@dataclass
class Row:
    """A line of the report: a building, a fee item or a unit, with its amount per bucket."""

    key: int
    label: str
    buckets: dict[str, Decimal] = field(default_factory=empty_buckets)
    units: set = field(default_factory=set)
    unit_count: int = 0
    bills: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["not_due"]

    def cells(self) -> list[Decimal]:
        return [self.buckets[k] for k in BUCKET_KEYS]


@dataclass
class Debtor:
    unit_id: int
    label: str
    owners: str
    total: Decimal
    bills: int
    oldest_due: dt.date | None
    late_fee: Decimal = ZERO


@dataclass
class AgingReport:
    """账龄分析 of one community as of a date (optionally one building, one fee item)."""

    as_of: dt.date
    buckets: dict[str, Decimal]
    total: Decimal
    bills: int
    units: int
    late_fees: Decimal
    by_building: list[Row]
    by_fee_item: list[Row]
    debtors: list[Debtor]
    building_id: int | None = None
    fee_item_id: int | None = None

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["not_due"]

    def bucket_cells(self) -> list[tuple[Bucket, Decimal]]:
        return [(b, self.buckets[b.key]) for b in BUCKETS]


# --- the aging report ---------------------------------------------------------------------------


def aging(
    community,
    *,
    as_of: dt.date,
    building: Building | int | None = None,
    fee_item: FeeItem | int | None = None,
    top: int = 20,
) -> AgingReport:
    """账龄分析: unpaid amounts as of ``as_of`` per bucket, building, fee item; the largest
    debtors (unit label, owners' names masked) and the late fees as of that date."""
    community_id = getattr(community, "pk", community)
    building_id = getattr(building, "pk", building)
    item_id = getattr(fee_item, "pk", fee_item)
    terms = selectors.late_fee_terms(community_id)
    scope = bills.Scope(community_id, as_of, building_id)
    grace_end = as_of - dt.timedelta(days=terms.grace_days + 1)  # due on or before: accruing
    if item_id:
        # One fee item: its lines' amounts (an untouched bill owes each line in full).
        sources = [BillLine.objects.filter(q, fee_item_id=item_id) for q in scope.untouched("bill__")]
        case, due, bill_key = bucket_case(as_of, "bill__due_on"), "bill__due_on", "bill_id"
    else:
        sources = [Bill.objects.filter(q) for q in scope.untouched()]
        case, due, bill_key = bucket_case(as_of), "due_on", "id"

    buildings: dict[int, Row] = {}
    names = dict(Building.objects.filter(community_id=community_id).values_list("id", "name"))
    units: dict[int, list] = {}  # unit → [total, bills, oldest due]
    late_fees = ZERO
    # One pass per source: (unit, bucket) groups, no join; buildings are mapped in Python.
    groups = []
    for source in sources:
        groups += list(
            source.values("unit_id", k=case)
            .annotate(s=Sum("amount"), n=Count(bill_key), o=Min(due))
            .values_list("unit_id", "k", "s", "n", "o")
        )
        late_rows = (
            source.filter(**{f"{due}__lte": grace_end})
            .values(d=F(due), a=F("amount"))
            .annotate(n=Count(bill_key))
            .values_list("d", "a", "n")
        )
        late_fees += bills.late_fee_groups(late_rows, as_of, terms)
    units_q = Unit.objects.filter(community_id=community_id)
    if building_id:
        units_q = units_q.filter(building_id=building_id)
    unit_building = dict(units_q.order_by().values_list("id", "building_id"))
    for unit_id, bucket, amount, count, oldest in groups:
        amount = fen(amount)
        b_id = unit_building.get(unit_id)
        row = buildings.setdefault(b_id, Row(b_id, names.get(b_id, "")))
        row.buckets[bucket] += amount
        row.bills += count
        entry = units.setdefault(unit_id, [ZERO, 0, None])
        entry[0] += amount
        entry[1] += count
        entry[2] = min(d for d in (entry[2], oldest) if d is not None)

    item_names = dict(FeeItem.objects.filter(community_id=community_id).values_list("id", "name"))
    items: dict[int, Row] = {}
    for q in scope.untouched("bill__"):
        items_q = BillLine.objects.filter(q)
        if item_id:
            items_q = items_q.filter(fee_item_id=item_id)
        for f_id, bucket, amount, count in (
            items_q.values("fee_item_id", k=bucket_case(as_of, "bill__due_on"))
            .annotate(s=Sum("amount"), n=Count("bill_id"))
            .values_list("fee_item_id", "k", "s", "n")
        ):
            row = items.setdefault(f_id, Row(f_id, item_names.get(f_id, "")))
            row.buckets[bucket] += fen(amount)
            row.bills += count

    # Touched bills, exactly.
    touched_rows = bills.touched_bills(scope.touched(), as_of, terms)
    for t in touched_rows:
        owed = t.lines.get(item_id, ZERO) if item_id else t.outstanding
        fee = bills.line_fee(t.late_fee, owed, t.outstanding) if item_id else t.late_fee
        for f_id, amount in t.lines.items():
            if (item_id and f_id != item_id) or amount <= 0:
                continue
            row = items.setdefault(f_id, Row(f_id, item_names.get(f_id, "")))
            row.buckets[t.bucket] += amount
            row.bills += 1
        if owed <= 0:
            continue
        b_id = unit_building.get(t.bill.unit_id)
        row = buildings.setdefault(b_id, Row(b_id, names.get(b_id, "")))
        row.buckets[t.bucket] += owed
        row.bills += 1
        entry = units.setdefault(t.bill.unit_id, [ZERO, 0, None])
        entry[0] += owed
        entry[1] += 1
        entry[2] = min(d for d in (entry[2], t.bill.due_on) if d is not None)
        late_fees += fee

    unit_counts: dict[int, int] = defaultdict(int)
    for unit_id in units:
        unit_counts[unit_building.get(unit_id)] += 1
    for b_id, row in buildings.items():
        row.unit_count = unit_counts.get(b_id, 0)
    totals = empty_buckets()
    for row in buildings.values():
        for key, amount in row.buckets.items():
            totals[key] += amount

    debtors = _debtors(units, top, as_of, terms)
    return AgingReport(
        as_of=as_of,
        buckets=totals,
        total=sum(totals.values(), ZERO),
        bills=sum(r.bills for r in buildings.values()),
        units=len(units),
        late_fees=late_fees,
        by_building=sorted(buildings.values(), key=lambda r: (-r.total, r.label)),
        by_fee_item=sorted(items.values(), key=lambda r: (-r.total, r.label)),
        debtors=debtors,
        building_id=building_id,
        fee_item_id=item_id,
    )


def owner_names(unit_ids, on: dt.date) -> dict[int, str]:
    """The current owners of each unit, names masked (张*三), joined with 、."""
    names: dict[int, list[str]] = defaultdict(list)
    for unit_id, name in (
        Ownership.objects.current(on)
        .filter(unit_id__in=list(unit_ids))
        .order_by("unit_id", "id")
        .values_list("unit_id", "person__name")
    ):
        names[unit_id].append(mask_name(name))
    return {k: "、".join(v) for k, v in names.items()}


def _debtors(units: dict[int, list], top: int, as_of: dt.date, terms) -> list[Debtor]:
    biggest = sorted(units.items(), key=lambda kv: (-kv[1][0], kv[0]))[:top]
    if not biggest:
        return []
    ids = [unit_id for unit_id, _v in biggest]
    labels = {u.pk: u.label for u in Unit.objects.filter(pk__in=ids).select_related("building")}
    owners = owner_names(ids, as_of)
    fees = unit_late_fees(ids, as_of, terms)
    return [
        Debtor(
            unit_id,
            labels.get(unit_id, ""),
            owners.get(unit_id, ""),
            total,
            count,
            oldest,
            fees.get(unit_id, ZERO),
        )
        for unit_id, (total, count, oldest) in biggest
    ]


def unpaid_bills_of(unit_ids, as_of: dt.date) -> list[tuple[Bill, Decimal, list]]:
    """The bills of these units unpaid as of ``as_of``: (bill, unpaid, allocations before the
    date as (local date, amount)). For a few units (debtors, a reminder)."""
    cutoff = end_of(as_of)
    bills = list(
        Bill.objects.filter(unit_id__in=list(unit_ids), issued_on__lte=as_of)
        .filter(Q(status__in=[BillStatus.OPEN, BillStatus.PARTIAL]) | Q(allocations__created_at__gte=cutoff))
        .distinct()
        .order_by("due_on", "id")
    )
    allocations: dict[int, list] = defaultdict(list)
    for bill_id, amount, created in (
        Allocation.objects.filter(bill__in=[b.pk for b in bills], created_at__lt=cutoff)
        .order_by("created_at", "id")
        .values_list("bill_id", "amount", "created_at")
    ):
        allocations[bill_id].append((timezone.localdate(created), amount))
    out = []
    for bill in bills:
        unpaid = bill.amount - sum((a for _d, a in allocations[bill.pk]), ZERO)
        if unpaid > 0:
            out.append((bill, unpaid, allocations[bill.pk]))
    return out


def unit_late_fees(unit_ids, as_of: dt.date, terms) -> dict[int, Decimal]:
    fees: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for bill, _unpaid, paid in unpaid_bills_of(unit_ids, as_of):
        fees[bill.unit_id] += calc.late_fee(
            amount=bill.amount, due_on=bill.due_on, payments=paid, as_of=as_of, terms=terms
        ).amount
    return dict(fees)


def aging_by_unit(community, *, as_of: dt.date, building=None, fee_item=None):
    """Every unit with arrears as of the date, per bucket (the CSV export): yields
    (unit label, building, owners masked, {bucket: amount}, total), largest first."""
    community_id = getattr(community, "pk", community)
    building_id = getattr(building, "pk", building)
    item_id = getattr(fee_item, "pk", fee_item)
    terms = selectors.late_fee_terms(community_id)
    scope = bills.Scope(community_id, as_of, building_id)
    if item_id:
        sources = [BillLine.objects.filter(q, fee_item_id=item_id) for q in scope.untouched("bill__")]
        case = bucket_case(as_of, "bill__due_on")
    else:
        sources, case = [Bill.objects.filter(q) for q in scope.untouched()], bucket_case(as_of)
    units: dict[int, dict[str, Decimal]] = defaultdict(empty_buckets)
    for source in sources:
        for unit_id, bucket, amount in (
            source.values("unit_id", k=case).annotate(s=Sum("amount")).values_list("unit_id", "k", "s")
        ):
            units[unit_id][bucket] += fen(amount)
    for t in bills.touched_bills(scope.touched(), as_of, terms):
        owed = t.lines.get(item_id, ZERO) if item_id else t.outstanding
        if owed > 0:
            units[t.bill.unit_id][t.bucket] += owed
    info = {
        pk: (building_name, entrance, number)
        for pk, building_name, entrance, number in Unit.objects.filter(community_id=community_id).values_list(
            "id", "building__name", "entrance", "number"
        )
    }
    owners = owner_names(units, as_of) if len(units) <= 20000 else {}
    rows = sorted(units.items(), key=lambda kv: (-sum(kv[1].values(), ZERO), kv[0]))
    for unit_id, buckets in rows:
        b_name, entrance, number = info.get(unit_id, ("", "", ""))
        label = "-".join(p for p in (b_name, f"{entrance}单元" if entrance else "", number) if p)
        yield label, b_name, owners.get(unit_id, ""), buckets, sum(buckets.values(), ZERO)


# --- collection rate (收缴率) --------------------------------------------------------------------


def percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator ÷ denominator as a percent, two places half-up (None when nothing is due)."""
    if not denominator:
        return None
    exact = Fraction(numerator) * 100 / Fraction(denominator)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@dataclass
class Rate:
    """A collection rate: ``collected`` of ``billed``, the exact fraction and the percent."""

    billed: Decimal = ZERO
    collected: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.billed - self.collected

    @property
    def percent(self) -> Decimal | None:
        return percent(self.collected, self.billed)

    @property
    def fraction(self) -> str:
        """The exact rate as ``collected/billed`` in fen, reduced (e.g. "3/4")."""
        if not self.billed:
            return ""
        f = Fraction(int(self.collected * 100), int(self.billed * 100))
        return f"{f.numerator}/{f.denominator}"

    def add(self, other: Rate) -> None:
        self.billed += other.billed
        self.collected += other.collected


@dataclass
class CollectionReport:
    """收缴率 of one year as of a date, per month (账期) and per building, plus 清欠率."""

    year: int
    as_of: dt.date
    months: list[dt.date]
    buildings: list[tuple[int, str]]
    cells: dict[tuple[int, dt.date], Rate]
    by_month: dict[dt.date, Rate]
    by_building: dict[int, Rate]
    year_rate: Rate
    arrears: Rate  # prior years' arrears at 1 January, and collected since
    arrears_by_building: dict[int, Rate]
    building_id: int | None = None

    def rows(self):
        """(building id, name, [Rate per month], the building's year Rate)."""
        for b_id, name in self.buildings:
            yield b_id, name, [self.cells.get((b_id, m)) for m in self.months], self.by_building[b_id]


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1)


def collection(
    community, *, year: int, as_of: dt.date, building: Building | int | None = None
) -> CollectionReport:
    """收缴率: for the bills of each month of ``year`` (by period, issued by ``as_of``), what was
    billed and what had been collected on them by the end of ``as_of``; per building and month,
    per month, per building and for the year. 清欠率: of what the bills of earlier years still
    owed on 1 January of ``year``, how much was collected from then to the end of ``as_of``."""
    community_id = getattr(community, "pk", community)
    building_id = getattr(building, "pk", building)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    cutoff = end_of(as_of)
    bills = Bill.objects.filter(
        community_id=community_id, issued_on__lte=as_of, period_start__gte=start, period_start__lt=end
    )
    later = Allocation.objects.filter(
        community_id=community_id,
        created_at__gte=cutoff,
        bill__issued_on__lte=as_of,
        bill__period_start__gte=start,
        bill__period_start__lt=end,
    )
    if building_id:
        bills = bills.filter(unit__building_id=building_id)
        later = later.filter(bill__unit__building_id=building_id)
    cells: dict[tuple[int, dt.date], Rate] = {}
    for b_id, month, billed, paid in (
        bills.values(b=F("unit__building_id"), m=F("period_start"))
        .annotate(s=Sum("amount"), p=Sum("paid"))
        .values_list("b", "m", "s", "p")
    ):
        cells.setdefault((b_id, _month(month)), Rate()).add(Rate(fen(billed), fen(paid)))
    for b_id, month, amount in (
        later.values(b=F("bill__unit__building_id"), m=F("bill__period_start"))
        .annotate(s=Sum("amount"))
        .values_list("b", "m", "s")
    ):
        cells[(b_id, _month(month))].collected -= fen(amount)  # paid after the date: not yet collected then

    # Prior years' arrears: owed at 1 January (amount − allocations before it), collected since.
    opening = end_of(start - ONE_DAY)
    old = Bill.objects.filter(community_id=community_id, period_start__lt=start, issued_on__lt=start)
    old_alloc = Allocation.objects.filter(
        community_id=community_id, bill__period_start__lt=start, bill__issued_on__lt=start
    )
    if building_id:
        old = old.filter(unit__building_id=building_id)
        old_alloc = old_alloc.filter(bill__unit__building_id=building_id)
    arrears_by_building: dict[int, Rate] = defaultdict(Rate)
    for b_id, billed in old.values(b=F("unit__building_id")).annotate(s=Sum("amount")).values_list("b", "s"):
        arrears_by_building[b_id].billed += fen(billed)
    for b_id, before, since in (
        old_alloc.filter(created_at__lt=cutoff)
        .values(b=F("bill__unit__building_id"))
        .annotate(
            before=Sum("amount", filter=Q(created_at__lt=opening)),
            since=Sum("amount", filter=Q(created_at__gte=opening)),
        )
        .values_list("b", "before", "since")
    ):
        arrears_by_building[b_id].billed -= fen(before)
        arrears_by_building[b_id].collected += fen(since)
    arrears_by_building = {k: v for k, v in arrears_by_building.items() if v.billed}

    names = dict(Building.objects.filter(community_id=community_id).values_list("id", "name"))
    order = {b: n for n, b in enumerate(names)}
    b_ids = sorted({b for b, _m in cells} | set(arrears_by_building), key=lambda b: (order.get(b, 0), b))
    months = sorted({m for _b, m in cells})
    by_month: dict[dt.date, Rate] = defaultdict(Rate)
    by_building: dict[int, Rate] = defaultdict(Rate)
    year_rate, arrears = Rate(), Rate()
    for (b_id, month), rate in cells.items():
        by_month[month].add(rate)
        by_building[b_id].add(rate)
        year_rate.add(rate)
    for b_id in b_ids:
        by_building.setdefault(b_id, Rate())
    for rate in arrears_by_building.values():
        arrears.add(rate)
    return CollectionReport(
        year=year,
        as_of=as_of,
        months=months,
        buildings=[(b, names.get(b, "")) for b in b_ids],
        cells=cells,
        by_month=dict(by_month),
        by_building=dict(by_building),
        year_rate=year_rate,
        arrears=arrears,
        arrears_by_building=arrears_by_building,
        building_id=building_id,
    )


def latest_month(community) -> dt.date | None:
    value = Bill.objects.filter(community_id=getattr(community, "pk", community)).aggregate(
        m=Max("period_start")
    )["m"]
    return value

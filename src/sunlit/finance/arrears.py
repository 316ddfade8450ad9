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

from django.db import connection
from django.db.models import Case, CharField, Count, Exists, F, Max, Min, OuterRef, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.masking import mask_name
from sunlit.finance import calc, money, selectors
from sunlit.finance.choices import AllocationKind, BillStatus
from sunlit.finance.models import Allocation, Bill, BillLine, FeeItem
from sunlit.registry.models import Building, Ownership, Unit

ZERO = money.ZERO
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Bucket:
    """One aging bucket: bills ``low``..``high`` days past their due date (inclusive)."""

    key: str
    label: str
    low: int | None
    high: int | None


#: The aging buckets (账龄区间), by days past the due date as of the report date: a bill due
#: today or later is 未到期; a bill due yesterday is 1 day past due. Documented in docs/arrears.md.
BUCKETS: tuple[Bucket, ...] = (
    Bucket("not_due", _("未到期"), None, 0),
    Bucket("d1_30", _("1–30 天"), 1, 30),
    Bucket("d31_90", _("31–90 天"), 31, 90),
    Bucket("d91_180", _("91–180 天"), 91, 180),
    Bucket("d181_365", _("181–365 天"), 181, 365),
    Bucket("y1_2", _("1–2 年"), 366, 730),
    Bucket("y2_plus", _("2 年以上"), 731, None),
)
BUCKET_KEYS = tuple(b.key for b in BUCKETS)


def bucket_of(days_past_due: int) -> str:
    for bucket in BUCKETS:
        if (bucket.low is None or days_past_due >= bucket.low) and (
            bucket.high is None or days_past_due <= bucket.high
        ):
            return bucket.key
    raise AssertionError(days_past_due)


def bucket_case(as_of: dt.date, due_field: str = "due_on") -> Case:
    """The bucket of a row in SQL: comparisons of the due date with fixed dates (both databases)."""
    whens = []
    for bucket in BUCKETS[:-1]:
        # days = as_of - due ≤ high  ⇔  due ≥ as_of - high
        whens.append(
            When(**{f"{due_field}__gte": as_of - dt.timedelta(days=bucket.high)}, then=Value(bucket.key))
        )
    return Case(*whens, default=Value(BUCKETS[-1].key), output_field=CharField())


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Asia/Shanghai: allocations before it count."""
    return timezone.make_aware(dt.datetime.combine(day + ONE_DAY, dt.time.min))


def fen(value) -> Decimal:
    """A SQL sum as an exact amount: SQLite adds DecimalField values as doubles (15 significant
    digits are exact for any total below 10¹³ fen-rounded), so every sum is rounded to the fen."""
    return money.to_fen(Decimal(value)) if value is not None else ZERO


def empty_buckets() -> dict[str, Decimal]:
    return {key: ZERO for key in BUCKET_KEYS}


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


# --- the bills that make up the report ---------------------------------------------------------


@dataclass
class _Touched:
    """A touched bill as of the date: what it still owes, split by fee item."""

    bill: Bill
    outstanding: Decimal
    bucket: str
    lines: dict[int, Decimal]
    late_fee: Decimal


class _Scope:
    """The bills of a report as of a date. **Untouched** — no allocation before the end of
    ``as_of``, so unpaid in full then — are aggregated in SQL, in up to two parts: today's 待缴
    bills never refunded and never paid after the date (served by the (community, status,
    due_on) index), and bills paid only after the date (only when there are such payments).
    **Touched** — some allocation before, and unpaid now or paid later — are few and computed
    exactly in Python (``_touched_bills``)."""

    def __init__(self, community_id: int, as_of: dt.date, building_id: int | None):
        self.community_id, self.as_of, self.building_id = community_id, as_of, building_id
        self.cutoff = end_of(as_of)
        allocations = Allocation.objects.filter(community_id=community_id)
        self.has_later = allocations.filter(created_at__gte=self.cutoff).exists()
        # PostgreSQL runs ``NOT IN (subquery)`` as a scan per row once the subquery outgrows
        # work_mem (minutes at a million bills); ``NOT EXISTS`` becomes an anti-join there.
        # SQLite builds each IN list once and probes it, faster than a lookup per bill.
        self.correlated = connection.vendor == "postgresql"

    def _has(self, outer: str, **filters) -> Q:
        """"The bill (``outer``) has an allocation matching ``filters``" as a condition."""
        allocations = Allocation.objects.filter(community_id=self.community_id, **filters)
        if self.correlated:
            return Q(Exists(allocations.filter(bill_id=OuterRef(outer))))
        return Q(**{f"{outer}__in": allocations.values("bill_id")})

    def _later(self, outer: str) -> Q:
        return self._has(outer, created_at__gte=self.cutoff)

    def _early(self, outer: str) -> Q:
        if self.correlated:
            return self._has(outer, created_at__lt=self.cutoff)
        later = Allocation.objects.filter(community_id=self.community_id, created_at__gte=self.cutoff)
        return self._has(outer, created_at__lt=self.cutoff, bill_id__in=later.values("bill_id"))

    def _refunded(self, outer: str) -> Q:
        return self._has(outer, kind=AllocationKind.REFUND)

    def _base(self, p: str) -> Q:
        q = Q(**{f"{p}community_id": self.community_id, f"{p}issued_on__lte": self.as_of})
        if self.building_id:
            q &= Q(**{f"{p}unit__building_id": self.building_id})
        return q

    def untouched(self, prefix: str = "") -> list[Q]:
        """Conditions on Bill (``prefix`` "") or on BillLine (``prefix`` "bill__")."""
        pk = "pk" if not prefix else "bill_id"
        base = self._base(prefix)
        parts = [base & Q(**{f"{prefix}status": BillStatus.OPEN}) & ~self._refunded(pk)]
        if self.has_later:
            parts[0] &= ~self._later(pk)
            parts.append(base & self._later(pk) & ~self._early(pk))
        return parts

    def touched(self):
        unpaid = Q(status__in=[BillStatus.OPEN, BillStatus.PARTIAL])
        if not self.has_later:
            # untouched = open and never refunded: touched = partial, or open with a refund
            return Bill.objects.filter(self._base("") & (Q(status=BillStatus.PARTIAL) | (
                Q(status=BillStatus.OPEN) & self._refunded("pk"))))
        untouched = Q()
        for q in self.untouched():
            untouched |= q
        return Bill.objects.filter(self._base("") & ~untouched & (unpaid | self._later("pk")))


def split_over_lines(
    bill_amount: Decimal, paid: Decimal, lines: list[tuple[int, Decimal]]
) -> dict[int, Decimal]:
    """What each line (fee item → amount) still owes when ``paid`` of the bill was paid: paid in
    proportion to the line amounts, half-up per line, the last line takes the remainder."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    left = bill_amount - paid
    for n, (item_id, amount) in enumerate(lines):
        if n == len(lines) - 1:
            share = left
        else:
            share = amount - calc.round_half_up(Fraction(paid) * Fraction(amount) / Fraction(bill_amount))
            left -= share
        out[item_id] += share
    return dict(out)


def _touched_bills(touched, as_of: dt.date, terms: calc.LateFeeTerms) -> list[_Touched]:
    cutoff = end_of(as_of)
    bills = list(touched.only("id", "unit_id", "amount", "due_on", "period_start", "status").order_by("id"))
    if not bills:
        return []
    ids = [b.pk for b in bills]
    allocations: dict[int, list] = defaultdict(list)
    for bill_id, amount, created in (
        Allocation.objects.filter(bill_id__in=ids, created_at__lt=cutoff)
        .order_by("created_at", "id")
        .values_list("bill_id", "amount", "created_at")
    ):
        allocations[bill_id].append((timezone.localdate(created), amount))
    lines: dict[int, list] = defaultdict(list)
    for bill_id, item_id, amount in (
        BillLine.objects.filter(bill_id__in=ids)
        .order_by("bill_id", "id")
        .values_list("bill_id", "fee_item_id", "amount")
    ):
        lines[bill_id].append((item_id, amount))
    out = []
    for bill in bills:
        paid = sum((a for _d, a in allocations[bill.pk]), ZERO)
        outstanding = bill.amount - paid
        if outstanding <= 0:
            continue
        fee = calc.late_fee(
            amount=bill.amount, due_on=bill.due_on, payments=allocations[bill.pk], as_of=as_of, terms=terms
        ).amount
        out.append(
            _Touched(
                bill,
                outstanding,
                bucket_of((as_of - bill.due_on).days),
                split_over_lines(bill.amount, paid, lines[bill.pk]),
                fee,
            )
        )
    return out


def _late_fee_groups(rows, as_of: dt.date, terms: calc.LateFeeTerms) -> Decimal:
    """Sum of the late fees of untouched bills grouped (due date, amount, count)."""
    total = ZERO
    rate, cap_share = Fraction(terms.daily_rate), Fraction(terms.cap_percent) / 100
    for due_on, amount, count in rows:
        # calc.late_fee with nothing paid: one piece, the whole amount × rate × days, capped
        days = (as_of - due_on).days - terms.grace_days
        if days <= 0:
            continue
        exact, cap = Fraction(fen(amount)) * rate * days, Fraction(fen(amount)) * cap_share
        total += calc.round_half_up(min(exact, cap)) * count
    return total


def _line_fee(bill_fee: Decimal, line: Decimal, bill_amount: Decimal) -> Decimal:
    return calc.round_half_up(Fraction(bill_fee) * Fraction(line) / Fraction(bill_amount))


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
    scope = _Scope(community_id, as_of, building_id)
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
        late_fees += _late_fee_groups(late_rows, as_of, terms)
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
    touched_rows = _touched_bills(scope.touched(), as_of, terms)
    for t in touched_rows:
        owed = t.lines.get(item_id, ZERO) if item_id else t.outstanding
        fee = _line_fee(t.late_fee, owed, t.outstanding) if item_id else t.late_fee
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
    scope = _Scope(community_id, as_of, building_id)
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
    for t in _touched_bills(scope.touched(), as_of, terms):
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

"""The bills behind the arrears reports: the scope of a report in SQL, the touched bills
(partly paid or refunded) owed exactly in Python, split over their lines, and the late fees of
untouched bills grouped by due date and amount; the aging buckets (see ``selectors``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import calc, money
from sunlit.finance.models import Allocation, Bill, BillLine
from sunlit.finance.payments.choices import AllocationKind

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
class Touched:
    """A touched bill as of the date: what it still owes, split by fee item."""

    bill: Bill
    outstanding: Decimal
    bucket: str
    lines: dict[int, Decimal]
    late_fee: Decimal


class Scope:
    """The bills of a report as of a date. **Untouched** — no allocation before the end of
    ``as_of``, so unpaid in full then — are aggregated in SQL, in up to two parts: today's 待缴
    bills never refunded and never paid after the date (served by the (community, status,
    due_on) index), and bills paid only after the date (only when there are such payments).
    **Touched** — some allocation before, and unpaid now or paid later — are few and computed
    exactly in Python (``touched_bills``)."""

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


def touched_bills(touched, as_of: dt.date, terms: calc.LateFeeTerms) -> list[Touched]:
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
            Touched(
                bill,
                outstanding,
                bucket_of((as_of - bill.due_on).days),
                split_over_lines(bill.amount, paid, lines[bill.pk]),
                fee,
            )
        )
    return out


def late_fee_groups(rows, as_of: dt.date, terms: calc.LateFeeTerms) -> Decimal:
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


def line_fee(bill_fee: Decimal, line: Decimal, bill_amount: Decimal) -> Decimal:
    return calc.round_half_up(Fraction(bill_fee) * Fraction(line) / Fraction(bill_amount))

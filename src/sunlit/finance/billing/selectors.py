"""Read queries of the finance app used by pages, the API and the CLI."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from sunlit.finance.books import calc, money
from sunlit.finance.charges import latefees
from sunlit.finance.charges.choices import WaiverStatus
from sunlit.finance.models import (
    Allocation,
    Bill,
    FeeItem,
    FinancePolicy,
    LateFeeCharge,
    Payment,
    PrepaidBalance,
    Tariff,
    Waiver,
)
from sunlit.registry.models import Unit


def policy_of(community) -> FinancePolicy:
    """The community's terms (the defaults until finance staff set them)."""
    community_id = getattr(community, "pk", community)
    return (FinancePolicy.objects.filter(community_id=community_id).first()
            or FinancePolicy(community_id=community_id))


def late_fee_terms(community) -> calc.LateFeeTerms:
    policy = policy_of(community)
    return calc.LateFeeTerms(policy.late_fee_daily_rate, policy.late_fee_grace_days,
                             policy.late_fee_cap_percent)


@dataclass
class BillView:
    """A bill with what it owes today: outstanding and the late fee as of a date (the late fee
    still owed: computed less collected and waived, see ``finance.latefees``)."""

    bill: Bill
    late_fee: calc.LateFee
    collected: Decimal = money.ZERO  # charges: late fees collected so far
    waived: Decimal = money.ZERO     # charges: late fees waived so far

    @property
    def total_due(self) -> Decimal:
        return self.bill.outstanding + self.late_fee.amount


@dataclass
class UnitAccount:
    """A household's account — 我的账单: bills (newest first), payments, prepaid, totals."""

    unit: Unit
    bills: list[BillView]
    payments: list[Payment]
    prepaid: Decimal
    owed: Decimal
    late_fees: Decimal
    as_of: dt.date

    @property
    def total_due(self) -> Decimal:
        """What the household owes today: bills' principal plus late fees owed."""
        return self.owed + self.late_fees


def late_fees_for(bills: list[Bill], as_of: dt.date, terms) -> list[BillView]:
    """The late fee owed by each bill as of ``as_of`` if it is paid in full that day, from its
    allocations, late-fee collections and waivers (prefetched). ``terms``: ``latefees.Terms``
    (or, as before, bare ``calc.LateFeeTerms``: collection on)."""
    if isinstance(terms, calc.LateFeeTerms):
        terms = latefees.Terms(True, terms)
    out = []
    for bill in bills:
        # what is owed when the bill is paid in full that day (a payment stops that day's fee):
        # the amount a cashier collects and an owner pays
        settle = [(as_of, bill.outstanding)] if bill.outstanding > 0 else []
        view = latefees.bill_late_fee(bill, as_of, terms, settle)
        out.append(BillView(bill, view.as_late_fee(), view.collected, view.waived))
    return out


def bill_view(bill: Bill, as_of: dt.date) -> BillView:
    """One bill with its late fee as of ``as_of``."""
    prefetch_related_objects([bill], *latefees.PREFETCH)
    return late_fees_for([bill], as_of, latefees.Terms.of(policy_of(bill.community_id)))[0]


def unit_account(unit: Unit, *, as_of: dt.date, bills_limit: int | None = 24) -> UnitAccount:
    """Everything the owner's page and the counter show for one unit (a fixed number of
    queries whatever the number of bills)."""
    unpaid = Q(status__in=["open", "partial"])
    allocations = Prefetch("allocations", queryset=Allocation.objects.order_by("created_at", "id"))
    # charges: late fees collected and waived count against the late fee computed
    charges = Prefetch("late_fee_charges", queryset=LateFeeCharge.objects.order_by("created_at", "id"))
    waivers = Prefetch("waivers", queryset=Waiver.objects.filter(status=WaiverStatus.APPROVED))
    bills = list(Bill.objects.filter(unit=unit).filter(unpaid)
                 .prefetch_related(allocations, charges, waivers).order_by("due_on", "id"))
    recent_paid = Bill.objects.filter(unit=unit).exclude(unpaid) \
        .prefetch_related(allocations, charges, waivers).order_by("-period_start", "-id")
    if bills_limit is not None:
        recent_paid = recent_paid[:bills_limit]
    terms = latefees.Terms.of(policy_of(unit.community_id))
    views = late_fees_for(bills, as_of, terms) + late_fees_for(list(recent_paid), as_of, terms)
    for view in views:  # local dates for allocations
        for a in view.bill.allocations.all():
            a.local_date = timezone.localdate(a.created_at)
    payments = list(Payment.objects.filter(unit=unit).select_related("entry")
                    .prefetch_related("allocations__bill", "refunds",
                                      "late_fee_charges__bill").order_by("-received_at")[:24])
    prepaid = PrepaidBalance.objects.filter(unit=unit).values_list("balance", flat=True).first()
    return UnitAccount(
        unit=unit, bills=views, payments=payments, prepaid=prepaid or money.ZERO,
        owed=sum((v.bill.outstanding for v in views), money.ZERO),
        late_fees=sum((v.late_fee.amount for v in views), money.ZERO), as_of=as_of)


@dataclass(frozen=True)
class Due:
    """What one home owes today: unpaid bills, the late fee on them, its prepaid balance."""

    unit: Unit
    owed: Decimal
    late_fees: Decimal
    prepaid: Decimal

    @property
    def total(self) -> Decimal:
        return self.owed + self.late_fees


def dues_of(units: list[Unit], *, as_of: dt.date) -> dict[int, Due]:
    """``Due`` per unit for a household's homes, in a fixed number of queries whatever their
    number (the owner's home page)."""
    ids = [u.pk for u in units]
    allocations = Prefetch("allocations", queryset=Allocation.objects.order_by("created_at", "id"))
    charges = Prefetch("late_fee_charges", queryset=LateFeeCharge.objects.order_by("created_at", "id"))
    waivers = Prefetch("waivers", queryset=Waiver.objects.filter(status=WaiverStatus.APPROVED))
    bills = list(Bill.objects.filter(unit_id__in=ids, status__in=["open", "partial"])
                 .prefetch_related(allocations, charges, waivers).order_by("due_on", "id"))
    terms = {cid: latefees.Terms.of(policy_of(cid)) for cid in {u.community_id for u in units}}
    owed: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    fees: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    for community_id, community_terms in terms.items():
        ours = [b for b in bills if b.community_id == community_id]
        for view in late_fees_for(ours, as_of, community_terms):
            owed[view.bill.unit_id] += view.bill.outstanding
            fees[view.bill.unit_id] += view.late_fee.amount
    prepaid = dict(PrepaidBalance.objects.filter(unit_id__in=ids).values_list("unit_id", "balance"))
    return {u.pk: Due(u, owed[u.pk], fees[u.pk], prepaid.get(u.pk) or money.ZERO) for u in units}


def fee_items_with_tariffs(community) -> list[FeeItem]:
    return list(FeeItem.objects.in_community(community).select_related("account", "meter")
                .prefetch_related(Prefetch("tariffs", queryset=Tariff.objects.order_by("-effective_from"))))


def current_tariff(item: FeeItem, day: dt.date) -> Tariff | None:
    return next((t for t in item.tariffs.all() if t.covers(day)), None)


def receivable_by_unit(community) -> dict[int, Decimal]:
    """Outstanding per unit (for the arrears list): amount − paid of unpaid bills."""
    out: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    for unit_id, amount, paid in Bill.objects.in_community(community).unpaid().values_list(
            "unit_id", "amount", "paid"):
        out[unit_id] += amount - paid
    return out

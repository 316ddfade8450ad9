"""Late fees owed and collected — 滞纳金的计算与收取.

A bill's late fee is computed from the contract terms (``calc.late_fee``) as of a date and is
never stored as a number anyone types. What the bill still owes in late fees on a day is

    owed = late fee as of that day − collected (``LateFeeCharge``) − waived (approved late-fee
           ``Waiver`` amounts), never below zero.

It is collected at the moment money is received (``payments.receive_payment``): for each bill the
payment reaches, in order, first the bill's principal, then its late fee as of the payment's
date — the late fee counts this payment's principal as paid on that day (a payment on a day
stops that day's fee). What the money does not cover stays owed; it stops growing once the
principal is paid, and the next payment collects it. Late fees are income when collected
(credit 6301 in the payment's own entry); an uncollected late fee is not a receivable in the
books (it is contingent: it may still be waived).

A community may switch collection off (``FinancePolicy.late_fee_collect``): nothing is computed
as owed or collected while it is off. Switched on again, days count only from that date
(``late_fee_collect_from``), so no fee is owed for the days it was off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from sunlit.finance.books import calc, money
from sunlit.finance.charges.choices import WaiverStatus, WaiverTarget
from sunlit.finance.models import Bill, FinancePolicy

NOT_COLLECTED = calc.LateFee(money.ZERO, 0, {})


@dataclass(frozen=True)
class Terms:
    """The community's late-fee terms as the collection sees them."""

    collect: bool
    terms: calc.LateFeeTerms
    collect_from: dt.date | None = None

    @classmethod
    def of(cls, policy: FinancePolicy) -> Terms:
        return cls(policy.late_fee_collect,
                   calc.LateFeeTerms(policy.late_fee_daily_rate, policy.late_fee_grace_days,
                                     policy.late_fee_cap_percent),
                   policy.late_fee_collect_from)

    def accrues_after(self, bill: Bill) -> dt.date:
        """The last day without a late fee (the due date plus grace, or the day before
        collection was switched on again)."""
        last = bill.due_on + dt.timedelta(days=self.terms.grace_days)
        if self.collect_from is not None:
            last = max(last, self.collect_from - dt.timedelta(days=1))
        return last


@dataclass
class BillLateFee:
    """A bill's late fee on one day: computed, collected, waived, and what is owed."""

    computed: calc.LateFee
    collected: Decimal
    waived: Decimal

    @property
    def days(self) -> int:
        """The days that accrued (a day paid in full before it started does not)."""
        return sum(p["days"] for p in self.computed.calculation.get("pieces", []))

    @property
    def owed(self) -> Decimal:
        return max(money.ZERO, self.computed.amount - self.collected - self.waived)

    def as_late_fee(self) -> calc.LateFee:
        """What pages show as "the late fee": the amount owed, with the calculation."""
        return calc.LateFee(self.owed, self.days, {
            **self.computed.calculation, "computed": money.text(self.computed.amount),
            "collected": money.text(self.collected), "waived": money.text(self.waived)})


def principal_payments(bill: Bill, extra: Iterable[tuple[dt.date, Decimal]] = ()) -> list:
    """(local date, amount) of every allocation of the bill (prefetched), plus ``extra``."""
    return [*((timezone.localdate(a.created_at), a.amount) for a in bill.allocations.all()), *extra]


def collected_of(bill: Bill) -> Decimal:
    return sum((c.amount for c in bill.late_fee_charges.all()), money.ZERO)


def waived_of(bill: Bill) -> Decimal:
    return sum((w.amount for w in bill.waivers.all()
                if w.status == WaiverStatus.APPROVED and w.target == WaiverTarget.LATE_FEE
                and w.amount), money.ZERO)


def bill_late_fee(bill: Bill, as_of: dt.date, terms: Terms,
                  extra_payments: Sequence[tuple[dt.date, Decimal]] = ()) -> BillLateFee:
    """The late fee of ``bill`` as of ``as_of`` (allocations, charges and waivers prefetched or
    fetched). ``extra_payments`` are principal payments not yet written (the payment being
    recorded)."""
    if not terms.collect:
        return BillLateFee(NOT_COLLECTED, money.ZERO, money.ZERO)
    grace_end = terms.accrues_after(bill)
    shifted = calc.LateFeeTerms(terms.terms.daily_rate, 0, terms.terms.cap_percent)
    computed = calc.late_fee(amount=bill.amount, due_on=grace_end,
                             payments=principal_payments(bill, extra_payments), as_of=as_of,
                             terms=shifted)
    if computed.calculation.get("from"):
        computed.calculation["grace_days"] = terms.terms.grace_days
        computed.calculation["due_on"] = bill.due_on.isoformat()
    return BillLateFee(computed, collected_of(bill), waived_of(bill))


def may_owe(bill: Bill, today: dt.date, terms: Terms) -> bool:
    """Whether a bill can owe a late fee at all today (cheap, without its allocations)."""
    return terms.collect and today > bill.due_on + dt.timedelta(days=terms.terms.grace_days)


PREFETCH = ("allocations", "late_fee_charges", "waivers")

"""How every amount is computed — 计费规则 — as pure functions (no database), exactly.

Intermediate values are exact fractions (``fractions.Fraction``); only the final amount of a
bill line (or of a late fee) is rounded, once, half-up to the fen. Each function returns the
amount and the calculation (a JSON-able dict of text values) that the bill line keeps, so an
owner can redo the arithmetic.

- Area fee (物业服务费): area × price per m² per month × months charged.
- Fixed fee (per unit / per parking space): price per month × months charged.
- Months charged: for each calendar month of the period, the days charged in it divided by
  the days of that month, per tariff version. A unit delivered mid-period (``delivered_on``:
  the day fees start, 计费起始日) is charged from that day; a tariff change mid-period splits
  the month at its effective date.
- Metered fee: usage (current − previous reading) × price, or by tiers within the period.
- 公摊: the common meter's usage × price, split by exclusive area: total × unit area / total
  area of the units sharing it. Each share is rounded on its own, so the shares may differ
  from the total by a few fen; the run's summary shows that residue.
- Late fee (滞纳金): see ``late_fee``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sunlit.finance.books.money import FEN

ONE_DAY = dt.timedelta(days=1)


def round_half_up(value: Fraction) -> Decimal:
    """An exact non-negative or negative fraction rounded half-up (away from zero) to the fen."""
    cents = abs(value) * 100
    whole = int(cents)
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) * FEN).copy_sign(Decimal(1) if value >= 0 else Decimal(-1)).quantize(FEN)


def fraction_text(value: Fraction) -> str:
    """"3", "17/31" or "1.5": a month count as people read it."""
    if value.denominator == 1:
        return str(value.numerator)
    for places in (1, 2, 3, 4):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return f"{Decimal(scaled.numerator).scaleb(-places):f}"
    return f"{value.numerator}/{value.denominator}"


def exact_text(value: Fraction, places: int = 6) -> str:
    """An exact value for display, to ``places`` places (the rounding is shown separately)."""
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.{places}f}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def days_in_month(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


@dataclass(frozen=True)
class Version:
    """A tariff version as the calculation sees it: price (per month or per unit of usage),
    tiers, valid ``[start, end)`` (``end`` None: open)."""

    price: Decimal
    start: dt.date
    end: dt.date | None = None
    tiers: tuple[tuple[Decimal | None, Decimal], ...] = ()

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Result:
    quantity: Decimal
    price: Decimal
    amount: Decimal
    calculation: dict


def version_on(versions: Sequence[Version], day: dt.date) -> Version | None:
    return next((v for v in versions if v.covers(day)), None)


def month_segments(start: dt.date, end: dt.date, charge_from: dt.date | None,
                   versions: Sequence[Version]) -> list[dict]:
    """The pieces of ``[start, end)`` that are charged: per calendar month and tariff version,
    with their days and the days of their month. Days before ``charge_from`` or without a
    tariff are not charged."""
    begin = max(start, charge_from) if charge_from else start
    pieces = []
    month = month_start(begin)
    while month < end:
        following = add_months(month, 1)
        lo, hi = max(begin, month), min(end, following)
        for version in versions:
            v_lo = max(lo, version.start)
            v_hi = hi if version.end is None else min(hi, version.end)
            if v_lo < v_hi:
                pieces.append({"month": month, "from": v_lo, "to": v_hi, "days": (v_hi - v_lo).days,
                               "month_days": days_in_month(month), "price": version.price})
        month = following
    return pieces


def _merge(pieces: list[dict]) -> list[dict]:
    """Consecutive whole months at one price become one segment ("3 个月")."""
    merged: list[dict] = []
    for p in pieces:
        months = Fraction(p["days"], p["month_days"])
        last = merged[-1] if merged else None
        if (last and last["price"] == p["price"] and last["to"] == p["from"]
                and last["whole"] and months == 1):
            last["to"], last["months"] = p["to"], last["months"] + 1
            continue
        merged.append({"from": p["from"], "to": p["to"], "months": months, "price": p["price"],
                       "whole": months == 1, "days": p["days"], "month_days": p["month_days"]})
    return merged


def periodic_fee(*, start: dt.date, end: dt.date, versions: Sequence[Version],
                 area: Decimal | None = None, charge_from: dt.date | None = None) -> Result | None:
    """Area fee (``area`` given) or fixed monthly fee (``area`` None) for ``[start, end)``."""
    segments = _merge(month_segments(start, end, charge_from, versions))
    if not segments:
        return None
    factor = Fraction(area) if area is not None else Fraction(1)
    exact = sum((factor * Fraction(s["price"]) * s["months"] for s in segments), Fraction(0))
    amount = round_half_up(exact)
    calc = {
        "formula": "面积 × 单价 × 计费月数" if area is not None else "单价 × 计费月数",
        "segments": [{"from": s["from"].isoformat(), "to": (s["to"] - ONE_DAY).isoformat(),
                      "price": str(s["price"]), "months": fraction_text(s["months"]),
                      **({} if s["whole"] else {"days": s["days"], "month_days": s["month_days"]})}
                     for s in segments],
        "exact": exact_text(exact), "amount": str(amount),
    }
    if area is not None:
        calc["area"] = str(area)
    if charge_from and charge_from > start:
        calc["charge_from"] = charge_from.isoformat()
    quantity = Decimal(area) if area is not None else Decimal(1)
    price = segments[0]["price"] if len(segments) == 1 else Decimal(0)
    if len(segments) > 1 and len({s["price"] for s in segments}) == 1:
        price = segments[0]["price"]
    return Result(quantity=quantity, price=price, amount=amount, calculation=calc)


def tiered_cost(usage: Decimal, version: Version) -> tuple[Fraction, list[dict]]:
    """Usage × price, by tiers when the version has them (each tier's bound is cumulative)."""
    if not version.tiers:
        value = Fraction(usage) * Fraction(version.price)
        return value, [{"usage": str(usage), "price": str(version.price),
                        "value": exact_text(value, 4)}]
    left, lower, total, rows = Fraction(usage), Fraction(0), Fraction(0), []
    for upto, price in version.tiers:
        if left <= 0:
            break
        width = left if upto is None else min(left, Fraction(upto) - lower)
        if width <= 0:
            continue
        value = width * Fraction(price)
        rows.append({"usage": fraction_text(width), "price": str(price), "value": exact_text(value, 4),
                     "upto": None if upto is None else str(upto)})
        total += value
        left -= width
        lower = Fraction(upto) if upto is not None else lower
    return total, rows


def metered_fee(*, previous: Decimal, current: Decimal, version: Version,
                meter_id: int | None = None) -> Result | None:
    usage = Decimal(current) - Decimal(previous)
    if usage <= 0:
        return None
    exact, tiers = tiered_cost(usage, version)
    amount = round_half_up(exact)
    calc = {"formula": "用量 × 单价（阶梯）" if version.tiers else "用量 × 单价",
            "previous": str(previous), "current": str(current), "usage": str(usage),
            "tiers": tiers, "exact": exact_text(exact), "amount": str(amount)}
    if meter_id is not None:
        calc["meter"] = meter_id
    return Result(quantity=usage, price=version.price, amount=amount, calculation=calc)


def shared_fee(*, meter_usage: Decimal, version: Version, unit_area: Decimal,
               total_area: Decimal, units: int) -> Result | None:
    """One unit's 公摊 share: meter usage × price × unit area / total area."""
    if meter_usage <= 0 or total_area <= 0:
        return None
    total, _tiers = tiered_cost(meter_usage, version)
    exact = total * Fraction(unit_area) / Fraction(total_area)
    amount = round_half_up(exact)
    calc = {"formula": "总表用量 × 单价 × 本户面积 ÷ 分摊总面积", "meter_usage": str(meter_usage),
            "price": str(version.price), "total": exact_text(total, 4), "unit_area": str(unit_area),
            "total_area": str(total_area), "units": units, "exact": exact_text(exact),
            "amount": str(amount)}
    return Result(quantity=Decimal(unit_area), price=version.price, amount=amount, calculation=calc)


# --- late fees ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LateFeeTerms:
    daily_rate: Decimal          # 0.0003 = 万分之三 per day
    grace_days: int              # days after the due date without late fee
    cap_percent: Decimal         # of the bill amount; 100 = never more than the arrears


@dataclass(frozen=True)
class LateFee:
    amount: Decimal
    days: int
    calculation: dict


def late_fee(*, amount: Decimal, due_on: dt.date, payments: Sequence[tuple[dt.date, Decimal]],
             as_of: dt.date, terms: LateFeeTerms) -> LateFee:
    """滞纳金 of one bill as of a date — computed every time, never stored.

    Interest runs from the day after ``due_on + grace_days`` up to and including ``as_of``, on
    what was still unpaid at the start of each day (a payment on a day stops that day's fee),
    at ``daily_rate``; the total is capped at ``cap_percent`` % of the bill amount, then rounded
    half-up to the fen. Days across month ends are simply consecutive days.
    """
    start = due_on + dt.timedelta(days=terms.grace_days + 1)  # first day that accrues
    if as_of < start:
        return LateFee(Decimal("0.00"), 0, {"from": None})
    changes = sorted((d, Fraction(p)) for d, p in payments if d <= as_of)
    outstanding = Fraction(amount) - sum((p for d, p in changes if d <= start), Fraction(0))
    pieces, exact, day = [], Fraction(0), start
    for when, paid in [*[(d, p) for d, p in changes if d > start], (as_of + ONE_DAY, Fraction(0))]:
        days = (when - day).days
        if days > 0 and outstanding > 0:
            value = outstanding * Fraction(terms.daily_rate) * days
            pieces.append({"from": day.isoformat(), "to": (when - ONE_DAY).isoformat(), "days": days,
                           "base": exact_text(outstanding, 2), "value": exact_text(value, 4)})
            exact += value
        day = max(day, when)
        outstanding -= paid
    cap = Fraction(amount) * Fraction(terms.cap_percent) / 100
    capped = exact > cap
    value = cap if capped else exact
    fee = round_half_up(value)
    total_days = (as_of - start).days + 1
    return LateFee(fee, total_days, {
        "formula": "欠费 × 日利率 × 天数", "rate": str(terms.daily_rate), "grace_days": terms.grace_days,
        "from": start.isoformat(), "as_of": as_of.isoformat(), "pieces": pieces,
        "cap": exact_text(cap, 2), "capped": capped, "amount": str(fee),
    })

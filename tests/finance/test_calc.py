"""The exact table of billing cases: every amount worked out by hand, to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from sunlit.finance.books import calc, money
from sunlit.finance.books.calc import LateFeeTerms, Version

D = Decimal
JAN, FEB, APR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 4, 1)
PRICE = [Version(D("2.35"), dt.date(2025, 1, 1))]
CHANGE = [Version(D("2.35"), dt.date(2025, 1, 1), dt.date(2026, 1, 16)),
          Version(D("2.80"), dt.date(2026, 1, 16))]


@pytest.mark.parametrize(("case", "area", "start", "end", "versions", "charge_from", "amount"), [
    # 89.50 × 2.35 = 210.325: half-up gives 210.33 (banker's rounding would give 210.32)
    ("half a fen rounds up", D("89.50"), JAN, FEB, PRICE, None, "210.33"),
    ("fraction of a fen up", D("120.33"), JAN, FEB, PRICE, None, "282.78"),   # 282.7755
    ("fraction of a fen down", D("60.01"), JAN, FEB, PRICE, None, "141.02"),  # 141.0235
    # delivered 15 Jan: 17 of 31 days; 210.325 × 17/31 = 115.33951…
    ("delivery mid-month", D("89.50"), JAN, FEB, PRICE, dt.date(2026, 1, 15), "115.34"),
    ("delivered before the period", D("89.50"), JAN, FEB, PRICE, dt.date(2020, 6, 1), "210.33"),
    ("quarter", D("89.50"), JAN, APR, PRICE, None, "630.98"),                 # 630.975
    # delivered 10 Feb, quarterly: 19/28 of February + March; 210.325 × 47/28 = 353.04553…
    ("delivery mid-quarter over February", D("89.50"), JAN, APR, PRICE, dt.date(2026, 2, 10), "353.05"),
    # 2.35 for 1–15 Jan, 2.80 from 16 Jan: 89.50 × (2.35×15 + 2.80×16)/31 = 231.11209…
    ("tariff change mid-month", D("89.50"), JAN, FEB, CHANGE, None, "231.11"),
    ("no tariff yet", D("89.50"), JAN, FEB, [Version(D("2.35"), dt.date(2026, 3, 1))], None, None),
])
def test_area_fee(case, area, start, end, versions, charge_from, amount):
    result = calc.periodic_fee(start=start, end=end, versions=versions, area=area,
                               charge_from=charge_from)
    if amount is None:
        assert result is None
        return
    assert result.amount == D(amount), case
    assert result.calculation["amount"] == amount
    assert result.calculation["area"] == str(area)


def test_the_calculation_shows_each_segment():
    result = calc.periodic_fee(start=JAN, end=FEB, versions=CHANGE, area=D("89.50"))
    assert result.calculation["segments"] == [
        {"from": "2026-01-01", "to": "2026-01-15", "price": "2.35", "months": "15/31", "days": 15,
         "month_days": 31},
        {"from": "2026-01-16", "to": "2026-01-31", "price": "2.80", "months": "16/31", "days": 16,
         "month_days": 31},
    ]
    assert result.calculation["exact"] == "231.112097"


def test_whole_months_are_one_segment():
    result = calc.periodic_fee(start=JAN, end=dt.date(2027, 1, 1), versions=PRICE, area=None)
    assert result.amount == D("28.20")  # 2.35 × 12
    assert result.calculation["segments"] == [
        {"from": "2026-01-01", "to": "2026-12-31", "price": "2.35", "months": "12"}]


@pytest.mark.parametrize(("price", "start", "end", "amount"), [
    ("80", JAN, FEB, "80.00"),
    ("80", JAN, dt.date(2027, 1, 1), "960.00"),
    ("33.333", JAN, APR, "100.00"),   # 99.999 → 100.00
])
def test_fixed_fee(price, start, end, amount):
    result = calc.periodic_fee(start=start, end=end, versions=[Version(D(price), JAN)])
    assert result.amount == D(amount)


WATER = Version(D("3.50"), JAN, tiers=((D("10"), D("3.50")), (D("20"), D("4.20")), (None, D("5.60"))))


@pytest.mark.parametrize(("previous", "current", "amount"), [
    ("100.00", "125.50", "107.80"),   # 10×3.50 + 10×4.20 + 5.5×5.60
    ("100.00", "107.25", "25.38"),    # 7.25 × 3.50 = 25.375
    ("100.00", "110.00", "35.00"),    # exactly the first tier
    ("100.00", "100.00", None),       # nothing used: no line
])
def test_metered_fee_with_tiers(previous, current, amount):
    result = calc.metered_fee(previous=D(previous), current=D(current), version=WATER)
    if amount is None:
        assert result is None
        return
    assert result.amount == D(amount)
    assert result.calculation["usage"] == str(D(current) - D(previous))


def test_metered_fee_flat_price():
    result = calc.metered_fee(previous=D("0"), current=D("123.45"), version=Version(D("0.6"), JAN))
    assert result.amount == D("74.07")  # 74.07


@pytest.mark.parametrize(("area", "amount"), [
    # 1234.5 kWh × 0.60 = 740.70 split over 269.84 ㎡
    ("89.50", "245.67"),    # 245.67391…
    ("120.33", "330.30"),   # 330.30103…
    ("60.01", "164.73"),    # 164.72504…
])
def test_shared_fee_by_exclusive_area(area, amount):
    result = calc.shared_fee(meter_usage=D("1234.5"), version=Version(D("0.6"), JAN), unit_area=D(area),
                             total_area=D("269.84"), units=3)
    assert result.amount == D(amount)
    assert result.calculation["total"] == "740.7000"
    assert result.calculation["unit_area"] == area and result.calculation["total_area"] == "269.84"


TERMS = LateFeeTerms(D("0.0003"), 30, D("100"))
DUE = dt.date(2026, 1, 31)


@pytest.mark.parametrize(("case", "amount", "payments", "as_of", "terms", "fee"), [
    ("inside the grace period", "300.00", [], dt.date(2026, 3, 2), TERMS, "0.00"),
    ("first day after grace", "300.00", [], dt.date(2026, 3, 3), TERMS, "0.09"),
    # 3 Mar – 2 Apr: 31 days across the month end
    ("across a month end", "300.00", [], dt.date(2026, 4, 2), TERMS, "2.79"),
    # 12 days on 300, then 19 days on 200 after paying 100 on 15 Mar
    ("partial payment", "300.00", [(dt.date(2026, 3, 15), D("100"))], dt.date(2026, 4, 2), TERMS, "2.22"),
    ("paid before the fee starts", "300.00", [(dt.date(2026, 2, 1), D("300"))], dt.date(2026, 4, 2),
     TERMS, "0.00"),
    ("payment after as_of is ignored", "300.00", [(dt.date(2026, 5, 1), D("300"))],
     dt.date(2026, 4, 2), TERMS, "2.79"),
    # no grace: from 1 Feb to 1 Mar = 29 days (February has 28)
    ("no grace over February", "300.00", [], dt.date(2026, 3, 1), LateFeeTerms(D("0.0003"), 0, D("100")),
     "2.61"),
    ("capped at 10 %", "300.00", [], dt.date(2028, 1, 1), LateFeeTerms(D("0.0003"), 30, D("10")), "30.00"),
    ("fraction of a fen: 0.061725", "123.45", [], dt.date(2026, 2, 1),
     LateFeeTerms(D("0.0005"), 0, D("100")), "0.06"),
    ("fraction of a fen: 0.185175", "123.45", [], dt.date(2026, 2, 3),
     LateFeeTerms(D("0.0005"), 0, D("100")), "0.19"),
])
def test_late_fee(case, amount, payments, as_of, terms, fee):
    result = calc.late_fee(amount=D(amount), due_on=DUE, payments=payments, as_of=as_of, terms=terms)
    assert result.amount == D(fee), case


def test_round_half_up_is_exact():
    assert calc.round_half_up(Fraction(1, 200)) == D("0.01")
    assert calc.round_half_up(Fraction(1, 201)) == D("0.00")
    assert calc.round_half_up(Fraction(-1, 200)) == D("-0.01")
    with pytest.raises(TypeError):
        money.to_fen(0.1)


@pytest.mark.parametrize(("value", "message"), [
    (0.1, "精确"), ("abc", "数字"), ("-1", "负数"), ("1.001", "两位小数"), ("0", "大于零"),
    (None, "精确"), (True, "精确"), ("NaN", "数字"), ("1e20", "数字"), ("1000000000000", "上限"),
])
def test_bad_amounts_are_refused(value, message):
    with pytest.raises(money.MoneyError, match=message):
        money.parse_money(value)


def test_only_cny():
    with pytest.raises(money.MoneyError, match="人民币"):
        money.parse_money("10", currency="USD")
    assert money.parse_money(" 1,234.5 ") == D("1234.50")

"""Every figure a person reads in one readable form with its unit (``{% load units %}``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sunlit.core.templatetags.units import daily_rate, minutes, percent, price, yuan


@pytest.mark.parametrize("value, text", [
    (0, "0分钟"), (45, "45分钟"), (60, "1小时"), (583, "9小时43分钟"), (1440, "1天"),
    (7260, "5天1小时"), (-90, "-1小时30分钟"), (None, ""), ("x", "x"),
])
def test_durations_read_as_days_hours_minutes(value, text):
    assert minutes(value) == text


@pytest.mark.parametrize("value, text", [
    (Decimal("252067.31"), "252,067.31"), ("866.89", "866.89"), (Decimal("2000"), "2,000.00"),
    (None, ""), ("—", "—"),
])
def test_money_reads_one_way(value, text):
    assert yuan(value) == text


def test_money_is_never_a_float():
    assert yuan(1.5) == "1.5"  # shown as given, never rounded through a float


@pytest.mark.parametrize("value, text", [
    (Decimal("2.3500"), "2.35"), (Decimal("2000.0000"), "2,000.00"), (Decimal("0.0125"), "0.0125"),
    (Decimal("80"), "80.00"),
])
def test_prices_lose_the_databases_trailing_zeros(value, text):
    assert price(value) == text


@pytest.mark.parametrize("value, text", [
    (Decimal("0.000300"), "万分之3"), (Decimal("0.00025"), "万分之2.5"), (Decimal("0"), "不收取"),
])
def test_late_fee_rates_read_as_people_say_them(value, text):
    assert daily_rate(value) == text


def test_percent():
    assert percent(Decimal("0.9512")) == "95.12%" and percent("0.9", 0) == "90%"


def test_prose_keeps_chinese_punctuation_and_plains_full_width_letters():
    from sunlit.core.validators import clean_prose, normalize_text

    assert clean_prose("  关于更换电梯，（3号楼）：请业主表决！ ") == "关于更换电梯，（3号楼）：请业主表决！"
    assert clean_prose("ＡＢ１２\u3000号") == "AB12 号"
    assert normalize_text("１号楼，") == "1号楼,"  # roster data: everything plain

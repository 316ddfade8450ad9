"""The one parser of amounts (core.money): every refusal is a clear, translated message."""

from decimal import Decimal

import pytest
from django.utils import translation

from sunlit.core import money


@pytest.mark.parametrize(("value", "expected"), [
    ("12.3", Decimal("12.30")), (" 1,000.5 ", Decimal("1000.50")), (7, Decimal("7.00")),
    (Decimal("0.01"), Decimal("0.01")), ("999999999999.99", Decimal("999999999999.99")),
])
def test_parse_money_accepts_exact_amounts(value, expected):
    amount = money.parse_money(value)
    assert amount == expected and amount.as_tuple().exponent == -2


FLOAT = "金额必须是精确的数字，不能是浮点数"


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    (0.1, {}, FLOAT), (True, {}, FLOAT), (None, {}, FLOAT),
    ("abc", {}, "金额必须是数字"), ([1], {}, "金额必须是数字"), ("NaN", {}, "金额必须是数字"),
    ("Infinity", {}, "金额必须是数字"), ("1e40", {}, "金额必须是数字"), ("1.", {}, "金额必须是数字"),
    (Decimal("1E+40"), {}, "金额超出上限"), ("1000000000000", {}, "金额超出上限"),
    ("1.001", {}, "金额最多保留两位小数"), ("-1", {}, "金额不能为负数"), ("0", {}, "金额必须大于零"),
    ("5", {"currency": "USD"}, "只支持人民币（CNY）"),
])
def test_parse_money_refuses_with_a_clear_message(value, kwargs, message):
    with pytest.raises(money.MoneyError) as refused:
        money.parse_money(value, **kwargs)
    assert str(refused.value) == message


def test_parse_decimal_places_and_the_noun():
    assert money.parse_decimal("1.2345", places=4) == Decimal("1.2345")
    with pytest.raises(money.MoneyError, match="单价最多保留 4 位小数"):
        money.parse_decimal("1.23456", what="单价", places=4)
    assert money.parse_money("0", allow_zero=True) == Decimal("0.00")


def test_messages_are_translated():
    with translation.override("en"), pytest.raises(money.MoneyError) as refused:
        money.parse_money("-3")
    assert "negative" in str(refused.value).lower()

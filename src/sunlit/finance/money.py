"""Money — 金额: Decimal to the fen, ROUND_HALF_UP, never float.

Every amount that enters the finance app passes ``parse_money`` (user input: refuses floats,
non-numbers, negatives where not allowed and more than two places) or is the result of
``to_fen`` (a computed exact value rounded half-up to the fen, once, at the end of a
calculation).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
#: DecimalField(14, 2): the largest amount a row holds.
MAX_AMOUNT = Decimal("999999999999.99")
CURRENCY = "CNY"
PLACES_TEXT = {0: "零", 1: "一", 2: "两", 3: "三", 4: "四", 6: "六"}


class MoneyError(ValueError):
    """A value that is not an amount of money; the message is Chinese, for the user."""


def to_fen(value: Decimal | int) -> Decimal:
    """An exact value rounded half-up to two places (分)."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_decimal(value, *, what: str = "数值", places: int | None = None) -> Decimal:
    """A Decimal from a Decimal, int or numeric string; floats and bools are refused."""
    if isinstance(value, bool | float) or value is None:
        raise MoneyError(f"{what}必须是精确的数字")
    if isinstance(value, str):
        value = value.strip().replace(",", "")
    try:
        number = Decimal(value) if isinstance(value, Decimal | int | str) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise MoneyError(f"{what}必须是数字")
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise MoneyError(f"{what}最多保留{PLACES_TEXT.get(places, places)}位小数")
    return number


def parse_money(value, *, what: str = "金额", allow_zero: bool = False,
                currency: str = CURRENCY) -> Decimal:
    """An amount from user input: positive (or zero if allowed), at most two places, CNY."""
    if currency != CURRENCY:
        raise MoneyError("只支持人民币（CNY）")
    number = parse_decimal(value, what=what, places=2)
    if number < 0:
        raise MoneyError(f"{what}不能为负数")
    if number == 0 and not allow_zero:
        raise MoneyError(f"{what}必须大于零")
    if number > MAX_AMOUNT:
        raise MoneyError(f"{what}超出上限")
    return number.quantize(FEN)


def text(value: Decimal) -> str:
    """"123.40": how an amount is written on the log, in the API and on bill lines."""
    return str(Decimal(value).quantize(FEN))

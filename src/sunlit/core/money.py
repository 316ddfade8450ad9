"""Money — 金额: Decimal to the fen, ROUND_HALF_UP, never float; the one parser of amounts.

Every amount that enters Sunlit (a bill, a payment, a repair quote, a material's price) passes
``parse_money`` (user input: refuses floats, bools, non-numbers, negatives, zero unless allowed,
more than two places, another currency) or ``parse_decimal`` (a quantity or a unit price with
its own number of places), or is the result of ``to_fen`` (a computed exact value rounded
half-up to the fen, once, at the end of a calculation). ``sunlit.finance.books.money`` re-exports it.

Messages are Chinese msgids with ``%(what)s`` placeholders; callers pass ``what`` as a lazy
translated noun (``_("单价")``), so the English page says "Unit price must be a number".
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
#: DecimalField(14, 2): the largest amount a row holds.
MAX_AMOUNT = Decimal("999999999999.99")
CURRENCY = "CNY"
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class MoneyError(ValueError):
    """A value that is not an amount of money; the message is Chinese, for the user."""


def to_fen(value: Decimal | int) -> Decimal:
    """An exact value rounded half-up to two places (分)."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_decimal(value, *, what=None, places: int | None = None) -> Decimal:
    """A Decimal from a Decimal, int or numeric string; floats and bools are refused."""
    what = what or _("数值")
    if isinstance(value, bool | float) or value is None:
        raise MoneyError(_("%(what)s必须是精确的数字，不能是浮点数") % {"what": what})
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not PLAIN_NUMBER.fullmatch(value):  # typed amounts: no exponents, NaN or Infinity
            raise MoneyError(_("%(what)s必须是数字") % {"what": what})
    try:
        number = Decimal(value) if isinstance(value, Decimal | int | str) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise MoneyError(_("%(what)s必须是数字") % {"what": what})
    if number.adjusted() >= 15:  # beyond any amount or quantity we keep (and quantize's precision)
        raise MoneyError(_("%(what)s超出上限") % {"what": what})
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        if places == 2:
            raise MoneyError(_("%(what)s最多保留两位小数") % {"what": what})
        raise MoneyError(_("%(what)s最多保留 %(places)s 位小数") % {"what": what, "places": places})
    return number


def parse_money(value, *, what=None, allow_zero: bool = False,
                currency: str = CURRENCY) -> Decimal:
    """An amount from user input: positive (or zero if allowed), at most two places, CNY."""
    what = what or _("金额")
    if currency != CURRENCY:
        raise MoneyError(_("只支持人民币（CNY）"))
    number = parse_decimal(value, what=what, places=2)
    if number < 0:
        raise MoneyError(_("%(what)s不能为负数") % {"what": what})
    if number == 0 and not allow_zero:
        raise MoneyError(_("%(what)s必须大于零") % {"what": what})
    if number > MAX_AMOUNT:
        raise MoneyError(_("%(what)s超出上限") % {"what": what})
    return number.quantize(FEN)


def text(value: Decimal) -> str:
    """"123.40": how an amount is written on the log, in the API and on bill lines."""
    return str(Decimal(value).quantize(FEN))

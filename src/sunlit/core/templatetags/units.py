"""``{% load units %}``: every figure a person reads, in one readable form with its unit.

- ``minutes``: 583 → 9小时43分钟, 7260 → 5天1小时, 1440 → 1天 (durations kept in minutes);
- ``yuan``: money one way everywhere, to the fen with thousands separators (252,067.31);
- ``price``: a unit price without the database's trailing zeros (2.3500 → 2.35,
  2000.0000 → 2,000.00, 0.0125 stays 0.0125);
- ``daily_rate``: a late-fee rate as people say it (0.0003 → 万分之3, 0.00025 → 万分之2.5);
- ``percent``: a fraction as a percentage (0.9512 → 95.12%).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, (bool, float)):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def readable_minutes(value) -> str:
    try:
        total = int(value)
    except (TypeError, ValueError):
        return "" if value in (None, "") else str(value)
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, hours, minutes = total // 1440, total % 1440 // 60, total % 60
    if days:
        text = (_("%(d)s天%(h)s小时") % {"d": days, "h": hours} if hours
                else _("%(d)s天") % {"d": days})
    elif hours:
        text = (_("%(h)s小时%(m)s分钟") % {"h": hours, "m": minutes} if minutes
                else _("%(h)s小时") % {"h": hours})
    else:
        text = _("%(m)s分钟") % {"m": minutes}
    return sign + text


@register.filter
def minutes(value) -> str:
    return readable_minutes(value)


@register.filter
def yuan(value) -> str:
    """``"252067.31"`` or a Decimal → ``"252,067.31"``; anything else unchanged."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    return f"{number:,.2f}"


@register.filter
def number(value) -> str:
    """A count or a measure, grouped the way money is: ``1200`` → ``"1,200"``,
    ``Decimal("105065.74")`` → ``"105,065.74"``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    figure = _decimal(value)
    if figure is None:
        return "" if value is None else str(value)
    return f"{figure:,.2f}"


@register.filter
def price(value) -> str:
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    exponent = number.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return f"{number:,.{places}f}"


@register.filter
def daily_rate(value) -> str:
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if number == 0:
        return _("不收取")
    per_ten_thousand = (number * 10000).normalize()
    return _("万分之%(n)s") % {"n": f"{per_ten_thousand:f}"}


@register.filter
def percent(value, places: int = 2) -> str:
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    return f"{number * 100:.{int(places)}f}%"

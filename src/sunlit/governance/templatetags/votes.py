"""Template filters of the vote pages: exact ratios shown as people read them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """A Fraction as a percentage with two places (rounded half up): 2/3 → 66.67%."""
    if not isinstance(value, Fraction):
        return ""
    with localcontext() as ctx:
        ctx.prec = 40
        number = Decimal(value.numerator) * 100 / Decimal(value.denominator)
    return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


@register.filter
def bar(value) -> str:
    """A Fraction as a CSS width (0–100, one place)."""
    if not isinstance(value, Fraction):
        return "0"
    return f"{float(min(value, 1) * 100):.1f}"

"""``{% load ledger %}``: amounts of the 阳光账本 as people read them (252,067.31)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``"252067.31"`` or a Decimal → ``"252,067.31"``; anything else unchanged."""
    if isinstance(value, float) or value is None or value == "":
        return "" if value is None else str(value)
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)

"""``{% load ledger %}``: amounts of the 阳光账本 as people read them (252,067.31) — the one
money format of ``core.templatetags.units``, under the name the finance templates load."""

from __future__ import annotations

from django import template

from sunlit.core.templatetags.units import yuan

register = template.Library()
register.filter("yuan", yuan)

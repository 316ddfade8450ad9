"""Small helpers of the ticket templates: ``{% load ticket_tags %}``."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from sunlit.tickets.choices import Priority

register = template.Library()

PRIORITY_COLORS = {Priority.URGENT: "red", Priority.NORMAL: "secondary", Priority.LOW: "secondary"}


@register.filter
def priority_color(priority: str) -> str:
    return PRIORITY_COLORS.get(priority, "secondary")


@register.filter
def duration(seconds) -> str:
    """3天2小时, 2小时15分钟, 15分钟, 不到1分钟 — how long is left or over."""
    try:
        seconds = max(int(seconds), 0)
    except (TypeError, ValueError):
        return ""
    minutes = seconds // 60
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return (_("%(d)s天%(h)s小时") % {"d": days, "h": hours} if hours
                else _("%(d)s天") % {"d": days})
    if hours:
        return (_("%(h)s小时%(m)s分钟") % {"h": hours, "m": minutes} if minutes
                else _("%(h)s小时") % {"h": hours})
    if minutes:
        return _("%(m)s分钟") % {"m": minutes}
    return _("不到1分钟")


@register.filter
def location(ticket) -> str:
    """Where: the unit's label, or the common area (楼栋 · 楼层 · words)."""
    if ticket.unit_id is not None:
        return ticket.unit.label
    parts = []
    if ticket.building_id is not None:
        parts.append(ticket.building.name)
    if ticket.floor is not None:
        parts.append(_("地下%(n)s层") % {"n": -ticket.floor} if ticket.floor < 0
                     else _("%(n)s层") % {"n": ticket.floor})
    if ticket.location_text:
        parts.append(ticket.location_text)
    return " ".join(parts) or _("公共区域")


@register.filter
def lookup(mapping, key):
    """``forms|lookup:action`` — a dict item by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None

"""``{% load badges %}``: the status badge every page uses (see ``core.badges``)."""

from __future__ import annotations

from django import template
from django.db import models
from django.utils.html import format_html

from sunlit.core import badges

register = template.Library()


@register.simple_tag
def status_badge(obj, label=None, *, kind: str | None = None, field: str = "status",
                 testid: str = "", classes: str = ""):
    """``{% status_badge ticket %}``, ``{% status_badge event.to_status event.get_to_status_display
    kind="tickets.ticket" %}`` or ``{% status_badge item.status item.status_label kind="board.item"
    testid="item-status" %}``."""
    if isinstance(obj, models.Model):
        kind = kind or obj._meta.label_lower
        value = getattr(obj, field)
        if label is None:
            label = getattr(obj, f"get_{field}_display")()
    else:
        value = obj
        if label is None:
            label = value
    css = f"badge bg-{badges.colour(kind, value)}-lt" + (f" {classes}" if classes else "")
    if testid:
        return format_html('<span class="{}" data-status="{}" data-testid="{}">{}</span>',
                           css, value, testid, label)
    return format_html('<span class="{}" data-status="{}">{}</span>', css, value, label)

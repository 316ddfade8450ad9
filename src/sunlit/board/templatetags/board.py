"""Small helpers of the board templates: ``{{ dict|get:key }}`` and the statistics rows."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.simple_tag
def stat_rows() -> list[tuple[str, str, str]]:
    """(key in content.stats, label, unit) of the figures shown on the week page and poster."""
    return [
        ("count", _("本周新问题"), ""),
        ("response_median", _("受理用时中位数"), _("分钟")),
        ("response_p90", _("受理用时P90"), _("分钟")),
        ("resolution_median", _("办结用时中位数"), _("分钟")),
        ("resolution_p90", _("办结用时P90"), _("分钟")),
        ("sla_rate", _("服务时限达成率"), "%"),
        ("satisfaction", _("平均满意度"), ""),
    ]

"""Small helpers of the board templates: ``{{ dict|get:key }}`` and the statistics rows."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from sunlit.core.templatetags.units import readable_minutes

register = template.Library()


@register.filter
def get(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def stat(value, unit: str) -> str:
    """A statistic with its unit: durations (kept in minutes) as 天/小时/分钟."""
    if value is None or value == "":
        return "—"
    if unit == "minutes":
        return readable_minutes(value)
    return f"{value}{unit}"


@register.simple_tag
def stat_rows() -> list[tuple[str, str, str]]:
    """(key in content.stats, label, unit) of the figures shown on the week page and poster;
    the unit ``minutes`` reads as 天/小时/分钟."""
    return [
        ("count", _("本周新问题"), _("件")),
        ("response_median", _("受理用时中位数"), "minutes"),
        ("response_p90", _("受理用时P90"), "minutes"),
        ("resolution_median", _("办结用时中位数"), "minutes"),
        ("resolution_p90", _("办结用时P90"), "minutes"),
        ("sla_rate", _("服务时限达成率"), "%"),
        ("satisfaction", _("平均满意度"), _("分（满分5分）")),
    ]

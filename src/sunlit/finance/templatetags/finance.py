"""``{% load finance %}``: the finance menu entry and how a bill line's calculation reads."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from sunlit.core.permissions import can
from sunlit.finance.billing.access import my_units

register = template.Library()



@register.simple_tag(takes_context=True)
def finance_nav(context) -> dict:
    """Which finance links the menu shows: staff pages, and "my bills" for households."""
    request = context.get("request")
    user = getattr(request, "user", None)
    community = context.get("current_community")
    if user is None or not user.is_authenticated or community is None:
        return {}
    staff = can(user, "finance.view", community=community)
    return {"staff": staff, "household": not staff and my_units(user).exists(),
            # 阳光账本: every member of the community
            "ledger": can(user, "finance.report.view", community=community)}


@register.filter
def calc_steps(calculation: dict) -> list[str]:
    """A bill line's calculation as lines of arithmetic an owner can redo."""
    c = calculation or {}
    steps = []
    if "segments" in c:
        area = c.get("area")
        for s in c["segments"]:
            days = (_("（%(d)s/%(m)s 天）") % {"d": s["days"], "m": s["month_days"]}) if "days" in s else ""
            head = f"{area} ㎡ × " if area else ""
            steps.append(f"{s['from']} ~ {s['to']}：{head}{s['price']} 元 × {s['months']} 月{days}")
        if c.get("charge_from"):
            steps.append(_("自 %(d)s 起计费") % {"d": c["charge_from"]})
    elif "tiers" in c:
        steps.append(_("读数 %(p)s → %(c)s，用量 %(u)s") % {"p": c["previous"], "c": c["current"],
                                                        "u": c["usage"]})
        steps.extend(f"{t['usage']} × {t['price']} = {t['value']}" for t in c["tiers"])
    elif "meter_usage" in c:
        steps.append(_("总表用量 %(u)s × 单价 %(p)s = %(t)s 元") % {"u": c["meter_usage"], "p": c["price"],
                                                                 "t": c["total"]})
        steps.append(_("× 本户面积 %(a)s ㎡ ÷ 分摊总面积 %(t)s ㎡（%(n)s 户）") % {
            "a": c["unit_area"], "t": c["total_area"], "n": c["units"]})
    if "exact" in c:
        steps.append(_("= %(e)s，四舍五入到分：%(a)s 元") % {"e": c["exact"], "a": c["amount"]})
    return steps

"""``{% load finance_money %}``: the public-money menu entries (task `fund`)."""

from __future__ import annotations

from django import template

from sunlit.core.permissions import can
from sunlit.finance.billing.access import my_units

register = template.Library()


@register.simple_tag(takes_context=True)
def money_nav(context) -> dict:
    """公共资金 for staff, the committee and the supervision group; 我的维修资金 for households."""
    request = context.get("request")
    user = getattr(request, "user", None)
    community = context.get("current_community")
    if user is None or not user.is_authenticated or community is None:
        return {}
    staff = can(user, "finance.money.view", community=community)
    return {"staff": staff, "household": not staff and my_units(user).exists(),
            "approve": can(user, "finance.money.approve", community=community)}

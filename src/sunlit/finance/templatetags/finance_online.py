"""``{% load finance_online %}``: what 我的账单 needs to offer online payment."""

from __future__ import annotations

import secrets

from django import template

from sunlit.finance.online import services as online

register = template.Library()


@register.simple_tag
def online_providers(community) -> list[tuple[str, str, bool]]:
    """(provider, label, simulated) switched on for the community; empty when none is."""
    return online.providers_for(community) if community is not None else []


@register.simple_tag
def new_idempotency_key() -> str:
    """A fresh key per rendered form: a double click submits one order."""
    return secrets.token_urlsafe(16)

"""Helpers shared by the roster commands: finding the community and the acting user."""

from __future__ import annotations

import unicodedata

from django.core.management.base import CommandError

from sunlit.core.models import Community, User


def community_by_code(code: str) -> Community:
    community = Community.objects.filter(code=code).first()
    if community is None:
        raise CommandError(f"没有编码为 {code!r} 的小区")
    return community


def actor_by_username(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"没有用户名为 {username!r} 的有效用户")
    return user


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table that stays aligned with Chinese (double-width) characters."""
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])

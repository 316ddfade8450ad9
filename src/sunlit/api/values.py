"""Schema values as services, forms and filter sets take them: a choice enum as its plain
value (``"open"``, not ``VoteStatus.OPEN``), lists item by item."""

from __future__ import annotations

from enum import Enum


def plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def plain_values(data: dict) -> dict:
    """``payload.dict()`` (or a query's) with every value plain."""
    return {name: plain(value) for name, value in data.items()}

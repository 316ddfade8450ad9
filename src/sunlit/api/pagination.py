"""Lists of the API: one way to page through them.

Every list operation takes ``limit`` and ``offset`` (``PageQuery``; at most ``MAX_PAGE`` items,
an offset of at most ``MAX_OFFSET``) and answers ``{"count", "items"}`` (``page``); ``count`` is
the whole list's length, so a client knows when it is done. A list's own filters extend
``PageQuery``; its answer schema is ``count: int`` and ``items: list[...]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ninja import Field, Schema

# The largest ``offset`` of a list: beyond it nothing is left, and the databases cannot take
# numbers past 64 bits (an unbounded offset answered 500).
MAX_OFFSET = 1_000_000_000
MAX_PAGE = 200


T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list: ``Page[VoteOut]`` in an operation's ``response=``."""

    count: int = Field(..., description="符合条件的总条数")
    items: list[T]


class PageQuery(Schema):
    """``limit`` and ``offset`` of a list; a list's own filters extend it."""

    limit: int = Field(50, ge=1, le=MAX_PAGE, description=f"每页条数，最多 {MAX_PAGE}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


def page(rows, query: PageQuery, convert: Callable[[Any], Any] | None = None) -> dict:
    """One page of ``rows`` (a queryset or a list) as the API answers it."""
    count = len(rows) if isinstance(rows, list) else rows.count()
    items = list(rows[query.offset:query.offset + query.limit])
    return {"count": count, "items": [convert(item) for item in items] if convert else items}

"""Who is acting and from where, for the audit trail (set by RequestContextMiddleware)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""


current: ContextVar[RequestContext] = ContextVar(
    "sunlit_request", default=RequestContext()  # noqa: B039 (frozen, immutable)
)

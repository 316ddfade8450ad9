"""Who is acting and from where, for the audit trail (set by RequestContextMiddleware)."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""


current: ContextVar[RequestContext] = ContextVar(
    "sunlit_request", default=RequestContext()  # noqa: B039 (frozen, immutable)
)


def client_address(request) -> str | None:
    """The client's address, the same for the audit trail, login throttling and rate limits.

    ``REMOTE_ADDR``; behind ``SUNLIT_PROXY_COUNT`` trusted reverse proxies, the address that the
    outermost of them saw: ``X-Forwarded-For`` counted from the right (each proxy appends the
    address it received the request from, so entries further left are the client's own claims
    and are never trusted).
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "SUNLIT_PROXY_COUNT", 0)
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                if hop.strip()]
        if len(hops) >= count:
            try:
                return str(ipaddress.ip_address(hops[-count]))
            except ValueError:
                pass
    return remote

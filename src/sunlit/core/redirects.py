"""Safe redirects: the one rule for every ``next`` a view honours (docs/security.md).

A ``next`` target is followed only when it is a path on this site: it starts with a single
``/``, carries no scheme and no host (``//evil.example``, ``/\\evil``, ``https://evil.example``,
``javascript:`` are all refused), no backslash, no whitespace or control character, and Django's
``url_has_allowed_host_and_scheme`` agrees. Anything else falls back to the view's own page.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

MAX_LENGTH = 2000


def is_safe_path(url: object, *, host: str | None = None) -> bool:
    """True when ``url`` is a relative path on this site (``/tickets/12/?page=2#done``)."""
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH:
        return False
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if "\\" in url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts={host} if host else set(),
                                           require_https=False)


def safe_next(request: HttpRequest, fallback: str, *, field: str = "next",
              value: str | None = None) -> str:
    """Where to go after a form: the request's ``next`` (POST, else GET) when it is a safe
    path on this site, else ``fallback`` (a URL or a URL pattern name)."""
    if value is None:
        value = request.POST.get(field) or request.GET.get(field) or ""
    if is_safe_path(value, host=request.get_host()):
        return value
    return resolve_url(fallback)

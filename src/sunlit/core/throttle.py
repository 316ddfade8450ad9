"""Throttles — 频率限制: how many failed attempts one key may make within a window.

Login failures per account and address are counted by django-axes (``core.auth.throttle_key``
makes every spelling of one account one key). The counters here cover what axes does not:
failed logins per address across all accounts, and failed activations and home bindings per
address, per activation code, per mobile number and per account.

A counter lives in Django's cache (Redis when ``REDIS_URL`` is set; the local-memory cache of
the single ``sunlit serve`` process otherwise). It starts with the first failure and expires
one window later; while it is at the limit, the key is refused. Keys are hashed, so no mobile
number or code is written into the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PREFIX = "sunlit:throttle:"


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    minutes: int

    def key(self, value: object) -> str:
        digest = hashlib.sha256(f"{self.scope}\x00{value}".encode()).hexdigest()[:40]
        return f"{PREFIX}{self.scope}:{digest}"


def rule(scope: str) -> Rule:
    """The rule of one scope, read from the settings each time (tests may change them)."""
    activation = (settings.SUNLIT_ACTIVATION_FAILURE_LIMIT, settings.SUNLIT_ACTIVATION_COOLOFF_MINUTES)
    limits = {
        # failed logins from one address, whichever accounts they tried
        "login.address": (settings.SUNLIT_LOGIN_ADDRESS_FAILURE_LIMIT,
                          settings.SUNLIT_LOGIN_COOLOFF_MINUTES),
        # failed activations and bindings from one address
        "activation.address": (settings.SUNLIT_ACTIVATION_ADDRESS_FAILURE_LIMIT,
                               settings.SUNLIT_ACTIVATION_COOLOFF_MINUTES),
        # one activation code (activation and binding alike), one mobile number, one account
        "activation.code": activation,
        "activation.mobile": activation,
        "binding.account": activation,
        # SMS codes asked for one mobile number, and from one address (password reset)
        "reset.mobile": (settings.SUNLIT_RESET_CODES_PER_HOUR, 60),
        "reset.address": (settings.SUNLIT_RESET_CODES_PER_HOUR * 4, 60),
    }
    limit, minutes = limits[scope]
    return Rule(scope, int(limit), int(minutes))


Keys = Iterable[tuple[str, object]]


def _present(keys: Keys) -> list[tuple[Rule, object]]:
    return [(rule(scope), value) for scope, value in keys if value not in (None, "")]


def blocked(keys: Keys) -> Rule | None:
    """The first rule whose key is at its limit, or None when every key may try again."""
    for current, value in _present(keys):
        if current.limit > 0 and (cache.get(current.key(value)) or 0) >= current.limit:
            return current
    return None


def failed(keys: Keys) -> None:
    """Counts one failure against each key (the window starts with a key's first failure)."""
    for current, value in _present(keys):
        if current.limit <= 0:
            continue
        key = current.key(value)
        cache.add(key, 0, timeout=current.minutes * 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=current.minutes * 60)


def reset(keys: Keys) -> None:
    for current, value in _present(keys):
        cache.delete(current.key(value))

"""Log in with a mobile number or a username."""

from __future__ import annotations

import hashlib

from django.contrib.auth.backends import ModelBackend

from sunlit.core import crypto
from sunlit.core.models import User
from sunlit.core.validators import MOBILE_RE, normalize_mobile, normalize_text


def find_user(identifier: str) -> User | None:
    """The account that a login name means: a mobile number in any spelling, or a username
    (case does not matter)."""
    identifier = (identifier or "").strip()
    mobile = normalize_mobile(identifier)
    if MOBILE_RE.match(mobile):
        user = User.objects.filter(
            mobile_index=crypto.blind_index(mobile, purpose="mobile")
        ).first()
        if user is not None:
            return user
    return User.objects.filter(username__iexact=identifier).first()


def throttle_key(request, credentials: dict | None = None) -> str:
    """What django-axes counts failed logins against (``AXES_USERNAME_CALLABLE``).

    The account itself, whichever spelling reached it: ``173-22458486``, ``+86 173…`` and
    ``17322458486`` are one key, and so are ``DEMO-manager`` and ``demo-manager``. A name that
    reaches no account is counted by a hash of its normalised form (its spellings share one key,
    and no stranger's mobile number is written into the attempts table).
    """
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username", "")
    identifier = str(identifier or "")[:150]
    user = find_user(identifier)
    if user is not None:
        return f"user:{user.pk}"
    mobile = normalize_mobile(identifier)
    name = mobile if MOBILE_RE.match(mobile) else normalize_text(identifier).lower()
    return "unknown:" + hashlib.sha256(name.encode()).hexdigest()[:16]


class MobileOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

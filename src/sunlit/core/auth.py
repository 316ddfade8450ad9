"""Log in with a mobile number or a username."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from sunlit.core import crypto
from sunlit.core.models import User
from sunlit.core.validators import MOBILE_RE, normalize_mobile


def find_user(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    mobile = normalize_mobile(identifier)
    if MOBILE_RE.match(mobile):
        user = User.objects.filter(
            mobile_index=crypto.blind_index(mobile, purpose="mobile")
        ).first()
        if user is not None:
            return user
    return User.objects.filter(username__iexact=identifier).first()


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

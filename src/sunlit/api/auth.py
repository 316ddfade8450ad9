"""Who calls the API: a bearer token (``Authorization: Bearer sl_...``, for integrations and
the owners' own tools) or the browser's session (unsafe methods also need the CSRF token)."""

from __future__ import annotations

from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from sunlit.core.services import authenticate_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session; unsafe methods also need the CSRF token.

    Without a logged-in session this auth simply does not apply (so an anonymous call or a
    wrong bearer token gets 401, not a CSRF error); with one, an unsafe method without a valid
    CSRF token is refused with 403.
    """

    param_name = "sessionid"

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试，或改用令牌（Bearer）调用接口")
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

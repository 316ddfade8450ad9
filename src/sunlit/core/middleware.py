"""Request-wide middleware of the core app."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from sunlit.core.context import RequestContext, client_address, current


class RequestContextMiddleware:
    """Remembers the client address and agent so that services can audit "from where"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current.set(
            RequestContext(
                ip_address=client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            current.reset(token)


class LanguageMiddleware:
    """Chinese unless the user chose otherwise (cookie), whatever the browser asks for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supported = {code for code, _ in settings.LANGUAGES}
        language = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ApiErrorShapeMiddleware:
    """Answers the API's client errors that Ninja never sees in the API's uniform error shape.

    Ninja answers every error of an operation as ``{"detail", "errors"}`` (sunlit/api.py). Two
    are made before any operation runs, as HTML: Django's 404 for a path under ``/api/`` that no
    operation serves (``/api/v1/tickets/abc``, a typo), and Ninja's 405 for a method the path
    does not serve. This rewrites exactly those, keeping the status and the ``Allow`` header.
    """

    PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code in (404, 405) and request.path_info.startswith(self.PREFIX)
                and not response.get("Content-Type", "").startswith("application/json")):
            from sunlit.api import api

            detail = gettext("未找到") if response.status_code == 404 else gettext("不支持此请求方法")
            uniform = api.create_response(request, {"detail": detail, "errors": []},
                                          status=response.status_code)
            if response.has_header("Allow"):
                uniform["Allow"] = response["Allow"]
            return uniform
        return response

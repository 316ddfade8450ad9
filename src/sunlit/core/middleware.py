"""Request-wide middleware of the core app."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import BadRequest
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
        try:
            response = self.get_response(request)
        finally:
            # the thread goes back to the default language: what it does next outside a
            # request (a task, a test) is not in the last visitor's language
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


class ApiErrorShapeMiddleware:
    """Answers the API's client errors that Ninja never sees in the API's uniform error shape.

    Ninja answers every error of an operation as ``{"detail", "errors"}`` (sunlit/api/errors.py). Two
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
            from sunlit.api.site import api

            detail = gettext("未找到") if response.status_code == 404 else gettext("不支持此请求方法")
            uniform = api.create_response(request, {"detail": detail, "errors": []},
                                          status=response.status_code)
            if response.has_header("Allow"):
                uniform["Allow"] = response["Allow"]
            return uniform
        return response


NUL = "\x00"


def first_nul(data) -> str | None:
    """The name of the first field of a ``QueryDict`` whose value holds a NUL character."""
    for key, values in data.lists():
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            return key.replace(NUL, "")
    return None


class NulCharacterMiddleware:
    """Refuses a query string or form holding a NUL character, before any view reads it.

    No text field can hold one (PostgreSQL refuses it, with a server error), and no person types
    one. The API answers its uniform 422 (JSON bodies are checked by its parser, sunlit/api/errors.py);
    a page answers 400 with the Chinese error page. Multipart forms are left to their fields
    (Django's CharField refuses a NUL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = first_nul(request.GET)
        # multipart bodies are left to the view: reading them here would fix their upload
        # handlers before the view can set its own (the roster import streams to a temp file)
        if (field is None and request.method == "POST"
                and request.content_type == "application/x-www-form-urlencoded"):
            field = first_nul(request.POST)
        if field is None:
            return self.get_response(request)
        if request.path_info.startswith(ApiErrorShapeMiddleware.PREFIX):
            from sunlit.api.site import api

            return api.create_response(request, {
                "detail": gettext("请求数据不正确"),
                "errors": [{"field": field, "message": gettext("不能包含空字符")}]}, status=422)
        raise BadRequest(gettext("请求含有空字符"))

"""The HTTP API: Django Ninja, OpenAPI 3 at /api/openapi.json, docs at /api/docs.

Every app contributes a router mounted under /api/v1/. Session auth (with CSRF) for the
web, bearer tokens (``Authorization: Bearer sl_...``) for integrations. Errors always have
the shape ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
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


class NotAJsonObject(ValueError):
    pass


class NulInBody(ValueError):
    """A string of the body holds a NUL character (``field`` is where)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def _nul_at(value, path: str = "") -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here.replace("\x00", "")
            if (found := _nul_at(item, here)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_at(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None


class JsonObjectParser(Parser):
    """Every request body of the API is a JSON object (or ``null`` where the body is optional).

    Ninja validates a schema from any object's attributes (its ORM mode), so a string, a number
    or a list sent as a body whose fields are all optional was taken as an empty object (found
    by the schema fuzz run: PATCH /persons/{id} with ``"abc"`` answered 200).
    """

    def parse_body(self, request):
        data = super().parse_body(request)
        if data is not None and not isinstance(data, dict):
            raise NotAJsonObject
        # No text field can hold a NUL (PostgreSQL refuses it); query strings and forms are
        # refused by core.middleware.NulCharacterMiddleware before they get here.
        if (field := _nul_at(data)) is not None:
            raise NulInBody(field)
        return data


api = NinjaAPI(
    title="阳光物业 Sunlit API",
    version="1.0.0",
    description="Transparency-first property management. 所有接口按小区隔离。",
    auth=[TokenAuth(), SessionAuth()],
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
    parser=JsonObjectParser(),
)


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


# Pydantic's messages in Chinese, by error type (the English text is the fallback).
_SCHEMA_MESSAGES = {
    "missing": "此项为必填项",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "float_parsing": "必须是数字",
    "float_type": "必须是数字",
    "decimal_parsing": "必须是数字",
    "decimal_type": "必须是数字",
    "finite_number": "必须是有限的数字",
    "string_type": "必须是文本",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "datetime_type": "时间格式应为 ISO 8601",
    "list_type": "必须是列表",
    "dict_type": "必须是对象",
    "model_attributes_type": "必须是对象",
    "model_type": "必须是对象",
    "extra_forbidden": "不支持此字段",
}


def _schema_message(err: dict) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in _SCHEMA_MESSAGES:
        return _SCHEMA_MESSAGES[kind]
    if kind in ("enum", "literal_error"):
        return f"取值无效，可选值：{ctx.get('expected', '')}"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": "不能小于", "greater_than": "必须大于",
                 "less_than_equal": "不能大于", "less_than": "必须小于"}
        limit = next(iter(ctx.values()), "")
        return f"{words[kind]} {limit}"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    return err.get("msg", "")


# Where a parameter came from is not part of the field name the client sees.
_PARAM_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "payload"})


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in _PARAM_SOURCES]
        errors.append({"field": ".".join(loc) or None, "message": _schema_message(err)})
    return _error(request, 422, "请求数据不正确", errors)


@api.exception_handler(ValidationError)
def on_domain_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = [{"field": f, "message": m} for f, ms in exc.message_dict.items() for m in ms]
    else:
        errors = [{"field": None, "message": m} for m in exc.messages]
    return _error(request, 422, "请求数据不正确", errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "未找到")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, str(exc) or "没有权限")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "请先登录或提供有效的令牌")


# A number beyond 64-bit integers reaching the database (an id in a list looked up with
# ``pk__in``, an offset): SQLite cannot bind it. Bad input, not a server error. (PostgreSQL
# compares it as a numeric and finds nothing.)
@api.exception_handler(OverflowError)
def on_overflow(request, exc):
    return _error(request, 422, "请求数据不正确", [{"field": None, "message": "数值超出范围"}])


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    detail = str(exc)
    if exc.status_code == 400 and isinstance(exc.__cause__, NulInBody):
        return _error(request, 422, "请求数据不正确",
                      [{"field": exc.__cause__.field or None, "message": "不能包含空字符"}])
    if exc.status_code == 400 and isinstance(exc.__cause__, NotAJsonObject):
        detail = "请求体必须是 JSON 对象"
    elif exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        detail = "请求体不是有效的 JSON"
    return _error(request, exc.status_code, detail)


def _mount_routers() -> None:
    from sunlit.board.api import router as board_router
    from sunlit.core.api import router as core_router
    from sunlit.finance.api import router as finance_router
    from sunlit.governance.api import routers as governance_routers
    from sunlit.notices.api import router as notices_router
    from sunlit.registry.api import router as registry_router
    from sunlit.tickets.api import router as tickets_router
    from sunlit.transparency.api import router as transparency_router

    api.add_router("/v1/", core_router)
    api.add_router("/v1/", registry_router)
    api.add_router("/v1/", transparency_router)
    for router in governance_routers:  # one per package (votes, proposals, meetings, ...)
        api.add_router("/v1/", router)
    api.add_router("/v1/", tickets_router)
    api.add_router("/v1/", notices_router)
    api.add_router("/v1/", board_router)
    api.add_router("/v1/finance/", finance_router)  # its domains' routers, gathered in finance/api.py


_mount_routers()

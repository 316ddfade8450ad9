"""The API's one error shape: ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``.

Every client error of every operation has it: schema errors (translated, per field), a
service's ``ValidationError`` (422), 404 for another community's object, 403 for a step the
caller may not take, 401 without credentials, 400 for a body that is not a JSON object. Errors
made before an operation runs (no such path, wrong method) are rewritten into it by
``core.middleware.ApiErrorShapeMiddleware``. ``ERRORS`` is merged into every operation's
``response=`` so that the schema documents them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser


class FieldError(Schema):
    field: str | None = Field(None, description="出错的字段；为空表示整个请求")
    message: str


class ErrorOut(Schema):
    """Every error of the API: a summary and, for bad input, one message per field."""

    detail: str
    errors: list[FieldError] = []


# Documented error answers, to merge into ``response=``; 400 is a body that is not valid JSON.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def file_answer(media_type: str) -> dict:
    """``openapi_extra`` of an operation whose 200 is a file (declared ``200: None``): the
    schema names its media type, so that clients (and the schema fuzz run) expect it."""
    media_type = media_type.split(";")[0].strip()
    body = {"type": "string"} if media_type.startswith("text/") else {"type": "string", "format": "binary"}
    return {"responses": {200: {"content": {media_type: {"schema": body}}}}}


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


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    from sunlit.api.site import api

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


def on_schema_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in _PARAM_SOURCES]
        errors.append({"field": ".".join(loc) or None, "message": _schema_message(err)})
    return _error(request, 422, "请求数据不正确", errors)


def on_domain_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = [{"field": f, "message": m} for f, ms in exc.message_dict.items() for m in ms]
    else:
        errors = [{"field": None, "message": m} for m in exc.messages]
    return _error(request, 422, "请求数据不正确", errors)


def on_not_found(request, exc):
    return _error(request, 404, "未找到")


def on_forbidden(request, exc):
    return _error(request, 403, str(exc) or "没有权限")


def on_unauthenticated(request, exc):
    return _error(request, 401, "请先登录或提供有效的令牌")


# A number beyond 64-bit integers reaching the database (an id in a list looked up with
# ``pk__in``, an offset): SQLite cannot bind it. Bad input, not a server error. (PostgreSQL
# compares it as a numeric and finds nothing.)
def on_overflow(request, exc):
    return _error(request, 422, "请求数据不正确", [{"field": None, "message": "数值超出范围"}])


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


def install(api) -> None:
    """Every error of ``api`` answered in the one shape."""
    api.add_exception_handler(NinjaValidationError, on_schema_error)
    api.add_exception_handler(ValidationError, on_domain_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(OverflowError, on_overflow)
    api.add_exception_handler(HttpError, on_http_error)

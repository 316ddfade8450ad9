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
from ninja.security import APIKeyCookie, HttpBearer

from sunlit.core.services import authenticate_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session; unsafe methods also need the CSRF token (Ninja checks it)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


api = NinjaAPI(
    title="阳光物业 Sunlit API",
    version="1.0.0",
    description="Transparency-first property management. 所有接口按小区隔离。",
    auth=[TokenAuth(), SessionAuth()],
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc) or None, "message": err.get("msg", "")})
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


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc))


def _mount_routers() -> None:
    from sunlit.core.api import router as core_router
    from sunlit.registry.api import router as registry_router

    api.add_router("/v1/", core_router)
    api.add_router("/v1/", registry_router)


_mount_routers()

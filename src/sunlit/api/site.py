"""The ``NinjaAPI`` at ``/api/``: auth, the error handlers, and every app's router mounted once."""

from __future__ import annotations

from importlib import import_module

from ninja import NinjaAPI

from sunlit.api import errors
from sunlit.api.auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title="阳光物业 Sunlit API",
    version="1.0.0",
    description="Transparency-first property management. 所有接口按小区隔离。",
    auth=[TokenAuth(), SessionAuth()],
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
    parser=errors.JsonObjectParser(),
)
errors.install(api)

#: (app, prefix under /api/): every app's ``<app>.api.router``, mounted once, in this order.
APPS = (
    ("core", "v1/"),
    ("registry", "v1/"),
    ("transparency", "v1/"),
    ("governance", "v1/"),
    ("tickets", "v1/"),
    ("notices", "v1/"),
    ("board", "v1/"),
    ("company", "v1/"),
    ("finance", "v1/finance/"),
)

for app, prefix in APPS:
    api.add_router(f"/{prefix}", import_module(f"sunlit.{app}.api").router)

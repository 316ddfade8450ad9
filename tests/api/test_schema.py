"""The published OpenAPI contract describes the API that is served: the same paths, the same
operations, and one schema per name."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from sunlit.api import api

METHODS = ("get", "post", "put", "patch", "delete")


def _schemas():
    """The schema as served at /api/openapi.json and as committed (scripts/openapi.py)."""
    return {"served": Client().get("/api/openapi.json").json(),
            "committed": api.get_openapi_schema(path_prefix="/api")}


def _served_routes() -> set[str]:
    """Every URL the API answers, written as the schema writes paths (``{name}``)."""
    (api_include,) = [p for p in get_resolver().url_patterns
                      if getattr(p, "namespace", None) == api.urls_namespace]
    routes = set()
    for pattern in api_include.url_patterns:
        route = "/api/" + str(pattern.pattern)
        routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes - {"/api/", "/api/openapi.json", "/api/docs"}


def _concrete(path: str) -> str:
    return re.sub(r"{month}", "2026-01", re.sub(r"{\w*id}", "1", path)).replace("{", "").replace("}", "")


@pytest.mark.parametrize("variant", ["served", "committed"])
def test_every_schema_path_is_served_and_every_served_path_is_in_the_schema(db, variant):
    schema = _schemas()[variant]
    paths = set(schema["paths"])
    served = _served_routes()
    assert sorted(paths - served) == [], "in the schema, not served"
    assert sorted(served - paths) == [], "served, not in the schema"


def test_every_operation_of_the_schema_answers_at_its_path(db):
    """Anonymous, each operation answers 401 in the uniform shape: neither Django's 404 page
    (the path is not served) nor 405 (the method is not served there)."""
    schema = _schemas()["served"]
    client = Client()
    wrong = []
    for path, item in schema["paths"].items():
        for method in (m for m in item if m in METHODS):
            response = getattr(client, method)(_concrete(path))
            if response.status_code != 401 or "detail" not in response.json():
                wrong.append((method.upper(), path, response.status_code))
    assert wrong == []

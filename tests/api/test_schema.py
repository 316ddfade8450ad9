"""The published OpenAPI contract describes the API that is served: the same paths, the same
operations, and one schema per name."""

from __future__ import annotations

import enum
import re
import typing

import pydantic
import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from sunlit.api.site import api

METHODS = ("get", "post", "put", "patch", "delete")


def _schemas():
    """The schema as served at /api/openapi.json and as committed (scripts/openapi.py)."""
    return {"served": Client().get("/api/openapi.json").json(),
            "committed": api.get_openapi_schema(path_prefix="/api/")}


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


def _named_types(annotation, seen: set) -> typing.Iterator[type]:
    """The pydantic models and enums reachable from a type annotation."""
    if annotation in seen:
        return
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _named_types(field.annotation, seen)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        seen.add(annotation)
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _named_types(arg, seen)


def test_no_two_schema_classes_of_the_api_share_a_name():
    """Ninja names each component after its class and keeps only one per name: a second class of
    the same name silently takes the first one's place in the schema of other operations."""
    seen: set = set()
    by_name: dict[str, set[str]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                roots = list(operation.models) + [m for m in operation.response_models.values()
                                                  if isinstance(m, type)]
                for root in roots:
                    for cls in _named_types(root, seen):
                        if cls.__module__.startswith("sunlit."):
                            by_name.setdefault(cls.__name__, set()).add(
                                f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert shared == {}
    assert len(by_name) > 100  # the walk reached the schemas


@pytest.mark.parametrize(("path", "media_type"), [
    ("/api/v1/finance/communities/{community_id}/reports/{month}/csv", "text/csv"),
    ("/api/v1/finance/communities/{community_id}/reports/{month}/pdf", "application/pdf"),
    ("/api/v1/finance/payments/{payment_id}/receipt.pdf", "application/pdf"),
    ("/api/v1/finance/communities/{community_id}/meter-imports/template",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_an_operation_answering_a_file_declares_its_media_type(path, media_type):
    """The monthly report's CSV and PDF were published as JSON strings (found by the schema fuzz
    run: content-type conformance)."""
    answer = api.get_openapi_schema(path_prefix="/api/")["paths"][path]["get"]["responses"][200]
    assert set(answer["content"]) == {media_type}


def test_the_report_csv_and_pdf_answer_in_their_declared_media_types(client, community, finance):
    from sunlit.finance.books import ledger

    ledger.open_books(community, actor=finance)
    client.force_login(finance)
    month = timezone.localdate().strftime("%Y-%m")
    paths = _schemas()["served"]["paths"]
    for kind in ("csv", "pdf"):
        path = f"/api/v1/finance/communities/{{community_id}}/reports/{{month}}/{kind}"
        response = client.get(f"/api/v1/finance/communities/{community.pk}/reports/{month}/{kind}")
        assert response.status_code == 200
        declared = set(paths[path]["get"]["responses"]["200"]["content"])
        assert {response["Content-Type"].split(";")[0]} == declared

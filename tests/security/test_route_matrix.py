"""Every route proves who may call it: the generated permission matrix.

The routes are enumerated from the URL resolver and the NinjaAPI (never a hand list); each must
have its cells in ``policy.py``. Every cell is called as every persona (one account per role in
community A, an owner of community B, anonymous) against community A's object and community
B's, and the answer must be the one the policy promises. A refused request must change nothing:
the row count of every table (the log's leaves, the audit trail and notifications included) is
the same before and after, and an API refusal carries no data, only the uniform error shape.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse

from sunlit.api.site import api
from tests.security import matrix as M
from tests.security.policy import API, CELLS, PAGES
from tests.security.routes_enum import admin_routes, api_routes, page_routes
from tests.security.world import PERSONAS

PAGE_ROUTES = {r.key: r for r in page_routes()}
API_ROUTES = {r.key: r for r in api_routes()}
# the schema and the docs page are served by Ninja itself, to everyone
SCHEMA_ROUTES = {"GET /api/openapi.json", "GET /api/docs", "GET /api/"}


def _operations() -> tuple[dict, dict]:
    schema = api.get_openapi_schema()
    operations = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            operations[f"{method.upper()} {path.replace('/apiv1/', '/api/v1/')}"] = operation
    return operations, schema["components"]["schemas"]


OPERATIONS, COMPONENTS = _operations()


# --- the matrix covers every route -----------------------------------------------------------


def test_every_page_has_its_cells():
    missing = sorted(set(PAGE_ROUTES) - {c.key for c in PAGES})
    assert not missing, f"pages without a row in tests/security/policy.py: {missing}"
    stale = sorted({c.key for c in PAGES} - set(PAGE_ROUTES))
    assert not stale, f"cells of pages that no longer exist: {stale}"


def test_every_api_operation_has_its_cells():
    served = set(API_ROUTES) - SCHEMA_ROUTES
    missing = sorted(served - {c.key for c in API})
    assert not missing, f"API operations without a row in tests/security/policy.py: {missing}"
    stale = sorted({c.key for c in API} - served)
    assert not stale, f"cells of API operations that no longer exist: {stale}"


def test_every_served_operation_is_in_the_schema():
    assert set(API_ROUTES) - SCHEMA_ROUTES <= set(OPERATIONS)


def test_cells_are_unique():
    ids = [c.id for c in CELLS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# --- the cells -----------------------------------------------------------------------------


def _request(cell: M.Cell, world, side: str) -> M.Request:
    if cell.is_api:
        return M.api_request(cell, OPERATIONS[cell.key], COMPONENTS, world, side)
    route = PAGE_ROUTES[cell.key]
    url = reverse(cell.key, kwargs=M.path_args(cell, route.kwargs, world, side))
    query = M.query_args(cell, world, side)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    body = cell.body(world, side) if cell.body else {}
    return M.Request(url, cell.method, body if cell.method != "GET" else None)


def _send(client: Client, request: M.Request):
    call = getattr(client, request.method.lower())
    if request.content_type:
        return call(request.path, data=request.data, content_type=request.content_type)
    if request.data is not None:
        return call(request.path, data=request.data)
    return call(request.path)


def _outcome(cell: M.Cell, response, persona: str) -> str:
    code = response.status_code
    if code == 401:
        return M.UNAUTHORIZED
    if code == 403:
        return M.FORBIDDEN
    if code == 404:
        return M.HIDDEN
    if code == 302:
        location = response["Location"]
        if location.startswith(reverse("web:login")) and (persona == "anonymous" or cell.method == "GET"):
            return M.LOGIN
        if cell.method == "GET":
            return M.REDIRECT
    if code >= 500 or code == 405:
        return f"error {code}"
    if cell.method == "GET":
        return M.OK if code == (cell.status or 200) else f"status {code}"
    return M.OK


def _client(world, persona: str) -> Client:
    client = Client()
    if persona in world.sessions:
        client.cookies["sessionid"] = world.sessions[persona]
    return client


def _kwargs(cell: M.Cell) -> list[str]:
    if cell.is_api:
        return re.findall(r"\{(\w+)\}", cell.key)
    return list(PAGE_ROUTES[cell.key].kwargs)


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.id)
def test_cell(world, db, cell, persona):
    client = _client(world, persona)
    for target in M.targets(cell, _kwargs(cell)):
        side = target or M.side_of(persona)
        want = M.expected(cell, persona, target)
        request = _request(cell, world, side)
        sid = transaction.savepoint()
        try:
            before = M.snapshot()
            response = _send(client, request)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            got = _outcome(cell, response, persona)
            after = M.snapshot()
        finally:
            transaction.savepoint_rollback(sid)
        assert got == want, (
            f"{persona} on {side}'s object: expected {want}, got {got} "
            f"({response.status_code} {content[:300].decode(errors='replace')})"
        )
        if M.is_refusal(want):
            assert before == after, f"a refused request changed {M.changed_tables(before, after)}"
            if cell.is_api and want in (M.FORBIDDEN, M.HIDDEN):
                payload = response.json()
                assert set(payload) == {"detail", "errors"}, payload  # never data
                if want == M.HIDDEN:
                    assert payload == {"detail": "未找到", "errors": []}
        elif cell.method == "GET" and not cell.is_api:
            # reading a page changes nothing but the audit trail of what it reveals
            changed = [
                t
                for t in M.changed_tables(before, after)
                if not t.startswith(("core_auditevent", "django_session"))
            ]
            assert not changed, f"GET {cell.key} wrote {changed}"


# --- Django admin, and names that are not actions -------------------------------------------


def _admin_url(route) -> str | None:
    try:
        return reverse(route.key, args=["1"] * len(route.kwargs))
    except NoReverseMatch:
        try:
            return reverse(route.key, kwargs={k: "1" for k in route.kwargs})
        except NoReverseMatch:
            return None


@pytest.mark.parametrize("persona", ["company_admin", "manager", "owner", "anonymous"])
def test_django_admin_is_for_platform_administrators_only(world, db, persona):
    """Community roles never reach /admin/ (it skips services, the audit trail and the log):
    every admin page sends them to the admin login."""
    client = _client(world, persona)
    checked = 0
    for route in admin_routes():
        url = _admin_url(route)
        if url is None or route.key in ("admin:login", "admin:logout"):
            continue
        response = client.get(url)
        assert response.status_code in (302, 404), (route.key, response.status_code)
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"], (route.key, response["Location"])
        checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("tickets:act", {"pk": "ticket", "action": "=fly"}),
        ("governance:vote_action", {"vote_id": "vote", "action": "=fly"}),
        ("governance:meeting_action", {"meeting_id": "meeting", "action": "=fly"}),
        ("governance:consultation_action", {"consultation_id": "consultation", "action": "=fly"}),
        ("board:board_action", {"board_id": "board", "action": "=fly"}),
        ("board:item_action", {"item_id": "board_item", "action": "=fly"}),
        ("governance:ballot_review", {"ballot_id": "ballot", "decision": "=fly"}),
    ],
)
def test_an_unknown_action_is_not_found(world, db, name, kwargs):
    client = _client(world, "manager")
    cell = M.Cell(name, "POST", args=tuple(kwargs.items()))
    url = reverse(name, kwargs=M.path_args(cell, kwargs, world, "A"))
    before = M.snapshot()
    assert client.post(url).status_code == 404
    assert M.snapshot() == before


def test_the_permission_table_in_the_docs_is_current():
    """docs/permissions.md is rendered from policy.py: regenerate it with scripts/permissions.py."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("permissions_doc", root / "scripts" / "permissions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (root / "docs" / "permissions.md").read_text(encoding="utf-8") == module.render(), (
        "docs/permissions.md is not current: run .venv/bin/python scripts/permissions.py")

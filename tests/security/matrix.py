"""The machinery of the permission matrix: cells, expected outcomes, request bodies, snapshots.

A *cell* is one way to call one route: a page's URL name or an API operation, one method, one
variant of its path (e.g. the ``take`` action of ``tickets:act``). ``policy.py`` lists the
cells with who may call them; ``test_route_matrix.py`` calls every cell as every persona
against community A's object and community B's, and compares the answer with ``expected``.

Outcomes, for a persona whose role is ``r`` in the community of the target:

- ``ok``: ``r`` may do it. A GET answers ``status`` (200 unless said); a write passes the gate:
  any answer but 401/403/404/405 and never a 5xx (a valid request body is sent, so 422 means the
  service refused the content after the permission check).
- ``redirect``: ``r`` is sent to his own page instead (302, not to the login page).
- ``forbidden``: ``r`` sees the object (or the community) but may not do this: 403.
- anything else: 404 for an object or a community in the path (the object's existence is not
  revealed), 403 for a page working on the session's community.

A target of the other community is always 404; anonymous callers get the login page (pages) or
401 (API), except on ``public`` cells. ``self`` cells act on the caller's own data only.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection

from sunlit.core.choices import OWNER_SIDE_ROLES, STAFF_ROLES, Role
from sunlit.core.permissions import GRANTS
from tests.security.world import PERSONAS, World, jpeg, pdf

R = Role
ALL = frozenset(Role)
NONE: frozenset[str] = frozenset()
STAFF = frozenset(STAFF_ROLES)
OWNER_SIDE = frozenset(OWNER_SIDE_ROLES)


def G(action: str) -> frozenset[str]:
    """The roles ``core.permissions.GRANTS`` grants ``action``."""
    return frozenset(GRANTS[action])


SCOPES = ("object", "community", "session", "self", "public")


@dataclass(frozen=True)
class Cell:
    """One way to call one route; see the module docstring for the outcomes."""

    key: str  # "app:name" (page) or "METHOD /api/v1/path/{param}" (API)
    method: str = "GET"
    variant: str = ""  # a name for the path variant, part of the test id
    args: tuple[tuple[str, str], ...] = ()  # path parameter → world object kind or "=literal"
    scope: str = "object"
    ok: frozenset[str] = NONE
    redirect: frozenset[str] = NONE
    forbidden: frozenset[str] = NONE
    status: int | None = None  # the status of an allowed GET (200 unless said)
    body: Callable[[World, str], dict] | None = None  # the request body for a side
    query: tuple[tuple[str, str], ...] = ()  # query parameters (same form as ``args``)
    anonymous: str = "ok"  # public cells: what an anonymous caller gets ("ok" or "redirect")
    note: str = ""  # why the cell is what it is, where it is not obvious

    def __post_init__(self):
        if self.is_api:
            object.__setattr__(self, "method", self.key.split(" ", 1)[0])
        if self.scope not in SCOPES:
            raise ValueError(f"{self.key}: unknown scope {self.scope!r}")
        if self.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise ValueError(f"{self.key}: unknown method {self.method!r}")

    @property
    def is_api(self) -> bool:
        return " " in self.key

    @property
    def id(self) -> str:
        variant = f"[{self.variant}]" if self.variant else ""
        if self.is_api:
            return f"{self.key}{variant}"
        return f"{self.method} {self.key}{variant}"


def side_of(persona: str) -> str:
    return "B" if persona == "owner_other_community" else "A"


def targets(cell: Cell, kwargs: Iterable[str]) -> tuple[str, ...]:
    """The communities whose objects the cell is called with: both when its path names one."""
    given = {**DEFAULT_ARGS, **dict(cell.args)}
    names = [k for k in kwargs if not given.get(k, "").startswith("=")]
    return ("A", "B") if names else (None,)


OK, REDIRECT, LOGIN, FORBIDDEN, HIDDEN, UNAUTHORIZED = (
    "ok",
    "redirect",
    "login",
    "forbidden",
    "hidden",
    "unauthorized",
)


def expected(cell: Cell, persona: str, target: str | None) -> str:
    """The outcome the policy promises for ``persona`` calling ``cell`` on ``target``'s object
    (``None``: the cell names no object; the caller works on his own community)."""
    role = PERSONAS[persona]
    if target is None:
        target = side_of(persona)
    if cell.scope == "public":
        if role is None:
            return OK if cell.anonymous == "ok" else REDIRECT
        return OK if role in cell.ok else REDIRECT if role in cell.redirect else FORBIDDEN
    if role is None:
        return UNAUTHORIZED if cell.is_api else LOGIN
    if cell.scope == "session":
        # the page works on the caller's current community: the role decides first, then an
        # object of another community is not found in it
        if role in cell.ok:
            return OK if target == side_of(persona) else HIDDEN
        return REDIRECT if role in cell.redirect else FORBIDDEN
    if cell.scope in ("object", "community") and target != side_of(persona):
        return HIDDEN
    if role in cell.ok:
        return OK
    if role in cell.redirect:
        return REDIRECT
    if role in cell.forbidden:
        return FORBIDDEN
    return HIDDEN if cell.scope == "object" else FORBIDDEN


def is_refusal(outcome: str) -> bool:
    return outcome in (LOGIN, FORBIDDEN, HIDDEN, UNAUTHORIZED)


# --- paths and bodies -----------------------------------------------------------------------

# A path parameter names a world object by default through its name; a cell overrides it.
DEFAULT_ARGS = {
    "unit_id": "unit",
    "person_id": "person",
    "batch": "batch",
    "witness_id": "witness",
    "member_id": "member",
    "notification_id": "notification",
    "vote_id": "vote",
    "ballot_id": "ballot",
    "meeting_id": "meeting",
    "consultation_id": "consultation",
    "comment_id": "comment",
    "proposal_id": "proposal",
    "run_id": "run",
    "payment_id": "payment",
    "bill_id": "bill",
    "order_id": "order",
    "expense_id": "expense",
    "use_id": "fund_use",
    "entry_id": "entry",
    "waiver_id": "waiver",
    "template_id": "reminder_template",
    "rule_id": "reminder_rule",
    "board_id": "board",
    "contest_id": "contest",
    "attendee_id": "attendee",
    "community_id": "community",
    "employee_id": "employee",
    "pattern_id": "pattern",
    "leave_id": "leave",
    "swap_id": "swap",
    "shift_id": "shift",
    "ticket_id": "ticket",
    "token_id": "token",
    "change_id": "control_change",
    "vehicle_id": "vehicle",
    "income_id": "income",
    "month": "=2026-02",
    "community_code": "community_code",
    "log_path": "log_path",
}


def arg_value(world: World, spec: str, side: str):
    if spec.startswith("="):
        return spec[1:]
    if spec == "community_code":
        return world.community(side).code
    if spec == "log_path":
        return world.obj("log", side).path
    obj = world.obj(spec, side)
    return obj if isinstance(obj, str) else obj.pk


def path_args(cell: Cell, names: Iterable[str], world: World, side: str) -> dict:
    given = dict(cell.args)
    values = {}
    for name in names:
        spec = given.get(name) or DEFAULT_ARGS.get(name)
        if spec is None:
            raise KeyError(f"{cell.id}: no world object for path parameter {name!r}")
        values[name] = arg_value(world, spec, side)
    return values


def query_args(cell: Cell, world: World, side: str) -> dict:
    return {name: arg_value(world, spec, side) for name, spec in cell.query}


# --- bodies from the OpenAPI schema ---------------------------------------------------------


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def minimal(schema: dict, components: dict, name: str = ""):
    """A small value that the schema accepts: required fields only, plausible values."""
    schema = _resolve(schema, components)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [_resolve(s, components) for s in schema[key]]
            options = [s for s in options if s.get("type") != "null"] or options
            # a decimal is anyOf number/string: a string keeps its two places
            strings = [s for s in options if s.get("type") == "string"]
            chosen = strings[0] if strings and any(s.get("type") == "number" for s in options) else options[0]
            return minimal(chosen, components, name)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: minimal(props[key], components, key) for key in schema.get("required", [])}
    if kind == "array":
        return [
            minimal(schema.get("items", {}), components, name)
            for _ in range(max(1, schema.get("minItems", 0)))
        ]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format", "")
        if fmt == "date":
            return "2026-03-11"
        if fmt == "date-time":
            return "2026-03-11T10:00:00+08:00"
        if fmt == "binary":
            return None
        if schema.get("pattern"):
            return "1.00"
        text = "测试"
        return text * max(1, (schema.get("minLength", 1) + 1) // 2)
    return None


@dataclass
class Request:
    path: str
    method: str
    data: object = None
    content_type: str | None = None
    files: dict = field(default_factory=dict)


def api_request(cell: Cell, operation: dict, components: dict, world: World, side: str) -> Request:
    """The request of an API cell: path parameters from the world, a minimal valid body from the
    schema (the cell's ``body`` merged over it), query parameters the operation requires."""
    method, template = cell.key.split(" ", 1)
    names = re.findall(r"\{(\w+)\}", template)
    values = path_args(cell, names, world, side)
    path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)
    query = query_args(cell, world, side)
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required") and parameter["name"] not in query:
            if parameter["name"] == "community_id":
                query["community_id"] = world.community(side).pk
            else:
                query[parameter["name"]] = minimal(parameter["schema"], components)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    body = operation.get("requestBody")
    extra = cell.body(world, side) if cell.body else {}
    if body is None:
        return Request(path, method)
    content = body["content"]
    if "application/json" in content:
        data = minimal(content["application/json"]["schema"], components) or {}
        if isinstance(data, dict):
            # an id the body requires names the world's object of that kind, never a literal 1
            # (which is some object on a fresh SQLite database and none on PostgreSQL, whose
            # sequences the rolled-back tests before have moved on)
            for key in data:
                if key in DEFAULT_ARGS:
                    data[key] = arg_value(world, DEFAULT_ARGS[key], side)
            data.update(extra)
        return Request(path, method, json.dumps(data), "application/json")
    schema = _resolve(content["multipart/form-data"]["schema"], components)
    form = {}
    for key in schema.get("required", []):
        prop = _resolve(schema["properties"][key], components)
        if prop.get("type") == "array" or prop.get("format") == "binary":
            form[key] = upload_for(key)
        elif key == "community_id":
            form[key] = world.community(side).pk
        else:
            form[key] = minimal(prop, components, key)
    form.update(extra)
    return Request(path, method, form)


def upload_for(field_name: str):
    if "xlsx" in field_name or field_name in ("file",):
        handle = io.BytesIO(pdf())
        handle.name = "文件.pdf"
        return handle
    handle = io.BytesIO(jpeg(7))
    handle.name = "照片.jpg"
    return handle


# --- what a refusal must leave as it was ----------------------------------------------------


def _tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy})


_SNAPSHOT_SQL: str | None = None


def snapshot() -> tuple:
    """The row count of every table, in one query."""
    global _SNAPSHOT_SQL
    if _SNAPSHOT_SQL is None:
        quote = connection.ops.quote_name
        _SNAPSHOT_SQL = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in _tables())
    with connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT_SQL)
        return tuple(cursor.fetchone())


def changed_tables(before: tuple, after: tuple) -> list[str]:
    return [f"{t}: {a} → {b}" for t, a, b in zip(_tables(), before, after, strict=True) if a != b]

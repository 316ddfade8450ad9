"""The permission matrix: every persona against every roster API endpoint and roster page.

The expected status of each cell is derived from ``GRANTS`` (plus the one object rule: owners
and residents see their own unit), so the suite fails whenever the table and the behaviour
disagree:

- allowed → 200/201/204 (pages: 200, or 302 after a successful form post);
- a community or object the persona may not see (another community, a neighbour's unit, the
  roster for an owner) → 404, and the answer holds no data;
- visible, but the action is not granted → 403;
- anonymous → 401 from the API, a redirect to the login page from pages.

On every refusal nothing changes: row counts, field values and the audit trail are compared
before and after. A few key cells are also written out by hand at the end.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from sunlit.core import crypto
from sunlit.core.choices import Role
from sunlit.core.models import ActivationCode, AuditEvent, IdempotencyKey, Membership, Person, User
from sunlit.core.permissions import GRANTS
from sunlit.registry import urls as registry_urls
from sunlit.registry.api import router as registry_router
from sunlit.registry.choices import ImportStatus
from sunlit.registry.models import Ownership, Residency, RosterImport, Unit, Vehicle
from tests.factories import OwnershipFactory, PersonFactory, UnitFactory, VehicleFactory

API = "/api/v1"

# persona → (community it belongs to, its role there); anonymous belongs nowhere.
PERSONAS: dict[str, tuple[str, str] | None] = {
    "owner": ("A", Role.OWNER),
    "resident": ("A", Role.RESIDENT),
    "committee": ("A", Role.COMMITTEE),
    "supervisor": ("A", Role.SUPERVISOR),
    "service": ("A", Role.SERVICE),
    "dispatcher": ("A", Role.DISPATCHER),
    "manager": ("A", Role.MANAGER),
    "technician": ("A", Role.TECHNICIAN),
    "finance": ("A", Role.FINANCE),
    "auditor": ("A", Role.AUDITOR),
    "company_admin": ("A", Role.COMPANY_ADMIN),
    "owner_other_community": ("B", Role.OWNER),
    "anonymous": None,
}
# Owners and residents of a unit may see it (registry.access object rule for "unit.view").
UNIT_RULE = {("owner", "own_unit"), ("resident", "own_unit")}


@pytest.fixture
def supervisor(make_member):
    return make_member(Role.SUPERVISOR, username="supervisor")


@dataclass
class World:
    """Objects of both communities; ``target`` names are the keys of ``objects``."""

    objects: dict
    user: object

    def community_of(self, target: str) -> str:
        if target in ("A", "B"):
            return target
        return "B" if target.endswith("_b") or target == "other_unit" else "A"


def _staged_import(community) -> RosterImport:
    return RosterImport.objects.create(
        community=community, filename="花名册.xlsx", sha256="0" * 64, size=1024,
        status=ImportStatus.PREVIEW,
    )


def _batch(person) -> SimpleNamespace:
    """A batch of activation codes (the URL names the batch, not a row)."""
    batch = uuid.uuid4().hex
    # a code per person: two batches whose uuids share their first four hex digits (1 in 65,536
    # per test) would otherwise give the same code_index, which is unique
    code = f"ABCDE{person.pk:05d}"[-10:]
    ActivationCode.objects.create(
        community_id=person.community_id, person=person, batch=batch, code=code,
        code_index=crypto.blind_index(code + batch[:4], purpose="activation"),
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return SimpleNamespace(pk=batch)


@pytest.fixture
def world(request, community, other_community, owner_unit):
    neighbour_unit = UnitFactory(building=owner_unit.building, number="102", floor=1)
    OwnershipFactory(unit=neighbour_unit, person__name="邻居甲", share=Decimal("0.5"))
    other_unit = UnitFactory(building__community=other_community, number="B-101")
    OwnershipFactory(unit=other_unit, person__name="远方乙", share=Decimal("0.5"))
    person_a = PersonFactory(community=community, name="人员甲")
    person_b = PersonFactory(community=other_community, name="人员乙")
    objects = {
        "A": community, "B": other_community,
        "import_a": _staged_import(community), "import_b": _staged_import(other_community),
        "batch_a": _batch(person_a), "batch_b": _batch(person_b),
        "own_unit": owner_unit, "neighbour_unit": neighbour_unit, "other_unit": other_unit,
        "person_a": person_a, "person_b": person_b,
        "vehicle_a": VehicleFactory(person=person_a, plate="京A11111"),
        "vehicle_b": VehicleFactory(person=person_b, plate="沪A22222"),
    }
    persona = request.node.callspec.params["persona"]
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    return World(objects=objects, user=user)


def snapshot() -> dict:
    """Everything a refused request must leave as it was."""
    return {
        "counts": [m.objects.count() for m in (Person, Unit, Ownership, Residency, Vehicle,
                                                AuditEvent, IdempotencyKey, Membership,
                                                ActivationCode, RosterImport, User)],
        "codes": list(ActivationCode.objects.order_by("pk").values_list("pk", "revoked_at",
                                                                         "used_at")),
        "units": list(Unit.objects.order_by("pk").values_list("pk", "number", "floor", "area",
                                                               "usage", "delivered_on")),
        "persons": sorted((p.pk, p.name, p.note, p.mobile, p.id_number, p.user_id)
                          for p in Person.objects.all()),
        "vehicles": list(Vehicle.objects.order_by("pk").values_list("pk", "plate", "person_id",
                                                                     "unit_id")),
    }


# --- the cells ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One endpoint or page: how to call it, and which actions decide the answer.

    ``scope`` is "community" (the community in the path, or the page's current community),
    "object" (an object in the path, first seen with ``view`` then acted on with ``action``)
    or "self" (the caller's own data). ``ok`` is the status when allowed.
    """

    name: str
    method: str
    path: str
    scope: str
    action: str
    ok: int
    view: str | None = None
    targets: tuple[str, ...] = ()
    body: str | None = None
    writes: bool = False


COMMUNITIES = ("A", "B")
UNITS = ("own_unit", "neighbour_unit", "other_unit")
PEOPLE = ("person_a", "person_b")
VEHICLES = ("vehicle_a", "vehicle_b")

API_CELLS = [
    Cell("buildings", "get", "/communities/{target}/buildings", "community", "roster.view", 200,
         targets=COMMUNITIES),
    Cell("unit_list", "get", "/communities/{target}/units", "community", "roster.view", 200,
         targets=COMMUNITIES),
    Cell("person_list", "get", "/communities/{target}/persons", "community", "roster.view", 200,
         targets=COMMUNITIES),
    Cell("vehicle_list", "get", "/communities/{target}/vehicles", "community", "roster.view",
         200, targets=COMMUNITIES),
    Cell("person_create", "post", "/communities/{target}/persons", "community", "roster.edit",
         201, targets=COMMUNITIES, body="person", writes=True),
    Cell("unit", "get", "/units/{target}", "object", "unit.view", 200, view="unit.view",
         targets=UNITS),
    Cell("unit_patch", "patch", "/units/{target}", "object", "roster.edit", 200,
         view="unit.view", targets=UNITS, body="unit_patch", writes=True),
    Cell("ownership_create", "post", "/units/{target}/ownerships", "object", "roster.edit", 201,
         view="unit.view", targets=UNITS, body="ownership", writes=True),
    Cell("resident_create", "post", "/units/{target}/residents", "object", "roster.edit", 201,
         view="unit.view", targets=UNITS, body="resident", writes=True),
    Cell("person", "get", "/persons/{target}", "object", "roster.view", 200, view="roster.view",
         targets=PEOPLE),
    Cell("person_patch", "patch", "/persons/{target}", "object", "roster.edit", 200,
         view="roster.view", targets=PEOPLE, body="person_patch", writes=True),
    Cell("person_reveal", "post", "/persons/{target}/reveal", "object", "person.reveal", 200,
         view="roster.view", targets=PEOPLE, body="reveal", writes=True),
    Cell("vehicle_create", "post", "/persons/{target}/vehicles", "object", "roster.edit", 201,
         view="roster.view", targets=PEOPLE, body="vehicle", writes=True),
    Cell("vehicle_delete", "delete", "/vehicles/{target}", "object", "roster.edit", 204,
         view="roster.view", targets=VEHICLES, writes=True),
    Cell("my_homes", "get", "/me/homes", "self", "", 200, targets=("",)),
]

PAGE_CELLS = [
    Cell("unit_list", "get", "registry:unit_list", "community", "roster.view", 200,
         targets=("",)),
    Cell("person_list", "get", "registry:person_list", "community", "roster.view", 200,
         targets=("",)),
    Cell("vehicle_list", "get", "registry:vehicle_list", "community", "roster.view", 200,
         targets=("",)),
    Cell("unit", "get", "registry:unit", "object", "unit.view", 200, view="unit.view",
         targets=UNITS),
    Cell("unit_edit", "get", "registry:unit_edit", "object", "roster.edit", 200,
         view="unit.view", targets=UNITS),
    Cell("unit_edit_post", "post", "registry:unit_edit", "object", "roster.edit", 302,
         view="unit.view", targets=UNITS, body="unit_form", writes=True),
    Cell("person", "get", "registry:person", "object", "roster.view", 200, view="roster.view",
         targets=PEOPLE),
    Cell("person_edit", "get", "registry:person_edit", "object", "roster.edit", 200,
         view="roster.view", targets=PEOPLE),
    Cell("person_edit_post", "post", "registry:person_edit", "object", "roster.edit", 302,
         view="roster.view", targets=PEOPLE, body="person_form", writes=True),
    Cell("person_reveal", "post", "registry:person_reveal", "object", "person.reveal", 200,
         view="roster.view", targets=PEOPLE, body="reveal_form", writes=True),
    Cell("vehicle_add", "post", "registry:vehicle_add", "object", "roster.edit", 302,
         view="roster.view", targets=PEOPLE, body="vehicle_form", writes=True),
    # Import, export and owner accounts.
    Cell("import_upload", "get", "registry:import_upload", "community", "roster.import", 200,
         targets=("",)),
    Cell("import_preview", "get", "registry:import_preview", "object", "roster.import", 200,
         view="roster.import", targets=("import_a", "import_b")),
    Cell("export", "get", "registry:export", "community", "roster.export", 200, targets=("",),
         writes=True),  # the export itself is audited
    Cell("activation_list", "get", "registry:activation_list", "community", "accounts.issue",
         200, targets=("",)),
    Cell("activation_issue", "post", "registry:activation_issue", "community",
         "accounts.issue", 302, targets=("",), writes=True),
    # The page checks the current community first, then looks for the batch inside it.
    Cell("activation_batch", "get", "registry:activation_batch", "current_object",
         "accounts.issue", 200, targets=("batch_a", "batch_b"), writes=True),
]


def _is_stub(view) -> bool:
    """A page still being written elsewhere (``raise Http404`` placeholder): skipped."""
    source = inspect.getsource(view)
    return "raise Http404" in source and source.count("\n") <= 3


def body_for(kind: str | None, world: World, target: str):
    if kind is None:
        return None
    objs = world.objects
    same_person = objs["person_b"] if world.community_of(target) == "B" else objs["person_a"]

    def unit_form():
        unit = objs[target]
        return {"entrance": unit.entrance, "number": unit.number, "floor": unit.floor,
                "area": "77.70", "usage": unit.usage, "delivery_status": unit.delivery_status,
                "delivered_on": ""}

    return {
        "person": lambda: {"name": "新来的"},
        "unit_patch": lambda: {"area": "77.70"},
        "ownership": lambda: {"person_id": same_person.pk, "share": "0.25"},
        "resident": lambda: {"person_id": same_person.pk, "kind": "family"},
        "person_patch": lambda: {"note": "已核实"},
        "reveal": lambda: {"reason": "核实"},
        "vehicle": lambda: {"plate": "京B77777"},
        "unit_form": unit_form,
        "person_form": lambda: {"name": "人员甲改", "mobile": "", "id_number": "",
                                "note": "已核实"},
        "reveal_form": lambda: {"reason": "核实"},
        "vehicle_form": lambda: {"plate": "京B77777", "brand": ""},
    }[kind]()


def roles_of(persona: str, community: str) -> frozenset[str]:
    membership = PERSONAS[persona]
    if membership is None or membership[0] != community:
        return frozenset()
    return frozenset({membership[1]})


def expected_status(persona: str, cell: Cell, world: World, target: str, *, page: bool) -> int:
    if persona == "anonymous":
        return 302 if page else 401
    if cell.scope == "self":
        return cell.ok
    if cell.scope == "community":
        # A page works on the persona's current community; the API on the one in the path.
        community = PERSONAS[persona][0] if page else target
        roles = roles_of(persona, community)
        if not roles:
            return 404
        return cell.ok if roles & GRANTS[cell.action] else 403
    if cell.scope == "current_object":
        own = PERSONAS[persona][0]
        if not roles_of(persona, own) & GRANTS[cell.action]:
            return 403
        return cell.ok if world.community_of(target) == own else 404
    roles = roles_of(persona, world.community_of(target))
    by_rule = cell.view == "unit.view" and (persona, target) in UNIT_RULE
    if not (roles & GRANTS[cell.view] or by_rule):
        return 404
    allowed = roles & GRANTS[cell.action] or (by_rule and cell.action == "unit.view")
    return cell.ok if allowed else 403


def _args(world: World, target: str) -> list:
    obj = world.objects.get(target)
    return [obj.pk] if obj is not None else []


def _cases(cells):
    return [pytest.param(persona, cell, target, id=f"{persona}-{cell.name}-{target or 'own'}")
            for cell in cells for target in cell.targets for persona in PERSONAS]


def _check(before: dict, cell: Cell, *, allowed: bool) -> None:
    after = snapshot()
    if allowed and cell.writes:
        assert after != before, "an allowed write changed nothing"
    elif allowed:
        assert after == before, "a read changed something"
    else:
        assert after == before, "a refused request changed something"


@pytest.mark.parametrize(("persona", "cell", "target"), _cases(API_CELLS))
def test_api_matrix(client, world, persona, cell, target):
    if world.user is not None:
        client.force_login(world.user)
    obj = world.objects.get(target)
    path = API + cell.path.format(target=getattr(obj, "pk", ""))
    body = body_for(cell.body, world, target)
    expected = expected_status(persona, cell, world, target, page=False)
    before = snapshot()
    response = getattr(client, cell.method)(
        path, data=json.dumps(body) if body is not None else None,
        content_type="application/json",
    )
    assert response.status_code == expected, response.content.decode()[:300]
    if expected >= 400:
        payload = response.json()
        assert set(payload) == {"detail", "errors"}  # never data
        if expected == 404:
            assert payload == {"detail": "未找到", "errors": []}
    _check(before, cell, allowed=persona != "anonymous" and expected == cell.ok)


@pytest.mark.parametrize(("persona", "cell", "target"), _cases(PAGE_CELLS))
def test_page_matrix(client, world, persona, cell, target):
    if _is_stub(resolve(reverse(cell.path, args=_args(world, target))).func):
        pytest.skip(f"{cell.path} is still a placeholder")
    if world.user is not None:
        client.force_login(world.user)
    obj = world.objects.get(target)
    url = reverse(cell.path, args=_args(world, target))
    expected = expected_status(persona, cell, world, target, page=True)
    before = snapshot()
    body = body_for(cell.body, world, target)
    response = getattr(client, cell.method)(url, data=body or {})
    assert response.status_code == expected, response.content.decode()[:300]
    if expected == 302 and persona == "anonymous":
        assert response["Location"].startswith(reverse("web:login"))
    if expected in (403, 404) and obj is not None and hasattr(obj, "name"):
        assert obj.name.encode() not in response.content
    _check(before, cell, allowed=persona != "anonymous" and expected == cell.ok)


# --- the matrix covers everything --------------------------------------------------------------


def test_every_roster_api_operation_is_in_the_matrix():
    operations = {(method.lower(), path)
                  for path, view in registry_router.path_operations.items()
                  for op in view.operations for method in op.methods}
    covered = {(c.method, c.path.replace("{target}", "{x}")) for c in API_CELLS}
    named = {(m, p.replace("{community_id}", "{x}").replace("{unit_id}", "{x}")
              .replace("{person_id}", "{x}").replace("{vehicle_id}", "{x}"))
             for m, p in operations}
    assert named == covered


def test_every_roster_page_is_in_the_matrix():
    names = {p.name for p in registry_urls.urlpatterns}
    assert names == {c.path.split(":")[1] for c in PAGE_CELLS}


# --- key cells, written out by hand ------------------------------------------------------------


def test_owner_cannot_list_units(client, owner, community):
    client.force_login(owner)
    assert client.get(f"{API}/communities/{community.pk}/units").status_code == 403
    assert client.get(reverse("registry:unit_list")).status_code == 403


def test_technician_cannot_patch_a_unit(client, technician, owner_unit):
    client.force_login(technician)
    response = client.patch(f"{API}/units/{owner_unit.pk}", data={"area": "1.00"},
                            content_type="application/json")
    assert response.status_code == 403
    owner_unit.refresh_from_db()
    assert owner_unit.area == Decimal("89.50")
    assert not AuditEvent.objects.filter(object_type="registry.unit").exists()


def test_manager_of_one_community_gets_404_for_a_unit_of_another(client, manager,
                                                                 other_community):
    unit = UnitFactory(building__community=other_community)
    client.force_login(manager)
    for response in (client.get(f"{API}/units/{unit.pk}"),
                     client.patch(f"{API}/units/{unit.pk}", data={"number": "x"},
                                  content_type="application/json"),
                     client.get(f"{API}/communities/{other_community.pk}/units"),
                     client.get(reverse("registry:unit", args=[unit.pk]))):
        assert response.status_code == 404
    assert Unit.objects.get(pk=unit.pk).number == unit.number


def test_owner_sees_his_own_unit_but_not_his_neighbours(client, owner, owner_unit):
    neighbour = UnitFactory(building=owner_unit.building, number="102")
    client.force_login(owner)
    assert client.get(f"{API}/units/{owner_unit.pk}").status_code == 200
    assert client.get(f"{API}/units/{neighbour.pk}").status_code == 404
    assert client.get(reverse("registry:unit", args=[owner_unit.pk])).status_code == 200
    assert client.get(reverse("registry:unit", args=[neighbour.pk])).status_code == 404


def test_an_owner_who_sold_no_longer_sees_the_unit(client, owner, owner_unit):
    ownership = Ownership.objects.get(unit=owner_unit)
    Ownership.objects.filter(pk=ownership.pk).update(end=dt.date(2020, 1, 1))
    client.force_login(owner)
    assert client.get(f"{API}/units/{owner_unit.pk}").status_code == 404
    assert client.get(f"{API}/me/homes").json() == []


# Written out in full, independent of GRANTS: who may read full personal data.
REVEAL = {"owner": 404, "resident": 404, "committee": 403, "supervisor": 404, "service": 200,
          "dispatcher": 200, "manager": 200, "technician": 403, "finance": 403,
          "auditor": 200, "company_admin": 200, "owner_other_community": 404, "anonymous": 401}


@pytest.mark.parametrize(("persona", "status"), REVEAL.items())
def test_who_may_reveal_personal_data(client, request, community, persona, status):
    person = PersonFactory(community=community, name="张小三", mobile="13812345678")
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.post(f"{API}/persons/{person.pk}/reveal", data="{}",
                           content_type="application/json")
    assert response.status_code == status
    assert (b"13812345678" in response.content) == (status == 200)
    assert AuditEvent.objects.filter(action="reveal").count() == (status == 200)

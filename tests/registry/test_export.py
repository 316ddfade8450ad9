"""Roster export: the import format exactly, round trip, permission and audit."""

from __future__ import annotations

import datetime as dt
import io
import stat
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent
from sunlit.registry import services
from sunlit.registry.choices import DeliveryStatus, ImportStatus, UnitUsage
from sunlit.registry.importing import RESIDENTS_TABLE, UNITS_TABLE, VEHICLES_TABLE
from sunlit.registry.models import Ownership, Residency, Unit, Vehicle
from tests.factories import (
    BuildingFactory,
    OwnershipFactory,
    ResidencyFactory,
    UnitFactory,
    VehicleFactory,
)


@pytest.fixture
def roster(community):
    """A small but complete roster: co-owners, a developer-held unit, a shop, tenants, cars."""
    tower = BuildingFactory(community=community, name="3号楼", floors=18, sort_key=3)
    mall = BuildingFactory(community=community, name="商业楼", floors=2, sort_key=9)
    flat = UnitFactory(building=tower, entrance="1", number="101", floor=1, area=Decimal("89.50"))
    second = UnitFactory(building=tower, entrance="2", number="1801", floor=18,
                         area=Decimal("143.27"))
    UnitFactory(building=tower, entrance="2", number="1802", floor=18, area=Decimal("99.01"),
                delivery_status=DeliveryStatus.UNSOLD)
    shop = UnitFactory(building=mall, entrance="", number="S-3", floor=1, area=Decimal("45.30"),
                       usage=UnitUsage.COMMERCIAL)
    husband = OwnershipFactory(unit=flat, person__community=community, person__name="张三",
                               share=Decimal("0.5"), start=dt.date(2016, 3, 8)).person
    OwnershipFactory(unit=flat, person__community=community, person__name="李四",
                     share=Decimal("0.5"), start=dt.date(2016, 3, 8))
    owner = OwnershipFactory(unit=second, person__community=community, person__name="欧阳小明",
                             start=dt.date(2021, 12, 1)).person
    OwnershipFactory(unit=shop, person__community=community, person__name="王五",
                     person__id_number="", start=dt.date(2018, 7, 1))
    ResidencyFactory(unit=second, person__community=community, person__name="赵六",
                     kind="tenant", moved_in=dt.date(2023, 3, 1))
    ResidencyFactory(unit=flat, person__community=community, person__name="张小宝",
                     person__mobile="", person__id_number="", kind="family", relation="子女",
                     moved_in=dt.date(2016, 4, 1))
    VehicleFactory(person=husband, plate="京A12345", unit=flat, brand="白色大众")
    VehicleFactory(person=owner, plate="沪AD12345", kind="new_energy", unit=None, brand="")
    return community


def snapshot(community) -> dict[str, set]:
    units = {(u.building.name, u.entrance, u.number, u.floor, u.area, u.usage, u.delivery_status)
             for u in Unit.objects.in_community(community).select_related("building")}
    owners = {(o.unit.label, o.person.name, o.person.mobile, o.person.id_number, o.share, o.start)
              for o in Ownership.objects.in_community(community)
              .select_related("unit__building", "person")}
    residents = {(r.unit.label, r.person.name, r.person.mobile, r.person.id_number, r.kind,
                  r.relation, r.moved_in)
                 for r in Residency.objects.in_community(community)
                 .select_related("unit__building", "person")}
    vehicles = {(v.plate, v.kind, v.person.name, v.person.mobile, v.unit.label if v.unit else None,
                 v.brand)
                for v in Vehicle.objects.in_community(community)
                .select_related("unit__building", "person")}
    return {"units": units, "owners": owners, "residents": residents, "vehicles": vehicles}


def test_export_then_import_into_another_community_reproduces_the_roster(
        roster, other_community, manager, make_member):
    data = services.export_roster(roster, actor=manager)
    other_manager = make_member(Role.MANAGER, other_community)

    staged = services.stage_roster_import(other_community, actor=other_manager,
                                          filename="export.xlsx", data=data)
    assert staged.status == ImportStatus.PREVIEW, staged.errors
    services.commit_roster_import(staged, actor=other_manager)

    original, copy = snapshot(roster), snapshot(other_community)
    assert copy == original
    assert len(original["owners"]) == 4 and len(original["units"]) == 4
    assert len(original["residents"]) == 2 and len(original["vehicles"]) == 2


def test_export_has_exactly_the_documented_sheets_and_headers(roster, manager):
    workbook = load_workbook(io.BytesIO(services.export_roster(roster, actor=manager)))
    assert workbook.sheetnames == ["房屋与业主", "住户", "车辆"]
    for table in (UNITS_TABLE, RESIDENTS_TABLE, VEHICLES_TABLE):
        header = [c.value for c in workbook[table.sheet][1]]
        assert header == list(table.columns)
    units = workbook["房屋与业主"]
    rows = [[c.value for c in row] for row in units.iter_rows(min_row=2)]
    assert len(rows) == 5  # 101 twice (co-owners), 1801, 1802 without owner, the shop
    unsold = next(r for r in rows if r[2] == "1802")
    assert unsold[6] == "未售（开发商持有）" and unsold[7:] == [None] * 5
    shop = next(r for r in rows if r[2] == "S-3")
    assert shop[5] == "商铺" and shop[4] == 45.3
    co_owned = [r for r in rows if r[2] == "101"]
    assert [r[10] for r in co_owned] == [0.5, 0.5]
    assert all(isinstance(r[8], str) and isinstance(r[9], str) for r in co_owned), \
        "mobile and ID numbers are text, not numbers that Excel would round"


def test_text_that_looks_like_a_formula_is_exported_as_text(community, manager):
    unit = UnitFactory(building__community=community)
    OwnershipFactory(unit=unit, person__community=community,
                     person__name='=HYPERLINK("http://evil.example","点我")')
    workbook = load_workbook(io.BytesIO(services.export_roster(community, actor=manager)))
    cell = workbook["房屋与业主"]["H2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def test_export_page_returns_the_workbook_and_audits_it(client, roster, manager):
    client.force_login(manager)
    response = client.get(reverse("registry:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["房屋与业主", "住户", "车辆"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == manager and event.community_id == roster.pk
    assert "完整手机号" in event.summary


@pytest.mark.parametrize(("persona", "status"), [
    ("manager", 200), ("auditor", 200), ("company_admin", 200),
    ("service", 403), ("technician", 403), ("committee", 403), ("owner", 403),
])
def test_only_roster_export_roles_may_export(client, request, roster, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("registry:export")).status_code == status
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists() == (status == 200)


def test_export_of_another_community_is_refused(roster, owner_other_community, other_community,
                                                make_member):
    from django.core.exceptions import PermissionDenied

    outsider = make_member(Role.MANAGER, other_community)
    with pytest.raises(PermissionDenied):
        services.export_roster(roster, actor=outsider)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_cli_writes_a_file_only_its_owner_can_read(tmp_path, roster, manager):
    path = tmp_path / "roster.xlsx"
    call_command("export_roster", community=roster.code, actor=manager.username,
                 output=str(path), stdout=io.StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_workbook(path).sheetnames == ["房屋与业主", "住户", "车辆"]
    with pytest.raises(CommandError, match="已存在"):
        call_command("export_roster", community=roster.code, actor=manager.username,
                     output=str(path), stdout=io.StringIO())


def test_cli_refuses_users_without_the_permission(tmp_path, roster, technician):
    with pytest.raises(CommandError, match="没有导出档案的权限"):
        call_command("export_roster", community=roster.code, actor=technician.username,
                     output=str(tmp_path / "x.xlsx"), stdout=io.StringIO())
    assert not (tmp_path / "x.xlsx").exists()


def test_person_without_identifiers_round_trips_by_unit(roster, manager):
    """A family member known by name only is matched by name within the unit on re-import."""
    data = services.export_roster(roster, actor=manager)
    staged = services.stage_roster_import(roster, actor=manager, filename="again.xlsx", data=data)
    assert staged.status == ImportStatus.PREVIEW, staged.errors
    assert staged.summary["persons"]["new"] == 0
    assert staged.summary["residents"] == {"new": 0, "updated": 0, "unchanged": 2}

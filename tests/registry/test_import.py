"""Roster import: preview, row/column errors, all-or-nothing commit, hostile files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse
from openpyxl import Workbook

from sunlit.core import sheets
from sunlit.core.choices import Role
from sunlit.core.models import AuditEvent, Person
from sunlit.core.sheets import SheetFileError
from sunlit.core.validators import make_id_number
from sunlit.registry import services
from sunlit.registry.choices import DeliveryStatus, ImportStatus, ResidentKind, VehicleKind
from sunlit.registry.importing import RESIDENTS_TABLE, UNITS_TABLE, VEHICLES_TABLE
from sunlit.registry.models import Building, Ownership, Residency, RosterImport, Unit, Vehicle
from sunlit.registry.services import RosterImportError
from tests.factories import OwnershipFactory, PersonFactory, UnitFactory, VehicleFactory

ID_A = make_id_number("11010119800101001")
ID_B = make_id_number("11010119820202002")
ID_C = make_id_number("11010119850303003")
ID_D = make_id_number("11010119900404004")
BAD_ID = ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2")  # wrong check character

UNITS = list(UNITS_TABLE.columns)
RESIDENTS = list(RESIDENTS_TABLE.columns)
VEHICLES = list(VEHICLES_TABLE.columns)


def unit_row(number="101", *, building="1号楼", entrance="1", floor=1, area=89.5, usage="住宅",
             status="已售已交付", name="张三", mobile="13800000001", id_number=ID_A, share=None,
             start="2020-01-31"):
    return [building, entrance, number, floor, area, usage, status, name, mobile, id_number,
            share, start]


def resident_row(number="101", *, building="1号楼", entrance="1", name="赵六",
                 mobile="13800000009", id_number=ID_D, kind="租户", relation="", moved_in="2023/3/1"):
    return [building, entrance, number, name, mobile, id_number, kind, relation, moved_in]


def vehicle_row(plate="京A12345", *, name="张三", mobile="13800000001", building="1号楼",
                entrance="1", number="101", brand="白色大众"):
    return [plate, name, mobile, building, entrance, number, brand]


def xlsx(units=None, residents=None, vehicles=None, *, headers=None) -> bytes:
    """A workbook in the documented format; ``None`` leaves a sheet out."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    headers = headers or {}
    for title, columns, rows in (("房屋与业主", UNITS, units), ("住户", RESIDENTS, residents),
                                 ("车辆", VEHICLES, vehicles)):
        if rows is None:
            continue
        sheet = workbook.create_sheet(title)
        sheet.append(headers.get(title, columns))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows, *, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def sample_file() -> bytes:
    """Two buildings; a co-owned flat, a developer-held shop, a tenant, two cars."""
    return xlsx(
        units=[
            unit_row("101", name="张三", mobile="13800000001", id_number=ID_A, share="50%"),
            unit_row("101", name="李四", mobile="13800000002", id_number=ID_B, share=0.5),
            unit_row("1502", floor=15, area="120.00", name="王五", mobile="13800000003",
                     id_number=ID_C, start=dt.date(2019, 5, 1)),
            unit_row("S1", building="商业楼", entrance="", floor=1, area="45.3", usage="商铺",
                     status="未售（开发商持有）", name=None, mobile=None, id_number=None,
                     start=None),
        ],
        residents=[resident_row("1502")],
        vehicles=[vehicle_row("京A12345"), vehicle_row("沪AD12345", name="王五", mobile="13800000003",
                                                      number="1502", brand="")],
    )


def roster_counts(community) -> dict[str, int]:
    return {model.__name__: model.objects.in_community(community).count()
            for model in (Building, Unit, Person, Ownership, Residency, Vehicle)}


def errors_of(roster_import_or_parsed) -> list[tuple]:
    return [(e["sheet"], e["row"], e["column"]) for e in roster_import_or_parsed.errors]


# --- the happy path ------------------------------------------------------------------------------

def test_preview_writes_nothing_and_commit_creates_the_whole_roster(community, manager):
    before = roster_counts(community)
    staged = services.stage_roster_import(community, actor=manager, filename="roster.xlsx",
                                          data=sample_file())
    assert staged.status == ImportStatus.PREVIEW, staged.errors
    assert roster_counts(community) == before
    assert staged.summary["units"]["new"] == 3
    assert staged.summary["persons"]["new"] == 4
    assert staged.summary["rows"] == {"房屋与业主": 4, "住户": 1, "车辆": 2}
    stored = RosterImport.objects.filter(pk=staged.pk).values_list(
        Cast("payload", TextField()), flat=True)[0]
    assert stored.startswith("v1:") and "13800000001" not in stored, "rows are kept encrypted"

    committed = services.commit_roster_import(staged, actor=manager)

    assert committed.status == ImportStatus.COMMITTED
    assert committed.payload == ""
    building = Building.objects.get(community=community, name="1号楼")
    assert building.floors == 15
    flat = Unit.objects.get(building=building, number="101")
    assert flat.area == Decimal("89.50")
    owners = {o.person.name: o.share for o in flat.ownerships.select_related("person")}
    assert owners == {"张三": Decimal("0.5"), "李四": Decimal("0.5")}
    assert flat.ownerships.get(person__name="张三").start == dt.date(2020, 1, 31)
    shop = Unit.objects.get(community=community, number="S1")
    assert shop.delivery_status == DeliveryStatus.UNSOLD and shop.entrance == ""
    assert not shop.ownerships.exists()
    tenant = Residency.objects.get(community=community)
    assert tenant.kind == ResidentKind.TENANT and tenant.moved_in == dt.date(2023, 3, 1)
    assert tenant.person.id_number == ID_D and tenant.person.mobile == "13800000009"
    assert Vehicle.objects.get(plate="沪AD12345").kind == VehicleKind.NEW_ENERGY
    car = Vehicle.objects.get(plate="京A12345")
    assert car.kind == VehicleKind.CAR and car.person.name == "张三" and car.unit == flat
    # The car owner is the owner of 101, not a second 张三.
    assert Person.objects.filter(community=community, name="张三").count() == 1
    assert Person.objects.get(community=community, name="张三").id_index
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT,
                                     object_id=str(staged.pk)).exists()


def test_importing_the_same_file_again_changes_nothing(community, manager):
    first = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                         data=sample_file())
    services.commit_roster_import(first, actor=manager)
    before = roster_counts(community)

    again = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                         data=sample_file())

    assert again.status == ImportStatus.PREVIEW, again.errors
    assert again.summary["units"] == {"new": 0, "updated": 0, "unchanged": 3}
    assert again.summary["persons"]["new"] == 0
    assert again.summary["ownerships"]["new"] == 0
    assert again.summary["vehicles"] == {"new": 0, "updated": 0, "unchanged": 2}
    services.commit_roster_import(again, actor=manager)
    assert roster_counts(community) == before


def test_reimport_updates_a_unit_and_audits_the_difference(community, manager):
    services.commit_roster_import(services.stage_roster_import(
        community, actor=manager, filename="r.xlsx", data=sample_file()), actor=manager)
    changed = xlsx(units=[unit_row("1502", floor=15, area="118.40", name="王五",
                                   mobile="13800000003", id_number=ID_C)])

    staged = services.stage_roster_import(community, actor=manager, filename="r2.xlsx",
                                          data=changed)
    services.commit_roster_import(staged, actor=manager)

    unit = Unit.objects.get(community=community, number="1502")
    assert unit.area == Decimal("118.40")
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="registry.unit",
                                   object_id=str(unit.pk))
    assert event.changes == {"area": ["120.00", "118.40"]}


def test_people_already_on_the_roster_are_matched_not_duplicated(community, manager):
    by_id = PersonFactory(community=community, name="张三", mobile="13900000001", id_number=ID_A)
    by_mobile = PersonFactory(community=community, name="李四", mobile="13800000002",
                              id_number="")
    data = xlsx(units=[
        unit_row("101", name="张三", mobile="13800000001", id_number=ID_A, share="1/2"),
        unit_row("101", name="李四", mobile="13800000002", id_number=ID_B, share="1/2"),
    ])

    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx", data=data)
    assert staged.summary["persons"] == {"new": 0, "updated": 2, "unchanged": 0}
    services.commit_roster_import(staged, actor=manager)

    by_id.refresh_from_db()
    by_mobile.refresh_from_db()
    assert by_id.mobile == "13800000001"  # the roster file brings the new number
    assert by_mobile.id_number == ID_B
    assert Person.objects.in_community(community).count() == 2
    assert set(Ownership.objects.in_community(community).values_list("person_id", flat=True)) \
        == {by_id.pk, by_mobile.pk}


def test_csv_in_gb18030_is_read(community, manager):
    data = csv_bytes(UNITS, [unit_row("201", floor=2, name="欧阳小明", start="2024年1月31日")],
                     encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    staged = services.stage_roster_import(community, actor=manager, filename="房屋.csv", data=data)
    services.commit_roster_import(staged, actor=manager)

    ownership = Ownership.objects.get(community=community)
    assert ownership.person.name == "欧阳小明" and ownership.start == dt.date(2024, 1, 31)


def test_csv_with_bom_and_title_line_is_recognised_by_its_header(community, manager):
    text = "明强小区住户名单\n" + csv_bytes(RESIDENTS, [resident_row("101")]).decode()
    UnitFactory(building__community=community, building__name="1号楼", entrance="1", number="101")

    staged = services.stage_roster_import(community, actor=manager, filename="z.csv",
                                          data=b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert staged.status == ImportStatus.PREVIEW, staged.errors
    assert staged.summary["tables"] == ["住户"]
    assert staged.summary["residents"]["new"] == 1


def test_full_width_input_is_normalised(community, manager):
    data = xlsx(units=[unit_row("１０１", building="１号楼", entrance="1单元", area="８９．５",
                                mobile="１３８０００００００１")])
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx", data=data)
    services.commit_roster_import(staged, actor=manager)
    unit = Unit.objects.select_related("building").get(community=community)
    assert (unit.building.name, unit.entrance, unit.number, unit.area) == \
        ("1号楼", "1", "101", Decimal("89.50"))
    assert unit.ownerships.get().person.mobile == "13800000001"


# --- bad rows: errors by sheet, row and column, nothing written -----------------------------------

BAD_FILES = {
    "missing headers": (
        lambda: xlsx(units=[unit_row()], headers={"房屋与业主": [c for c in UNITS if c != "楼层"]}),
        ("房屋与业主", 1, ""), "缺少必需的列：楼层"),
    "duplicated unit number": (
        lambda: xlsx(units=[unit_row("101", name=None, mobile=None, id_number=None, start=None),
                            unit_row("101", name=None, mobile=None, id_number=None, start=None)]),
        ("房屋与业主", 3, "房号"), "房号重复"),
    "same unit with different facts": (
        lambda: xlsx(units=[unit_row("101", share=0.5),
                            unit_row("101", area=90, name="李四", mobile="13800000002",
                                     id_number=ID_B, share=0.5)]),
        ("房屋与业主", 3, "专有面积(㎡)"), "不同"),
    "negative area": (lambda: xlsx(units=[unit_row(area=-89.5)]),
                      ("房屋与业主", 2, "专有面积(㎡)"), "面积必须大于 0"),
    "non-numeric area": (lambda: xlsx(units=[unit_row(area="八十九")]),
                         ("房屋与业主", 2, "专有面积(㎡)"), "面积必须是数字"),
    "bad floor": (lambda: xlsx(units=[unit_row(floor="三楼")]),
                  ("房屋与业主", 2, "楼层"), "楼层必须是"),
    "invalid mobile": (lambda: xlsx(units=[unit_row(mobile="1380000")]),
                       ("房屋与业主", 2, "业主手机号"), "手机号格式不正确"),
    "invalid id number": (lambda: xlsx(units=[unit_row(id_number=BAD_ID)]),
                          ("房屋与业主", 2, "业主证件号"), "证件号不正确"),
    "id number stored as a number": (lambda: xlsx(units=[unit_row(id_number=float(ID_A))]),
                                     ("房屋与业主", 2, "业主证件号"), "存成了数字"),
    "unknown usage": (lambda: xlsx(units=[unit_row(usage="别墅")]),
                      ("房屋与业主", 2, "用途"), "用途应为"),
    "shares over one": (
        lambda: xlsx(units=[unit_row("101", share=0.6),
                            unit_row("101", name="李四", mobile="13800000002", id_number=ID_B,
                                     share="50%")]),
        ("房屋与业主", 3, "产权份额"), "超过 1"),
    "unparseable date": (lambda: xlsx(units=[unit_row(start="31/01/2024")]),
                         ("房屋与业主", 2, "产权起始日"), "日期格式不正确"),
    "owner without name": (lambda: xlsx(units=[unit_row(name=None)]),
                           ("房屋与业主", 2, "业主姓名"), "须填写业主姓名"),
    "formula": (lambda: xlsx(units=[unit_row(area="=80+9.5")]),
                ("房屋与业主", 2, "专有面积(㎡)"), "不允许公式"),
    "invalid plate": (lambda: xlsx(units=[unit_row()], vehicles=[vehicle_row("京A1234")]),
                      ("车辆", 2, "车牌号"), "车牌号格式不正确"),
    "duplicated plate": (
        lambda: xlsx(units=[unit_row()], vehicles=[vehicle_row("京A12345"),
                                                    vehicle_row("京A 12345")]),
        ("车辆", 3, "车牌号"), "车牌号重复"),
    "resident of an unknown unit": (
        lambda: xlsx(units=[unit_row("101")], residents=[resident_row("999")]),
        ("住户", 2, "房号"), "不在本文件"),
    "vehicle of an unknown unit": (
        lambda: xlsx(units=[unit_row("101")], vehicles=[vehicle_row(number="999")]),
        ("车辆", 2, "房号"), "不在本文件"),
    "bad resident kind": (
        lambda: xlsx(units=[unit_row("101")], residents=[resident_row(kind="房客")]),
        ("住户", 2, "住户类型"), "住户类型应为"),
    "one id, two names": (
        lambda: xlsx(units=[unit_row("101")], residents=[resident_row(name="张叁", id_number=ID_A)]),
        ("住户", 2, "证件号"), "姓名不同"),
}


@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(community, manager, case):
    make, where, message = BAD_FILES[case]
    before = roster_counts(community)

    staged = services.stage_roster_import(community, actor=manager, filename="bad.xlsx",
                                          data=make())

    assert staged.status == ImportStatus.INVALID
    matching = [e for e in staged.errors if (e["sheet"], e["row"], e["column"]) == where]
    assert matching, staged.errors
    assert message in matching[0]["message"]
    assert staged.payload == ""
    assert roster_counts(community) == before
    with pytest.raises(RosterImportError):
        services.commit_roster_import(staged, actor=manager)
    assert roster_counts(community) == before


def test_every_error_of_a_file_is_listed_in_row_order(community, manager):
    data = xlsx(units=[unit_row("101", mobile="123"), unit_row("102", area="x"),
                       unit_row("103", id_number="abc", name="王五")])
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx", data=data)
    assert errors_of(staged) == [("房屋与业主", 2, "业主手机号"), ("房屋与业主", 3, "专有面积(㎡)"),
                                 ("房屋与业主", 4, "业主证件号")]


@pytest.mark.parametrize("cell", ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-A1", "＝HYPERLINK(1)"])
def test_csv_injection_is_refused(community, manager, cell):
    data = csv_bytes(UNITS, [unit_row(name=cell)])
    staged = services.stage_roster_import(community, actor=manager, filename="r.csv", data=data)
    assert staged.status == ImportStatus.INVALID
    assert staged.errors[0]["column"] == "业主姓名"
    assert staged.errors[0]["message"] == "不允许公式"


def test_csv_negative_number_is_an_area_error_not_a_formula(community, manager):
    data = csv_bytes(UNITS, [unit_row(area="-5")])
    staged = services.stage_roster_import(community, actor=manager, filename="r.csv", data=data)
    assert [e["message"] for e in staged.errors] == ["面积必须大于 0"]


def test_unrecognised_csv_header_names_the_expected_tables(community, manager):
    data = csv_bytes(["姓名", "电话"], [["张三", "13800000001"]])
    staged = services.stage_roster_import(community, actor=manager, filename="r.csv", data=data)
    assert staged.status == ImportStatus.INVALID
    assert "没有找到可导入的表" in staged.errors[0]["message"]
    assert "房屋与业主" in staged.errors[0]["message"]


def test_unit_already_owned_by_someone_else_is_a_conflict(community, manager):
    unit = UnitFactory(building__community=community, building__name="1号楼", entrance="1",
                       number="101")
    OwnershipFactory(unit=unit, person__community=community, person__name="旧业主")
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=xlsx(units=[unit_row("101")]))
    assert errors_of(staged) == [("房屋与业主", 2, "产权份额")]
    assert "未列入本文件的产权人" in staged.errors[0]["message"]


# --- hostile files: refused as a whole, nothing stored ------------------------------------------

def test_file_over_the_limit_is_refused_before_reading(community, manager):
    huge = b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024)
    with pytest.raises(SheetFileError) as refused:
        services.stage_roster_import(community, actor=manager, filename="big.xlsx", data=huge)
    assert refused.value.messages == ["文件过大（上限 10 MB）"]
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize("data", [
    b"this is not a spreadsheet at all",
    b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
    b"PK\x03\x04garbage-that-is-not-a-zip",
])
def test_non_excel_bytes_named_xlsx_are_refused(community, manager, data):
    with pytest.raises(SheetFileError) as refused:
        services.stage_roster_import(community, actor=manager, filename="roster.xlsx", data=data)
    assert refused.value.messages == ["文件不是有效的 Excel 文件"]
    assert not RosterImport.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused(community, manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(SheetFileError, match="不是有效的 Excel"):
        services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                     data=buffer.getvalue())


def test_zip_bomb_is_refused(community, manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("xl/worksheets/sheet1.xml", "w") as member:
        block = b"\0" * (1024 * 1024)
        for _ in range(300):
            member.write(block)
    assert len(buffer.getvalue()) < sheets.max_upload_bytes()
    with pytest.raises(SheetFileError, match="解压后过大"):
        services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                     data=buffer.getvalue())


def test_too_many_rows_are_refused(community, manager):
    rows = "".join(f"1号楼,{n},1,80\n" for n in range(sheets.MAX_ROWS + 1))
    data = ("楼栋,房号,楼层,专有面积(㎡)\n" + rows).encode()
    with pytest.raises(SheetFileError, match="行数超过上限"):
        services.stage_roster_import(community, actor=manager, filename="r.csv", data=data)


def test_other_extensions_are_refused(community, manager):
    with pytest.raises(SheetFileError, match=r"\.xlsx"):
        services.stage_roster_import(community, actor=manager, filename="roster.xls",
                                     data=b"\xd0\xcf\x11\xe0")


# --- committing: once, whole or nothing ------------------------------------------------------------

def test_committing_twice_is_refused(community, manager):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    services.commit_roster_import(staged, actor=manager)
    counts = roster_counts(community)
    with pytest.raises(RosterImportError, match="不能重复导入"):
        services.commit_roster_import(staged, actor=manager)
    assert roster_counts(community) == counts


def test_discarded_import_cannot_be_committed(community, manager):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    services.discard_roster_import(staged, actor=manager)
    staged.refresh_from_db()
    assert staged.status == ImportStatus.DISCARDED and staged.payload == ""
    with pytest.raises(RosterImportError, match="已放弃"):
        services.commit_roster_import(staged, actor=manager)
    assert roster_counts(community)["Unit"] == 0


def test_another_communitys_import_is_refused(community, other_community, manager, make_member):
    other_manager = make_member(Role.MANAGER, other_community)
    staged = services.stage_roster_import(other_community, actor=other_manager,
                                          filename="r.xlsx", data=sample_file())
    with pytest.raises(PermissionDenied):
        services.commit_roster_import(staged, actor=manager)
    # A manager of both communities still cannot commit it into the one he is working on.
    from tests.factories import MembershipFactory

    MembershipFactory(user=manager, community=other_community, role=Role.MANAGER)
    manager = type(manager).objects.get(pk=manager.pk)
    with pytest.raises(RosterImportError, match="不属于当前小区"):
        services.commit_roster_import(staged, actor=manager, community=community)
    assert roster_counts(other_community)["Unit"] == 0


def test_a_failure_in_the_middle_leaves_nothing(community, manager):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    seen = []

    def progress(done, total):
        seen.append(done)
        if Unit.objects.in_community(community).exists():
            raise RuntimeError("the lights went out")

    with pytest.raises(RuntimeError):
        services.commit_roster_import(staged, actor=manager, progress=progress)

    assert max(seen) > 0, "buildings and units had been written when it failed"
    assert roster_counts(community) == {k: 0 for k in roster_counts(community)}
    staged.refresh_from_db()
    assert staged.status == ImportStatus.PREVIEW
    # Nothing is stuck: the same import can be committed afterwards.
    services.commit_roster_import(staged, actor=manager)
    assert roster_counts(community)["Unit"] == 3


def test_plate_taken_after_the_preview_refuses_the_whole_commit(community, manager):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    VehicleFactory(person__community=community, plate="京A12345")
    before = roster_counts(community)

    with pytest.raises(RosterImportError) as refused:
        services.commit_roster_import(staged, actor=manager)

    assert "未写入任何数据" in refused.value.messages[0]
    assert (refused.value.rows[0]["sheet"], refused.value.rows[0]["row"],
            refused.value.rows[0]["column"]) == ("车辆", 2, "车牌号")
    assert roster_counts(community) == before
    staged.refresh_from_db()
    assert staged.status == ImportStatus.PREVIEW


def test_plate_of_someone_else_is_an_error_in_the_preview(community, manager):
    VehicleFactory(person__community=community, plate="京A12345")
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    assert ("车辆", 2, "车牌号") in errors_of(staged)


@pytest.mark.parametrize("persona", ["owner", "technician", "service", "auditor"])
def test_only_managers_may_import(request, community, persona):
    user = request.getfixturevalue(persona)
    before = roster_counts(community)
    with pytest.raises(PermissionDenied):
        services.stage_roster_import(community, actor=user, filename="r.xlsx", data=sample_file())
    assert roster_counts(community) == before
    assert not RosterImport.objects.exists()


# --- pages -----------------------------------------------------------------------------------------

def test_upload_preview_and_commit_through_the_pages(client, community, manager):
    client.force_login(manager)
    response = client.post(reverse("registry:import_upload"),
                           {"file": SimpleUploadedFile("roster.xlsx", sample_file())})
    staged = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_preview", args=[staged.pk])

    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and "张*" in page and "138****0001" in page
    assert "13800000001" not in page and ID_A not in page
    assert roster_counts(community)["Unit"] == 0

    response = client.post(reverse("registry:import_preview", args=[staged.pk]),
                           {"action": "commit"})
    assert response.status_code == 302
    assert roster_counts(community)["Unit"] == 3


def test_invalid_file_preview_shows_the_error_table(client, community, manager):
    client.force_login(manager)
    client.post(reverse("registry:import_upload"),
                {"file": SimpleUploadedFile("bad.xlsx", xlsx(units=[unit_row(area=-1)]))})
    page = client.get(reverse("registry:import_preview", args=[RosterImport.objects.get().pk]))
    content = page.content.decode()
    assert "面积必须大于 0" in content and "专有面积(㎡)" in content
    assert "确认导入" not in content


def test_upload_over_the_limit_is_refused_by_the_page(client, community, manager):
    client.force_login(manager)
    big = SimpleUploadedFile("roster.xlsx", b"\0" * (50 * 1024 * 1024))
    response = client.post(reverse("registry:import_upload"), {"file": big})
    assert response.status_code == 400
    assert "文件过大（上限 10 MB）" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_non_excel_upload_is_refused_by_the_page(client, community, manager):
    client.force_login(manager)
    response = client.post(reverse("registry:import_upload"),
                           {"file": SimpleUploadedFile("roster.xlsx", b"<html>hello</html>")})
    assert response.status_code == 400
    assert "文件不是有效的 Excel 文件" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_upload_checks_the_csrf_token(community, manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = client.post(reverse("registry:import_upload"),
                           {"file": SimpleUploadedFile("roster.xlsx", sample_file())})
    assert response.status_code == 403
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "technician"])
def test_import_pages_are_refused_to_owners_and_technicians(client, request, community, manager,
                                                           persona):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    client.force_login(request.getfixturevalue(persona))
    before = roster_counts(community)
    assert client.get(reverse("registry:import_upload")).status_code == 403
    response = client.post(reverse("registry:import_upload"),
                           {"file": SimpleUploadedFile("roster.xlsx", sample_file())})
    assert response.status_code == 403
    assert client.get(reverse("registry:import_preview", args=[staged.pk])).status_code == 404
    response = client.post(reverse("registry:import_preview", args=[staged.pk]),
                           {"action": "commit"})
    assert response.status_code == 404
    assert roster_counts(community) == before
    assert RosterImport.objects.count() == 1


def test_another_communitys_import_is_not_found(client, community, other_community, manager,
                                                make_member):
    other_manager = make_member(Role.MANAGER, other_community)
    staged = services.stage_roster_import(other_community, actor=other_manager,
                                          filename="r.xlsx", data=sample_file())
    client.force_login(manager)
    assert client.get(reverse("registry:import_preview", args=[staged.pk])).status_code == 404
    assert client.post(reverse("registry:import_preview", args=[staged.pk]),
                       {"action": "commit"}).status_code == 404
    assert roster_counts(other_community)["Unit"] == 0


# --- command line ----------------------------------------------------------------------------------

def test_cli_reports_without_writing_and_imports_with_commit(tmp_path, community, manager):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(sample_file())
    out = io.StringIO()
    call_command("import_roster", str(path), community=community.code, actor=manager.username,
                 stdout=out)
    assert "校验通过" in out.getvalue()
    assert roster_counts(community)["Unit"] == 0 and not RosterImport.objects.exists()

    call_command("import_roster", str(path), community=community.code, actor=manager.username,
                 commit=True, stdout=io.StringIO())
    assert roster_counts(community)["Unit"] == 3


def test_cli_prints_errors_and_fails(tmp_path, community, manager):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(units=[unit_row(mobile="12")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_roster", str(path), community=community.code,
                     actor=manager.username, commit=True, stdout=out)
    assert "业主手机号" in out.getvalue()
    assert roster_counts(community)["Unit"] == 0


def test_discard_through_the_page_keeps_the_roster_unchanged(client, community, manager):
    staged = services.stage_roster_import(community, actor=manager, filename="r.xlsx",
                                          data=sample_file())
    client.force_login(manager)
    response = client.post(reverse("registry:import_preview", args=[staged.pk]),
                           {"action": "discard"})
    assert response.status_code == 302
    staged.refresh_from_db()
    assert staged.status == ImportStatus.DISCARDED and staged.payload == ""
    assert roster_counts(community)["Unit"] == 0
    response = client.post(reverse("registry:import_preview", args=[staged.pk]),
                           {"action": "commit"})
    assert response.status_code == 409
    assert "已放弃" in response.content.decode()

"""Every change to the roster: buildings, units, ownership, residents, vehicles."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, sheets
from sunlit.core.models import ActivationCode, AuditEvent, Community, Person, User
from sunlit.core.permissions import require
from sunlit.core.services import ACTIVATION_VALID_DAYS, issue_activation_codes
from sunlit.core.validators import normalize_text, validate_plate
from sunlit.registry import selectors
from sunlit.registry.choices import (
    DeliveryStatus,
    ImportStatus,
    ResidentKind,
    UnitUsage,
    VehicleKind,
)
from sunlit.registry.models import Building, Ownership, Residency, RosterImport, Unit, Vehicle
from sunlit.transparency import services as log

AREA_PLACES = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")
MAX_AREA = Decimal("100000")
# A change of any of these puts a roster.unit.changed event on the log: they decide fees
# (area × price, from delivery), votes (area) and which unit a fact is about (its label).
LOGGED_UNIT_FIELDS = ("number", "entrance", "floor", "area", "usage", "delivery_status",
                      "delivered_on")


def parse_area(value) -> Decimal:
    """An exclusive area in m², two places; raises ValidationError in Chinese."""
    try:
        area = Decimal(normalize_text(str(value)).replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("面积必须是数字"), code="area") from None
    if not area.is_finite() or area <= 0:
        raise ValidationError(_("面积必须大于 0"), code="area")
    if area >= MAX_AREA:
        raise ValidationError(_("面积过大"), code="area")
    if area != area.quantize(AREA_PLACES):
        raise ValidationError(_("面积最多保留两位小数"), code="area")
    return area.quantize(AREA_PLACES)


@transaction.atomic
def create_building(community: Community, *, actor: User | None, name: str, floors: int = 1,
                    has_elevator: bool = False, sort_key: int = 0) -> Building:
    """Building — 楼栋."""
    if actor is not None:
        require(actor, "roster.edit", community=community)
    name = normalize_text(name)
    if not name:
        raise ValidationError({"name": [_("请填写楼栋名称")]})
    if Building.objects.in_community(community).filter(name=name).exists():
        raise ValidationError({"name": [_("楼栋名称已存在")]})
    building = Building.objects.create(community=community, name=name, floors=floors,
                                       has_elevator=has_elevator, sort_key=sort_key)
    audit.record(AuditEvent.Action.CREATE, building, actor=actor, summary=name)
    return building


# --- what goes on the transparency log (unit-level facts; owners only as commitments) ---------

def _unit_facts(unit: Unit) -> dict:
    return {"unit": unit.label, "building": unit.building.name, "floor": unit.floor,
            "area": unit.area, "usage": str(unit.usage),
            "delivery_status": str(unit.delivery_status), "delivered_on": unit.delivered_on}


def unit_registered_event(unit: Unit) -> log.Event:
    """登记房屋 on the log: the unit's label, floor, area, usage and delivery."""
    return log.Event("roster.unit.registered", unit, _unit_facts(unit))


def unit_changed_event(unit: Unit, changes: dict[str, list]) -> log.Event:
    """变更房屋信息: the unit's facts after the change and ``{field: [old, new]}``."""
    return log.Event("roster.unit.changed", unit, {**_unit_facts(unit), "changes": changes})


def _share_text(share) -> str:
    return str(Decimal(share).quantize(SHARE_PLACES))


def ownership_registered_event(ownership: Ownership, *, unit: Unit | None = None,
                               person: Person | None = None) -> log.Event:
    """登记产权: unit, share and start in the clear; the owner's name and ID number only as
    salted commitments (they can be opened to the owner, and erased)."""
    unit, person = unit or ownership.unit, person or ownership.person
    return log.Event(
        "roster.ownership.registered", ownership,
        {"unit": unit.label, "share": _share_text(ownership.share), "start": ownership.start},
        {"owner_name": person.name, "owner_id_number": person.id_number or None},
    )


def ownership_changed_event(ownership: Ownership, old_share, *,
                            unit: Unit | None = None) -> log.Event:
    """变更产权份额: the unit and the new share, with ``{"share": [old, new]}``."""
    unit = unit or ownership.unit
    share = _share_text(ownership.share)
    return log.Event("roster.ownership.changed", ownership, {
        "unit": unit.label, "share": share, "changes": {"share": [_share_text(old_share), share]}})


def ownership_ended_event(ownership: Ownership, *, unit: Unit | None = None) -> log.Event:
    """产权终止: the unit and the day the title ended."""
    unit = unit or ownership.unit
    return log.Event("roster.ownership.ended", ownership, {"unit": unit.label, "end": ownership.end})


def _clean_unit(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if "number" in data:
        cleaned["number"] = normalize_text(data["number"])
        if not cleaned["number"]:
            errors["number"] = [_("请填写房号")]
    if "entrance" in data:
        cleaned["entrance"] = normalize_text(data["entrance"] or "")
    if "floor" in data:
        try:
            cleaned["floor"] = int(data["floor"])
            if not -10 <= cleaned["floor"] <= 200:
                raise ValueError
        except (TypeError, ValueError):
            errors["floor"] = [_("楼层必须是 -10 到 200 之间的整数")]
    if "area" in data:
        try:
            cleaned["area"] = parse_area(data["area"])
        except ValidationError as exc:
            errors["area"] = exc.messages
    if "usage" in data:
        if data["usage"] not in UnitUsage.values:
            errors["usage"] = [_("用途无效")]
        cleaned["usage"] = data["usage"]
    if "delivery_status" in data:
        if data["delivery_status"] not in DeliveryStatus.values:
            errors["delivery_status"] = [_("交付状态无效")]
        cleaned["delivery_status"] = data["delivery_status"]
    if "delivered_on" in data:
        cleaned["delivered_on"] = data["delivered_on"] or None
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_unit(building: Building, *, actor: User | None, number: str, floor: int, area,
                entrance: str = "", usage: str = UnitUsage.RESIDENTIAL,
                delivery_status: str = DeliveryStatus.DELIVERED,
                delivered_on: dt.date | None = None) -> Unit:
    """Unit — 房屋, within a building."""
    if actor is not None:
        require(actor, "roster.edit", building)
    fields = _clean_unit({"number": number, "floor": floor, "area": area, "entrance": entrance,
                          "usage": usage, "delivery_status": delivery_status,
                          "delivered_on": delivered_on})
    try:
        with transaction.atomic():
            unit = Unit.objects.create(community_id=building.community_id, building=building,
                                       **fields)
    except IntegrityError:
        raise ValidationError({"number": [_("该楼栋单元下已有此房号")]}) from None
    audit.record(AuditEvent.Action.CREATE, unit, actor=actor, summary=unit.label)
    log.record_many(unit.community, [unit_registered_event(unit)])
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, actor: User, **data) -> Unit:
    """Edits a unit's registered facts; every change is audited with old and new values."""
    require(actor, "roster.edit", unit)
    unit = Unit.objects.select_for_update().select_related("building").get(pk=unit.pk)
    fields = _clean_unit(data)
    changes = audit.diff(unit, fields)
    if not changes:
        return unit
    for key, value in fields.items():
        setattr(unit, key, value)
    try:
        with transaction.atomic():
            unit.save(update_fields=list(fields))
    except IntegrityError:
        raise ValidationError({"number": [_("该楼栋单元下已有此房号")]}) from None
    audit.record(AuditEvent.Action.UPDATE, unit, actor=actor, changes=changes,
                 summary=unit.label)
    logged = {k: v for k, v in changes.items() if k in LOGGED_UNIT_FIELDS}
    if logged:
        log.record_many(unit.community, [unit_changed_event(unit, logged)])
    return unit


@transaction.atomic
def register_ownership(unit: Unit, person: Person, *, actor: User | None,
                       share=Decimal("1"), start: dt.date | None = None) -> Ownership:
    """Ownership — 产权登记. The current shares of a unit may not add up to more than 1."""
    if actor is not None:
        require(actor, "roster.edit", unit)
    if person.community_id != unit.community_id:
        raise ValidationError({"person": [_("业主与房屋不属于同一小区")]})
    try:
        share = Decimal(str(share))
    except InvalidOperation:
        raise ValidationError({"share": [_("产权份额必须是数字")]}) from None
    if not Decimal("0") < share <= Decimal("1"):
        raise ValidationError({"share": [_("产权份额应在 0 到 1 之间")]})
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # serialise share checks
    held = unit.ownerships.current().aggregate(s=Sum("share"))["s"] or Decimal("0")
    if held + share > Decimal("1"):
        raise ValidationError({"share": [_("该房屋现有产权份额合计将超过 100%")]})
    ownership = Ownership.objects.create(
        community_id=unit.community_id, unit=unit, person=person, share=share,
        start=start or timezone.localdate(),
    )
    audit.record(AuditEvent.Action.CREATE, ownership, actor=actor,
                 summary=f"{unit.label} {person.masked_name}")
    log.record_many(unit.community, [ownership_registered_event(ownership, unit=unit,
                                                                person=person)])
    return ownership


@transaction.atomic
def end_ownership(ownership: Ownership, *, actor: User, end: dt.date) -> Ownership:
    """Ends an ownership (sale, inheritance): history stays, a new owner is registered anew."""
    require(actor, "roster.edit", ownership)
    if end <= ownership.start:
        raise ValidationError({"end": [_("终止日必须晚于起始日")]})
    ownership.end = end
    ownership.save(update_fields=["end"])
    audit.record(AuditEvent.Action.UPDATE, ownership, actor=actor,
                 changes={"end": [None, end.isoformat()]})
    log.record_many(ownership.community, [ownership_ended_event(ownership)])
    return ownership


@transaction.atomic
def register_resident(unit: Unit, person: Person, *, actor: User | None, kind: str,
                      moved_in: dt.date | None = None, relation: str = "") -> Residency:
    """Residency — 住户登记: a tenant or family member moves in."""
    if actor is not None:
        require(actor, "roster.edit", unit)
    if person.community_id != unit.community_id:
        raise ValidationError({"person": [_("住户与房屋不属于同一小区")]})
    if kind not in ResidentKind.values:
        raise ValidationError({"kind": [_("住户类型无效")]})
    residency = Residency.objects.create(
        community_id=unit.community_id, unit=unit, person=person, kind=kind,
        relation=normalize_text(relation)[:20], moved_in=moved_in or timezone.localdate(),
    )
    audit.record(AuditEvent.Action.CREATE, residency, actor=actor,
                 summary=f"{unit.label} {person.masked_name}")
    return residency


@transaction.atomic
def move_out(residency: Residency, *, actor: User, moved_out: dt.date) -> Residency:
    require(actor, "roster.edit", residency)
    if moved_out < residency.moved_in:
        raise ValidationError({"moved_out": [_("搬离日期不能早于入住日期")]})
    residency.moved_out = moved_out
    residency.save(update_fields=["moved_out"])
    audit.record(AuditEvent.Action.UPDATE, residency, actor=actor,
                 changes={"moved_out": [None, moved_out.isoformat()]})
    return residency


def vehicle_kind_of(plate: str) -> str:
    return VehicleKind.NEW_ENERGY if len(plate) == 8 else VehicleKind.CAR


@transaction.atomic
def register_vehicle(person: Person, *, actor: User | None, plate: str,
                     unit: Unit | None = None, brand: str = "") -> Vehicle:
    """Vehicle — 车辆登记. A plate is registered once per community."""
    if actor is not None:
        require(actor, "roster.edit", person)
    try:
        plate = validate_plate(plate)
    except ValidationError as exc:
        raise ValidationError({"plate": exc.messages}) from None
    if unit is not None and unit.community_id != person.community_id:
        raise ValidationError({"unit": [_("房屋与车主不属于同一小区")]})
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                community_id=person.community_id, plate=plate, kind=vehicle_kind_of(plate),
                person=person, unit=unit, brand=normalize_text(brand)[:40],
            )
    except IntegrityError:
        raise ValidationError({"plate": [_("该车牌已登记")]}) from None
    audit.record(AuditEvent.Action.CREATE, vehicle, actor=actor, summary=plate)
    return vehicle


@transaction.atomic
def remove_vehicle(vehicle: Vehicle, *, actor: User) -> None:
    require(actor, "roster.edit", vehicle)
    audit.record(AuditEvent.Action.DELETE, vehicle, actor=actor, summary=vehicle.plate)
    vehicle.delete()


# --- roster import and export (档案导入导出) -----------------------------------------------------

class RosterImportError(ValidationError):
    """A staged import cannot be committed or discarded; ``rows`` lists row-level reasons."""

    def __init__(self, message, rows: list[dict] | None = None):
        super().__init__(message)
        self.rows = rows or []


Progress = Callable[[int, int], None]
_BULK = 500


def _upload_name(filename: str) -> str:
    name = normalize_text(filename).replace("\\", "/").rsplit("/", 1)[-1]
    return (name or "roster")[-200:]


@transaction.atomic
def stage_roster_import(community: Community, *, actor: User, filename: str,
                        data: bytes) -> RosterImport:
    """档案导入, step 1: validates an uploaded roster file and keeps it for the preview.

    Changes no roster row. A file refused as a whole (too large, not a spreadsheet) raises
    ``core.sheets.SheetFileError`` and stores nothing; a file with row errors is kept with status
    ``invalid`` so that the preview can list them by sheet, row and column.
    """
    from sunlit.registry import importing

    require(actor, "roster.import", community=community)
    sheets.check_size(len(data))
    filename = _upload_name(filename)
    parsed, plan = importing.validate_roster(community, filename, data)
    status = ImportStatus.INVALID if parsed.errors else ImportStatus.PREVIEW
    roster_import = RosterImport.objects.create(
        community=community, filename=filename, sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), status=status,
        # Rows of an invalid file are not kept: they can never be committed.
        payload="" if parsed.errors else json.dumps(parsed.to_payload(), ensure_ascii=False),
        errors=parsed.errors,
        summary={**plan.summary(), "rows": parsed.rows, "tables": parsed.tables},
        uploaded_by=actor,
    )
    audit.record(AuditEvent.Action.CREATE, roster_import, actor=actor,
                 summary=f"上传档案 {filename}（{ImportStatus(status).label}）")
    return roster_import


def _locked_import(roster_import: RosterImport, *, actor: User,
                   community: Community | None) -> RosterImport:
    require(actor, "roster.import", roster_import)
    if community is not None and roster_import.community_id != community.pk:
        raise RosterImportError(_("该导入不属于当前小区"))
    # One import at a time per community: the second waits, then re-plans on fresh data.
    # NO KEY UPDATE (PostgreSQL) does not block the community's other inserts.
    Community.objects.select_for_update(no_key=True).filter(pk=roster_import.community_id).first()
    return (RosterImport.objects.select_for_update().select_related("community")
            .get(pk=roster_import.pk))


def _building_sort_key(name: str) -> int:
    match = re.match(r"\d{1,6}", name)
    return int(match.group()) if match else 0


def _apply_roster_plan(plan, *, actor: User,
                       progress: Progress | None) -> tuple[dict[str, int], list[log.Event]]:
    """Writes an ``importing.ImportPlan`` with bulk operations; the caller holds the transaction.

    Returns the rows written per kind and the log events of the material facts: each unit
    registered or changed, each ownership registered or whose share changed.
    """
    community = plan.community
    today = timezone.localdate()
    summary = plan.summary()  # before writing: a written person no longer counts as new
    total = plan.total_writes
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    def bulk_create(model, objects: list) -> None:
        for start in range(0, len(objects), _BULK):
            chunk = objects[start:start + _BULK]
            model.objects.bulk_create(chunk)
            advance(len(chunk))

    def bulk_update(model, objects: list, fields: list[str]) -> None:
        for start in range(0, len(objects), _BULK):
            chunk = objects[start:start + _BULK]
            model.objects.bulk_update(chunk, fields)
            advance(len(chunk))

    if progress is not None:
        progress(0, total)
    new_persons, updated_persons = plan.persons_new, plan.persons_update

    buildings = dict(plan.buildings)
    created = [Building(community=community, name=name, floors=floors,
                        sort_key=_building_sort_key(name))
               for name, floors in plan.buildings_new.items()]
    bulk_create(Building, created)
    buildings.update((b.name, b) for b in created)
    for building, floors in plan.buildings_raise:
        audit.record(AuditEvent.Action.UPDATE, building, actor=actor, summary=building.name,
                     changes={"floors": [str(building.floors), str(floors)]})
        building.floors = floors
    bulk_update(Building, [b for b, _floors in plan.buildings_raise], ["floors"])

    units = dict(plan.units)
    created = []
    for key, fields in plan.units_new.items():
        unit = Unit(community=community, building=buildings[key[0]], entrance=key[1],
                    number=key[2], **fields)
        created.append(unit)
        units[key] = unit
    bulk_create(Unit, created)
    events = [unit_registered_event(unit) for unit in created]
    for unit, fields, changes in plan.units_update:
        for attr, value in fields.items():
            setattr(unit, attr, value)
        audit.record(AuditEvent.Action.UPDATE, unit, actor=actor, changes=changes,
                     summary=f"{unit.label}（档案导入）")
        logged = {k: v for k, v in changes.items() if k in LOGGED_UNIT_FIELDS}
        if logged:
            events.append(unit_changed_event(unit, logged))
    bulk_update(Unit, [u for u, _f, _c in plan.units_update],
                ["floor", "area", "usage", "delivery_status"])
    unit_by_pk = {unit.pk: unit for unit in units.values()}

    for person_plan in new_persons:
        person = Person(community=community, kind=person_plan.kind, name=person_plan.name,
                        mobile=person_plan.mobile, id_number=person_plan.id_number)
        person.refresh_indexes()  # bulk_create skips save(), which would do it
        person_plan.person = person
    bulk_create(Person, [p.person for p in new_persons])
    for person_plan in updated_persons:
        person = person_plan.person
        # Personal values never go into the audit trail, only that they changed.
        changes = {k: ["***", "***"] if k != "name" else [person.name, v]
                   for k, v in person_plan.changes.items()}
        for attr, value in person_plan.changes.items():
            setattr(person, attr, value)
        person.refresh_indexes()
        audit.record(AuditEvent.Action.UPDATE, person, actor=actor, changes=changes,
                     summary=f"{person.masked_name}（档案导入）")
    bulk_update(Person, [p.person for p in updated_persons],
                ["name", "mobile", "mobile_index", "id_number", "id_index"])
    person_of = {key: person_plan.person for key, person_plan in plan.persons.items()}

    ownerships = [
        Ownership(community=community, unit=units[unit_key], person=person_of[person_key],
                  share=share, start=start or today)
        for unit_key, person_key, share, start in plan.ownerships_new
    ]
    bulk_create(Ownership, ownerships)
    events.extend(ownership_registered_event(o, unit=o.unit, person=o.person) for o in ownerships)
    for ownership, share in plan.ownerships_update:
        audit.record(AuditEvent.Action.UPDATE, ownership, actor=actor,
                     changes={"share": [str(ownership.share), str(share)]}, summary="档案导入")
        old_share, ownership.share = ownership.share, share
        events.append(ownership_changed_event(ownership, old_share,
                                              unit=unit_by_pk[ownership.unit_id]))
    bulk_update(Ownership, [o for o, _share in plan.ownerships_update], ["share"])

    bulk_create(Residency, [
        Residency(community=community, unit=units[unit_key], person=person_of[person_key],
                  kind=kind, relation=relation, moved_in=moved_in or today)
        for unit_key, person_key, kind, relation, moved_in in plan.residencies_new
    ])

    bulk_create(Vehicle, [
        Vehicle(community=community, plate=plate, kind=vehicle_kind_of(plate),
                person=person_of[person_key], unit=units[unit_key] if unit_key else None,
                brand=brand)
        for plate, person_key, unit_key, brand in plan.vehicles_new
    ])
    for vehicle, unit_key, brand in plan.vehicles_update:
        changes = {}
        if unit_key is not None:
            changes["unit"] = [str(vehicle.unit_id), str(units[unit_key].pk)]
            vehicle.unit = units[unit_key]
        if brand != vehicle.brand:
            changes["brand"] = [vehicle.brand, brand]
            vehicle.brand = brand
        audit.record(AuditEvent.Action.UPDATE, vehicle, actor=actor, changes=changes,
                     summary=f"{vehicle.plate}（档案导入）")
    bulk_update(Vehicle, [v for v, _u, _b in plan.vehicles_update], ["unit", "brand"])
    written = {kind: counts["new"] + counts["updated"] for kind, counts in summary.items()}
    return written, events


@transaction.atomic
def commit_roster_import(roster_import: RosterImport, *, actor: User,
                         community: Community | None = None,
                         progress: Progress | None = None) -> RosterImport:
    """档案导入, step 2: applies a previewed import, every row or none.

    The rows are matched against the roster again (it may have changed since the preview);
    any conflict refuses the whole import. ``progress(done, total)`` is called as rows are
    written. Committing twice, committing an invalid or discarded import, or another
    community's import is refused.
    """
    from sunlit.registry import importing

    roster_import = _locked_import(roster_import, actor=actor, community=community)
    if roster_import.status != ImportStatus.PREVIEW:
        reasons = {
            ImportStatus.COMMITTED: _("该文件已导入，不能重复导入"),
            ImportStatus.INVALID: _("该文件有错误，不能导入；请修改后重新上传"),
            ImportStatus.DISCARDED: _("该导入已放弃，请重新上传"),
        }
        raise RosterImportError(reasons[roster_import.status])
    parsed = importing.ParsedRoster.from_payload(json.loads(roster_import.payload))
    plan = importing.plan_import(roster_import.community, parsed)
    summary = plan.summary()
    if plan.errors:
        rows = importing.capped_errors(plan.errors)
        raise RosterImportError(
            _("档案在预览之后有变化，导入已取消，未写入任何数据：%(first)s（共 %(n)d 处）")
            % {"first": _describe_error(rows[0]), "n": len(plan.errors)}, rows=rows)
    try:
        with transaction.atomic():
            written, events = _apply_roster_plan(plan, actor=actor, progress=progress)
    except IntegrityError:
        raise RosterImportError(
            _("数据库拒绝了导入（可能有人同时修改了档案），已全部撤销，请重新上传")) from None
    roster_import.status = ImportStatus.COMMITTED
    roster_import.committed_at = timezone.now()
    roster_import.summary = {**roster_import.summary, **summary}
    roster_import.payload = ""  # the rows now live in the roster; no second copy is kept
    roster_import.save(update_fields=["status", "committed_at", "summary", "payload"])
    audit.record(
        AuditEvent.Action.IMPORT, roster_import, actor=actor,
        summary=f"导入档案 {roster_import.filename}：" + "，".join(
            f"{label} {written[kind]}" for kind, label in (
                ("buildings", "楼栋"), ("units", "房屋"), ("persons", "人员"),
                ("ownerships", "产权"), ("residents", "住户"), ("vehicles", "车辆"))),
        changes={"written": written},
    )
    # One append for the whole file: its facts unit by unit, then the import itself.
    events.append(log.Event("roster.import.committed", roster_import, {
        "sha256": roster_import.sha256, "size": roster_import.size,
        "rows": parsed.rows, "counts": summary,
    }))
    log.record_many(roster_import.community, events)
    return roster_import


def _describe_error(error: dict) -> str:
    where = []
    if error.get("sheet"):
        where.append(f"「{error['sheet']}」")
    if error.get("row"):
        where.append(_("第 %(row)d 行") % {"row": error["row"]})
    if error.get("column"):
        where.append(error["column"])
    return f"{' '.join(where)}：{error['message']}" if where else error["message"]


@transaction.atomic
def discard_roster_import(roster_import: RosterImport, *, actor: User,
                          community: Community | None = None) -> RosterImport:
    """Drops a staged import (and the personal data it held) without touching the roster."""
    roster_import = _locked_import(roster_import, actor=actor, community=community)
    if roster_import.status == ImportStatus.COMMITTED:
        raise RosterImportError(_("该文件已导入，不能放弃"))
    if roster_import.status == ImportStatus.DISCARDED:
        return roster_import
    old = roster_import.status
    roster_import.status = ImportStatus.DISCARDED
    roster_import.payload = ""
    roster_import.save(update_fields=["status", "payload"])
    audit.record(AuditEvent.Action.UPDATE, roster_import, actor=actor,
                 changes={"status": [old, ImportStatus.DISCARDED.value]},
                 summary=f"放弃导入 {roster_import.filename}")
    return roster_import


@transaction.atomic
def export_roster(community: Community, *, actor: User) -> bytes:
    """档案导出: the roster as .xlsx in the import format, with full mobile and ID numbers.

    ``roster.export`` is held by few roles for that reason, and every export is audited.
    """
    from sunlit.registry.exporting import build_roster_workbook

    require(actor, "roster.export", community=community)
    data, counts = build_roster_workbook(community)
    audit.record(
        AuditEvent.Action.EXPORT, None, actor=actor, community=community,
        object_type="registry.roster", object_id=str(community.pk),
        summary=(f"导出房屋档案（含完整手机号和证件号）：房屋 {counts.units}，产权 {counts.ownerships}，"
                 f"住户 {counts.residents}，车辆 {counts.vehicles}"),
    )
    return data


# --- owner accounts (业主开户) -------------------------------------------------------------------

@transaction.atomic
def issue_owner_codes(community: Community, *, actor: User, building: Building | None = None,
                      valid_days: int = ACTIVATION_VALID_DAYS) -> str:
    """业主开户: one-time activation codes for the owners on the roster who have no account.

    Only owners with a mobile number on record get a code (activation checks the mobile).
    Returns the batch id, which the printable list is reached by.
    """
    require(actor, "accounts.issue", community=community)
    if building is not None and building.community_id != community.pk:
        raise ValidationError({"building": [_("楼栋不属于本小区")]})
    persons = list(selectors.owners_without_account(community, building=building)
                   .exclude(mobile_index="").order_by("pk"))
    if not persons:
        raise ValidationError(_("没有需要发放激活码的业主（未开户且登记了手机号的业主）"))
    return issue_activation_codes(community, persons, actor=actor, valid_days=valid_days)


@transaction.atomic
def reveal_activation_batch(community: Community, batch: str, *,
                            actor: User) -> list[ActivationCode]:
    """The codes of one batch, for the printable list. Codes are secrets: reading is audited."""
    require(actor, "accounts.issue", community=community)
    codes = list(
        ActivationCode.objects.in_community(community).filter(batch=batch)
        .select_related("person")
        .prefetch_related(Prefetch(
            "person__ownerships", to_attr="current_ownerships",
            queryset=Ownership.objects.current().select_related("unit__building")
            .order_by("unit__building__sort_key", "unit__building__name", "unit__entrance",
                      "unit__floor", "unit__number")))
    )
    if not codes:
        return []

    def order(code: ActivationCode):
        units = [o.unit for o in code.person.current_ownerships]
        first = units[0] if units else None
        if first is None:
            return (1, 0, "", "", 0, "", code.pk)
        return (0, first.building.sort_key, first.building.name, first.entrance, first.floor,
                first.number, code.pk)

    codes.sort(key=order)
    audit.record(AuditEvent.Action.REVEAL, None, actor=actor, community=community,
                 object_type="core.activationcode", object_id=batch,
                 summary=f"查看激活码清单（{len(codes)} 个）")
    return codes

"""Roster import and export (档案导入导出): stage a file, commit or discard the staged import, export the
roster in the import format.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core import audit, sheets
from sunlit.core.models import AuditEvent, Community, Person, User
from sunlit.core.permissions import require
from sunlit.core.validators import normalize_text
from sunlit.registry.choices import (
    ImportStatus,
)
from sunlit.registry.models import Building, Ownership, Residency, RosterImport, Unit, Vehicle
from sunlit.registry.services.base import (
    LOGGED_UNIT_FIELDS,
    ownership_changed_event,
    ownership_registered_event,
    unit_changed_event,
    unit_registered_event,
)
from sunlit.registry.services.roster import vehicle_kind_of
from sunlit.transparency import services as log

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
                ["name", "mobile", "mobile_index", "mobile_tail", "id_number", "id_index"])
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

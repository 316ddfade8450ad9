"""Roster export — 档案导出: the community's roster as an .xlsx in the import format.

The workbook has exactly the three sheets and headers that ``importing`` reads (see
``docs/roster.md``), so an export is also the template for the next import. It holds full mobile
and ID numbers: only ``services.export_roster`` calls this, after checking ``roster.export`` and
recording the export in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from sunlit.core import exports
from sunlit.core.models import Community
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage
from sunlit.registry.importing import (
    RESIDENTS_TABLE,
    UNITS_TABLE,
    VEHICLES_TABLE,
    Col,
    Table,
    chinese_label,
    not_ended,
)
from sunlit.registry.models import Ownership, Residency, Unit, Vehicle

WIDTHS = {Col.BUILDING: 10, Col.ENTRANCE: 6, Col.NUMBER: 10, Col.FLOOR: 6, Col.AREA: 13,
          Col.USAGE: 8, Col.STATUS: 18, Col.OWNER_NAME: 14, Col.OWNER_MOBILE: 14,
          Col.OWNER_ID: 21, Col.SHARE: 9, Col.START: 12, Col.RESIDENT_NAME: 14, Col.MOBILE: 14,
          Col.ID_NUMBER: 21, Col.RESIDENT_KIND: 10, Col.RELATION: 11, Col.MOVED_IN: 12,
          Col.PLATE: 11, Col.DRIVER_NAME: 14, Col.DRIVER_MOBILE: 14, Col.BRAND: 16}
HEADER_FILL = "FFF3C4"


@dataclass
class ExportCounts:
    units: int = 0
    ownerships: int = 0
    residents: int = 0
    vehicles: int = 0


def _sheet(writer: exports.XlsxWriter, table: Table) -> exports.XlsxSheet:
    """A sheet of ``table`` with its styled header (the project's writer: safe cells)."""
    return writer.sheet(table.sheet, table.columns,
                        widths=[WIDTHS.get(column, 12) for column in table.columns],
                        header_fill=HEADER_FILL)


def _unit_columns(unit: Unit) -> list[Any]:
    return [unit.building.name, unit.entrance or None, unit.number, unit.floor, unit.area,
            chinese_label(UnitUsage, unit.usage), chinese_label(DeliveryStatus,
                                                                unit.delivery_status)]


def build_roster_workbook(community: Community) -> tuple[bytes, ExportCounts]:
    """The roster of ``community`` as .xlsx bytes, and how many rows of each kind it holds."""
    today = timezone.localdate()
    counts = ExportCounts()
    workbook = exports.XlsxWriter(title=f"{community.name} 房屋档案")

    units_sheet = _sheet(workbook, UNITS_TABLE)
    owners = Ownership.objects.filter(not_ended(today)).select_related("person") \
        .order_by("-share", "pk")
    units = (Unit.objects.in_community(community).select_related("building")
             .prefetch_related(Prefetch("ownerships", queryset=owners, to_attr="open_owners"))
             .order_by("building__sort_key", "building__name", "entrance", "floor", "number", "pk"))
    for unit in units.iterator(chunk_size=1000):
        counts.units += 1
        columns = _unit_columns(unit)
        if not unit.open_owners:
            units_sheet.append([*columns, None, None, None, None, None])
        for ownership in unit.open_owners:
            counts.ownerships += 1
            person = ownership.person
            units_sheet.append([*columns, person.name, person.mobile or None,
                                person.id_number or None, ownership.share.normalize(),
                                ownership.start])

    residents_sheet = _sheet(workbook, RESIDENTS_TABLE)
    residencies = (Residency.objects.in_community(community).current()
                   .select_related("unit__building", "person")
                   .order_by("unit__building__sort_key", "unit__building__name",
                             "unit__entrance", "unit__floor", "unit__number", "pk"))
    for residency in residencies.iterator(chunk_size=1000):
        counts.residents += 1
        unit, person = residency.unit, residency.person
        residents_sheet.append([unit.building.name, unit.entrance or None, unit.number, person.name,
                                person.mobile or None, person.id_number or None,
                                chinese_label(ResidentKind, residency.kind),
                                residency.relation or None, residency.moved_in])

    vehicles_sheet = _sheet(workbook, VEHICLES_TABLE)
    vehicles = (Vehicle.objects.in_community(community)
                .select_related("person", "unit__building").order_by("plate"))
    for vehicle in vehicles.iterator(chunk_size=1000):
        counts.vehicles += 1
        unit = vehicle.unit
        vehicles_sheet.append([
            vehicle.plate, vehicle.person.name, vehicle.person.mobile or None,
            unit.building.name if unit else None, (unit.entrance or None) if unit else None,
            unit.number if unit else None, vehicle.brand or None,
        ])

    return workbook.to_bytes(), counts


def export_filename(community: Community) -> str:
    return f"{community.name}-房屋档案-{timezone.localdate():%Y%m%d}.xlsx"

"""The roster file's format (its sheets, columns and limits) and the cleaned rows parsing produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sunlit.core.validators import (
    ID_RE,
    id_checksum_ok,
)

# --- the format ------------------------------------------------------------------------------

SHEET_UNITS = "房屋与业主"
SHEET_RESIDENTS = "住户"
SHEET_VEHICLES = "车辆"


class Col:
    """Column headers, exactly as they appear in the first row of each sheet."""

    BUILDING = "楼栋"
    ENTRANCE = "单元"
    NUMBER = "房号"
    FLOOR = "楼层"
    AREA = "专有面积(㎡)"
    USAGE = "用途"
    STATUS = "交付状态"
    OWNER_NAME = "业主姓名"
    OWNER_MOBILE = "业主手机号"
    OWNER_ID = "业主证件号"
    SHARE = "产权份额"
    START = "产权起始日"
    RESIDENT_NAME = "住户姓名"
    MOBILE = "手机号"
    ID_NUMBER = "证件号"
    RESIDENT_KIND = "住户类型"
    RELATION = "与业主关系"
    MOVED_IN = "入住日期"
    PLATE = "车牌号"
    DRIVER_NAME = "车主姓名"
    DRIVER_MOBILE = "车主手机号"
    BRAND = "品牌/颜色"


@dataclass(frozen=True)
class Table:
    sheet: str
    columns: tuple[str, ...]
    required: tuple[str, ...]


UNITS_TABLE = Table(
    SHEET_UNITS,
    (Col.BUILDING, Col.ENTRANCE, Col.NUMBER, Col.FLOOR, Col.AREA, Col.USAGE, Col.STATUS,
     Col.OWNER_NAME, Col.OWNER_MOBILE, Col.OWNER_ID, Col.SHARE, Col.START),
    (Col.BUILDING, Col.NUMBER, Col.FLOOR, Col.AREA),
)
RESIDENTS_TABLE = Table(
    SHEET_RESIDENTS,
    (Col.BUILDING, Col.ENTRANCE, Col.NUMBER, Col.RESIDENT_NAME, Col.MOBILE, Col.ID_NUMBER,
     Col.RESIDENT_KIND, Col.RELATION, Col.MOVED_IN),
    (Col.BUILDING, Col.NUMBER, Col.RESIDENT_NAME, Col.RESIDENT_KIND),
)
VEHICLES_TABLE = Table(
    SHEET_VEHICLES,
    (Col.PLATE, Col.DRIVER_NAME, Col.DRIVER_MOBILE, Col.BUILDING, Col.ENTRANCE, Col.NUMBER,
     Col.BRAND),
    (Col.PLATE, Col.DRIVER_NAME),
)
TABLES = (UNITS_TABLE, RESIDENTS_TABLE, VEHICLES_TABLE)
SHEET_ORDER = {t.sheet: i for i, t in enumerate(TABLES)}

# --- limits ------------------------------------------------------------------------------------

MAX_CELL_CHARS = 500
MAX_ERRORS = 1000  # errors kept; the rest are counted
HEADER_SEARCH_ROWS = 10  # title lines above the header row are tolerated
SHARE_PLACES = Decimal("0.0001")

LENGTHS = {Col.BUILDING: 30, Col.ENTRANCE: 10, Col.NUMBER: 20, Col.OWNER_NAME: 100,
           Col.RESIDENT_NAME: 100, Col.DRIVER_NAME: 100, Col.RELATION: 20, Col.BRAND: 40}


# --- cleaned rows -------------------------------------------------------------------------------

UnitKey = tuple[str, str, str]  # (楼栋, 单元, 房号)


def unit_label(key: UnitKey) -> str:
    building, entrance, number = key
    parts = [building]
    if entrance:
        parts.append(f"{entrance}单元")
    parts.append(number)
    return "-".join(parts)


@dataclass
class PersonRef:
    """A person as written in one row: name plus whatever identifiers the row gives."""

    name: str
    mobile: str = ""
    id_number: str = ""

    @property
    def is_organization(self) -> bool:
        """A 统一社会信用代码 rather than a resident ID number (a company owns the unit)."""
        value = self.id_number
        return bool(value) and not (ID_RE.match(value) and id_checksum_ok(value))


@dataclass
class UnitRow:
    row: int
    building: str
    entrance: str
    number: str
    floor: int
    area: Decimal
    usage: str
    delivery_status: str
    owner: PersonRef | None = None
    share: Decimal | None = None
    start: dt.date | None = None

    @property
    def key(self) -> UnitKey:
        return (self.building, self.entrance, self.number)

    def unit_fields(self) -> dict[str, Any]:
        return {"floor": self.floor, "area": self.area, "usage": self.usage,
                "delivery_status": self.delivery_status}


@dataclass
class ResidentRow:
    row: int
    building: str
    entrance: str
    number: str
    person: PersonRef
    kind: str
    relation: str = ""
    moved_in: dt.date | None = None

    @property
    def key(self) -> UnitKey:
        return (self.building, self.entrance, self.number)


@dataclass
class VehicleRow:
    row: int
    plate: str
    person: PersonRef
    building: str = ""
    entrance: str = ""
    number: str = ""
    brand: str = ""

    @property
    def key(self) -> UnitKey | None:
        return (self.building, self.entrance, self.number) if self.number else None


def _date_json(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date_from_json(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _person_json(ref: PersonRef | None) -> list[str] | None:
    return [ref.name, ref.mobile, ref.id_number] if ref else None


def _person_from_json(value) -> PersonRef | None:
    return PersonRef(*value) if value else None


@dataclass
class ParsedRoster:
    """The cleaned rows of one file and every error found in it."""

    units: list[UnitRow] = field(default_factory=list)
    residents: list[ResidentRow] = field(default_factory=list)
    vehicles: list[VehicleRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    # Units named in the 房屋与业主 sheet, including rows that had errors elsewhere, so that a
    # resident pointing at such a unit does not get a second, misleading error.
    unit_keys: set[UnitKey] = field(default_factory=set)

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def to_payload(self) -> dict:
        return {
            "version": 1,
            "tables": self.tables,
            "rows": self.rows,
            "units": [
                {"row": u.row, "building": u.building, "entrance": u.entrance, "number": u.number,
                 "floor": u.floor, "area": str(u.area), "usage": u.usage,
                 "delivery_status": u.delivery_status, "owner": _person_json(u.owner),
                 "share": str(u.share) if u.share is not None else None,
                 "start": _date_json(u.start)}
                for u in self.units
            ],
            "residents": [
                {"row": r.row, "building": r.building, "entrance": r.entrance, "number": r.number,
                 "person": _person_json(r.person), "kind": r.kind, "relation": r.relation,
                 "moved_in": _date_json(r.moved_in)}
                for r in self.residents
            ],
            "vehicles": [
                {"row": v.row, "plate": v.plate, "person": _person_json(v.person),
                 "building": v.building, "entrance": v.entrance, "number": v.number,
                 "brand": v.brand}
                for v in self.vehicles
            ],
        }

    @classmethod
    def from_payload(cls, payload: dict) -> ParsedRoster:
        parsed = cls(tables=list(payload.get("tables", [])), rows=dict(payload.get("rows", {})))
        for u in payload.get("units", []):
            parsed.units.append(UnitRow(
                row=u["row"], building=u["building"], entrance=u["entrance"], number=u["number"],
                floor=u["floor"], area=Decimal(u["area"]), usage=u["usage"],
                delivery_status=u["delivery_status"], owner=_person_from_json(u["owner"]),
                share=Decimal(u["share"]) if u["share"] is not None else None,
                start=_date_from_json(u["start"]),
            ))
        for r in payload.get("residents", []):
            parsed.residents.append(ResidentRow(
                row=r["row"], building=r["building"], entrance=r["entrance"], number=r["number"],
                person=_person_from_json(r["person"]), kind=r["kind"], relation=r["relation"],
                moved_in=_date_from_json(r["moved_in"]),
            ))
        for v in payload.get("vehicles", []):
            parsed.vehicles.append(VehicleRow(
                row=v["row"], plate=v["plate"], person=_person_from_json(v["person"]),
                building=v["building"], entrance=v["entrance"], number=v["number"],
                brand=v["brand"],
            ))
        parsed.unit_keys = {u.key for u in parsed.units}
        return parsed


def sort_errors(errors: list[dict]) -> list[dict]:
    def order(error: dict):
        table = next((t for t in TABLES if t.sheet == error["sheet"]), None)
        column = table.columns.index(error["column"]) \
            if table and error["column"] in table.columns else 99
        return (SHEET_ORDER.get(error["sheet"], -1), error["row"] or 0, column)

    return sorted(errors, key=order)


def capped_errors(errors: list[dict]) -> list[dict]:
    """Sorted errors, at most ``MAX_ERRORS`` of them plus a line saying how many were left out."""
    errors = sort_errors(errors)
    if len(errors) <= MAX_ERRORS:
        return errors
    rest = len(errors) - MAX_ERRORS
    return [*errors[:MAX_ERRORS], {"sheet": "", "row": None, "column": "",
                                   "message": _("另有 %(n)d 处错误未列出") % {"n": rest}}]

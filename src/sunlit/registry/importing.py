"""Roster files — 档案导入: reading .xlsx/.csv rosters, validating every row, planning an import.

Nothing in this module writes. ``parse_roster`` turns the bytes of an uploaded file into cleaned
rows plus a list of errors, each pointing at a sheet, an Excel row number and a column header.
``plan_import`` compares those rows with what a community already holds (people are matched by
the blind indexes of their ID or mobile number, never by decrypting) and says what committing
would create or change; ``services.commit_roster_import`` applies such a plan in one transaction.

The file format is documented in ``docs/roster.md``; ``exporting`` writes exactly this format, so
an export can be imported again.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core import crypto
from sunlit.core.choices import PersonKind
from sunlit.core.models import Community, Person
from sunlit.core.validators import (
    ID_RE,
    id_checksum_ok,
    normalize_text,
    validate_id_number,
    validate_mobile,
    validate_plate,
)
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle
from sunlit.registry.services import parse_area

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

MAX_ROWS = 200_000  # non-empty rows in one file, all sheets together
MAX_COLUMNS = 50  # columns read per row; anything to the right is ignored
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # an .xlsx that inflates beyond this is refused
MAX_CELL_CHARS = 500
MAX_ERRORS = 1000  # errors kept; the rest are counted
HEADER_SEARCH_ROWS = 10  # title lines above the header row are tolerated
SHARE_PLACES = Decimal("0.0001")
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

LENGTHS = {Col.BUILDING: 30, Col.ENTRANCE: 10, Col.NUMBER: 20, Col.OWNER_NAME: 100,
           Col.RESIDENT_NAME: 100, Col.DRIVER_NAME: 100, Col.RELATION: 20, Col.BRAND: 40}

XLSX_MAGIC = b"PK\x03\x04"


class RosterFileError(ValidationError):
    """The file as a whole is refused (too big, not a spreadsheet, too many rows): nothing is read."""


class _Formula:
    """Marks a cell that held a formula (or text that a spreadsheet would run as one)."""

    def __repr__(self) -> str:
        return "<formula>"


FORMULA = _Formula()


def max_upload_bytes() -> int:
    return settings.SUNLIT_MAX_UPLOAD_BYTES


def size_error() -> RosterFileError:
    megabytes = max_upload_bytes() / (1024 * 1024)
    return RosterFileError(_("文件过大（上限 %(mb)s MB）") % {"mb": f"{megabytes:g}"},
                           code="too_large")


def check_size(size: int) -> None:
    """Refuses a file over ``SUNLIT_MAX_UPLOAD_BYTES`` before a byte of it is parsed."""
    if size > max_upload_bytes():
        raise size_error()


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


# --- reading the file ---------------------------------------------------------------------------

@dataclass
class RawSheet:
    title: str
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cell values); empty rows dropped


def _is_injection(text: str) -> bool:
    """Text a spreadsheet program would evaluate: =…, @…, and +/- not followed by a number."""
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and len(text) > 1 and not (text[1].isdigit() or text[1] == ".")


def _guard_text(value: Any) -> Any:
    if isinstance(value, str) and _is_injection(normalize_text(value)):
        return FORMULA
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(data: bytes) -> list[RawSheet]:
    from openpyxl import load_workbook

    not_excel = RosterFileError(_("文件不是有效的 Excel 文件"), code="not_excel")
    if not data.startswith(XLSX_MAGIC):
        raise not_excel
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise not_excel from None
    if inflated > MAX_UNZIPPED_BYTES:
        raise RosterFileError(_("文件解压后过大，已拒绝"), code="zip_bomb")
    sheets: list[RawSheet] = []
    seen = 0
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors ...) on junk
        raise not_excel from None
    try:
        for worksheet in workbook.worksheets:
            rows: list[tuple[int, list[Any]]] = []
            for cells in worksheet.iter_rows(max_col=MAX_COLUMNS):
                values = []
                number = None
                for cell in cells:
                    value = cell.value
                    if value is not None and number is None:
                        number = getattr(cell, "row", None)
                    if value is not None and cell.data_type == "f":
                        value = FORMULA
                    elif not isinstance(value, (str, int, float, Decimal, dt.date, dt.time,
                                                type(None))):
                        value = FORMULA  # array/data-table formulas come back as objects
                    values.append(_guard_text(value))
                if number is None or all(_empty(v) for v in values):
                    continue
                seen += 1
                if seen > MAX_ROWS:
                    raise RosterFileError(
                        _("行数超过上限（%(n)s 行），请拆分后分批导入") % {"n": f"{MAX_ROWS:,}"},
                        code="too_many_rows")
                rows.append((number, values))
            sheets.append(RawSheet(worksheet.title, rows))
    except RosterFileError:
        raise
    except Exception:  # damaged sheet XML surfaces only while iterating
        raise not_excel from None
    finally:
        workbook.close()
    return sheets


def _decode_text(data: bytes) -> str:
    if data.startswith(XLSX_MAGIC):
        raise RosterFileError(_("文件内容是 Excel 工作簿而不是 CSV，请将扩展名改为 .xlsx"),
                              code="not_csv")
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise RosterFileError(_("文件编码有误，无法读取"), code="encoding") from None
    if b"\x00" in data:
        raise RosterFileError(_("文件不是有效的 CSV 文本文件"), code="not_csv")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(_("无法识别文件编码，请保存为 UTF-8 或 GB18030（GBK）编码的 CSV"),
                              code="encoding") from None


def _read_csv(data: bytes, title: str) -> list[RawSheet]:
    text = _decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            values = [_guard_text(v) for v in values[:MAX_COLUMNS]]
            if all(_empty(v) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise RosterFileError(
                    _("行数超过上限（%(n)s 行），请拆分后分批导入") % {"n": f"{MAX_ROWS:,}"},
                    code="too_many_rows")
            rows.append((number, values))
    except csv.Error:
        raise RosterFileError(_("CSV 文件格式错误（第 %(row)d 行附近）") % {"row": number + 1},
                              code="csv") from None
    return [RawSheet(title, rows)]


# --- cell values --------------------------------------------------------------------------------

def _key(text: str) -> str:
    """Header and label comparison: full-width folded, every space removed."""
    return re.sub(r"\s+", "", normalize_text(text))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return normalize_text(str(value))


@functools.cache
def _labels(choices) -> dict[str, str]:
    """Chinese label (and internal value) → value; 「未售」 also matches 「未售（开发商持有）」."""
    mapping: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            text = _key(str(label))
            mapping[text] = value
            mapping.setdefault(re.sub(r"\(.*\)$", "", text), value)
            mapping.setdefault(_key(value), value)
    return mapping


def chinese_label(choices, value: str) -> str:
    with translation.override("zh-hans"):
        return str(choices(value).label)


def _choice_names(choices) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def parse_date(value: Any) -> dt.date:
    """2024-01-31, 2024/1/31, 2024.1.31, 2024年1月31日, 20240131, or an Excel date/serial."""
    from openpyxl.utils.datetime import from_excel

    message = _("日期格式不正确（如 2024-01-31）")
    result: dt.date | None = None
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        serial = float(value)
        if 1 <= serial < 2958466:
            result = from_excel(serial).date()
    else:
        text = _text(value)
        match = _DATE_RE.match(text)
        try:
            if match:
                result = dt.date(*(int(g) for g in match.groups()))
            elif re.fullmatch(r"\d{8}", text):
                result = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            elif re.fullmatch(r"\d{5}(?:\.0+)?", text):  # an Excel serial that lost its format
                result = from_excel(float(text)).date()
        except ValueError:
            raise ValidationError(message) from None
    if result is None:
        raise ValidationError(message)
    if not EARLIEST_DATE <= result <= LATEST_DATE:
        raise ValidationError(_("日期超出合理范围（1900 年至 2100 年）"))
    return result


def parse_floor(value: Any) -> int:
    message = _("楼层必须是 -10 到 200 之间的整数")
    text = _text(value).removesuffix("层").removesuffix("F").removesuffix("f")
    if not re.fullmatch(r"-?\d{1,3}", text):
        raise ValidationError(message)
    floor = int(text)
    if not -10 <= floor <= 200:
        raise ValidationError(message)
    return floor


def parse_share(value: Any) -> Decimal:
    """0.5, 50% or 1/2; rounded down to four places (the precision of Ownership.share)."""
    message = _("产权份额应大于 0 且不超过 1（可写 0.5、50% 或 1/2）")
    text = _text(value).replace(" ", "")
    try:
        if text.endswith("%"):
            share = Decimal(text[:-1]) / 100
        elif "/" in text:
            numerator, denominator = text.split("/", 1)
            share = Decimal(numerator) / Decimal(denominator)
        else:
            share = Decimal(text)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        raise ValidationError(message) from None
    if not share.is_finite() or share <= 0 or share > 1:
        raise ValidationError(message)
    share = share.quantize(SHARE_PLACES, rounding=ROUND_DOWN)
    if share <= 0:
        raise ValidationError(message)
    return share


_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_ok(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a mod-31 check character."""
    if not _CREDIT_RE.match(code):
        return False
    total = sum(_CREDIT_ALPHABET.index(ch) * w for ch, w in zip(code, _CREDIT_WEIGHTS, strict=False))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


# --- validating rows ----------------------------------------------------------------------------

class _Row:
    """One data row of a sheet: values by header, errors reported against the header."""

    def __init__(self, parsed: ParsedRoster, table: Table, number: int, cells: dict[str, Any]):
        self.parsed = parsed
        self.table = table
        self.number = number
        self.cells = cells
        self.ok = True

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.parsed.error(self.table.sheet, self.number, column, message)

    def raw(self, column: str) -> Any:
        value = self.cells.get(column)
        return None if value is FORMULA else value

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.raw(column)
        text = _text(value)
        if column in {Col.ENTRANCE}:
            text = text.removesuffix("单元")
        if required and not text and self.cells.get(column) is not FORMULA:
            self.error(column, _("请填写%(column)s") % {"column": column})
        limit = LENGTHS.get(column, MAX_CELL_CHARS)
        if len(text) > limit:
            self.error(column, _("内容过长（最多 %(n)d 个字符）") % {"n": limit})
            return ""
        return text

    def parse(self, column: str, parser, *, required: bool = False):
        """``parser(value)`` or None; a ValidationError becomes this cell's error."""
        value = self.raw(column)
        if _empty(value):
            if required and self.cells.get(column) is not FORMULA:
                self.error(column, _("请填写%(column)s") % {"column": column})
            return None
        try:
            return parser(value)
        except ValidationError as exc:
            self.error(column, "；".join(exc.messages))
            return None

    def person(self, name_col: str, mobile_col: str, id_col: str | None, *,
               required: bool = False, allow_organization: bool = False) -> PersonRef | None:
        name = self.text(name_col, required=required)
        mobile = self.parse(mobile_col, lambda v: validate_mobile(_text(v))) or ""
        id_number = ""
        if id_col is not None:
            id_number = self.parse(id_col, lambda v: _id_number(v, allow_organization)) or ""
        if not name:
            given = [c for c in (mobile_col, id_col) if c and not _empty(self.raw(c))]
            if given:
                self.error(name_col, _("填写了%(columns)s时须填写%(name)s")
                           % {"columns": "、".join(given), "name": name_col})
            return None
        return PersonRef(name=name, mobile=mobile, id_number=id_number)


def _id_number(value: Any, allow_organization: bool) -> str:
    if isinstance(value, float):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has
        # already lost its last digits, even when the check character happens to match.
        raise ValidationError(_("证件号被存成了数字，末几位已丢失：请把该列设为文本格式后重新填写"))
    text = _text(value).upper().replace(" ", "")
    try:
        return validate_id_number(text)
    except ValidationError:
        if allow_organization and credit_code_ok(text):
            return text
        if allow_organization:
            raise ValidationError(
                _("证件号不正确：应为 18 位身份证号（末位校验码相符）或 18 位统一社会信用代码")) from None
        raise


def _area(value: Any) -> Decimal:
    text = _text(value).removesuffix("㎡").removesuffix("m2").strip()
    return parse_area(text)


def _choice(choices, label: str):
    def parse(value: Any) -> str:
        found = _labels(choices).get(_key(_text(value)))
        if found is None:
            raise ValidationError(_("%(label)s应为：%(names)s")
                                  % {"label": label, "names": _choice_names(choices)})
        return found

    return parse


def _plate(value: Any) -> str:
    return validate_plate(_text(value))


def _validate_unit_row(row: _Row) -> UnitRow | None:
    building = row.text(Col.BUILDING, required=True)
    entrance = row.text(Col.ENTRANCE)
    number = row.text(Col.NUMBER, required=True)
    if building and number and row.cells.get(Col.BUILDING) is not FORMULA:
        row.parsed.unit_keys.add((building, entrance, number))
    floor = row.parse(Col.FLOOR, parse_floor, required=True)
    area = row.parse(Col.AREA, _area, required=True)
    usage = row.parse(Col.USAGE, _choice(UnitUsage, Col.USAGE)) or UnitUsage.RESIDENTIAL
    status = (row.parse(Col.STATUS, _choice(DeliveryStatus, Col.STATUS))
              or DeliveryStatus.DELIVERED)
    owner = row.person(Col.OWNER_NAME, Col.OWNER_MOBILE, Col.OWNER_ID, allow_organization=True)
    share = row.parse(Col.SHARE, parse_share)
    start = row.parse(Col.START, parse_date)
    if owner is None and (share is not None or start is not None) \
            and _empty(row.raw(Col.OWNER_NAME)):
        row.error(Col.OWNER_NAME, _("填写了产权份额或起始日时须填写业主姓名"))
    if not row.ok:
        return None
    return UnitRow(row=row.number, building=building, entrance=entrance, number=number,
                   floor=floor, area=area, usage=usage, delivery_status=status, owner=owner,
                   share=share, start=start)


def _validate_resident_row(row: _Row) -> ResidentRow | None:
    building = row.text(Col.BUILDING, required=True)
    entrance = row.text(Col.ENTRANCE)
    number = row.text(Col.NUMBER, required=True)
    person = row.person(Col.RESIDENT_NAME, Col.MOBILE, Col.ID_NUMBER, required=True)
    kind = row.parse(Col.RESIDENT_KIND, _choice(ResidentKind, Col.RESIDENT_KIND),
                     required=True)
    relation = row.text(Col.RELATION)
    moved_in = row.parse(Col.MOVED_IN, parse_date)
    if not row.ok or person is None:
        return None
    return ResidentRow(row=row.number, building=building, entrance=entrance, number=number,
                       person=person, kind=kind, relation=relation, moved_in=moved_in)


def _validate_vehicle_row(row: _Row) -> VehicleRow | None:
    plate = row.parse(Col.PLATE, _plate, required=True)
    person = row.person(Col.DRIVER_NAME, Col.DRIVER_MOBILE, None, required=True)
    building = row.text(Col.BUILDING)
    entrance = row.text(Col.ENTRANCE)
    number = row.text(Col.NUMBER)
    if bool(building) != bool(number):
        missing = Col.NUMBER if building else Col.BUILDING
        row.error(missing, _("登记车辆所属房屋时，楼栋和房号都要填写"))
    brand = row.text(Col.BRAND)
    if not row.ok or person is None:
        return None
    return VehicleRow(row=row.number, plate=plate, person=person, building=building,
                      entrance=entrance, number=number, brand=brand)


VALIDATORS = {
    SHEET_UNITS: _validate_unit_row,
    SHEET_RESIDENTS: _validate_resident_row,
    SHEET_VEHICLES: _validate_vehicle_row,
}
TARGETS = {SHEET_UNITS: "units", SHEET_RESIDENTS: "residents", SHEET_VEHICLES: "vehicles"}


def _identify(sheet: RawSheet, *, by_name: bool) -> tuple[Table | None, int]:
    """Which table a sheet holds and where its header row is (index into ``sheet.rows``).

    A sheet named like a table is that table; otherwise (CSV, renamed sheets) the header row
    decides. Title lines above the header are skipped.
    """
    named = next((t for t in TABLES if _key(t.sheet) == _key(sheet.title)), None) \
        if by_name else None
    candidates = (named,) if named else TABLES
    best: tuple[int, Table | None, int] = (0, named, 0)
    for index, (_number, values) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        keys = {_key(_text(v)) for v in values if v is not FORMULA}
        for table in candidates:
            found = sum(1 for c in table.required if _key(c) in keys)
            if found == len(table.required):
                return table, index
            if found > best[0]:
                best = (found, table, index)
    return best[1], best[2]


def _read_table(parsed: ParsedRoster, sheet: RawSheet, table: Table, header_index: int) -> None:
    header_number, header_values = sheet.rows[header_index] if sheet.rows else (1, [])
    by_key = {_key(c): c for c in table.columns}
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, value in enumerate(header_values):
        if value is FORMULA:
            parsed.error(table.sheet, header_number, _column_letter(position),
                         _("不允许公式"))
            continue
        name = by_key.get(_key(_text(value)))
        if name is None:
            continue  # unknown columns (remarks ...) are ignored
        if name in seen:
            parsed.error(table.sheet, header_number, name, _("列名重复：%(name)s") % {"name": name})
            continue
        seen[name] = position
        columns[position] = name
    missing = [c for c in table.required if c not in seen]
    if missing:
        parsed.error(table.sheet, header_number, "",
                     _("缺少必需的列：%(columns)s（表头须与模板一致）")
                     % {"columns": "、".join(missing)})
        return
    if any(e["sheet"] == table.sheet and e["row"] == header_number for e in parsed.errors):
        return
    validate = VALIDATORS[table.sheet]
    target = getattr(parsed, TARGETS[table.sheet])
    count = 0
    for number, values in sheet.rows[header_index + 1:]:
        cells: dict[str, Any] = {}
        row = _Row(parsed, table, number, cells)
        for position, value in enumerate(values):
            name = columns.get(position)
            if value is FORMULA:
                row.error(name or _column_letter(position), _("不允许公式"))
            if name is not None:
                cells[name] = value
        count += 1
        cleaned = validate(row)
        if cleaned is not None and row.ok:
            target.append(cleaned)
    parsed.rows[table.sheet] = count


def _column_letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return _("第 %(col)s 列") % {"col": get_column_letter(position + 1)}


def _check_units(parsed: ParsedRoster) -> None:
    """Cross-row checks of the 房屋与业主 sheet: one unit, one set of facts, shares ≤ 1."""
    groups: dict[UnitKey, list[UnitRow]] = defaultdict(list)
    for unit in parsed.units:
        groups[unit.key].append(unit)
    columns = {"floor": Col.FLOOR, "area": Col.AREA, "usage": Col.USAGE,
               "delivery_status": Col.STATUS}
    sheet = SHEET_UNITS
    for key, rows in groups.items():
        if len(rows) == 1:
            continue
        first = rows[0]
        for other in rows[1:]:
            for attr, column in columns.items():
                if getattr(other, attr) != getattr(first, attr):
                    parsed.error(sheet, other.row, column,
                                 _("同一房屋 %(unit)s 在第 %(row)d 行的%(column)s不同")
                                 % {"unit": unit_label(key), "row": first.row, "column": column})
        for unit in rows:
            if unit.owner is None:
                parsed.error(sheet, unit.row, Col.NUMBER,
                             _("房号重复：%(unit)s 在本表出现了 %(n)d 次（共有房屋每行须填写一位业主）")
                             % {"unit": unit_label(key), "n": len(rows)})
        seen: dict[tuple[str, str], int] = {}
        for unit in rows:
            if unit.owner is None:
                continue
            who = (unit.owner.name, unit.owner.id_number or unit.owner.mobile)
            if who in seen:
                parsed.error(sheet, unit.row, Col.OWNER_NAME,
                             _("同一业主在房屋 %(unit)s 重复出现（第 %(row)d 行）")
                             % {"unit": unit_label(key), "row": seen[who]})
            seen.setdefault(who, unit.row)
    for key, rows in groups.items():
        owners = [u for u in rows if u.owner is not None]
        if not owners:
            continue
        given = [u for u in owners if u.share is not None]
        if given and len(given) != len(owners):
            for unit in owners:
                if unit.share is None:
                    parsed.error(sheet, unit.row, Col.SHARE,
                                 _("房屋 %(unit)s 有多位共有人，须为每位共有人填写产权份额")
                                 % {"unit": unit_label(key)})
            continue
        if not given:
            # No shares written: one owner holds all, co-owners hold equal parts.
            share = (Decimal(1) / len(owners)).quantize(SHARE_PLACES, rounding=ROUND_DOWN)
            for unit in owners:
                unit.share = share
            continue
        total = sum((u.share for u in owners), Decimal(0))
        if total > 1:
            parsed.error(sheet, owners[-1].row, Col.SHARE,
                         _("房屋 %(unit)s 的产权份额合计为 %(total)s，超过 1")
                         % {"unit": unit_label(key), "total": f"{total.normalize():f}"})


def _check_people(parsed: ParsedRoster) -> None:
    """One ID number is one person: the same number with two names is a typo somewhere."""
    first: dict[str, tuple[str, int, str]] = {}
    refs = [(SHEET_UNITS, u.row, u.owner, Col.OWNER_ID) for u in parsed.units if u.owner]
    refs += [(SHEET_RESIDENTS, r.row, r.person, Col.ID_NUMBER) for r in parsed.residents]
    for sheet, row, ref, column in refs:
        if not ref.id_number:
            continue
        if ref.id_number in first:
            name, first_row, first_sheet = first[ref.id_number]
            if name != ref.name:
                parsed.error(sheet, row, column,
                             _("证件号与「%(sheet)s」第 %(row)d 行相同，但姓名不同")
                             % {"sheet": first_sheet, "row": first_row})
        else:
            first[ref.id_number] = (ref.name, row, sheet)


def _check_vehicles(parsed: ParsedRoster) -> None:
    seen: dict[str, int] = {}
    for vehicle in parsed.vehicles:
        if vehicle.plate in seen:
            parsed.error(SHEET_VEHICLES, vehicle.row, Col.PLATE,
                         _("车牌号重复（与第 %(row)d 行相同）") % {"row": seen[vehicle.plate]})
        seen.setdefault(vehicle.plate, vehicle.row)


def _check_residents(parsed: ParsedRoster) -> None:
    seen: dict[tuple, int] = {}
    for resident in parsed.residents:
        who = (resident.key, resident.person.name,
               resident.person.id_number or resident.person.mobile)
        if who in seen:
            parsed.error(SHEET_RESIDENTS, resident.row, Col.RESIDENT_NAME,
                         _("同一住户在房屋 %(unit)s 重复登记（第 %(row)d 行）")
                         % {"unit": unit_label(resident.key), "row": seen[who]})
        seen.setdefault(who, resident.row)


def parse_roster(filename: str, data: bytes) -> ParsedRoster:
    """Reads and validates a roster file; raises RosterFileError when the file itself is refused.

    Row problems do not raise: they are collected in ``ParsedRoster.errors``.
    """
    check_size(len(data))
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".xlsx":
        sheets = _read_xlsx(data)
        by_name = True
    elif extension == ".csv":
        sheets = _read_csv(data, PurePath(filename).stem)
        by_name = False
    else:
        raise RosterFileError(_("只支持 .xlsx（Excel）和 .csv 格式的档案文件"), code="extension")
    parsed = ParsedRoster()
    found: dict[str, str] = {}
    for sheet in sheets:
        table, header_index = _identify(sheet, by_name=by_name)
        if table is None:
            continue
        if table.sheet in found:
            parsed.error(table.sheet, None, "",
                         _("文件中有两个「%(table)s」表（工作表「%(a)s」和「%(b)s」）")
                         % {"table": table.sheet, "a": found[table.sheet], "b": sheet.title})
            continue
        found[table.sheet] = sheet.title
        _read_table(parsed, sheet, table, header_index)
    if not found:
        expected = "；".join(f"「{t.sheet}」：{'、'.join(t.columns)}" for t in TABLES)
        parsed.error("", None, "",
                     _("没有找到可导入的表。请使用模板：工作表名和表头应为 %(expected)s")
                     % {"expected": expected})
    parsed.tables = [t.sheet for t in TABLES if t.sheet in found]
    _check_units(parsed)
    _check_people(parsed)
    _check_residents(parsed)
    _check_vehicles(parsed)
    return parsed


# --- planning against the community -------------------------------------------------------------

@dataclass
class PersonPlan:
    """One person of the file: matched to an existing Person, or to be created."""

    key: str
    name: str
    mobile: str = ""
    id_number: str = ""
    kind: str = PersonKind.NATURAL
    person: Person | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def absorb(self, ref: PersonRef) -> None:
        if not self.mobile and ref.mobile:
            self.mobile = ref.mobile
        if not self.id_number and ref.id_number:
            self.id_number = ref.id_number


@dataclass
class ImportPlan:
    """What committing would do. Writes nothing; ``services.commit_roster_import`` applies it."""

    community: Community
    errors: list[dict] = field(default_factory=list)
    buildings: dict[str, Building] = field(default_factory=dict)  # existing, by name
    buildings_new: dict[str, int] = field(default_factory=dict)  # name → floors
    buildings_raise: list[tuple[Building, int]] = field(default_factory=list)
    units: dict[UnitKey, Unit] = field(default_factory=dict)  # existing, by key
    units_new: dict[UnitKey, dict[str, Any]] = field(default_factory=dict)
    units_update: list[tuple[Unit, dict[str, Any], dict[str, list]]] = field(default_factory=list)
    units_unchanged: int = 0
    persons: dict[str, PersonPlan] = field(default_factory=dict)
    ownerships_new: list[tuple[UnitKey, str, Decimal, dt.date | None]] = field(default_factory=list)
    ownerships_update: list[tuple[Ownership, Decimal]] = field(default_factory=list)
    ownerships_unchanged: int = 0
    residencies_new: list[tuple[UnitKey, str, str, str, dt.date | None]] = \
        field(default_factory=list)
    residencies_unchanged: int = 0
    vehicles_new: list[tuple[str, str, UnitKey | None, str]] = field(default_factory=list)
    vehicles_update: list[tuple[Vehicle, UnitKey | None, str]] = field(default_factory=list)
    vehicles_unchanged: int = 0

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    @property
    def persons_new(self) -> list[PersonPlan]:
        return [p for p in self._unique_persons() if p.person is None]

    @property
    def persons_update(self) -> list[PersonPlan]:
        return [p for p in self._unique_persons() if p.person is not None and p.changes]

    def _unique_persons(self) -> list[PersonPlan]:
        seen: set[int] = set()
        unique = []
        for plan in self.persons.values():
            if id(plan) not in seen:
                seen.add(id(plan))
                unique.append(plan)
        return unique

    @property
    def total_writes(self) -> int:
        return (len(self.buildings_new) + len(self.buildings_raise) + len(self.units_new)
                + len(self.units_update) + len(self.persons_new) + len(self.persons_update)
                + len(self.ownerships_new) + len(self.ownerships_update)
                + len(self.residencies_new) + len(self.vehicles_new) + len(self.vehicles_update))

    def summary(self) -> dict[str, dict[str, int]]:
        persons = self._unique_persons()
        new_persons = sum(1 for p in persons if p.person is None)
        updated = sum(1 for p in persons if p.person is not None and p.changes)
        return {
            "buildings": {"new": len(self.buildings_new), "updated": len(self.buildings_raise)},
            "units": {"new": len(self.units_new), "updated": len(self.units_update),
                      "unchanged": self.units_unchanged},
            "persons": {"new": new_persons, "updated": updated,
                        "unchanged": len(persons) - new_persons - updated},
            "ownerships": {"new": len(self.ownerships_new), "updated": len(self.ownerships_update),
                           "unchanged": self.ownerships_unchanged},
            "residents": {"new": len(self.residencies_new), "updated": 0,
                          "unchanged": self.residencies_unchanged},
            "vehicles": {"new": len(self.vehicles_new), "updated": len(self.vehicles_update),
                         "unchanged": self.vehicles_unchanged},
        }


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def not_ended(on: dt.date):
    """Ownerships that still hold on ``on`` (including ones starting later)."""
    return Q(end__isnull=True) | Q(end__gt=on)


class _Planner:
    def __init__(self, community: Community, parsed: ParsedRoster):
        self.community = community
        self.parsed = parsed
        self.plan = ImportPlan(community=community)
        self.today = timezone.localdate()

    # units and buildings
    def units(self) -> None:
        plan, parsed = self.plan, self.parsed
        names = sorted({u.building for u in parsed.units}
                       | {r.building for r in parsed.residents}
                       | {v.building for v in parsed.vehicles if v.building})
        for chunk in _chunks(names):
            for building in Building.objects.in_community(self.community).filter(name__in=chunk):
                plan.buildings[building.name] = building
            for unit in (Unit.objects.in_community(self.community)
                         .filter(building__name__in=chunk).select_related("building")):
                plan.units[(unit.building.name, unit.entrance, unit.number)] = unit
        top_floor: dict[str, int] = {}
        for unit in parsed.units:
            top_floor[unit.building] = max(top_floor.get(unit.building, 1), unit.floor)
        for name, floors in top_floor.items():
            building = plan.buildings.get(name)
            if building is None:
                plan.buildings_new[name] = floors
            elif floors > building.floors:
                plan.buildings_raise.append((building, floors))
        seen: set[UnitKey] = set()
        for row in parsed.units:
            if row.key in seen:
                continue
            seen.add(row.key)
            existing = plan.units.get(row.key)
            fields = row.unit_fields()
            if existing is None:
                plan.units_new[row.key] = fields
                continue
            changes = {k: [str(getattr(existing, k)), str(v)] for k, v in fields.items()
                       if getattr(existing, k) != v}
            if changes:
                plan.units_update.append((existing, fields, changes))
            else:
                plan.units_unchanged += 1

    def known_unit(self, key: UnitKey) -> bool:
        return key in self.parsed.unit_keys or key in self.plan.units

    # people
    def people(self) -> None:
        plan, parsed = self.plan, self.parsed
        by_mobile_name: dict[tuple[str, str], str] = {}
        by_unit_name: dict[tuple[UnitKey, str], str] = {}
        self.key_of: dict[tuple[str, int], str] = {}
        self.named_in_unit: dict[str, tuple[UnitKey, str]] = {}  # name-only person → unit, name

        def remember(ref: PersonRef, key: str, unit: UnitKey | None) -> None:
            if ref.mobile:
                by_mobile_name.setdefault((ref.mobile, ref.name), key)
            if unit is not None:
                by_unit_name.setdefault((unit, ref.name), key)

        def add(sheet: str, row: int, ref: PersonRef, unit: UnitKey | None, key: str) -> None:
            person = plan.persons.get(key)
            if person is None:
                kind = PersonKind.ORGANIZATION if ref.is_organization else PersonKind.NATURAL
                person = plan.persons[key] = PersonPlan(key=key, name=ref.name, kind=kind)
            person.absorb(ref)
            self.key_of[(sheet, row)] = key
            if key.startswith("nu:") and unit is not None:
                self.named_in_unit.setdefault(key, (unit, ref.name))
            remember(ref, key, unit)

        refs = [(SHEET_UNITS, u.row, u.owner, u.key) for u in parsed.units if u.owner]
        refs += [(SHEET_RESIDENTS, r.row, r.person, r.key) for r in parsed.residents]
        # Strongest identifier first, so that a row with only a mobile joins the person that
        # another row names with both.
        for sheet, row, ref, unit in refs:
            if ref.id_number:
                add(sheet, row, ref, unit, f"id:{ref.id_number}")
        for sheet, row, ref, unit in refs:
            if not ref.id_number and ref.mobile:
                key = by_mobile_name.get((ref.mobile, ref.name)) or f"mn:{ref.mobile}:{ref.name}"
                add(sheet, row, ref, unit, key)
        for sheet, row, ref, unit in refs:
            if not ref.id_number and not ref.mobile:
                key = by_unit_name.get((unit, ref.name)) or f"nu:{'/'.join(unit)}:{ref.name}"
                add(sheet, row, ref, unit, key)
        for vehicle in parsed.vehicles:
            ref = vehicle.person
            if ref.mobile:
                key = by_mobile_name.get((ref.mobile, ref.name)) or f"mn:{ref.mobile}:{ref.name}"
            elif vehicle.key is not None:
                key = by_unit_name.get((vehicle.key, ref.name)) \
                    or f"nu:{'/'.join(vehicle.key)}:{ref.name}"
            else:
                plan.error(SHEET_VEHICLES, vehicle.row, Col.DRIVER_MOBILE,
                           _("请填写车主手机号，或填写车辆所属房屋（车主须为该房屋的业主或住户）"))
                continue
            add(SHEET_VEHICLES, vehicle.row, ref, vehicle.key, key)
        self.match_people()

    def match_people(self) -> None:
        plan = self.plan
        people = Person.objects.in_community(self.community)
        by_id: dict[str, Person] = {}
        by_mobile: dict[tuple[str, str], Person] = {}
        id_indexes = sorted({crypto.blind_index(p.id_number, purpose="id")
                             for p in plan.persons.values() if p.id_number})
        mobile_indexes = sorted({crypto.blind_index(p.mobile, purpose="mobile")
                                 for p in plan.persons.values() if p.mobile})
        for chunk in _chunks(id_indexes):
            for person in people.filter(id_index__in=chunk).order_by("pk"):
                by_id.setdefault(person.id_index, person)
        for chunk in _chunks(mobile_indexes):
            for person in people.filter(mobile_index__in=chunk).order_by("pk"):
                by_mobile.setdefault((person.mobile_index, person.name), person)
        by_unit_name = self.people_of_units()
        claimed: dict[int, PersonPlan] = {}
        for key, person_plan in list(plan.persons.items()):
            found = None
            if person_plan.id_number:
                found = by_id.get(crypto.blind_index(person_plan.id_number, purpose="id"))
            if found is None and person_plan.mobile:
                candidate = by_mobile.get(
                    (crypto.blind_index(person_plan.mobile, purpose="mobile"), person_plan.name))
                # The same name and mobile but another ID number is somebody else.
                if candidate is not None and (not candidate.id_number or not person_plan.id_number
                                              or candidate.id_number == person_plan.id_number):
                    found = candidate
            if found is None and key.startswith("nu:"):
                found = by_unit_name.get(key)
            if found is None:
                continue
            if found.pk in claimed:
                # Two lines of the file turned out to be one person already on the roster.
                claimed[found.pk].absorb(PersonRef(person_plan.name, person_plan.mobile,
                                                   person_plan.id_number))
                plan.persons[key] = claimed[found.pk]
                continue
            claimed[found.pk] = person_plan
            person_plan.person = found
        for person_plan in plan._unique_persons():
            found = person_plan.person
            if found is None:
                continue
            for attr in ("name", "mobile", "id_number"):
                value = getattr(person_plan, attr)
                if value and value != getattr(found, attr):
                    person_plan.changes[attr] = value

    def people_of_units(self) -> dict[str, Person]:
        """Owners and residents already on record for units named in the file, by name."""
        wanted = {}
        for key, (unit_key, name) in self.named_in_unit.items():
            unit = self.plan.units.get(unit_key)
            if unit is not None:
                wanted[(unit.pk, name)] = key
        if not wanted:
            return {}
        unit_ids = sorted({unit_id for unit_id, _name in wanted})
        found: dict[str, Person] = {}
        for chunk in _chunks(unit_ids):
            links = [
                *Ownership.objects.filter(unit_id__in=chunk).filter(not_ended(self.today))
                .select_related("person"),
                *Residency.objects.filter(unit_id__in=chunk).current().select_related("person"),
            ]
            for link in links:
                key = wanted.get((link.unit_id, link.person.name))
                if key is not None:
                    found.setdefault(key, link.person)
        return found

    def person_of(self, sheet: str, row: int) -> PersonPlan | None:
        key = self.key_of.get((sheet, row))
        return self.plan.persons.get(key) if key else None

    # links
    def ownerships(self) -> None:
        plan, parsed = self.plan, self.parsed
        existing: dict[int, list[Ownership]] = defaultdict(list)
        unit_ids = sorted(u.pk for u in plan.units.values())
        for chunk in _chunks(unit_ids):
            for ownership in (Ownership.objects.filter(unit_id__in=chunk)
                              .filter(not_ended(self.today)).order_by("pk")):
                existing[ownership.unit_id].append(ownership)
        groups: dict[UnitKey, list[UnitRow]] = defaultdict(list)
        for row in parsed.units:
            if row.owner is not None:
                groups[row.key].append(row)
        for key, rows in groups.items():
            unit = plan.units.get(key)
            on_record = existing.get(unit.pk, []) if unit else []
            matched: set[int] = set()
            for row in rows:
                person = self.person_of(SHEET_UNITS, row.row)
                if person is None:
                    continue
                current = next((o for o in on_record if person.person is not None
                                and o.person_id == person.person.pk), None)
                if current is None:
                    plan.ownerships_new.append((key, person.key, row.share, row.start))
                    continue
                matched.add(current.pk)
                if row.share is not None and current.share != row.share:
                    plan.ownerships_update.append((current, row.share))
                else:
                    plan.ownerships_unchanged += 1
            others = sum((o.share for o in on_record if o.pk not in matched), Decimal(0))
            listed = sum((r.share or Decimal(0) for r in rows), Decimal(0))
            if others and others + listed > 1:
                plan.error(SHEET_UNITS, rows[0].row, Col.SHARE,
                           _("房屋 %(unit)s 在系统中还有未列入本文件的产权人（份额合计 %(held)s），"
                             "加上本文件的份额将超过 1；如已过户，请先在房屋页面办理产权终止")
                           % {"unit": unit_label(key), "held": f"{others.normalize():f}"})

    def residencies(self) -> None:
        plan, parsed = self.plan, self.parsed
        existing: set[tuple[int, int]] = set()
        unit_ids = sorted(u.pk for u in plan.units.values())
        for chunk in _chunks(unit_ids):
            existing.update(Residency.objects.filter(unit_id__in=chunk).current()
                            .values_list("unit_id", "person_id"))
        for row in parsed.residents:
            if not self.known_unit(row.key):
                plan.error(SHEET_RESIDENTS, row.row, Col.NUMBER, self.unknown_unit(row.key))
                continue
            person = self.person_of(SHEET_RESIDENTS, row.row)
            unit = plan.units.get(row.key)
            if person and person.person and unit and (unit.pk, person.person.pk) in existing:
                plan.residencies_unchanged += 1
                continue
            plan.residencies_new.append((row.key, person.key, row.kind, row.relation,
                                         row.moved_in))

    def vehicles(self) -> None:
        plan, parsed = self.plan, self.parsed
        plates = sorted({v.plate for v in parsed.vehicles})
        existing: dict[str, Vehicle] = {}
        for chunk in _chunks(plates):
            for vehicle in Vehicle.objects.in_community(self.community).filter(plate__in=chunk):
                existing[vehicle.plate] = vehicle
        for row in parsed.vehicles:
            if row.key is not None and not self.known_unit(row.key):
                plan.error(SHEET_VEHICLES, row.row, Col.NUMBER, self.unknown_unit(row.key))
                continue
            person = self.person_of(SHEET_VEHICLES, row.row)
            if person is None:
                continue  # already reported: the owner could not be identified
            vehicle = existing.get(row.plate)
            if vehicle is None:
                plan.vehicles_new.append((row.plate, person.key, row.key, row.brand))
                continue
            if person.person is None or vehicle.person_id != person.person.pk:
                plan.error(SHEET_VEHICLES, row.row, Col.PLATE,
                           _("车牌 %(plate)s 已登记在本小区其他人名下；如车辆已转让，请先在车辆页面注销")
                           % {"plate": row.plate})
                continue
            current_unit = plan.units.get(row.key) if row.key else None
            unit_changed = row.key is not None and (
                current_unit is None or vehicle.unit_id != current_unit.pk)
            brand_changed = bool(row.brand) and row.brand != vehicle.brand
            if unit_changed or brand_changed:
                plan.vehicles_update.append((vehicle, row.key if unit_changed else None,
                                             row.brand if brand_changed else vehicle.brand))
            else:
                plan.vehicles_unchanged += 1

    @staticmethod
    def unknown_unit(key: UnitKey) -> str:
        return _("房屋 %(unit)s 不在本文件的「房屋与业主」表中，也未在本小区登记") \
            % {"unit": unit_label(key)}

    def run(self) -> ImportPlan:
        self.units()
        self.people()
        self.ownerships()
        self.residencies()
        self.vehicles()
        return self.plan


def plan_import(community: Community, parsed: ParsedRoster) -> ImportPlan:
    """Compares the parsed rows with the community's roster; reads only."""
    return _Planner(community, parsed).run()


def validate_roster(community: Community, filename: str, data: bytes
                    ) -> tuple[ParsedRoster, ImportPlan]:
    """Parse, validate and plan in one go (what the preview shows and ``--commit`` checks)."""
    parsed = parse_roster(filename, data)
    plan = plan_import(community, parsed)
    parsed.errors = capped_errors(parsed.errors + plan.errors)
    return parsed, plan

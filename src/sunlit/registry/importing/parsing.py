"""Reading a roster file into cleaned rows: every cell checked, every error pointing at a sheet, an
Excel row and a column header.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from sunlit.core import sheets
from sunlit.core.sheets import SheetFileError
from sunlit.core.validators import (
    validate_id_number,
    validate_mobile,
    validate_plate,
)
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage
from sunlit.registry.importing.rows import (
    HEADER_SEARCH_ROWS,
    LENGTHS,
    MAX_CELL_CHARS,
    SHARE_PLACES,
    SHEET_RESIDENTS,
    SHEET_UNITS,
    SHEET_VEHICLES,
    TABLES,
    Col,
    ParsedRoster,
    PersonRef,
    ResidentRow,
    Table,
    UnitKey,
    UnitRow,
    VehicleRow,
    unit_label,
)
from sunlit.registry.services import parse_area

# --- cell values --------------------------------------------------------------------------------


@functools.cache
def _labels(choices) -> dict[str, str]:
    """Chinese label (and internal value) → value; 「未售」 also matches 「未售（开发商持有）」."""
    mapping: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            text = sheets.header_key(str(label))
            mapping[text] = value
            mapping.setdefault(re.sub(r"\(.*\)$", "", text), value)
            mapping.setdefault(sheets.header_key(value), value)
    return mapping


def chinese_label(choices, value: str) -> str:
    with translation.override("zh-hans"):
        return str(choices(value).label)


def _choice_names(choices) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)




def parse_floor(value: Any) -> int:
    message = _("楼层必须是 -10 到 200 之间的整数")
    text = sheets.cell_text(value).removesuffix("层").removesuffix("F").removesuffix("f")
    if not re.fullmatch(r"-?\d{1,3}", text):
        raise ValidationError(message)
    floor = int(text)
    if not -10 <= floor <= 200:
        raise ValidationError(message)
    return floor


def parse_share(value: Any) -> Decimal:
    """0.5, 50% or 1/2; rounded down to four places (the precision of Ownership.share)."""
    message = _("产权份额应大于 0 且不超过 1（可写 0.5、50% 或 1/2）")
    text = sheets.cell_text(value).replace(" ", "")
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
        return None if value is sheets.FORMULA else value

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.raw(column)
        text = sheets.cell_text(value)
        if column in {Col.ENTRANCE}:
            text = text.removesuffix("单元")
        if required and not text and self.cells.get(column) is not sheets.FORMULA:
            self.error(column, _("请填写%(column)s") % {"column": column})
        limit = LENGTHS.get(column, MAX_CELL_CHARS)
        if len(text) > limit:
            self.error(column, _("内容过长（最多 %(n)d 个字符）") % {"n": limit})
            return ""
        return text

    def parse(self, column: str, parser, *, required: bool = False):
        """``parser(value)`` or None; a ValidationError becomes this cell's error."""
        value = self.raw(column)
        if sheets.empty(value):
            if required and self.cells.get(column) is not sheets.FORMULA:
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
        mobile = self.parse(mobile_col, lambda v: validate_mobile(sheets.cell_text(v))) or ""
        id_number = ""
        if id_col is not None:
            id_number = self.parse(id_col, lambda v: _id_number(v, allow_organization)) or ""
        if not name:
            given = [c for c in (mobile_col, id_col) if c and not sheets.empty(self.raw(c))]
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
    text = sheets.cell_text(value).upper().replace(" ", "")
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
    text = sheets.cell_text(value).removesuffix("㎡").removesuffix("m2").strip()
    return parse_area(text)


def _choice(choices, label: str):
    def parse(value: Any) -> str:
        found = _labels(choices).get(sheets.header_key(sheets.cell_text(value)))
        if found is None:
            raise ValidationError(_("%(label)s应为：%(names)s")
                                  % {"label": label, "names": _choice_names(choices)})
        return found

    return parse


def _plate(value: Any) -> str:
    return validate_plate(sheets.cell_text(value))


def _validate_unit_row(row: _Row) -> UnitRow | None:
    building = row.text(Col.BUILDING, required=True)
    entrance = row.text(Col.ENTRANCE)
    number = row.text(Col.NUMBER, required=True)
    if building and number and row.cells.get(Col.BUILDING) is not sheets.FORMULA:
        row.parsed.unit_keys.add((building, entrance, number))
    floor = row.parse(Col.FLOOR, parse_floor, required=True)
    area = row.parse(Col.AREA, _area, required=True)
    usage = row.parse(Col.USAGE, _choice(UnitUsage, Col.USAGE)) or UnitUsage.RESIDENTIAL
    status = (row.parse(Col.STATUS, _choice(DeliveryStatus, Col.STATUS))
              or DeliveryStatus.DELIVERED)
    owner = row.person(Col.OWNER_NAME, Col.OWNER_MOBILE, Col.OWNER_ID, allow_organization=True)
    share = row.parse(Col.SHARE, parse_share)
    start = row.parse(Col.START, sheets.parse_date)
    if owner is None and (share is not None or start is not None) \
            and sheets.empty(row.raw(Col.OWNER_NAME)):
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
    moved_in = row.parse(Col.MOVED_IN, sheets.parse_date)
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


def _identify(sheet: sheets.RawSheet, *, by_name: bool) -> tuple[Table | None, int]:
    """Which table a sheet holds and where its header row is (index into ``sheet.rows``).

    A sheet named like a table is that table; otherwise (CSV, renamed sheets) the header row
    decides. Title lines above the header are skipped.
    """
    named = next((t for t in TABLES if sheets.header_key(t.sheet) == sheets.header_key(sheet.title)), None) \
        if by_name else None
    candidates = (named,) if named else TABLES
    best: tuple[int, Table | None, int] = (0, named, 0)
    for index, (_number, values) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        keys = {sheets.header_key(sheets.cell_text(v)) for v in values if v is not sheets.FORMULA}
        for table in candidates:
            found = sum(1 for c in table.required if sheets.header_key(c) in keys)
            if found == len(table.required):
                return table, index
            if found > best[0]:
                best = (found, table, index)
    return best[1], best[2]


def _read_table(parsed: ParsedRoster, sheet: sheets.RawSheet, table: Table, header_index: int) -> None:
    header_number, header_values = sheet.rows[header_index] if sheet.rows else (1, [])
    by_key = {sheets.header_key(c): c for c in table.columns}
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, value in enumerate(header_values):
        if value is sheets.FORMULA:
            parsed.error(table.sheet, header_number, _column_letter(position),
                         _("不允许公式"))
            continue
        name = by_key.get(sheets.header_key(sheets.cell_text(value)))
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
            if value is sheets.FORMULA:
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
    """Reads and validates a roster file; raises SheetFileError when the file itself is refused.

    Row problems do not raise: they are collected in ``ParsedRoster.errors``.
    """
    sheets.check_size(len(data))
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".xlsx":
        raw = sheets.read_xlsx(data)
        by_name = True
    elif extension == ".csv":
        raw = sheets.read_csv(data, PurePath(filename).stem)
        by_name = False
    else:
        raise SheetFileError(_("只支持 .xlsx（Excel）和 .csv 格式的档案文件"), code="extension")
    parsed = ParsedRoster()
    found: dict[str, str] = {}
    for sheet in raw:
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

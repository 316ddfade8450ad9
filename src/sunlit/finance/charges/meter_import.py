"""Meter readings from a file — 抄表导入 — and per-unit meters in bulk.

An Excel workbook (.xlsx) or CSV with a header row holding 本期读数 and 表号 or 房号 (plus
抄表日期, and optionally 楼栋/单元 and 上期读数). Each row names one meter: by its number (表号),
or by the unit (房号 as shown in Sunlit, "1号楼-1单元-101", or 楼栋 + 单元 + 房号) and the kind of
meter chosen for the whole file. Every row is checked before anything is written, each problem
reported with its row number and column in Chinese: unknown meter or unit, a reading that is
not a number or has more than two places, a reading below the previous one, a meter read twice
in the file or already read for the month, a reading date outside the month and the next, a
meter of another kind. The file is refused as a whole when it is too large, not a spreadsheet,
without the columns, or has more than ``MAX_ROWS`` rows.

Staged (``MeterImport``) the rows wait for the preview; committing checks them again against the
database and writes them in one transaction through ``services.record_readings`` (one call per
reading date), creating the missing per-unit meters first when asked — all or nothing. The
template (``template_workbook``) lists the community's meters of a kind with their last reading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sunlit.core import audit, sheets
from sunlit.core.locking import locked
from sunlit.core.models import AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.finance.billing import runs as billing
from sunlit.finance.billing import services
from sunlit.finance.billing.choices import MeterKind
from sunlit.finance.books import calc, money
from sunlit.finance.charges.choices import ImportStatus
from sunlit.finance.models import Meter, MeterImport, MeterReading
from sunlit.registry.models import Unit
from sunlit.transparency import services as log

MAX_ROWS = 50_000
MAX_ERRORS = 500
HEADER_SEARCH_ROWS = 10


class C:
    """Column headers."""

    NUMBER = "表号"
    UNIT = "房号"
    BUILDING = "楼栋"
    ENTRANCE = "单元"
    CURRENT = "本期读数"
    READ_ON = "抄表日期"
    PREVIOUS = "上期读数"


COLUMNS = (C.NUMBER, C.BUILDING, C.ENTRANCE, C.UNIT, C.PREVIOUS, C.CURRENT, C.READ_ON)


def kind_label(kind: str) -> str:
    with translation.override("zh-hans"):
        return str(MeterKind(kind).label)


# --- reading the file ---------------------------------------------------------------------------


def read_file(filename: str, data: bytes) -> list[dict]:
    """The data rows of the file as {"row": n, column: raw value}; raises ValidationError
    ({"file": [...]}) when the file as a whole is refused."""
    try:
        sheets.check_size(len(data))
        extension = PurePath(filename or "").suffix.lower()
        if extension == ".xlsx":
            raw = sheets.read_xlsx(data)
        elif extension == ".csv":
            raw = sheets.read_csv(data, PurePath(filename).stem)
        else:
            raise ValidationError(_("只支持 .xlsx（Excel）和 .csv 格式的抄表文件"))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    for sheet in raw:
        for index, (_number, values) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            headers = [sheets.header_key(sheets.cell_text(v)) if v is not sheets.FORMULA else ""
                       for v in values]
            if C.CURRENT in headers and (C.NUMBER in headers or C.UNIT in headers):
                return _rows(sheet, index, headers)
    raise ValidationError({"file": [_("没有找到表头：第一行应包含「本期读数」和「表号」或「房号」，"
                                      "以及「抄表日期」（可下载模板）")]})


def _rows(sheet, header_index: int, headers: list[str]) -> list[dict]:
    if C.READ_ON not in headers:
        raise ValidationError({"file": [_("缺少「抄表日期」列")]})
    positions = {h: i for i, h in reversed(list(enumerate(headers))) if h in COLUMNS}
    body = sheet.rows[header_index + 1:]
    if len(body) > MAX_ROWS:
        raise ValidationError({"file": [_("行数超过上限（%(n)s 行），请拆分后分批导入") % {
            "n": f"{MAX_ROWS:,}"}]})
    out = []
    for number, values in body:
        row = {"row": number}
        for column, position in positions.items():
            row[column] = values[position] if position < len(values) else None
        out.append(row)
    return out


# --- checking the rows ---------------------------------------------------------------------------


@dataclass
class Checked:
    """The rows as they would be written, and every problem found."""

    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    skipped: int = 0
    new_meters: int = 0

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    @property
    def usage_total(self) -> Decimal:
        return sum((Decimal(r["usage"]) for r in self.rows), Decimal(0))

    def summary(self) -> dict:
        return {"rows": len(self.rows), "errors": len(self.errors), "skipped": self.skipped,
                "new_meters": self.new_meters, "usage_total": str(self.usage_total)}


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    if value is sheets.FORMULA:
        return "\0formula"
    return sheets.cell_text(value)


def _reading(value, what: str) -> Decimal:
    if value is sheets.FORMULA:
        raise money.MoneyError(_("%(what)s不能是公式，请粘贴为数值") % {"what": what})
    if isinstance(value, float):  # a number typed into Excel: its shortest text is what was typed
        value = repr(value)
    number = money.parse_decimal(value, what=what, places=2)
    if number < 0:
        raise money.MoneyError(_("%(what)s不能为负数") % {"what": what})
    if number >= Decimal("10000000000"):
        raise money.MoneyError(_("%(what)s超出上限") % {"what": what})
    return number.quantize(money.FEN)


@dataclass(frozen=True)
class _MeterRow:
    pk: int
    kind: str
    unit_id: int | None
    number: str


class _Context:
    """What the rows are checked against: the community's meters, units and readings."""

    def __init__(self, community: Community, kind: str, period_start: dt.date):
        # plain tuples, not model instances: 10,000 meters and units are read at every check
        meters = [_MeterRow(*row) for row in Meter.objects.in_community(community).values_list(
            "id", "kind", "unit_id", "number")]
        self.by_number = {m.number: m for m in meters if m.number}
        self.by_unit = {m.unit_id: m for m in meters if m.unit_id and m.kind == kind}
        self.units: dict[str, int] = {}
        for pk, building, entrance, number in Unit.objects.in_community(community).values_list(
                "id", "building__name", "entrance", "number"):
            label = "-".join([building, f"{entrance}单元", number] if entrance else [building, number])
            self.units[sheets.header_key(label)] = pk
        ids = [m.pk for m in meters if m.kind == kind]
        self.read_now = set(MeterReading.objects.filter(meter__community=community, meter__kind=kind,
                                                        period_start=period_start)
                            .values_list("meter_id", flat=True))
        latest = dict(MeterReading.objects.filter(meter__community=community, meter__kind=kind,
                                                  period_start__lt=period_start)
                      .values("meter_id").annotate(p=Max("period_start")).values_list("meter_id", "p"))
        self.previous: dict[int, Decimal] = {}
        if latest:
            for meter_id, start, current in MeterReading.objects.filter(
                    meter__community=community, meter__kind=kind,
                    period_start__in=set(latest.values())).values_list("meter_id", "period_start",
                                                                       "current"):
                if latest.get(meter_id) == start:
                    self.previous[meter_id] = current
        self.kind_ids = set(ids)


def check_rows(community: Community, *, kind: str, period_start: dt.date, rows: list[dict],
               create_missing: bool = False) -> Checked:
    """Checks every row; reads only."""
    ctx = _Context(community, kind, period_start)
    out = Checked()
    first = calc.add_months(period_start, 0)
    last = calc.add_months(period_start, 2) - dt.timedelta(days=1)
    seen: dict[tuple, int] = {}
    new_numbers: set[str] = set()
    label = kind_label(kind)
    for row in rows:
        n = row["row"]
        current_raw = row.get(C.CURRENT)
        number = _cell(row, C.NUMBER)
        entrance = _cell(row, C.ENTRANCE).removesuffix("单元")
        unit_text = "-".join(p for p in (_cell(row, C.BUILDING), f"{entrance}单元" if entrance else "",
                                         _cell(row, C.UNIT)) if p)
        if current_raw is None or (isinstance(current_raw, str) and not current_raw.strip()):
            if number or unit_text:
                out.skipped += 1  # a template row left blank: not read this month
            continue
        errors_before = len(out.errors)
        meter, unit_id = None, None
        if "\0formula" in (number, unit_text):
            out.error(n, C.NUMBER, _("表号和房号不能是公式"))
        elif number:
            meter = ctx.by_number.get(number)
            if meter is None:
                unit_id = ctx.units.get(sheets.header_key(unit_text)) if unit_text else None
                if not (create_missing and unit_id):
                    out.error(n, C.NUMBER, _("本小区没有表号为 %(n)s 的表") % {"n": number})
                elif unit_id in ctx.by_unit:
                    out.error(n, C.NUMBER, _("房屋 %(u)s 已有%(k)s表（表号 %(o)s），与 %(n)s 不符") % {
                        "u": unit_text, "k": label, "o": ctx.by_unit[unit_id].number or "—", "n": number})
            elif meter.kind != kind:
                out.error(n, C.NUMBER, _("表号 %(n)s 是%(a)s表，不是%(b)s表") % {
                    "n": number, "a": kind_label(meter.kind), "b": label})
        elif unit_text:
            unit_id = ctx.units.get(sheets.header_key(unit_text))
            if unit_id is None:
                out.error(n, C.UNIT, _("本小区没有房屋 %(u)s") % {"u": unit_text})
            else:
                meter = ctx.by_unit.get(unit_id)
                if meter is None and not create_missing:
                    out.error(n, C.UNIT, _("房屋 %(u)s 没有%(k)s表（可勾选“为没有表计的房屋新建表计”）") % {
                        "u": unit_text, "k": label})
        else:
            out.error(n, C.NUMBER, _("请填写表号或房号"))
        if len(out.errors) > errors_before:  # not identified: no more checks of the meter
            meter, unit_id = None, None
        try:
            current = _reading(current_raw, _("本期读数"))
        except money.MoneyError as exc:
            out.error(n, C.CURRENT, str(exc))
            current = None
        read_on = None
        try:
            read_on = sheets.parse_date(row.get(C.READ_ON))
            if not first <= read_on <= last:
                out.error(n, C.READ_ON, _("抄表日期应在 %(a)s 至 %(b)s 之间") % {"a": first, "b": last})
        except ValidationError as exc:
            missing = row.get(C.READ_ON) in (None, "")
            out.error(n, C.READ_ON, _("请填写抄表日期") if missing else exc.messages[0])
        given_previous = None
        if row.get(C.PREVIOUS) not in (None, ""):
            try:
                given_previous = _reading(row.get(C.PREVIOUS), _("上期读数"))
            except money.MoneyError as exc:
                out.error(n, C.PREVIOUS, str(exc))
        key = ("meter", meter.pk) if meter is not None else ("unit", unit_id)
        if key[1] is not None:
            if key in seen:
                out.error(n, C.NUMBER if number else C.UNIT, _("与第 %(r)d 行是同一块表") % {"r": seen[key]})
            else:
                seen[key] = n
        if meter is not None and meter.pk in ctx.read_now:
            out.error(n, C.CURRENT, _("该表 %(p)s 已抄表") % {"p": f"{period_start:%Y-%m}"})
        previous = ctx.previous.get(meter.pk) if meter is not None else None
        if previous is not None and given_previous is not None and given_previous != previous:
            out.error(n, C.PREVIOUS, _("上期读数 %(g)s 与系统记录的 %(p)s 不一致") % {
                "g": given_previous, "p": previous})
        if previous is None:
            previous = given_previous
        if previous is None and (meter is not None or unit_id is not None):
            out.error(n, C.PREVIOUS, _("该表没有上期读数，请填写「上期读数」（初始读数）"))
        if current is not None and previous is not None and current < previous:
            out.error(n, C.CURRENT, _("本期读数 %(c)s 小于上期读数 %(p)s") % {"c": current, "p": previous})
        if len(out.errors) > errors_before:
            continue
        if meter is None:
            if number in new_numbers:
                out.error(n, C.NUMBER, _("表号 %(n)s 在文件中重复") % {"n": number})
                continue
            if number:
                new_numbers.add(number)
            out.new_meters += 1
        out.rows.append({"row": n, "meter": meter.pk if meter is not None else None, "unit": unit_id,
                         "number": number, "label": unit_text, "previous": str(previous),
                         "current": str(current), "usage": str(current - previous),
                         "read_on": read_on.isoformat()})
    return out


def capped(errors: list[dict]) -> list[dict]:
    errors = sorted(errors, key=lambda e: (e["row"] or 0))
    if len(errors) <= MAX_ERRORS:
        return errors
    return [*errors[:MAX_ERRORS], {"row": None, "column": "", "message": _(
        "另有 %(n)d 处错误未列出") % {"n": len(errors) - MAX_ERRORS}}]


# --- the services ---------------------------------------------------------------------------------


def _clean_request(kind, period_start) -> None:
    errors = {}
    if kind not in MeterKind.values:
        errors["kind"] = [_("请选择表计类型")]
    try:
        billing.check_period(period_start)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _raw_rows(rows: list[dict]) -> list[dict]:
    """The cells kept for the commit's second check (text, never formulas or floats)."""
    out = []
    for row in rows:
        kept = {"row": row["row"]}
        for column in COLUMNS:
            value = row.get(column)
            if value is sheets.FORMULA:
                kept[column] = "=?"
            elif isinstance(value, dt.date | dt.datetime):
                kept[column] = value.isoformat()[:10]
            elif isinstance(value, float):
                kept[column] = repr(value)
            elif value is not None:
                kept[column] = str(value)
        out.append(kept)
    return out


@transaction.atomic
def stage_meter_import(community: Community, *, actor: User, kind: str, period_start: dt.date,
                       filename: str, data: bytes, create_missing: bool = False) -> MeterImport:
    """Reads and checks a file of readings and keeps it for the preview (nothing else written).
    A file refused as a whole raises ValidationError; row problems are kept with the import."""
    require(actor, "finance.bill", community=community)
    if create_missing:
        require(actor, "finance.manage", community=community)
    _clean_request(kind, period_start)
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValidationError({"file": [_("请选择要导入的文件")]})
    rows = read_file(filename, bytes(data))
    checked = check_rows(community, kind=kind, period_start=period_start, rows=rows,
                         create_missing=bool(create_missing))
    if not checked.rows and not checked.errors:
        checked.error(None, "", _("文件中没有读数"))
    raw = _raw_rows(rows)
    return MeterImport.objects.create(
        community=community, kind=kind, period_start=period_start, create_missing=bool(create_missing),
        filename=PurePath(filename or "").name[:200], sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), rows=raw, errors=capped(checked.errors),
        summary={**checked.summary(), "preview": checked.rows[:200]}, uploaded_by=actor)


@transaction.atomic
def create_unit_meters(community: Community, *, actor: User, kind: str, units: list[tuple[int, str]]
                       ) -> dict[int, Meter]:
    """表计批量建档: a per-unit meter of ``kind`` for each (unit id, meter number); all or none."""
    require(actor, "finance.manage", community=community)
    if kind not in MeterKind.values:
        raise ValidationError({"kind": [_("表计类型无效")]})
    ids = [u for u, _n in units]
    found = set(Unit.objects.in_community(community).filter(pk__in=ids).values_list("pk", flat=True))
    taken = set(Meter.objects.filter(unit_id__in=ids, kind=kind).values_list("unit_id", flat=True))
    numbers = [n for _u, n in units if n]
    used = set(Meter.objects.in_community(community).filter(number__in=numbers)
               .values_list("number", flat=True))
    if set(ids) - found or taken or used or len(set(ids)) != len(ids) or len(set(numbers)) != len(numbers):
        raise ValidationError({"units": [_("房屋不属于本小区、已有此类表计或表号重复")]})
    meters = Meter.objects.bulk_create([Meter(community=community, kind=kind, unit_id=u, number=n)
                                        for u, n in units])
    if not all(m.pk for m in meters):  # backends that do not return ids
        meters = list(Meter.objects.filter(unit_id__in=ids, kind=kind))
    audit.record(AuditEvent.Action.CREATE, community=community, actor=actor, object_type="finance.meter",
                 summary=f"批量新建{kind_label(kind)}表 {len(meters)} 块")
    return {m.unit_id: m for m in meters}


@transaction.atomic
def commit_meter_import(meter_import: MeterImport, *, actor: User,
                        now: dt.datetime | None = None) -> MeterImport:
    """Writes a staged import: checks its rows again, creates the missing meters if asked, then
    the readings through ``record_readings`` — in one transaction. Committing a committed
    import again returns it unchanged."""
    community = meter_import.community
    require(actor, "finance.bill", community=community)
    meter_import = locked(meter_import)
    if meter_import.status == ImportStatus.COMMITTED:
        return meter_import
    if meter_import.status != ImportStatus.STAGED:
        raise ValidationError({"status": [_("该导入已放弃")]})
    if meter_import.errors:
        raise ValidationError({"file": [_("文件中有 %(n)d 处错误，请修改后重新上传") % {
            "n": len(meter_import.errors)}]})
    if meter_import.create_missing:
        require(actor, "finance.manage", community=community)
    checked = check_rows(community, kind=meter_import.kind, period_start=meter_import.period_start,
                         rows=meter_import.rows, create_missing=meter_import.create_missing)
    if checked.errors:
        first = checked.errors[0]
        raise ValidationError({"file": [_("数据已变化，第 %(r)s 行：%(m)s（共 %(n)d 处），请重新上传") % {
            "r": first["row"], "m": first["message"], "n": len(checked.errors)}]})
    if not checked.rows:
        raise ValidationError({"file": [_("文件中没有读数")]})
    new = [(r["unit"], r["number"]) for r in checked.rows if r["meter"] is None]
    created = create_unit_meters(community, actor=actor, kind=meter_import.kind, units=new) if new else {}
    meters = {m.pk: m for m in Meter.objects.in_community(community).filter(
        pk__in=[r["meter"] for r in checked.rows if r["meter"]])}
    by_day: dict[str, list] = defaultdict(list)
    for r in checked.rows:
        meter = meters[r["meter"]] if r["meter"] else created[r["unit"]]
        by_day[r["read_on"]].append((meter, Decimal(r["previous"]), Decimal(r["current"])))
    for day, readings in sorted(by_day.items()):
        services.record_readings(community, actor=actor, period_start=meter_import.period_start,
                                 read_on=dt.date.fromisoformat(day), readings=readings)
    now = now or timezone.now()
    summary = {**meter_import.summary, **checked.summary(), "meters_created": len(created)}
    MeterImport.objects.filter(pk=meter_import.pk).update(status=ImportStatus.COMMITTED, committed_at=now,
                                                         summary=summary)
    meter_import.refresh_from_db()
    log.record(community, "finance.readings.imported", meter_import, time=now, public={
        "period_start": meter_import.period_start, "kind": meter_import.kind, "sha256": meter_import.sha256,
        "size": meter_import.size, "readings": len(checked.rows), "meters_created": len(created),
        "usage_total": checked.usage_total})
    audit.record(AuditEvent.Action.CREATE, meter_import, actor=actor,
                 summary=f"导入抄表 {meter_import.period_start:%Y-%m} {len(checked.rows)} 块")
    return meter_import


@transaction.atomic
def discard_meter_import(meter_import: MeterImport, *, actor: User) -> MeterImport:
    require(actor, "finance.bill", community=meter_import.community_id)
    MeterImport.objects.filter(pk=meter_import.pk, status=ImportStatus.STAGED).update(
        status=ImportStatus.DISCARDED)
    meter_import.refresh_from_db()
    return meter_import


# --- the template ---------------------------------------------------------------------------------


def template_workbook(community: Community, kind: str) -> bytes:
    """An .xlsx with the header and one row per meter of ``kind`` (its number, unit and last
    reading): finance staff fill in 本期读数 and 抄表日期."""
    from sunlit.core import exports

    book = exports.XlsxWriter(title="抄表")
    sheet = book.sheet("抄表", [C.NUMBER, C.UNIT, C.PREVIOUS, C.CURRENT, C.READ_ON],
                       widths=(14, 22, 12, 12, 14), freeze=False)
    meters = list(Meter.objects.in_community(community).filter(kind=kind)
                  .select_related("unit__building").order_by("unit__building__name", "unit__number", "id"))
    last = {}
    for meter_id, current, _start in MeterReading.objects.filter(meter__in=meters).order_by(
            "meter_id", "period_start").values_list("meter_id", "current", "period_start"):
        last[meter_id] = current
    for meter in meters:
        previous = str(last[meter.pk]) if meter.pk in last else None
        sheet.append([meter.number or None, meter.unit.label if meter.unit else None, previous, None, None])
    if not meters:
        sheet.append(["W-0001", "1号楼-1单元-101", "0", "12.50", f"{timezone.localdate():%Y-%m-%d}"])
    return book.to_bytes()

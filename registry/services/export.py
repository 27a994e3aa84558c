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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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
    """A value as the file shows it: Decimal as exact text, dates ISO, times ISO in Shanghai
    (2026-12-08 04:00:00), yes/no in words, None blank."""
    if isinstance(value, Column):
        value = value.header
    if isinstance(value, Number):
        value = value.value
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, Decimal):
        return str(value)  # exact, never a float
    if isinstance(value, dt.datetime):
        return shanghai(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return value if isinstance(value, (str, int, float)) else str(value)  # a lazy message


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


@dataclass(frozen=True)
class Column:
    """A column header with what its cells are: `total` adds the column's sum to a totals row
    after the last row (money and counts whose sum means something: savings, awards, firms)."""
    header: object
    total: bool = False


SHANGHAI = ZoneInfo("Asia/Shanghai")
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
SHEET_NAME_MAX = 31
WIDTH_ROWS = 200          # the rows that size the columns (the first ones)
MIN_WIDTH, MAX_WIDTH = 6, 60
_YEAR_AT_END = re.compile(r"[-_ ]?((19|20)\d{2}(-\d{2}(-\d{2})?)?)$")


def sheet_title(name: str) -> str:
    """A sheet name Excel accepts (at most 31 characters, none of []:*?/\\) that keeps the year
    or date the name ends with when it has to be shortened."""
    name = re.sub(r"[\[\]:*?/\\]", "-", str(name)).strip("'") or "Sheet"
    if len(name) <= SHEET_NAME_MAX:
        return name
    year = _YEAR_AT_END.search(name)
    if not year:
        return name[:SHEET_NAME_MAX]
    suffix = "-" + year.group(1)
    return name[:year.start()][:SHEET_NAME_MAX - len(suffix)] + suffix


def shanghai(value: dt.datetime) -> dt.datetime:
    """An aware time in Asia/Shanghai without its zone (a worksheet cell has none); a naive
    time is taken as UTC, as the database keeps it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(SHANGHAI).replace(tzinfo=None)


def _table_value(value):
    """What a table cell holds: a Number, a number (Decimal money as 万元 with two decimals on
    show, the value exact), a date or a Shanghai time, yes/no in words, or text."""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, dt.datetime):
        return shanghai(value)
    if isinstance(value, Decimal):
        return Number(value, MONEY_FORMAT)
    return value


def _format(value) -> str | None:
    if isinstance(value, Number):
        return value.format
    if isinstance(value, dt.datetime):
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    return None


def _shown_length(value) -> int:
    """About how many character widths a cell takes (CJK characters count twice)."""
    if isinstance(value, Number):
        text = f"{value.value:,.2f}" if value.format == MONEY_FORMAT else f"{value.value:,}"
    elif isinstance(value, dt.datetime):
        text = "2026-01-01 00:00:00"
    else:
        text = str(plain(value))
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def xlsx_bytes(sheet_name: str, headers: list, rows: Iterable[list]) -> bytes:
    """One sheet: see `xlsx_workbook_bytes`."""
    return xlsx_workbook_bytes([(sheet_name, headers, rows)])


def xlsx_workbook_bytes(sheets: Iterable[tuple[str, list, Iterable[list]]]) -> bytes:
    """Sheets of (name, headers, rows), each a table people can work with: the header in the
    first row (bold, frozen, with an autofilter over the table), numbers as number cells in their
    format (money 万元 #,##0.00 with the exact value kept; a `Number` in its own), dates and
    Shanghai times as date cells, columns as wide as their first rows, and a totals row under the
    columns given as `Column(..., total=True)`. Rows are written as they come (write-only), only
    the first WIDTH_ROWS are held to size the columns."""
    workbook = Workbook(write_only=True)
    for sheet_name, headers, rows in sheets:
        _write_table(workbook.create_sheet(sheet_title(sheet_name)), headers, rows)
    return workbook_bytes(workbook)


def _write_table(sheet, headers: list, rows: Iterable[list]) -> None:
    columns = [header if isinstance(header, Column) else Column(header) for header in headers]
    rows = iter(rows)
    first = [[_table_value(value) for value in row] for row in islice(rows, WIDTH_ROWS)]
    for index, column in enumerate(columns, start=1):
        lengths = [_shown_length(column.header)] + [
            _shown_length(row[index - 1]) for row in first if index <= len(row)]
        sheet.column_dimensions[get_column_letter(index)].width = \
            min(max(max(lengths) + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, column.header, bold) for column in columns])
    totals = {index: Decimal(0) for index, column in enumerate(columns) if column.total}
    formats: dict[int, str | None] = {}
    count = 0
    for row in chain(first, ([_table_value(value) for value in row] for row in rows)):
        count += 1
        for index in totals:
            value = row[index] if index < len(row) else None
            value = value.value if isinstance(value, Number) else value
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                totals[index] += value
                formats.setdefault(index, _format(row[index]))
        sheet.append([_styled(sheet, value) for value in row])
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    if totals and count:
        line = [None] * len(columns)
        for index, total in totals.items():
            line[index] = Number(total, formats.get(index) or MONEY_FORMAT)
        if 0 not in totals:
            line[0] = str(_l("Total"))
        sheet.append([_styled(sheet, value, bold) for value in line])


def _styled(sheet, value, font: Font | None = None) -> WriteOnlyCell:
    cell = set_cell(WriteOnlyCell(sheet), value)
    if isinstance(value, (dt.date, dt.datetime)):
        cell.value, cell.number_format = value, _format(value)
    if font is not None:
        cell.font = font
    return cell


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

"""Reading uploaded workbooks without letting them cost seconds of CPU.

An .xlsx is a zip of XML: 17 kB can decompress into 200,000 shared strings that openpyxl parses
in full before the first row is read. So the zip directory is checked first (the uncompressed
size of the whole and each member's compression ratio, from the directory alone), then rows are
read only up to the caller's limit. A formula cell whose file keeps no computed value (written by
a program, not Excel) is not a blank: it comes back as FORMULA_WITHOUT_VALUE for the caller to
report on its cell.

The registry's row imports (certificates, working-day calendars) read a CSV or an XLSX with a
header row through `read_spreadsheet`, `header_columns` and `cell_date` below; the filing
template has its own layout (services/xlsx.py).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from contextlib import contextmanager
from itertools import islice

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
MAX_RATIO = 100  # an ordinary workbook's XML compresses 5 to 20 times


class UnsafeWorkbook(ValueError):
    """The file would decompress into far more than a workbook of its kind."""


class _FormulaWithoutValue:
    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()


def check_zip(data: bytes, max_bytes: int = MAX_UNCOMPRESSED_BYTES,
              max_ratio: int = MAX_RATIO) -> None:
    """Refuse a zip whose directory announces too much data or too high a compression."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    total = sum(member.file_size for member in members)
    if total > max_bytes:
        raise UnsafeWorkbook(f"{total} bytes uncompressed")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 64 * 1024 and ratio > max_ratio:
            raise UnsafeWorkbook(f"{member.filename} compressed {ratio:.0f}:1")


def read_rows(data: bytes, max_rows: int, max_col: int | None = None,
              sheet_name: str | None = None, skip_blank: bool = False,
              max_bytes: int = MAX_UNCOMPRESSED_BYTES) -> list[list]:
    """The first `max_rows` rows of the sheet (`sheet_name`, else the active one) as values;
    with `skip_blank`, the first `max_rows` rows that are not blank. Nothing after them is read.

    Raises UnsafeWorkbook (see check_zip) or the parser's own error for a broken file."""
    check_zip(data, max_bytes)
    if not _may_hold_formulas(data):    # one pass: no cell can lack its computed value
        with _sheet(data, sheet_name, data_only=True) as values:
            return first_rows(values.iter_rows(max_col=max_col, values_only=True), max_rows,
                              skip_blank)
    with _sheet(data, sheet_name, data_only=True) as values, \
            _sheet(data, sheet_name, data_only=False) as formulas:
        merged = (_merge(value_row, formula_row) for value_row, formula_row in zip(
            values.iter_rows(max_col=max_col, values_only=True),
            formulas.iter_rows(max_col=max_col, values_only=True), strict=False))
        return first_rows(merged, max_rows, skip_blank)


def _may_hold_formulas(data: bytes) -> bool:
    """Whether any worksheet of the zip may hold a formula: an element named f (a cell's formula)
    or any element whose name starts with f, with or without a namespace prefix. Conservative:
    a false alarm costs only the second pass that finds formulas without a value."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                continue
            tail = b""
            with archive.open(member) as stream:
                while block := stream.read(1 << 20):
                    text = tail + block
                    if b"<f" in text or b":f" in text:
                        return True
                    tail = text[-8:]
    return False


def _merge(values: tuple, formulas: tuple) -> list:
    """The computed values, with FORMULA_WITHOUT_VALUE where a formula has none."""
    return [FORMULA_WITHOUT_VALUE if value is None and isinstance(raw, str)
            and raw.startswith("=") else value
            for value, raw in zip(values, formulas, strict=False)]


def not_blank(row) -> bool:
    return any(str(cell if cell is not None else "").strip() for cell in row)


def first_rows(rows, max_rows: int, skip_blank: bool = False) -> list[list]:
    """At most `max_rows` of `rows` (not blank ones, with `skip_blank`), reading no further."""
    if skip_blank:
        rows = filter(not_blank, rows)
    return [list(row) for row in islice(rows, max_rows)]


@contextmanager
def _sheet(data: bytes, sheet_name: str | None, data_only: bool):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        yield workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.active
    finally:
        workbook.close()


# ---- the registry's row imports (certificates, calendars): a CSV or an XLSX with a header row ----

def read_spreadsheet(filename: str, data: bytes, max_rows: int, *,
                     max_bytes: int = MAX_UNCOMPRESSED_BYTES) -> tuple[list[list], object | None]:
    """The first `max_rows` non-empty rows of an uploaded CSV (UTF-8 or GBK) or XLSX (first sheet,
    unpacking to at most `max_bytes`), or a file-level error to show (then no rows). Nothing after them is read; a workbook that would
    unpack into far too much is refused before parsing (`check_zip`)."""
    try:
        if filename.lower().endswith(".xlsx"):
            table = read_rows(data, max_rows, skip_blank=True, max_bytes=max_bytes)
        elif filename.lower().endswith(".csv"):
            table = first_rows(csv.reader(io.StringIO(csv_text(data))), max_rows, skip_blank=True)
        else:
            return [], _l("Upload a .csv or .xlsx file.")
    except UnicodeDecodeError:
        return [], _l("The CSV file is neither UTF-8 nor GBK text.")
    except UnsafeWorkbook:
        return [], _l("This file unpacks into far more data than a spreadsheet of its kind.")
    except Exception:  # untrusted bytes: any parser failure means "not a workbook we can read"
        return [], _l("This file cannot be read as a spreadsheet.")
    if not table:
        return [], _l("The file is empty.")
    return table, None


def read_records(filename: str, data: bytes, aliases: dict[str, tuple[str, ...]], required,
                 max_rows: int) -> tuple[list[tuple[int, dict]], object | None]:
    """The data rows of an upload whose header names its columns by `aliases`, as (line number,
    {column: cell}), or a file-level error (unreadable, a `required` column missing, more than
    `max_rows` rows)."""
    table, error = read_spreadsheet(filename, data, max_rows + 2)
    if error is not None:
        return [], error
    columns, missing = header_columns(table[0], aliases, required)
    if missing:
        return [], _l("Missing columns: %(columns)s.", columns=", ".join(missing))
    if len(table) - 1 > max_rows:
        return [], _l("At most %(count)s rows per file.", count=max_rows)
    return [(number, {name: (cells[index] if index < len(cells) else None)
                      for name, index in columns.items()})
            for number, cells in enumerate(table[1:], start=2)], None


def csv_text(data: bytes) -> str:
    """An uploaded CSV's text: UTF-8 (with or without a BOM), else GBK (GB18030, what Excel on
    Chinese Windows saves); raises UnicodeDecodeError when it is neither."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030").lstrip("\ufeff")   # GB18030's own byte-order mark


def header_columns(cells: list, aliases: dict[str, tuple[str, ...]],
                   required) -> tuple[dict[str, int], list[str]]:
    """({column: index} found in a header row by their aliases, the required ones missing)."""
    names = [str(cell or "").strip().lower() for cell in cells]
    columns = {}
    for column, names_of_column in aliases.items():
        for index, name in enumerate(names):
            if name in names_of_column:
                columns[column] = index
                break
    return columns, [column for column in required if column not in columns]


def cell_text(value) -> str:
    """A cell as text: empty for a blank or a formula without a value; a whole number that a
    workbook keeps as a float (2021.0) as the number it is (2021)."""
    if value is None or value is FORMULA_WITHOUT_VALUE:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_date(value) -> dt.date | None:
    """A date cell (a workbook date, or text as 2026-01-01, 2026/1/1 or 2026.1.1), else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    parts = text.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
    return None

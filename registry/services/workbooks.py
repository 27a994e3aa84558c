"""Reading uploaded workbooks without letting them cost seconds of CPU.

An .xlsx is a zip of XML: 17 kB can decompress into 200,000 shared strings that openpyxl parses
in full before the first row is read. So the zip directory is checked first (the uncompressed
size of the whole and each member's compression ratio, from the directory alone), then rows are
read only up to the caller's limit. A formula cell whose file keeps no computed value (written by
a program, not Excel) is not a blank: it comes back as FORMULA_WITHOUT_VALUE for the caller to
report on its cell.
"""
from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from itertools import islice

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
              sheet_name: str | None = None, skip_blank: bool = False) -> list[list]:
    """The first `max_rows` rows of the sheet (`sheet_name`, else the active one) as values;
    with `skip_blank`, the first `max_rows` rows that are not blank. Nothing after them is read.

    Raises UnsafeWorkbook (see check_zip) or the parser's own error for a broken file."""
    check_zip(data)
    with _sheet(data, sheet_name, data_only=True) as values, \
            _sheet(data, sheet_name, data_only=False) as formulas:
        merged = (_merge(value_row, formula_row) for value_row, formula_row in zip(
            values.iter_rows(max_col=max_col, values_only=True),
            formulas.iter_rows(max_col=max_col, values_only=True), strict=False))
        return first_rows(merged, max_rows, skip_blank)


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

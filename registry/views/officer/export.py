"""Lists as files: CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX (openpyxl, write-only)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from flask import Response, abort
from openpyxl import Workbook
from openpyxl.styles import Font

from registry.services.xlsx import XLSX_MIMETYPE

FORMATS = ("csv", "xlsx")


def _cell(value):
    if isinstance(value, Decimal):
        return str(value)  # exact, never a float
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return "" if value is None else value


def table_response(name: str, headers: list[str], rows: Iterable[list], fmt: str) -> Response:
    """`rows` as `name`.csv or `name`.xlsx, one header row first.

    The rows are read while the request's database session is open; the CSV text is then
    streamed out in 64 KiB pieces."""
    if fmt not in FORMATS:
        abort(404)
    filename = f"{name}.{fmt}"
    disposition = {"Content-Disposition": f"attachment; filename={filename}"}
    if fmt == "csv":
        return Response(_csv_lines(headers, list(rows)), mimetype="text/csv; charset=utf-8",
                        headers=disposition)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name[:31])
    sheet.append([_bold(sheet, header) for header in headers])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE, headers=disposition)


def _bold(sheet, text: str):
    from openpyxl.cell import WriteOnlyCell
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _csv_lines(headers: list[str], rows: Iterable[list]):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

"""Lists as files: CSV or XLSX, written by the one formula-safe writer (services/export.py)."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Response, abort

from registry.services import export

FORMATS = ("csv", "xlsx")


def table_response(name: str, headers: list[str], rows: Iterable[list], fmt: str) -> Response:
    """`rows` as `name`.csv or `name`.xlsx, one header row first.

    The rows are read while the request's database session is open; the CSV text is then
    streamed out in 64 KiB pieces."""
    if fmt not in FORMATS:
        abort(404)
    filename = f"{name}.{fmt}"
    disposition = {"Content-Disposition": f"attachment; filename={filename}"}
    if fmt == "csv":
        return Response(export.csv_chunks(headers, list(rows)),
                        mimetype="text/csv; charset=utf-8", headers=disposition)
    return Response(export.xlsx_bytes(name, headers, rows), mimetype=export.XLSX_MIMETYPE,
                    headers=disposition)


def workbook_response(name: str, sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> Response:
    """Several tables as the sheets of one `name`.xlsx."""
    return Response(export.xlsx_workbook_bytes(sheets), mimetype=export.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})

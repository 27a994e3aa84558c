"""Lists as files: CSV or XLSX, written by the one formula-safe writer (services/export.py)."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, abort, request
from flask_login import current_user

from registry.auth.contacts import sees_contacts
from registry.extensions import db
from registry.services import export

FORMATS = ("csv", "xlsx")


def attachment(name: str, fmt: str, title: str | None = None) -> str:
    """A download's Content-Disposition: the file is named for the reader by `title` (what the
    list is, in their language, RFC 6266's UTF-8 filename*), with `name` as the plain ASCII
    name for the clients that read no other."""
    plain = f"attachment; filename={name}.{fmt}"
    return f"{plain}; filename*=UTF-8''{quote(f'{title}.{fmt}', safe='')}" if title else plain


def table_response(name: str, headers: list, rows: Iterable[list], fmt: str,
                   title: str | None = None) -> Response:
    """`rows` as `name`.csv or `name`.xlsx, one header row first; the workbook's sheet is named
    `title` (what the list is, for reading, with its year), else `name`.

    The rows are read while the request's database session is open; the CSV text is then
    streamed out in 64 KiB pieces."""
    if fmt not in FORMATS:
        abort(404)
    disposition = {"Content-Disposition": attachment(name, fmt, title)}
    if fmt == "csv":
        return Response(export.csv_chunks(headers, list(rows)),
                        mimetype="text/csv; charset=utf-8", headers=disposition)
    return Response(export.xlsx_bytes(title or name, headers, rows), mimetype=export.XLSX_MIMETYPE,
                    headers=disposition)


class _Counted:
    def __init__(self, rows: Iterable[list]):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def contact_table_response(name: str, headers: list, rows: Iterable[list], fmt: str, *,
                           export_name: str, title: str | None = None) -> Response:
    """`table_response` for a list with firms' contact persons (`auth.contacts.contact_cells`):
    a reader who sees them in full leaves an audit event (which list, how many rows, format)."""
    counted = _Counted(rows)
    response = table_response(name, headers, counted, fmt, title)  # reads every row
    if sees_contacts(current_user):
        export.record_contact_export(db.session, current_user, export_name, counted.count, fmt,
                                     request.remote_addr)
        db.session.commit()
    return response


def workbook_response(name: str, sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> Response:
    """Several tables as the sheets of one `name`.xlsx."""
    return Response(export.xlsx_workbook_bytes(sheets), mimetype=export.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})

"""Workbooks that would decompress into seconds of CPU are refused from their zip directory;
reading stops at the row limit; a formula without a computed value is a cell error, not a blank
(issue 16, item 7)."""
from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from registry.services import certificates, workbooks
from registry.services.xlsx import read_upload
from tests.portal.test_xlsx import _download, _rows, _upload


def _with_shared_strings(data: bytes, count: int) -> bytes:
    """The workbook with a sharedStrings part of `count` strings (a few kB compressed)."""
    strings = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
               f'.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">'
               + "<si><t>x</t></si>" * count + "</sst>")
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def _template_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_200000_shared_strings_are_refused_before_parsing(app, logged_in, db_session, firm,
                                                          monkeypatch):
    data = _with_shared_strings(_template_bytes(_download(logged_in)), 200_000)
    assert len(data) < 40_000

    def never(*_args, **_kwargs):
        raise AssertionError("the workbook was parsed")
    monkeypatch.setattr(workbooks, "load_workbook", never)  # refused from the zip directory
    upload = read_upload(data, firm, 2024)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = [str(error.message) for error in upload.errors]
    assert len(messages) == 1 and "far more data than a filing template" in messages[0]


def test_the_zip_check_reads_only_the_directory():
    small = _template_bytes(Workbook())
    workbooks.check_zip(small)  # an ordinary workbook passes
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (9 * 1024 * 1024))
    with pytest.raises(workbooks.UnsafeWorkbook):
        workbooks.check_zip(bomb.getvalue())


def test_reading_stops_at_the_row_limit():
    consumed = []

    def rows():
        for number in range(100_000):
            consumed.append(number)
            yield [number]
    assert len(workbooks.first_rows(rows(), 10)) == 10
    assert len(consumed) == 10


def test_a_certificate_list_of_100000_rows_answers_the_limit_quickly():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["credit_code", "tier", "number", "issued", "expires"])
    writer.writerows([["91330200MA2AAAAA0X", "hnte", f"GR{n}", "2024-01-01", "2026-12-31"]
                      for n in range(100_000)])
    started = time.perf_counter()
    rows, error = certificates.read_table("list.csv", buffer.getvalue().encode())
    assert time.perf_counter() - started < 10  # (the whole file would be read without a limit)
    assert rows == [] and "20000" in str(error)


def test_an_xlsx_certificate_list_is_read_up_to_the_limit_only(monkeypatch):
    monkeypatch.setattr(certificates, "MAX_IMPORT_ROWS", 50)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["credit_code", "tier", "number", "issued", "expires"])
    for n in range(400):
        sheet.append(["91330200MA2AAAAA0X", "hnte", f"GR{n}", "2024-01-01", "2026-12-31"])
        if n % 7 == 0:
            sheet.append([])  # blank rows do not count
    rows, error = certificates.read_table("list.xlsx", _template_bytes(workbook))
    assert rows == [] and "50" in str(error)


def test_a_formula_without_a_computed_value_is_a_cell_error(logged_in, db_session):
    workbook = _download(logged_in)
    row = _rows(workbook)["revenue"]
    workbook.active.cell(row=row, column=6, value="=100+200")  # openpyxl keeps no value
    page = _upload(logged_in, workbook).get_data(as_text=True)
    assert "formula without a computed value" in page or "没有计算结果的公式" in page


def test_a_certificate_row_with_a_formula_without_value_is_an_error():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["credit_code", "tier", "number", "issued", "expires"])
    sheet.append(["91330200MA2AAAAA0X", "hnte", "=A1", "2024-01-01", "2026-12-31"])
    rows, error = certificates.read_table("list.xlsx", _template_bytes(workbook))
    assert error is None and rows[0].values["number"] is workbooks.FORMULA_WITHOUT_VALUE
    certificates._parse_row(rows[0])
    assert any("formula" in str(message) for message in rows[0].errors)

"""Exports people can use (issue 15 point 10): every XLSX and CSV a role can download from the
pages of a demo registry is opened and checked. XLSX: the header in the first row, frozen, with
an autofilter over the table; column widths; numbers as number cells with a number format (no
number written as text), money 万元 shown with two decimals; times as cells (Shanghai), never
with a zone; a sheet name that keeps the file's year; yes/no in words. CSV: UTF-8 with a BOM,
formula-safe, the same header. The writer's own rules (totals, Shanghai times, sheet names,
formula safety) are tested on the writer; imports read GBK CSV as well as UTF-8 and XLSX."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from registry.services import export
from registry.services.workbooks import read_spreadsheet
from tests.text.conftest import ROLES, crawl, login_as

# A number written as text: decimals, separated thousands, or a whole number of up to 9 digits
# (a phone number, a credit code or a certificate number is text and longer).
NUMERIC_TEXT = re.compile(r"-?\d+\.\d+|-?\d{1,3}(,\d{3})+(\.\d+)?|-?[1-9]\d{0,8}|0")
FILE_TYPES = ("text/csv", export.XLSX_MIMETYPE)
# The filing template is a form to fill in (a title, then the figures), not a table export.
NOT_TABLES = ("/portal/filings/",)


# A snake_case key (rd_ratio, hnte_near_miss) where a person reads words; e-mail addresses and
# file names aside (test_no_raw_identifiers.py has the same pattern for the pages).
IDENTIFIER = re.compile(r"(?<![@\w.-])[a-z][a-z0-9]*_[a-z0-9_]+\b(?![@\w.-]*@)")


def _exports(app, user_id: str, lang: str = "zh"):
    return [(url, response) for url, response in crawl(login_as(app, user_id, lang))
            if response.mimetype in FILE_TYPES and not url.startswith(NOT_TABLES)]


def _filename(response) -> str:
    return re.search(r"filename=\"?([^\";]+)", response.headers["Content-Disposition"]).group(1)


def _check_sheet(url: str, name: str, sheet) -> list[str]:
    problems = []
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]] if rows else []
    if not header or not all(isinstance(value, str) and value for value in header):
        problems.append(f"{url} {sheet.title}: first row is not a header: {header}")
    if sheet.freeze_panes != "A2":
        problems.append(f"{url} {sheet.title}: header not frozen ({sheet.freeze_panes})")
    if not sheet.auto_filter.ref or not sheet.auto_filter.ref.startswith("A1:"):
        problems.append(f"{url} {sheet.title}: no autofilter")
    widths = [sheet.column_dimensions[letter].width for letter in
              (cell.column_letter for cell in rows[0])] if rows else []
    if not widths or not all(widths):
        problems.append(f"{url} {sheet.title}: column widths missing")
    year = re.search(r"(19|20)\d{2}", name)
    if year and year.group(0) not in sheet.title and len(sheet._parent.sheetnames) == 1:
        problems.append(f"{url}: sheet {sheet.title!r} lost the year of {name}")
    for row in rows[1:]:
        for cell in row:
            value = cell.value
            if isinstance(value, str) and NUMERIC_TEXT.fullmatch(value):
                problems.append(f"{url} {cell.coordinate}: a number as text {value!r}")
            if isinstance(value, str) and re.search(r"[+-]\d{2}:\d{2}$|T\d{2}:\d{2}", value):
                problems.append(f"{url} {cell.coordinate}: a time with its zone {value!r}")
            if isinstance(value, str) and value in ("True", "False", "true", "false"):
                problems.append(f"{url} {cell.coordinate}: {value}")
            if isinstance(value, str) and IDENTIFIER.search(value):
                problems.append(f"{url} {cell.coordinate}: an internal identifier {value!r}")
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and cell.number_format == "General" and isinstance(value, float):
                problems.append(f"{url} {cell.coordinate}: {value} without a number format")
            if isinstance(value, dt.datetime) and cell.number_format == "General":
                problems.append(f"{url} {cell.coordinate}: a time without a format")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_export_is_a_table_people_can_use(registry, role):
    app, users, _codes = registry
    problems, files = [], 0
    for url, response in _exports(app, users[role]):
        files += 1
        name = _filename(response)
        data = response.get_data()
        if response.mimetype == "text/csv":
            assert data.startswith(b"\xef\xbb\xbf"), url
            table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert table and all(table[0]), (url, table[:1])
            for row in table[1:]:
                for value in row:
                    if value.startswith(("=", "+", "@")):
                        problems.append(f"{url}: a live formula {value!r}")
                    if re.search(r"[+-]00:00$|T\d{2}:\d{2}", value):
                        problems.append(f"{url}: a time in UTC {value!r}")
            continue
        workbook = load_workbook(io.BytesIO(data))
        for sheet in workbook.worksheets:
            problems.extend(_check_sheet(url, name, sheet))
    if role != "firm":
        assert files >= 2, files
    assert problems == [], "\n".join(problems[:40])


def test_the_writer_totals_formats_and_keeps_the_year():
    aware = dt.datetime(2026, 12, 7, 20, 30, tzinfo=dt.UTC)
    rows = [["甲", Decimal("1.2345"), export.Number(3, export.COUNT_FORMAT), aware, True, "=1+1"],
            ["乙", Decimal(2), export.Number(4, export.COUNT_FORMAT), None, False, "x"]]
    headers = ["企业", export.Column("节省（万元）", total=True), export.Column("企业数", total=True),
               "时间", "是否", "备注"]
    data = export.xlsx_bytes("outreach-rd_super_deduction-2026", headers, iter(rows))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "outreach-rd_super_deductio-2026"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F3"
    assert (sheet["B2"].value, sheet["B2"].number_format) == (1.2345, export.MONEY_FORMAT)
    assert sheet["D2"].value == dt.datetime(2026, 12, 8, 4, 30)        # Shanghai, 8 hours on
    assert sheet["E2"].value == "Yes" and sheet["F2"].value == "=1+1" and sheet["F2"].data_type == "s"
    assert [cell.value for cell in sheet[4]] == ["Total", 3.2345, 7, None, None, None]
    assert sheet["B4"].number_format == export.MONEY_FORMAT and sheet["C4"].number_format == "#,##0"
    text = "".join(export.csv_chunks(headers, rows))
    assert text.startswith("\ufeff企业,节省（万元）")
    assert "2026-12-08 04:30:00" in text and "'=1+1" in text and "1.2345" in text


def test_imports_read_gbk_csv_as_well_as_utf8():
    text = "统一社会信用代码,类型\n91330200MA2AAAAA1X,高新技术企业\n"
    for data in (text.encode("gbk"), text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        rows, problem = read_spreadsheet("certificates.csv", data, 10)
        assert problem is None and rows[1] == ["91330200MA2AAAAA1X", "高新技术企业"]

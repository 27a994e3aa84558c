"""Fuzzing every import parser (issue 16, item 11): the filing workbook, the certificate lists
(CSV and XLSX), the official statistics and tax files (CSV in UTF-8 or GBK, XLSX) and the facts
JSON answer any input with a report or their own error, never an
unhandled exception."""
from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from registry.models import Firm
from registry.rules.facts import FactsError, parse_document
from registry.services import certificates, official
from registry.services.xlsx import COLUMNS, read_upload

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FIRM = Firm(credit_code="91330200MA2AAAAA0X", name="甬江科技有限公司", district="haishu")

cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
    st.sampled_from(["=1+1", "=A1", "=SUM(F7:F30)", "revenue", "rd_expense", "2024", "GR2024",
                     "91330200MA2AAAAA0X", "hnte", "2024-01-01", "<script>", "'=x"]),
    st.dates(), st.datetimes())
tables = st.lists(st.lists(cell_values, max_size=len(COLUMNS) + 2), max_size=40)


def _workbook(rows: list[list], title: str = "Filing") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _mutated(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    raw = bytearray(data)
    for position, value in flips:
        raw[position % len(raw)] = value
    return bytes(raw)


@FUZZ
@given(rows=tables)
def test_the_filing_workbook_reader_reports_never_crashes(rows):
    upload = read_upload(_workbook(rows), FIRM, 2024)
    assert isinstance(upload.errors, list)


@FUZZ
@given(rows=tables, flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                   min_size=1, max_size=8))
def test_a_damaged_filing_workbook_is_reported(rows, flips):
    upload = read_upload(_mutated(_workbook(rows), flips), FIRM, 2024)
    assert isinstance(upload.errors, list)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_filing_workbook(data):
    assert read_upload(data, FIRM, 2024).errors


@FUZZ
@given(rows=tables, header=st.booleans())
def test_the_certificate_xlsx_reader_never_crashes(rows, header):
    if header:
        rows = [["credit_code", "tier", "number", "issued", "expires"], *rows]
    parsed, _error = certificates.read_table("list.xlsx", _workbook(rows, "Sheet"))
    for row in parsed:
        certificates._parse_row(row)


@FUZZ
@given(text=st.text(max_size=2000), header=st.booleans())
def test_the_certificate_csv_reader_never_crashes(text, header):
    if header:
        text = "credit_code,tier,number,issued,expires\n" + text
    for encoded in (text.encode("utf-8"), text.encode("utf-16", errors="replace")):
        parsed, _error = certificates.read_table("list.csv", encoded)
        for row in parsed:
            certificates._parse_row(row)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["as_of", "firms", "id", "credit_code", "founded",
                                       "filings", "certificates", "fiscal_year", "revenue",
                                       "rd_expense", "tier", "issued", "expires", "x"]),
                      children, max_size=6),
    max_leaves=30)


@FUZZ
@given(document=json_values)
def test_the_facts_json_parser_answers_with_its_own_errors(document):
    try:
        parse_document(json.loads(json.dumps(document)))
    except FactsError:
        pass


# ---- official figures (issue 14): statistics and tax files, CSV (UTF-8 or GBK) and XLSX ----------

official_cells = st.one_of(cell_values, st.sampled_from(
    ["1,234.5", "120万", "1e11", "-0", "NaN", "Infinity", "2024", "二〇二四", "0.00001", " 7 ",
     "91330212000000001M", "credit_code", "fiscal_year", "tax_year"]))
official_tables = st.lists(st.lists(official_cells, max_size=7), max_size=40)


def _parse_official(kind: str, rows: list[list]) -> None:
    parsed, error = official.parse_table(kind, [list(official.HEADERS[kind]), *rows], 2025)
    assert error is None and len(parsed) == len(rows)
    for row in parsed:
        assert row.errors or (row.code_ok and row.year is not None)
        for value in row.values.values():
            assert value is None or 0 <= value <= 10**10


@FUZZ
@given(kind=st.sampled_from(["statistics", "tax"]), rows=official_tables)
def test_the_official_row_parser_reports_never_crashes(kind, rows):
    _parse_official(kind, rows)


@FUZZ
@given(kind=st.sampled_from(["statistics", "tax"]), rows=official_tables, header=st.booleans())
def test_the_official_xlsx_reader_never_crashes(kind, rows, header):
    if header:
        rows = [list(official.HEADERS[kind]), *rows]
    parsed, error = official.read_official(kind, "survey.xlsx", _workbook(rows, "Sheet"), 2025)
    assert error is not None or len(parsed) <= len(rows) - 1    # blank rows are skipped


@FUZZ
@given(kind=st.sampled_from(["statistics", "tax"]), text=st.text(max_size=2000),
       header=st.booleans(), encoding=st.sampled_from(["utf-8", "gbk", "utf-16"]))
def test_the_official_csv_reader_never_crashes(kind, text, header, encoding):
    if header:
        text = ",".join(official.HEADERS[kind]) + "\n" + text
    parsed, error = official.read_official(kind, "survey.csv",
                                           text.encode(encoding, errors="replace"), 2025)
    assert error is not None or all(isinstance(row.errors, list) for row in parsed)


@FUZZ
@given(data=st.binary(max_size=3000), name=st.sampled_from(["survey.csv", "survey.xlsx"]))
def test_arbitrary_bytes_as_an_official_file(data, name):
    parsed, error = official.read_official("statistics", name, data, 2025)
    assert error is not None or isinstance(parsed, list)

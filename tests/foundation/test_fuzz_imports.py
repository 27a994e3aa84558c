"""Fuzzing every import parser (issue 16, item 11): the filing workbook, the certificate lists
(CSV and XLSX) and the facts JSON answer any input with a report or their own error, never an
unhandled exception."""
from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from registry.models import Firm
from registry.rules.facts import FactsError, parse_document
from registry.services import certificates
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

"""No export carries a live formula (issue 16, item 2): every CSV and XLSX goes through the one
writer, which puts a `'` before CSV text starting = + - @ tab or CR and writes XLSX text as
string cells."""
from __future__ import annotations

import ast
import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from registry.services import export
from tests.conftest import REPO
from tests.factories import FilingFactory, FirmFactory, IncentiveOpportunityFactory, UserFactory
from tests.officer.conftest import login

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
             "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_text_that_starts_a_formula_gets_a_quote(text):
    assert export.csv_value(text) == "'" + text


def test_csv_leaves_harmless_text_and_numbers_alone():
    assert export.csv_value("海曙科技") == "海曙科技"
    assert export.csv_value(Decimal("-12.5")) == "-12.5"  # ours, a number
    assert export.csv_value(-3) == -3
    assert export.csv_value(None) == ""


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return archive.read(names[0]).decode()


def test_xlsx_text_is_never_a_formula():
    data = export.xlsx_bytes("t", ["=h"], [[text, Decimal("1.5"), 7] for text in DANGEROUS])
    assert "<f>" not in _sheet_xml(data)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "=h"
    # (XML reads a lone carriage return back as a line feed)
    assert [row[0] for row in rows[1:]] == DANGEROUS[:-1] + ["\ncmd"]
    assert rows[1][1:] == (1.5, 7)   # numbers stay number cells


def test_an_outreach_export_of_a_hostile_firm_name(client, officer, districts):
    firm = FirmFactory(name="=HYPERLINK(\"http://evil.example\",\"点击\")", district="haishu")
    IncentiveOpportunityFactory(firm=firm, incentive="rd_super_deduction", saving=Decimal(5))
    login(client, officer)
    text = client.get("/officer/outreach/rd_super_deduction/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][1] == "'" + firm.name
    data = client.get("/officer/outreach/rd_super_deduction/export.xlsx").data
    assert "<f>" not in _sheet_xml(data)
    assert load_workbook(io.BytesIO(data)).active.cell(row=2, column=2).value == firm.name


def test_the_firms_own_template_keeps_a_hostile_name_as_text(client, db_session, districts):
    firm = FirmFactory(name="=1+2", district="haishu")
    user = UserFactory(firm=firm, role="firm")
    filing = FilingFactory(firm=firm)
    login(client, user)
    response = client.get(f"/portal/filings/{filing.fiscal_year}/template.xlsx")
    assert response.status_code == 200
    assert "<f>" not in _sheet_xml(response.data)
    assert load_workbook(io.BytesIO(response.data)).active["C3"].value == "=1+2"


def test_only_the_one_writer_makes_spreadsheets():
    """No other module writes CSV or builds a workbook of its own."""
    offenders = []
    for path in sorted((REPO / "registry").rglob("*.py")):
        if path == REPO / "registry" / "services" / "export.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") \
                    and getattr(node.value, "id", None) == "csv":
                offenders.append(f"{path.name}: csv.{node.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Workbook" \
                    and path.name != "xlsx.py":
                offenders.append(f"{path.name}: Workbook()")
    assert offenders == []


def test_control_characters_do_not_break_an_xlsx_export():
    data = export.xlsx_bytes("t", ["h"], [["海曙\x1f科技\x00"]])
    assert load_workbook(io.BytesIO(data)).active.cell(row=2, column=1).value == "海曙科技"

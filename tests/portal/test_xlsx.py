"""The filing as an Excel template: download pre-filled, upload applied whole or every bad cell
reported by row and column."""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from registry.models import Filing, FilingRevision
from tests.factories import FilingFactory, FirmFactory
from tests.portal.conftest import LAST_YEAR, figures


def _download(client, year=LAST_YEAR):
    response = client.get(f"/portal/filings/{year}/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _rows(workbook) -> dict[str, int]:
    sheet = workbook.active
    return {row[0].value: row[0].row for row in sheet.iter_rows(min_row=7) if row[0].value}


def _fill(workbook, values: dict):
    sheet, rows = workbook.active, _rows(workbook)
    for name, value in values.items():
        sheet.cell(row=rows[name], column=6, value=value)


def _upload(client, workbook, year=LAST_YEAR):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return client.post(f"/portal/filings/{year}/upload",
                       data={"file": (io.BytesIO(buffer.getvalue()), "filing.xlsx")},
                       content_type="multipart/form-data")


def test_the_template_is_pre_filled_and_names_firm_and_year(logged_in, db_session, firm):
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR, status="draft", revenue=Decimal("1234.5678"))
    workbook = _download(logged_in)
    sheet = workbook.active
    assert sheet["C2"].value == firm.credit_code and sheet["C4"].value == LAST_YEAR
    rows = _rows(workbook)
    assert sheet.cell(row=rows["revenue"], column=6).value == "1234.5678"
    assert sheet.cell(row=rows["revenue"], column=3).value == "销售收入"
    assert sheet.cell(row=rows["revenue"], column=4).value == "Sales revenue"
    assert "万元" in sheet.cell(row=rows["revenue"], column=5).value
    assert sheet.protection.sheet
    assert not sheet.cell(row=rows["revenue"], column=6).protection.locked


def test_a_good_upload_applies_whole_as_one_import_revision(logged_in, db_session):
    workbook = _download(logged_in)
    values = figures(revenue=950.5, total_income="1,000", employees=50)
    _fill(workbook, values)
    response = _upload(logged_in, workbook)
    assert response.status_code == 302
    filing = db_session.query(Filing).one()
    assert filing.revenue == Decimal("950.5") and filing.total_income == Decimal(1000)
    assert filing.employees == Decimal(50) and filing.status == "draft"
    assert db_session.query(FilingRevision).one().action == "import"


def test_a_bad_upload_reports_every_bad_cell_and_changes_nothing(logged_in, db_session):
    workbook = _download(logged_in)
    rows = _rows(workbook)
    _fill(workbook, figures(revenue="abc", rd_expense="1.23456", total_assets=-5,
                            st_staff="60"))
    response = _upload(logged_in, workbook)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("revenue", "rd_expense", "total_assets", "st_staff"):
        assert f'data-cell="F{rows[name]}"' in page, name
    assert page.count('class="upload-error"') == 4
    assert db_session.query(Filing).count() == 0


def test_a_template_of_another_firm_or_year_is_refused(logged_in, db_session, firm):
    workbook = _download(logged_in)
    _fill(workbook, figures())
    workbook.active["C2"] = FirmFactory().credit_code
    workbook.active["C4"] = LAST_YEAR - 1
    page = _upload(logged_in, workbook).get_data(as_text=True)
    assert 'data-cell="C2"' in page and 'data-cell="C4"' in page
    assert db_session.query(Filing).count() == 0


def test_a_missing_figure_row_is_reported(logged_in, db_session):
    workbook = _download(logged_in)
    _fill(workbook, figures())
    workbook.active.cell(row=_rows(workbook)["net_assets"], column=1).value = None
    page = _upload(logged_in, workbook).get_data(as_text=True)
    assert page.count('class="upload-error"') == 1 and ("Net assets" in page or "净资产" in page)


def test_garbage_files_are_reported_not_crashed_on(logged_in, db_session):
    for content in (b"", b"not a zip", b"PK\x03\x04garbage", b"x" * (2 * 1024 * 1024 + 10)):
        response = logged_in.post(f"/portal/filings/{LAST_YEAR}/upload",
                                  data={"file": (io.BytesIO(content), "x.xlsx")},
                                  content_type="multipart/form-data")
        assert response.status_code == 422
        assert 'class="upload-error"' in response.get_data(as_text=True)
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}/upload", data={},
                              content_type="multipart/form-data")
    assert response.status_code == 422
    assert db_session.query(Filing).count() == 0


def test_a_submitted_filing_refuses_uploads(logged_in, db_session, firm):
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR, status="submitted")
    workbook = _download(logged_in)
    _fill(workbook, figures(revenue="1"))
    assert _upload(logged_in, workbook).status_code == 422
    assert db_session.query(Filing).one().revenue == Decimal(1000)


def test_a_script_in_the_year_and_code_cells_is_shown_as_text(logged_in, db_session):
    """Issue 16, item 1: the report echoes C2 and C4 inside translated messages."""
    workbook = _download(logged_in)
    workbook.active["C4"] = "<script>alert('year')</script>"
    workbook.active["C2"] = "<script>alert('code')</script>"
    page = _upload(logged_in, workbook).get_data(as_text=True)
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#39;year&#39;)" in page
    assert "&lt;SCRIPT&gt;ALERT(&#39;CODE&#39;)" in page
    assert db_session.query(Filing).count() == 0

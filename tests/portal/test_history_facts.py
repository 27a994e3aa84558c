"""The facts of policy history in the firm's filing and profile (programs.md §H): manufacturer and
the R&D survey as yes/no every year, Q4 2022 R&D in the FY 2022 filing only, the R&D institution
in the profile; the web form and the Excel template check them alike."""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from registry.models import Filing, FilingRevision
from tests.portal.conftest import LAST_YEAR, field_errors, figures
from tests.portal.test_profile import BASE


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_the_2022_filing_asks_for_q4_rd_and_other_years_do_not(logged_in):
    page_2022 = _page(logged_in.get("/portal/filings/2022"))
    assert 'name="rd_expense_q4"' in page_2022
    assert 'name="manufacturer"' in page_2022 and 'name="rd_survey"' in page_2022
    page_latest = _page(logged_in.get(f"/portal/filings/{LAST_YEAR}"))
    assert 'name="rd_expense_q4"' not in page_latest
    assert 'name="manufacturer"' in page_latest and 'name="rd_survey"' in page_latest


def test_q4_rd_above_the_years_rd_is_an_error_beside_the_field(logged_in, db_session):
    data = {**figures(rd_expense="60", rd_expense_q4="60.0001"), "revision": "0", "action": "save"}
    page = _page(logged_in.post("/portal/filings/2022", data=data))
    assert set(field_errors(page)) == {"rd_expense_q4"}
    assert db_session.query(Filing).count() == 0
    data["rd_expense_q4"] = "60"
    assert logged_in.post("/portal/filings/2022", data=data).status_code == 302
    assert db_session.query(Filing).one().rd_expense_q4 == Decimal(60)


def test_yes_no_facts_are_saved_shown_and_recorded(logged_in, db_session):
    data = {**figures(manufacturer="yes", rd_survey="no"), "revision": "0", "action": "submit"}
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data)
    assert response.status_code == 302, field_errors(_page(response))
    filing = db_session.query(Filing).one()
    assert filing.manufacturer is True and filing.rd_survey is False
    revision = db_session.query(FilingRevision).one()
    assert revision.changes["manufacturer"] == [None, True]
    receipt = _page(logged_in.get(response.headers["Location"]))
    assert "Manufacturing is the main business" in receipt or "制造业" in receipt
    view = _page(logged_in.get(f"/portal/filings/{LAST_YEAR}"))
    assert 'id="value-manufacturer"' in view and 'id="value-rd_expense_q4"' not in view


def test_not_stated_stays_unknown_and_nonsense_is_refused(logged_in, db_session):
    data = {**figures(manufacturer="", rd_survey="maybe"), "revision": "0", "action": "save"}
    page = _page(logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data))
    assert set(field_errors(page)) == {"rd_survey"}
    data["rd_survey"] = ""
    assert logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data).status_code == 302
    filing = db_session.query(Filing).one()
    assert filing.manufacturer is None and filing.rd_survey is None


def _template(client, year):
    response = client.get(f"/portal/filings/{year}/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    rows = {row[0].value: row[0].row for row in workbook.active.iter_rows(min_row=7) if row[0].value}
    return workbook, rows


def _upload(client, workbook, year):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return client.post(f"/portal/filings/{year}/upload",
                       data={"file": (io.BytesIO(buffer.getvalue()), "filing.xlsx")},
                       content_type="multipart/form-data")


def test_the_excel_template_carries_the_new_facts_and_checks_them(logged_in, db_session):
    workbook, rows = _template(logged_in, 2022)
    assert {"rd_expense_q4", "manufacturer", "rd_survey"} <= set(rows)
    assert "rd_expense_q4" not in _template(logged_in, LAST_YEAR)[1]
    sheet = workbook.active
    values = {**figures(), "rd_expense_q4": "70", "manufacturer": "是", "rd_survey": "否"}
    for name, value in values.items():
        sheet.cell(row=rows[name], column=6, value=value)
    response = _upload(logged_in, workbook, 2022)
    assert response.status_code == 422
    page = _page(response)
    assert f"F{rows['rd_expense_q4']}" in page
    sheet.cell(row=rows["rd_expense_q4"], column=6, value="15")
    assert _upload(logged_in, workbook, 2022).status_code == 302
    filing = db_session.query(Filing).one()
    assert (filing.rd_expense_q4, filing.manufacturer, filing.rd_survey) == (Decimal(15), True, False)
    workbook, rows = _template(logged_in, 2022)
    assert workbook.active.cell(row=rows["manufacturer"], column=6).value == "yes"


def test_the_profile_records_the_rd_institution(logged_in, db_session, firm):
    response = logged_in.post("/portal/profile", data={**BASE, "rd_institution": "yes"})
    assert response.status_code == 302
    db_session.refresh(firm)
    assert firm.rd_institution is True
    page = _page(logged_in.get("/portal/profile"))
    assert 'data-field="rd_institution"' in page

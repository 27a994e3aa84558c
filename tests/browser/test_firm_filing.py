"""A firm files its year in a real browser: one bad field comes back beside the field with the
other values kept; fixed and submitted, the ladder shows the verdicts with explanations. An
uploaded workbook with a bad cell is reported by row and column."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in, screenshot, wait_until
from tests.factories import (
    CertificateFactory,
    DistrictFactory,
    FilingFactory,
    FirmFactory,
    UserFactory,
)

LAST_YEAR = today_in_shanghai().year - 1
# R&D at 4.3% of sales over three years: one criterion short of HNTE (the 5% band).
GOOD = {"total_income": "4800", "revenue": "4600", "hightech_income": "3900",
        "rd_expense": "200", "rd_domestic": "190", "employees": "80", "st_staff": "20",
        "total_cost": "4100", "total_assets": "3900", "net_assets": "2100",
        "taxable_income": "380"}
EARLIER = {LAST_YEAR - 1: (Decimal(4000), Decimal(170)),
           LAST_YEAR - 2: (Decimal(3500), Decimal(150))}
_numbers = itertools.count(1)


@pytest.fixture
def firm_login(live_server):
    """A new firm with its administrator and two earlier years filed; (email, firm name)."""
    n = next(_numbers)

    def make():
        DistrictFactory(code="haishu")
        firm = FirmFactory(name=f"宁波甬江{n}号科技有限公司", district="haishu",
                           founded=dt.date(2016, 4, 1), ip_class1=1, ip_class2=3)
        for year, (revenue, rd) in EARLIER.items():
            FilingFactory(firm=firm, fiscal_year=year, status="accepted", revenue=revenue,
                          total_income=revenue + 150, hightech_income=revenue * 3 / 4,
                          rd_expense=rd, rd_domestic=rd, employees=Decimal(75),
                          st_staff=Decimal(18))
        today = today_in_shanghai()
        CertificateFactory(firm=firm, tier="tech_sme", number=f"2025330212010000{n:02d}",
                           issued=today - dt.timedelta(days=120),
                           expires=dt.date(today.year, 12, 31))
        user = UserFactory(firm=firm, email=f"firm{n}@browser.example", is_firm_admin=True)
        return user.email, firm.name
    return live_server.seed(make)


def test_firm_files_with_one_bad_field_fixes_it_submits_and_sees_its_ladder(
        page, live_server, firm_login):
    email, firm_name = firm_login
    log_in(page, live_server.url, email, r"/portal/")
    page.goto(f"{live_server.url}/portal/filings/{LAST_YEAR}")
    assert "万元" in page.inner_text("#section-income")
    for name, value in {**GOOD, "rd_expense": "70.123456"}.items():
        page.fill(f"#{name}", value)
    page.click("#submit-filing")

    # The error is beside the bad field; every other value is still there.
    page.wait_for_selector('.invalid-feedback[data-field="rd_expense"]:has-text("4")')
    assert "is-invalid" in page.get_attribute("#rd_expense", "class")
    assert page.input_value("#rd_expense") == "70.123456"
    for name, value in GOOD.items():
        if name != "rd_expense":
            assert page.input_value(f"#{name}") == value, name
    screenshot(page, "portal-filing.png", full_page=True)

    page.fill("#rd_expense", GOOD["rd_expense"])
    page.click("#submit-filing")
    page.wait_for_url(re.compile(r"/portal/receipts/\d+"))
    assert page.inner_text("#receipt-revision").strip().isdigit()
    assert firm_name in page.inner_text("#receipt")

    page.goto(live_server.url + "/portal/")
    page.wait_for_selector("#criteria")  # after "evaluating…", if it was still running
    # Every criterion explained: the R&D ratio over three years falls short of 5%.
    row = page.locator('#tier-hnte tr[data-criterion="rd_ratio"]')
    assert "✗" in row.inner_text() and "研发" in row.inner_text()
    assert row.locator("td").nth(4).inner_text().strip() != "—"  # the gap
    # The next tier is HNTE and it says exactly what it takes.
    step = page.locator("#next-step")
    assert "高新技术企业" in step.inner_text()
    assert step.locator('[data-criterion="rd_ratio"]').count() == 1
    assert page.locator('#flags [data-flag="hnte_near_miss"]').count() == 1
    assert page.locator('#incentives [data-incentive="rd_super_deduction"]').count() == 1
    assert page.locator('#certificates tr[data-tier="tech_sme"] .text-bg-success').count() == 1
    screenshot(page, "portal-ladder.png", full_page=True)


def test_firm_filing_upload_with_a_bad_cell_is_reported_by_row_and_column(
        page, live_server, firm_login):
    email, _name = firm_login
    log_in(page, live_server.url, email, r"/portal/")
    page.goto(f"{live_server.url}/portal/filings/{LAST_YEAR}")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename.endswith(f"-{LAST_YEAR}.xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = workbook.active
    rows = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=7) if row[0].value}
    for name, value in GOOD.items():
        sheet.cell(row=rows[name], column=6).value = value
    sheet.cell(row=rows["revenue"], column=6).value = "一千万"
    buffer = io.BytesIO()
    workbook.save(buffer)

    page.click("button[data-bs-target='#upload-box']")
    page.set_input_files("#upload-file", files=[{
        "name": "filing.xlsx", "buffer": buffer.getvalue(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-errors")
    errors = page.locator("tr.upload-error")
    assert errors.count() == 1
    assert errors.first.get_attribute("data-cell") == f"F{rows['revenue']}"
    assert str(rows["revenue"]) in errors.first.inner_text()


def test_firm_filing_autosaves_while_typing_and_marks_bad_values(page, live_server, firm_login):
    email, _name = firm_login
    log_in(page, live_server.url, email, r"/portal/")
    page.goto(f"{live_server.url}/portal/filings/{LAST_YEAR}")
    page.fill("#revenue", "4321.5")
    wait_until(page,
               "document.getElementById('autosave-status').textContent.includes('草稿已保存')")
    page.fill("#rd_expense", "-5")
    page.locator("#rd_expense").blur()  # a change saves at once
    page.wait_for_selector("#rd_expense.is-invalid")
    assert page.inner_text('.invalid-feedback[data-field="rd_expense"]').strip()
    page.reload()
    assert page.input_value("#revenue") == "4321.5"  # kept by the autosave, nothing submitted
    assert page.input_value("#rd_expense") == ""      # the bad value was never saved

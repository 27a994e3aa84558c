"""The programs' reward list in a real browser: an officer opens the reward list, computes it within
a budget and excludes a firm with a reason; an admin approves it and exports it for payment; the
XLSX holds the frozen awards (a filing made after the approval changes nothing)."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in, screenshot
from tests.factories import DistrictFactory, FilingFactory, FirmFactory, UserFactory

YEAR = today_in_shanghai().year          # program year: FY YEAR − 1 figures
FIRMS = (("宁波奉化芯片设计有限公司", 2000, 100), ("宁波奉化精密模具有限公司", 1000, 40),
         ("宁波奉化检测技术有限公司", 1000, 30), ("宁波奉化纺织有限公司", 1000, 20))


@pytest.fixture(scope="module")
def reward_registry(live_server):
    """Four Fenghua firms (5%, 4%, 3% and 2% R&D intensity) with bank accounts, an officer of
    Fenghua and an admin. Returns (officer e-mail, admin e-mail, {name: credit code})."""
    def make():
        district = DistrictFactory(code="fenghua", name_zh="奉化区", name_en="Fenghua")
        officer = UserFactory(officer=True, email="programs.officer@bureau.example", name="陈科长",
                              districts=[district])
        admin = UserFactory(admin=True, email="programs.admin@bureau.example", name="局管理员")
        codes = {}
        for n, (name, revenue, rd) in enumerate(FIRMS):
            firm = FirmFactory(name=name, district="fenghua", bank_name="宁波银行奉化支行",
                               bank_account=f"6222 0000 0000 {n:04d}")
            FilingFactory(firm=firm, fiscal_year=YEAR - 1, status="accepted", revenue=Decimal(revenue),
                          rd_expense=Decimal(rd), rd_domestic=Decimal(rd), rd_survey=True)
            codes[name] = firm.credit_code
        return officer.email, admin.email, codes
    return live_server.seed(make)


def test_programs_officer_excludes_with_a_reason_admin_approves_and_exports_the_frozen_awards(
        browser, page, live_server, reward_registry):
    officer_email, admin_email, codes = reward_registry
    log_in(page, live_server.url, officer_email)
    page.goto(live_server.url + "/officer/queue")
    page.click("nav >> text=专项")
    page.click("#program-rd_reward")
    page.wait_for_selector("#compute-form")
    assert "示例参数" in page.inner_text("main")            # the bands are labelled [ILLUSTRATIVE]
    page.fill("#budget", "5")
    page.click("#compute")
    page.wait_for_selector("#reward-list")
    rows = page.locator("#reward-list tbody tr[data-firm]")
    assert rows.count() == 3                                # the 2% firm is below the lowest band
    # Σ entitlement 5 + 1.6 + 0.9 = 7.5 > budget 5: shared pro rata, floored to the yuan
    # (4.9999 万元 in all; the page reads two decimals, the export below keeps every yuan).
    assert page.inner_text("#total-award") == "5.00"

    mould = page.locator("#reward-list tr", has_text="宁波奉化精密模具有限公司")
    mould.locator("input[name=reason]").fill("研发费用专项审计未通过")
    mould.locator("button", has_text="剔除").click()
    page.wait_for_selector(".alert-success")
    assert page.locator("#reward-list tbody tr[data-firm]").count() == 2
    page.click("#show-excluded")
    page.wait_for_url(re.compile(r"show=excluded"))
    assert "研发费用专项审计未通过" in page.inner_text("#reward-list")
    assert page.locator("#approve").count() == 0            # an officer does not approve
    screenshot(page, "programs-reward-officer.png", full_page=True)

    admin_page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    log_in(admin_page, live_server.url, admin_email)
    admin_page.goto(f"{live_server.url}/officer/programs/rd-reward/{YEAR}")
    admin_page.click("#approve")
    admin_page.wait_for_selector("#list-status[data-status=approved]")

    # A filing made after the approval changes nothing.
    def late_filing():
        firm = FirmFactory(name="宁波奉化后来者有限公司", district="fenghua")
        FilingFactory(firm=firm, fiscal_year=YEAR - 1, status="accepted", revenue=Decimal(1000),
                      rd_expense=Decimal(60), rd_domestic=Decimal(60), rd_survey=True)
    live_server.seed(late_filing)
    admin_page.reload()
    with admin_page.expect_download() as download:
        admin_page.click("#export-xlsx")
    with open(download.value.path(), "rb") as handle:     # a temporary name without .xlsx
        workbook = load_workbook(io.BytesIO(handle.read()))
    rows = list(workbook.active.iter_rows(values_only=True))
    awarded = {row[0]: (row[4], Decimal(str(row[10]))) for row in rows[1:] if row[0] in codes.values()}
    # Without the excluded firm, Σ 5.9 > 5: 5 × 5 ÷ 5.9 and 0.9 × 5 ÷ 5.9, floored to the yuan.
    assert awarded == {codes["宁波奉化芯片设计有限公司"]: ("6222 0000 0000 0000", Decimal("4.2372")),
                       codes["宁波奉化检测技术有限公司"]: ("6222 0000 0000 0002", Decimal("0.7627"))}
    assert not any(row[1] == "宁波奉化后来者有限公司" for row in rows)
    admin_page.context.close()

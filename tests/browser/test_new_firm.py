"""new_firm (issue 15 point 5): a firm registers (the district is a choice it must make), is told
the truth on screen and by mail (received, pending review), prepares its profile and a draft
filing while pending, and after the officer's approval its ladder lists what to file instead of
数据不足. Its own district (Beilun), used by no other browser test."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.creditcode import make_credit_code
from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in
from tests.factories import DistrictFactory, UserFactory

LAST_YEAR = today_in_shanghai().year - 1
CODE = make_credit_code("91330206MA2NEWF1R")
EMAIL = "founder@beilun-new.example"


@pytest.fixture
def beilun_officer(live_server):
    def make():
        beilun = DistrictFactory(code="beilun", name_zh="北仑区", name_en="Beilun")
        return UserFactory(officer=True, email="officer@beilun.example", districts=[beilun]).email
    return live_server.seed(make)


def test_new_firm_registers_prepares_while_pending_and_gets_a_checklist(page, live_server,
                                                                          beilun_officer):
    page.goto(live_server.url + "/account/register")
    assert page.input_value("#district") == ""  # no silent default
    page.fill("#credit_code", CODE)
    page.fill("#firm_name", "北仑新注册科技有限公司")
    page.fill("#founded", "2019-04-01")
    page.fill("#name", "陈创始")
    page.fill("#email", EMAIL)
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    page.click("#register-form button[type=submit]")
    assert page.locator("#registration-received").count() == 0  # the district is required
    page.select_option("#district", "beilun")
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("#registration-received")
    assert "确认邮件" in page.inner_text("#registration-received")

    def mails():
        from registry.extensions import db
        from registry.models import OutboxMail
        return [mail.subject for mail in db.session.scalars(
            select(OutboxMail).where(OutboxMail.recipient == EMAIL))]
    received, = live_server.query(mails)
    assert received.startswith("已收到您在雁阵的注册")

    # Pending: the profile and a draft filing, never a submission
    log_in(page, live_server.url, EMAIL, r"/portal/", password="a long enough password")
    page.wait_for_selector("#pending-registration #prepare")
    page.click("#prepare a[href$='/portal/profile']")
    page.wait_for_url("**/portal/profile")
    page.goto(f"{live_server.url}/portal/filings/{LAST_YEAR}")
    page.fill("#revenue", "950")
    page.fill("#total_income", "1000")
    assert page.locator("#submit-filing").count() == 0
    page.click("#save-draft")
    page.wait_for_selector(".alert-success")

    log_in(page, live_server.url, beilun_officer, r"/(officer/|today)")
    page.goto(live_server.url + "/onboarding/")
    page.locator("form[action$='/approve'] button").click()
    page.wait_for_selector(".alert-success")
    assert len(live_server.query(mails)) == 2  # received, approved

    log_in(page, live_server.url, EMAIL, r"/portal/", password="a long enough password")
    page.wait_for_selector("#what-to-file")
    years = page.locator("#what-to-file [data-file-year]")
    assert years.first.get_attribute("data-file-year") == str(LAST_YEAR)
    assert years.first.get_attribute("data-status") == "draft"
    missing = years.first.inner_text()  # sales revenue and total income are filled in
    assert "研究开发费用" in missing and "销售收入" not in missing and "总收入" not in missing
    page.wait_for_selector("#tiers-overview")
    assert page.locator('#tiers-overview [data-verdict="insufficient_data"]').count() == 0
    assert page.locator('#tiers-overview [data-verdict="to_file"]').count() >= 1

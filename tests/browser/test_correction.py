"""correction: a firm whose filing is accepted asks to correct it; an officer reopens it; the firm
corrects and submits again; the officer accepts it again. Each side learns of each step."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in
from tests.factories import DistrictFactory, FilingFactory, FirmFactory, UserFactory

LAST_YEAR = today_in_shanghai().year - 1


@pytest.fixture
def accepted_firm(live_server):
    """A Haishu firm with three accepted years, its administrator and a Haishu officer."""
    def make():
        haishu = DistrictFactory(code="haishu")
        firm = FirmFactory(name="宁波更正测试科技有限公司", district="haishu",
                           founded=dt.date(2015, 5, 1))
        for year in range(LAST_YEAR - 2, LAST_YEAR + 1):
            FilingFactory(firm=firm, fiscal_year=year, status="accepted",
                          revenue=Decimal(3000), total_income=Decimal(3100),
                          hightech_income=Decimal(2400), rd_expense=Decimal(120),
                          rd_domestic=Decimal(120))
        firm_user = UserFactory(firm=firm, email="clerk@correction.example", is_firm_admin=True)
        officer = UserFactory(officer=True, email="officer@correction.example", name="陈科长",
                              districts=[haishu])
        return firm.id, firm_user.email, officer.email
    return live_server.seed(make)


def test_correction_of_an_accepted_filing_from_request_to_acceptance(page, live_server,
                                                                    accepted_firm):
    firm_id, firm_email, officer_email = accepted_firm
    filing_url = f"{live_server.url}/portal/filings/{LAST_YEAR}"

    # The firm asks for a correction of its accepted filing.
    log_in(page, live_server.url, firm_email, r"/portal/")
    page.goto(filing_url)
    page.click("#correction summary")
    page.click("#correction button[type=submit]")           # no reason: told beside the field
    page.wait_for_selector('.invalid-feedback[data-field="reason"]')
    page.fill("#reason", "营业收入漏报一笔技术服务收入 37.2 万元")
    page.click("#correction button[type=submit]")
    page.wait_for_selector("#correction-requested")
    assert "37.2" in page.inner_text("#correction-requested")

    # The officer sees the request counted in the menu, and reopens the filing.
    log_in(page, live_server.url, officer_email, r"/(officer/|today)")
    badge = page.locator('[data-badge="officer.corrections"]')
    assert badge.inner_text() == "1"
    page.click('a[href="/officer/corrections"]')
    row = page.locator('#corrections tr[data-status="requested"]')
    assert "37.2" in row.inner_text() and "宁波更正测试科技有限公司" in row.inner_text()
    row.locator("a").click()
    filing_row = page.locator(f'tr[data-year="{LAST_YEAR}"]')
    assert filing_row.locator(f'[data-correction-request="{LAST_YEAR}"]').count() == 1
    filing_row.locator("summary", has_text="重新开放更正").click()
    filing_row.locator("button", has_text="为企业重新开放").click()
    page.wait_for_selector(".alert-success")
    assert page.locator(f'tr[data-year="{LAST_YEAR}"] [data-status="returned"]').count() == 1

    # The firm reads it in its inbox, corrects the figures and submits again.
    log_in(page, live_server.url, firm_email, r"/portal/")
    assert page.inner_text('[data-badge="inbox.index"]') == "1"
    page.goto(live_server.url + "/inbox/")
    message = page.locator('[data-kind="reopened"]')
    assert "37.2" in message.inner_text()
    message.locator('[data-link="filing"]').click()
    page.wait_for_url(re.compile(rf"/portal/filings/{LAST_YEAR}$"))
    assert page.locator("#officer-comment").count() == 1
    page.fill("#revenue", "3037.2")
    page.fill("#total_income", "3137.2")
    page.click("#submit-filing")
    page.wait_for_url(re.compile(r"/portal/receipts/\d+"))

    # The officer accepts the corrected filing: the correction is complete.
    log_in(page, live_server.url, officer_email, r"/(officer/|today)")
    page.goto(f"{live_server.url}/officer/firms/{firm_id}")
    page.locator(f'tr[data-year="{LAST_YEAR}"] button', has_text="受理").click()
    page.wait_for_selector(".alert-success")
    page.goto(live_server.url + "/officer/corrections")
    assert page.locator("#corrections tr[data-correction]").count() == 0

    log_in(page, live_server.url, firm_email, r"/portal/")
    page.goto(filing_url)
    assert page.locator('[data-status="accepted"]').count() >= 1
    assert page.locator('#correction-history [data-correction-status="completed"]').count() == 1
    page.goto(f"{filing_url}/revisions")   # the revisions are kept, the reopening among them
    assert "科技局重新开放更正" in page.inner_text("body")

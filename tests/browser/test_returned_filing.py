"""returned_filing: an officer returns a filing from the firm file; the firm sees the unread
count in the menu, reads the message that links to the filing, and its ladder says 已退回修改
with the reason while it keeps the last verdict, pending."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in
from tests.factories import DistrictFactory, FilingFactory, FirmFactory, UserFactory

LAST_YEAR = today_in_shanghai().year - 1


@pytest.fixture
def submitted_firm(live_server):
    def make():
        from registry.services.evaluation import evaluate_firm
        haishu = DistrictFactory(code="haishu")
        firm = FirmFactory(name="宁波退回测试科技有限公司", district="haishu",
                           founded=dt.date(2014, 5, 1))
        for year in range(LAST_YEAR - 2, LAST_YEAR + 1):
            FilingFactory(firm=firm, fiscal_year=year,
                          status="submitted" if year == LAST_YEAR else "accepted",
                          revenue=Decimal(3000), total_income=Decimal(3100),
                          hightech_income=Decimal(2400), rd_expense=Decimal(150),
                          rd_domestic=Decimal(150))
        firm_user = UserFactory(firm=firm, email="clerk@returned.example", is_firm_admin=True)
        officer = UserFactory(officer=True, email="officer@returned.example", districts=[haishu])
        firm_id = firm.id
        from registry.extensions import db
        db.session.commit()
        evaluate_firm(firm_id)
        return firm_id, firm_user.email, officer.email
    return live_server.seed(make)


def test_returned_filing_tells_the_firm_and_holds_its_ladder(page, live_server, submitted_firm):
    firm_id, firm_email, officer_email = submitted_firm
    log_in(page, live_server.url, firm_email, r"/portal/")
    page.wait_for_selector("#tiers-overview")
    before = {tier: page.get_attribute(f'#tiers-overview [data-tier="{tier}"] [data-verdict]',
                                       "data-verdict")
              for tier in ("tech_sme", "hnte", "gazelle", "leader")}
    assert set(before.values()) != {"insufficient_data"}

    log_in(page, live_server.url, officer_email, r"/(officer/|today)")
    page.goto(f"{live_server.url}/officer/firms/{firm_id}")
    row = page.locator(f'tr[data-year="{LAST_YEAR}"]')
    row.locator("summary", has_text="退回").click()
    row.locator("textarea").fill("研发费用辅助账与申报数不一致，请核对")
    row.locator("button", has_text="退回企业").click()
    page.wait_for_selector(".alert-success")

    log_in(page, live_server.url, firm_email, r"/portal/")
    assert page.inner_text('[data-badge="inbox.index"]') == "1"
    notice = page.locator(f'[data-returned="{LAST_YEAR}"]')
    assert "已退回修改" in notice.inner_text() and "辅助账" in notice.inner_text()
    assert page.locator("#file-last-year").count() == 0
    after = {tier: page.get_attribute(f'#tiers-overview [data-tier="{tier}"] [data-verdict]',
                                      "data-verdict") for tier in before}
    assert after == before
    assert page.locator("#tiers-overview [data-held]").count() == 4

    page.click('a[href="/inbox/"]')
    message = page.locator('[data-kind="returned"]')
    assert "辅助账" in message.inner_text()
    message.locator('[data-link="filing"]').click()
    assert "辅助账" in page.inner_text("#officer-comment")

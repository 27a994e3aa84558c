"""An officer reviews in a real browser: logs in, filters the queue, opens a candidate, reads why
it is one, approves it into public notice; the firm reads the decision in its inbox."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

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
NAMES = ("甬江智能装备", "东钱湖生物医药", "镇海新材料", "北仑精密机械", "海曙软件", "天一光电",
         "月湖检测技术", "鼓楼电子", "三江口新能源", "南塘数据科技", "江厦仪器仪表", "灵桥汽配")


@pytest.fixture(scope="module")
def registry(live_server):
    """Twelve Haishu firms with three years filed and a scan run: candidates with their verdicts;
    an officer of Haishu and each firm's administrator. Returns (officer email, firm)."""
    def make():
        from registry.extensions import db
        from registry.services.scans import run_inline, start_full_scan
        DistrictFactory(code="haishu")
        DistrictFactory(code="jiangbei")
        officer = UserFactory(officer=True, email="review.officer@bureau.example", name="王科长",
                              districts=[DistrictFactory(code="haishu")])
        firms = []
        for n, name in enumerate(NAMES):
            firm = FirmFactory(name=f"宁波{name}有限公司", district="haishu",
                               industry_code=("C39", "C27", "C26", "C34", "I65", "C38")[n % 6],
                               founded=dt.date(2012 + n % 5, 3, 1), ip_class1=1, ip_class2=4)
            rd_share = Decimal("0.06") if n % 4 else Decimal("0.043")   # some near misses
            for year in range(LAST_YEAR - 3, LAST_YEAR + 1):
                revenue = Decimal(1800 + 300 * n + 200 * (year - LAST_YEAR))
                FilingFactory(firm=firm, fiscal_year=year, status="accepted", revenue=revenue,
                              total_income=revenue + 100, hightech_income=revenue * 3 / 4,
                              rd_expense=revenue * rd_share, rd_domestic=revenue * rd_share,
                              employees=Decimal(60 + n), st_staff=Decimal(18 + n))
            if n % 3 == 0:
                CertificateFactory(firm=firm, tier="tech_sme", number=f"2025330203A00{n:05d}",
                                   issued=dt.date(LAST_YEAR, 6, 1),
                                   expires=dt.date(LAST_YEAR + 1, 12, 31))
            UserFactory(firm=firm, email=f"firm{n}@review.example", is_firm_admin=True)
            firms.append(firm)
        db.session.commit()
        scan, _created = start_full_scan(db.session, dispatch=False)
        db.session.commit()
        run_inline(db.session, scan.id)
        return officer.email, firms[1].name, "firm1@review.example"
    return live_server.seed(make)


def test_officer_filters_reads_and_approves_into_public_notice_then_the_firm_reads_it(
        page, live_server, registry):
    officer_email, firm_name, firm_email = registry
    log_in(page, live_server.url, officer_email, r"/today")
    page.goto(live_server.url + "/officer/queue")

    # The queue: counts per filter arrive, then the officer narrows it to high-tech candidates.
    page.wait_for_selector('#total:not(:empty)')
    hnte = page.locator('[data-facet="tier"] [data-value="hnte"]')
    assert int(hnte.locator("[data-count]").inner_text()) > 0
    hnte.click()
    page.wait_for_url(re.compile(r"tier=hnte"))
    page.wait_for_selector('#total:not(:empty)')
    screenshot(page, "officer-queue.png", full_page=True)
    rows = page.locator("#queue tbody tr[data-candidate]")
    assert rows.count() >= 1
    names = rows.locator("td:nth-child(2) a").all_inner_texts()
    assert all("有限公司" in name for name in names)

    # The candidate: why the firm is one, every criterion explained.
    page.locator("#queue a", has_text=firm_name).click()
    page.wait_for_selector("#explanation")
    explanation = page.inner_text("#explanation")
    rd_ratio = page.locator('#explanation tr[data-criterion="rd_ratio"][data-passed="pass"]')
    assert rd_ratio.count() == 1
    assert "研发" in explanation and "国科发火〔2016〕32号" in explanation

    # Review, then approve into public notice.
    page.click("#start_review")
    page.wait_for_selector("#approve")
    assert page.get_attribute("#candidate-status [data-status]", "data-status") == "in_review"
    page.click("#approve")
    page.wait_for_selector("#notice")
    assert page.get_attribute("#candidate-status [data-status]", "data-status") == "approved"
    assert "公示" in page.inner_text("#notice")
    history = page.inner_text("#history")
    assert "王科长" in history

    # The firm file shows the certificate in public notice and the audit trail.
    page.click("#firm-file-link")
    page.wait_for_selector("#filings")
    assert page.locator('[data-certificate-status="public_notice"]').count() == 1
    assert page.locator('#audit tr[data-action="candidate_approve"]').count() == 1
    wait_until(page, "document.querySelector('#chart-ratio').width > 0")
    screenshot(page, "officer-firm-file.png", full_page=True)

    # The firm reads the decision in its inbox.
    page.context.clear_cookies()
    log_in(page, live_server.url, firm_email, r"/portal/")
    page.goto(live_server.url + "/inbox/")
    message = page.locator('#messages [data-kind="approved"]')
    assert message.count() == 1
    assert "公示" in message.inner_text() and "高新技术企业" in message.inner_text()

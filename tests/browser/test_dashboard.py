"""The dashboard in a real browser: a manager logs in and lands on it, reads the HNTE card against
the demo's valid-HNTE target, switches to a district and to last month (a backfilled snapshot),
and opens the firms behind a number; an officer of one district sees only that district."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in, screenshot
from tests.factories import CertificateFactory, DistrictFactory, FirmFactory, UserFactory

TODAY = today_in_shanghai()
LAST_MONTH_END = TODAY.replace(day=1) - dt.timedelta(days=1)
HOLDERS = {"haishu": ("宁波甬江光电有限公司", "宁波鼓楼仪器有限公司", "宁波天一芯片有限公司"),
           "jiangbei": ("宁波慈城机电有限公司", "宁波江北新材有限公司")}


@pytest.fixture(scope="module")
def registry(live_server):
    """HNTE holders in two districts (valid since last year), the demo's monitoring (targets
    scaled from Ningbo 2025, 24 months of backfilled snapshots), a city manager and an officer
    of Jiangbei. Returns (manager email, officer email, the city's valid-HNTE target)."""
    def make():
        from registry.demo.monitoring import add_monitoring
        from registry.extensions import db
        from registry.services.targets import target_for
        for code, names in HOLDERS.items():
            DistrictFactory(code=code)
            for name in names:
                CertificateFactory(firm=FirmFactory(name=name, district=code),
                                   issued=TODAY - dt.timedelta(days=500),
                                   expires=TODAY + dt.timedelta(days=500))
        manager = UserFactory(role="manager", firm=None, email="leader@dashboard.example")
        officer = UserFactory(officer=True, email="jiangbei@dashboard.example",
                              districts=[DistrictFactory(code="jiangbei")])
        db.session.flush()
        add_monitoring(db.session, TODAY)
        target = target_for(db.session, "hnte_valid", TODAY.year, None)
        return manager.email, officer.email, int(target.value)
    return live_server.seed(make)


def test_dashboard_manager_reads_the_hnte_card_switches_scope_and_month_and_opens_the_firms(
        page, live_server, registry):
    manager_email, _officer_email, target = registry
    log_in(page, live_server.url, manager_email, r"/dashboard$")
    card = page.locator('.indicator-card[data-indicator="hnte_valid"]')
    assert card.locator("[data-value]").inner_text() == "5"
    assert card.locator("[data-target]").inner_text() == f"{target:,}"
    assert "宁波2025" in card.locator("[data-source]").inner_text()
    assert card.locator("[data-forecast]").is_visible()
    assert page.locator(".trend canvas").count() >= 1
    # The charts' axes read like the page: a fraction as a percentage, 万元 with two decimals.
    ticks = page.evaluate("""() => ["guishang_rd_ratio", "tax_relief", "hnte_valid"].map(kind =>
        Chart.getChart(document.querySelector(`[data-trend="${kind}"] canvas`))
             .options.scales.y.ticks.callback(1234.5))""")
    assert ticks == ["123,450.00%", "1,234.50", "1,235"]
    screenshot(page, "dashboard-city.png", full_page=True)
    screenshot(page, "dashboard-cards.png")

    page.select_option("#district", "haishu")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(r"district=haishu"))
    assert page.locator("#scope-name").inner_text() == "海曙区"
    assert page.locator('.indicator-card[data-indicator="hnte_valid"] [data-value]').inner_text() == "3"

    page.click("#last-month")
    page.wait_for_url(re.compile(rf"as_of={LAST_MONTH_END.isoformat()}"))
    note = page.locator("#source-note").inner_text()
    assert LAST_MONTH_END.replace(day=1).isoformat() in note

    page.locator('#all-indicators tr[data-indicator="hnte_valid"] a').click()
    page.wait_for_url(re.compile(r"/dashboard/firms\?"))
    listed = page.locator("#firms tbody tr[data-firm] td:first-child").all_inner_texts()
    assert sorted(listed) == sorted(HOLDERS["haishu"])


def test_dashboard_an_officer_sees_only_their_district(page, live_server, registry):
    _manager_email, officer_email, _target = registry
    log_in(page, live_server.url, officer_email, r"/today")
    page.goto(live_server.url + "/dashboard")
    assert page.locator("#scope-name").inner_text() == "江北区"
    assert page.locator("#district option").all_inner_texts() == ["江北区"]
    assert page.locator('.indicator-card[data-indicator="hnte_valid"] [data-value]').inner_text() == "2"
    assert page.locator('[data-district="haishu"]').count() == 0
    response = page.goto(live_server.url + "/dashboard?district=haishu")
    assert response.status == 404

"""What-if in a real browser: an officer lowers the gazelle CAGR to 15%, runs it, watches the
progress, reads the winners by district, opens one winner's explanation and exports the list."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    CertificateFactory,
    DistrictFactory,
    FilingFactory,
    FirmFactory,
    UserFactory,
)

LAST_YEAR = today_in_shanghai().year - 1
# Revenue growth over three years per firm: 1.6x passes at 15% (1.520875) but not at 20% (1.728).
GROWTH = (Decimal("1.6"), Decimal("1.6"), Decimal("1.8"), Decimal("1.3"), Decimal("1.6"), Decimal("1.55"))


@pytest.fixture(scope="module")
def registry(live_server):
    """HNTE holders in Zhenhai and Yinzhou with four years filed, growing at different rates; an
    officer of both districts. Returns the officer's e-mail and the expected gazelle winners per
    district."""
    def make():
        from registry.extensions import db
        zhenhai, yinzhou = DistrictFactory(code="zhenhai", name_zh="镇海区", name_en="Zhenhai"), \
            DistrictFactory(code="yinzhou", name_zh="鄞州区", name_en="Yinzhou")
        officer = UserFactory(officer=True, email="whatif.officer@bureau.example", name="陈科长",
                              districts=[zhenhai, yinzhou])
        winners: dict[str, set[str]] = {"zhenhai": set(), "yinzhou": set()}
        for n in range(12):
            district = ("zhenhai", "yinzhou")[n % 2]
            growth = GROWTH[n % len(GROWTH)]
            firm = FirmFactory(name=f"宁波{('镇海', '鄞州')[n % 2]}瞪羚{n}号科技有限公司", district=district,
                               founded=dt.date(2013, 5, 1))
            CertificateFactory(firm=firm, number=f"GR{LAST_YEAR - 1}3302{n:05d}", issued=dt.date(LAST_YEAR - 1, 12, 1),
                               expires=dt.date(LAST_YEAR + 2, 11, 30))
            start = Decimal(2000 + 100 * n)
            for year in range(LAST_YEAR - 3, LAST_YEAR + 1):
                share = (year - (LAST_YEAR - 3)) / Decimal(3)
                revenue = (start * (1 + (growth - 1) * share)).quantize(Decimal(1))
                FilingFactory(firm=firm, fiscal_year=year, status="accepted", revenue=revenue,
                              total_income=revenue, hightech_income=revenue * Decimal("0.7"),
                              rd_expense=revenue * Decimal("0.05"), rd_domestic=revenue * Decimal("0.05"),
                              total_assets=revenue, employees=Decimal(80), st_staff=Decimal(20))
            if Decimal("1.520875") <= growth < Decimal("1.728"):
                winners[district].add(firm.name)
        db.session.commit()
        return officer.email, winners
    return live_server.seed(make)


def test_whatif_officer_lowers_gazelle_cagr_runs_watches_reads_winners_explains_and_exports(
        page, live_server, registry):
    officer_email, winners = registry
    app = live_server.app
    app.config.update(JOBS_MODE="record", SCAN_CHUNK_SIZE=4)   # the chunks wait for the "workers" below
    try:
        log_in(page, live_server.url, officer_email, r"/(officer/|today)")
        page.goto(live_server.url + "/whatif/")
        page.click("#new-scenario")
        page.fill("#name", "瞪羚增速门槛降至15%")
        page.check('input[name="districts"][value="zhenhai"]')
        page.check('input[name="districts"][value="yinzhou"]')
        page.fill("#changes", "gazelle.default.revenue_cagr.bands.0.min = 15%")
        page.click("#save-scenario")
        page.wait_for_url(re.compile(r"/whatif/#scenario-"))
        row = page.locator('tr[data-scenario="瞪羚增速门槛降至15%"]')
        assert "0.15" in row.inner_text()
        row.locator("button[data-run]").click()
        page.wait_for_url(re.compile(r"/whatif/runs/\d+$"))
        run_id = int(page.url.rsplit("/", 1)[1])

        # Progress: nothing evaluated yet, then the workers take the chunks one by one.
        bar = page.locator("#run-progress .progress")
        assert bar.get_attribute("aria-valuenow") == "0"
        from registry.models import WhatifChunk
        from registry.services import whatif

        def chunk_ids():
            from sqlalchemy import select

            from registry.extensions import db
            return db.session.scalars(select(WhatifChunk.id).where(WhatifChunk.run_id == run_id)
                                      .order_by(WhatifChunk.index)).all()
        chunks = live_server.query(chunk_ids)
        assert len(chunks) == 3
        live_server.query(lambda: whatif.run_chunk(chunks[0]))
        page.wait_for_selector('#run-progress .progress[aria-valuenow="33"]')
        screenshot(page, "whatif-progress.png")
        for chunk_id in chunks[1:]:
            live_server.query(lambda chunk_id=chunk_id: whatif.run_chunk(chunk_id))
        page.wait_for_selector("#tier-totals")   # the page reloads with the results once done

        # Winners by district, as a table (and a chart).
        gazelle = page.locator('#tier-totals tr[data-tier="gazelle"] td')
        assert gazelle.nth(3).inner_text().strip() == f"+{sum(map(len, winners.values()))}"
        assert page.locator("#district-chart").is_visible()
        for code, names in winners.items():
            cell = page.locator(f'#by-district tr[data-district="{code}"] a[data-winners="gazelle"]')
            assert cell.inner_text().strip() == f"+{len(names)}"
        screenshot(page, "whatif-results.png", full_page=True)
        page.locator('#by-district tr[data-district="zhenhai"] a[data-winners="gazelle"]').click()
        listed = page.locator("#changes tbody tr")
        assert {listed.nth(i).locator("td").first.inner_text() for i in range(listed.count())} == winners["zhenhai"]
        first_row = listed.first
        assert first_row.locator("td").nth(3).inner_text().strip() not in ("", "—")
        # The firm's growth against both thresholds, as the CAGR people read (20% → 15%).
        assert "≥ 20%" in first_row.inner_text() and "≥ 15%" in first_row.inner_text()

        # One winner's explanation: the CAGR fails under the base, passes under the scenario.
        first_row.locator("a[data-explain]").click()
        base, changed = page.locator("#explanation .col-xl-6").nth(0), page.locator("#explanation .col-xl-6").nth(1)
        assert base.locator('tr[data-criterion="revenue_cagr"]').get_attribute("data-passed") == "fail"
        assert changed.locator('tr[data-criterion="revenue_cagr"]').get_attribute("data-passed") == "pass"
        page.go_back()

        # The list as a workbook.
        with page.expect_download() as download:
            page.click("#export-xlsx")
        with open(download.value.path(), "rb") as handle:
            sheet = load_workbook(io.BytesIO(handle.read())).active
        rows = list(sheet.iter_rows(values_only=True))
        assert {row[0] for row in rows[1:]} == winners["zhenhai"]
        assert all(row[7].endswith("%") and row[8] == "≥ 20%" and row[9] == "≥ 15%" for row in rows[1:])
    finally:
        app.config.update(JOBS_MODE="inline", SCAN_CHUNK_SIZE=25_000)

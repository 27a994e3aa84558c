"""notice_batch: approvals grouped under one 文号; the officer opens the batch, downloads the list
to publish (CSV and XLSX), sees who decided an objection and when, and ends the notice whose
period is over: the certificates are issued at once."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from registry.rules import today_in_shanghai
from tests.browser.conftest import log_in
from tests.factories import CandidateFactory, DistrictFactory, FirmFactory, UserFactory

NAMES = ("宁波公示甲科技有限公司", "宁波公示乙科技有限公司")


@pytest.fixture
def ended_period(live_server):
    """Two Haishu firms approved for tech-SME a month ago (the notice period is over), one with
    an objection the officer dismissed."""
    def make():
        from registry.extensions import db
        from registry.services import review
        haishu = DistrictFactory(code="haishu")
        officer = UserFactory(officer=True, email="officer@notice.example", name="周科长",
                              districts=[haishu])
        today = today_in_shanghai()
        notices = []
        for name in NAMES:
            firm = FirmFactory(name=name, district="haishu")
            # An old cycle of its own: never the queue's default cycle for the other tests.
            candidate = CandidateFactory(firm=firm, tier="tech_sme", cycle=today.year - 5,
                                         status="in_review")
            notices.append(review.approve(db.session, candidate, officer,
                                          today=today - dt.timedelta(days=30)))
        objection = review.record_objection(db.session, notices[1], officer,
                                            received_on=notices[1].first_day, objector="王某",
                                            summary="研发人员数存疑")
        review.dismiss_objection(db.session, objection, officer, "已核实社保缴纳记录")
        return notices[0].batch_id, notices[0].batch.number, notices[1].id, officer.email
    return live_server.seed(make)


def test_notice_batch_published_and_ended_with_certificates(page, live_server, ended_period):
    batch_id, number, disputed_id, officer_email = ended_period
    log_in(page, live_server.url, officer_email, r"/(officer/|today)")
    page.click('a[href="/officer/notices"]')
    page.click("#batches-link")
    page.locator(f'#notice-batches tr[data-batch="{batch_id}"] a').click()
    assert page.inner_text("#batch-number") == number and "〔" in number
    firms = page.locator("#batch-firms tbody tr")
    assert firms.count() == 2 and NAMES[0] in page.inner_text("#batch-firms")

    with page.expect_download() as download:
        page.click("text=导出 XLSX")
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
                .active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and {row[1] for row in rows[1:]} == set(NAMES)
    with page.expect_download() as download:
        page.click("text=导出 CSV")
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff") and NAMES[1] in text

    # The objection says who decided it and when.
    page.goto(f"{live_server.url}/officer/notices/{disputed_id}")
    assert "周科长" in page.inner_text("[data-decided]")
    assert "已核实社保缴纳记录" in page.inner_text("[data-decided]")
    page.click("[data-batch]")

    page.click("#end-batch")
    page.wait_for_selector(".alert-success")
    assert "2" in page.inner_text(".alert-success")
    assert page.locator('#batch-firms [data-certificate-status="valid"]').count() == 2
    assert "周科长" in page.inner_text("#batch-end")

"""My ladder: after a submit the firm's evaluation is queued after commit; the page shows
"evaluating" until it is done, then every tier and criterion explained, the next step, flags
and incentives with their policy."""
from __future__ import annotations

import datetime as dt

import pytest

from registry.jobs import sent_jobs
from tests.factories import CertificateFactory
from tests.portal.conftest import LAST_YEAR, figures


@pytest.fixture
def inline_jobs(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "inline")


def _submit(client):
    response = client.post(f"/portal/filings/{LAST_YEAR}",
                           data={**figures(), "revision": "0", "action": "submit"})
    assert response.status_code == 302
    return response


def test_before_any_evaluation_the_page_says_what_to_file(logged_in, db_session):
    page = logged_in.get("/portal/").get_data(as_text=True)
    assert 'id="what-to-file"' in page and 'id="file-last-year"' in page


def test_after_submit_the_page_shows_evaluating_until_done(app, logged_in, db_session, firm):
    with app.app_context():
        sent_jobs().clear()
    _submit(logged_in)
    with app.app_context():
        assert ("evaluate_firm", (firm.id,)) in sent_jobs()
    page = logged_in.get("/portal/").get_data(as_text=True)
    assert 'id="evaluating"' in page and 'id="file-last-year"' not in page
    assert logged_in.get("/portal/ladder/status").json["pending"] is True


def test_the_evaluated_ladder_explains_every_criterion(inline_jobs, logged_in, db_session, firm):
    _submit(logged_in)  # the evaluation runs after this request
    status = logged_in.get("/portal/ladder/status").json
    assert status["pending"] is False and status["evaluated_at"]
    page = logged_in.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="evaluating"' not in page
    for tier in ("tech_sme", "hnte", "gazelle", "leader"):
        assert f'data-tier="{tier}"' in page
    # Each criterion row has its id, the actual value and an explanation.
    for criterion in ("size_employees", "st_staff_ratio", "rd_ratio", "hightech_income_share"):
        assert f'data-criterion="{criterion}"' in page
    assert 'id="next-step"' in page
    assert 'data-incentive="rd_super_deduction"' in page and "2023 No. 7" in page


def test_the_ladder_in_chinese(inline_jobs, logged_in, db_session):
    _submit(logged_in)
    page = logged_in.get("/portal/").get_data(as_text=True)
    assert "科技型中小企业" in page and "高新技术企业" in page and "研发费用加计扣除" in page


def test_certificates_held_are_listed_with_validity(logged_in, db_session, firm):
    CertificateFactory(firm=firm, tier="hnte", number="GR2023330299999",
                       issued=dt.date(2023, 12, 8), expires=dt.date(2099, 12, 7))
    CertificateFactory(firm=firm, tier="tech_sme", number="2019330200000001",
                       issued=dt.date(2019, 5, 1), expires=dt.date(2019, 12, 31))
    page = logged_in.get("/portal/").get_data(as_text=True)
    assert "GR2023330299999" in page and "2019330200000001" in page
    assert 'data-standing="valid"' in page and 'data-standing="expired"' in page

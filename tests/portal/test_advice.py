"""Issue 15 point 4, the help a firm gets points the right way: the next step is never below
or beside what the firm holds; certificate expiry warnings follow the bureau's application
rounds; the HNTE R&D shortfall ("还差 X 万元") says which fiscal years it sums and what R&D next
year would close it."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from registry.models import District
from registry.services import certificates, settings
from registry.views.portal.ladder import for_the_firm
from tests.factories import CertificateFactory, FilingFactory, UserFactory
from tests.portal.conftest import LAST_YEAR, figures

TODAY = dt.date(LAST_YEAR + 1, 6, 1)


@pytest.fixture
def inline_jobs(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "inline")


@pytest.fixture
def on_today(monkeypatch):
    monkeypatch.setattr("registry.services.filings.today", lambda: TODAY)


def _rounds(db_session, year, tier, opens, closes):
    settings.set_round_dates(db_session, year, {tier: (opens, closes)},
                             UserFactory(admin=True, email=f"admin{year}{tier}@bureau.example"))
    db_session.flush()


def test_the_r_and_d_gap_names_its_years_and_what_next_year_closes_it(
        inline_jobs, logged_in, db_session, firm):
    """Sales 1,000 / 1,000 / 950 and R&D 30 / 30 / 60 over FY Y-3..Y-1: 4.07% < 5%, 27.5 万元
    short. Next year, with sales again 950: 5% x 2,900 - (30 + 60) = 55 万元 of R&D."""
    CertificateFactory(firm=firm, tier="tech_sme", issued=dt.date(LAST_YEAR, 5, 1),
                       expires=dt.date(LAST_YEAR + 5, 12, 31))
    for year in (LAST_YEAR - 2, LAST_YEAR - 1):
        FilingFactory(firm=firm, fiscal_year=year, status="accepted", revenue=Decimal(1000),
                      total_income=Decimal(1000), hightech_income=Decimal(700),
                      rd_expense=Decimal(30), rd_domestic=Decimal(30))
    db_session.flush()
    assert logged_in.post(f"/portal/filings/{LAST_YEAR}", data={
        **figures(revenue="950", rd_expense="60", rd_domestic="60"), "revision": "0",
        "action": "submit"}).status_code == 302
    page = logged_in.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    step = page[page.index('id="next-step"'):page.index('id="incentives"')]
    assert "High" in step and 'data-criterion="rd_ratio"' in step  # HNTE, not tech SME again
    assert "27.5" in step
    assert f"Sums FY {LAST_YEAR - 2}–{LAST_YEAR}." in step
    assert 'data-next-year-rd="55"' in step
    assert (f"If sales revenue stays as in FY {LAST_YEAR}, R&D expenses of 55.00 10k yuan "
            f"in FY {LAST_YEAR + 1} would close the gap.") in step
    zh = logged_in.get("/portal/").get_data(as_text=True)
    zh_step = zh[zh.index('id="next-step"'):zh.index('id="incentives"')]
    assert f"合计 {LAST_YEAR - 2}–{LAST_YEAR} 年度" in zh_step and "55.00" in zh_step


def test_a_tech_sme_registration_expiring_within_60_days_is_shown_with_this_year_s_open_round(
        logged_in, db_session, firm, on_today):
    CertificateFactory(firm=firm, tier="tech_sme", issued=dt.date(TODAY.year, 1, 1),
                       expires=TODAY + dt.timedelta(days=45))
    _rounds(db_session, TODAY.year, "tech_sme", dt.date(TODAY.year, 5, 1), dt.date(TODAY.year, 7, 31))
    page = logged_in.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-expiry="tech_sme" data-round="open"' in page
    assert f"Re-apply this year: this year's round is open until {TODAY.year}-07-31." in page
    assert "今年" in logged_in.get("/portal/").get_data(as_text=True)


def test_after_this_year_s_round_the_warning_says_next_year_s_round(
        logged_in, db_session, firm, on_today):
    CertificateFactory(firm=firm, tier="tech_sme", issued=dt.date(TODAY.year, 1, 1),
                       expires=TODAY + dt.timedelta(days=10))
    _rounds(db_session, TODAY.year, "tech_sme", dt.date(TODAY.year, 3, 1), dt.date(TODAY.year, 4, 30))
    _rounds(db_session, TODAY.year + 1, "tech_sme", dt.date(TODAY.year + 1, 3, 1),
            dt.date(TODAY.year + 1, 4, 30))
    page = logged_in.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    warning = page[page.index('data-expiry="tech_sme"'):]
    warning = warning[:warning.index("</div>")]
    assert 'data-round="next_year"' in warning and "Re-apply this year" not in warning
    assert f"next year's round, from {TODAY.year + 1}-03-01 to {TODAY.year + 1}-04-30" in warning


def test_a_registration_further_away_or_expired_is_not_warned(logged_in, db_session, firm,
                                                             on_today):
    CertificateFactory(firm=firm, tier="tech_sme", issued=dt.date(TODAY.year, 1, 1),
                       expires=TODAY + dt.timedelta(days=61))
    CertificateFactory(firm=firm, tier="tech_sme", issued=dt.date(TODAY.year - 1, 1, 1),
                       expires=TODAY - dt.timedelta(days=1))
    assert "data-expiry" not in logged_in.get("/portal/").get_data(as_text=True)


def test_the_hnte_renewal_follows_the_rounds_not_the_engine_s_this_year(db_session, firm):
    hnte = CertificateFactory(firm=firm, tier="hnte", issued=dt.date(TODAY.year - 3, 12, 8),
                              expires=dt.date(TODAY.year, 12, 7))
    assert certificates.expiry_warnings(db_session, firm.id, TODAY, []) == []
    unset, = certificates.expiry_warnings(db_session, firm.id, TODAY, ["hnte_renewal_due"])
    assert unset.certificate == hnte and unset.round == "unset"
    _rounds(db_session, TODAY.year, "hnte", dt.date(TODAY.year, 7, 1), dt.date(TODAY.year, 8, 31))
    upcoming, = certificates.expiry_warnings(db_session, firm.id, TODAY, ["hnte_renewal_due"])
    assert (upcoming.round, upcoming.opens) == ("upcoming", dt.date(TODAY.year, 7, 1))
    later, = certificates.expiry_warnings(db_session, firm.id, dt.date(TODAY.year, 9, 1),
                                          ["hnte_renewal_due"])
    assert (later.round, later.opens) == ("next_year", None)
    # the engine's "re-apply this year" sentence is not shown to the firm
    shown = for_the_firm({"flags": [{"id": "hnte_renewal_due", "detail": "应于今年重新申请认定"}],
                          "incentives": []})
    assert shown["flags"] == []


def test_after_approval_the_ladder_lists_what_to_file_instead_of_insufficient_data(
        inline_jobs, logged_in, db_session, firm):
    """Issue 15 point 5: which years (the HNTE window since the founding year) and which fields."""
    from registry.extensions import db
    from registry.services.evaluation import evaluate_firm
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR, status="draft", rd_expense=None,
                  rd_domestic=None)
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR - 2, status="accepted")
    with logged_in.application.app_context():
        db.session.commit()
        evaluate_firm(firm.id)
    page = logged_in.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    listed = page[page.index('id="what-to-file"'):page.index("</section>", page.index('id="what-to-file"'))]
    assert re.findall(r'data-file-year="(\d+)" data-status="(\w+)"', listed) == [
        (str(LAST_YEAR), "draft"), (str(LAST_YEAR - 1), "none")]
    draft = listed[listed.index(f'data-file-year="{LAST_YEAR}"'):listed.index(f'data-file-year="{LAST_YEAR - 1}"')]
    assert "R&amp;D expenses" in draft and "of which R&amp;D in mainland China" in draft
    assert "Sales revenue" not in draft
    assert "Sales revenue" in listed[listed.index(f'data-file-year="{LAST_YEAR - 1}"'):]
    overview = page[page.index('id="tiers-overview"'):page.index('id="next-step"')]
    assert 'data-verdict="insufficient_data"' not in overview
    assert 'data-verdict="to_file"' in overview


def test_an_approval_evaluates_the_firm_at_once(app, db_session, firm):
    from registry.jobs import sent_jobs
    from registry.services import onboarding
    firm.status = "pending"
    officer = UserFactory(officer=True, email="approver@bureau.example",
                          districts=[db_session.get(District, "haishu")])
    with app.test_request_context():
        sent_jobs().clear()
        onboarding.approve_registration(db_session, firm, officer)
        db_session.commit()
        assert ("evaluate_firm", (firm.id,)) in sent_jobs()

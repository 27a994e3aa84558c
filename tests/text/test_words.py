"""Words a bureau uses (issue 15 point 8): 企业名录 for the directory, 正常/已入驻 for standing
(never 在岗), a certificate's standing as 已过期 or 公示中，YYYY-MM-DD 生效 (never 当前无效), and the
filed `revenue` named 销售收入 on the firm file, as the filing form and rules.md name it."""
from __future__ import annotations

import datetime as dt

from registry.models import Certificate
from tests.factories import CertificateFactory, FilingFactory
from tests.officer.conftest import login


def _zh(client, path: str) -> str:
    with client.session_transaction() as session:
        session["lang"] = "zh"
    return client.get(path).get_data(as_text=True)


def test_a_certificate_says_how_it_stands(db_session):
    day = dt.date(2026, 6, 30)
    def standing(status, issued, expires):
        return Certificate(status=status, issued=issued, expires=expires).standing_on(day)
    assert standing("valid", dt.date(2024, 1, 1), dt.date(2026, 12, 31)) == "valid"
    assert standing("valid", dt.date(2023, 1, 1), dt.date(2026, 6, 29)) == "expired"
    assert standing("expired", dt.date(2023, 1, 1), dt.date(2026, 6, 29)) == "expired"
    assert standing("public_notice", dt.date(2026, 7, 15), dt.date(2029, 7, 14)) == "public_notice"
    assert standing("valid", dt.date(2026, 7, 15), dt.date(2029, 7, 14)) == "not_yet"
    assert standing("revoked", dt.date(2024, 1, 1), dt.date(2026, 12, 31)) == "revoked"


def test_the_ladder_says_expired_or_in_notice_never_not_valid(client, firm, firm_user):
    today = dt.date.today()
    CertificateFactory(firm=firm, tier="tech_sme", issued=today - dt.timedelta(days=800),
                       expires=today - dt.timedelta(days=1), status="valid")
    effective = today + dt.timedelta(days=20)
    CertificateFactory(firm=firm, tier="hnte", number=None, issued=effective,
                       expires=effective + dt.timedelta(days=1000), status="public_notice")
    login(client, firm_user)
    page = _zh(client, "/portal/")
    assert "当前无效" not in page
    assert "已过期" in page
    assert f"公示中，{effective.isoformat()} 生效" in page


def test_the_directory_is_the_firm_register_and_firms_are_onboarded(client, officer, firm):
    FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    login(client, officer)
    directory = _zh(client, "/officer/firms")
    assert "企业名录" in directory and "在岗" not in directory and "已入驻" in directory
    assert "<title>企业数" not in directory
    firm_file = _zh(client, f"/officer/firms/{firm.id}")
    assert "企业名录" in firm_file and "销售收入" in firm_file and "在岗" not in firm_file


def test_active_people_are_normal_not_on_duty(client, admin):
    login(client, admin)
    users = _zh(client, "/admin/users")
    assert "在岗" not in users and "正常" in users


def test_the_criteria_name_revenue_as_the_rules_define_it():
    """rules.md measures the tech-SME size, the HNTE R&D ratio and the leader's size by sales
    revenue (销售收入); the gazelle's growth and the bureau programs by operating revenue (营业收入)."""
    from registry.rules.i18n import translate
    sales = ("criterion.size_revenue", "criterion.rd_ratio", "criterion.revenue")
    operating = ("criterion.base_revenue", "criterion.revenue_cagr")
    assert all("销售收入" in translate(key, None, "zh") for key in sales)
    assert all("营业收入" in translate(key, None, "zh") for key in operating)

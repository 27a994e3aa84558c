"""Values as people read them (issue 15 points 6 and 7): the firm file's audit trail in
sentences, a near miss named by its criterion with its gap in 万元, criteria as percentages
against the rule's threshold, filed money with two decimals (exact in the tooltip)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from registry.services import audit
from registry.services.evaluation import evaluate_firm
from tests.factories import FilingFactory, FirmFlagFactory
from tests.officer.conftest import login


def _zh(client, path: str) -> str:
    with client.session_transaction() as session:
        session["lang"] = "zh"
    return client.get(path).get_data(as_text=True)


def test_the_firm_files_audit_trail_reads_as_sentences(app, client, db_session, admin, firm):
    audit.record(db_session, admin, "firm_moved", firm, from_district="haishu",
                 to_district="jiangbei")
    db_session.commit()
    login(client, admin)
    section = re.search(r'<section[^>]*id="audit".*?</section>', _zh(client, f"/officer/firms/{firm.id}"),
                        re.DOTALL).group(0)
    assert 'data-action="firm_moved"' in section
    text = re.sub(r"<[^>]+>", " ", section)
    assert "firm_moved" not in text and "from_district" not in text and "haishu" not in text


def test_a_near_miss_names_its_criterion_and_the_gap_in_wan(client, officer, firm):
    FirmFlagFactory(firm=firm, flag="hnte_near_miss",
                    detail={"criterion": "rd_ratio", "gap": "3.4599", "unit": "万元"})
    login(client, officer)
    for path in (f"/officer/firms/{firm.id}", "/officer/outreach/hnte_near_miss"):
        page = _zh(client, path)
        assert "近三年研发费用占销售收入比例：还差 3.46 万元" in page, path
        assert re.sub(r'data-[a-z-]+="[^"]*"', "", page).count("rd_ratio") == 0, path


def test_criteria_read_as_percentages_and_money_with_two_decimals(app, client, db_session, officer,
                                                                   firm, firm_user):
    for year in (2022, 2023, 2024):
        FilingFactory(firm=firm, fiscal_year=year, status="accepted", revenue=Decimal(1000),
                      rd_expense=Decimal(47), rd_domestic=Decimal(47),
                      total_income=Decimal("1000.1234"))
    db_session.commit()
    with app.app_context():
        evaluate_firm(firm.id, dt.date(2025, 6, 30))
    login(client, firm_user)
    ladder = _zh(client, "/portal/")
    row = re.search(r'<tr data-criterion="rd_ratio">.*?</tr>', ladder, re.DOTALL).group(0)
    assert ">4.70%<" in row and "≥ 5%" in row and "还差 9.00 万元" in row
    assert "= true" not in ladder and "= false" not in ladder and "0.047" not in ladder
    login(client, officer)
    firm_file = _zh(client, f"/officer/firms/{firm.id}")
    assert 'title="1000.1234">1,000.12<' in firm_file

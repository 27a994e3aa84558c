"""A verdict of a past year (programs.md §H) on the officer's firm file and the firm's own ladder:
evaluated with that year's rules, shown with its policy year and the tax-year incentives."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from registry.services.evaluation import evaluate_firm
from tests.factories import FilingFactory
from tests.officer.conftest import login


def test_the_firm_file_and_the_ladder_explain_a_2018_verdict(app, client, db_session, officer, firm,
                                                             firm_user):
    for year, revenue, rd in ((2015, 2400, 144), (2016, 2700, 162), (2017, 3000, 180)):
        FilingFactory(firm=firm, fiscal_year=year, status="accepted", revenue=Decimal(revenue),
                      rd_expense=Decimal(rd), rd_domestic=Decimal(rd), taxable_income=Decimal(60),
                      manufacturer=True, rd_survey=year == 2017)
    firm.rd_institution = False
    db_session.commit()
    with app.app_context():
        evaluate_firm(firm.id, dt.date(2018, 6, 30))
    login(client, officer)
    page = client.get(f"/officer/firms/{firm.id}").get_data(as_text=True)
    assert "As of 2018-06-30, 2018 parameters" in page
    assert re.search(r'id="rd-institution">\s*no<', page)
    # The year's row up to its facts (its status cell holds a table of its own, revisions).
    row = re.search(r'<tr data-year="2017">.*?data-fact="rd_survey">[^<]*</td>', page,
                    re.DOTALL).group(0)
    # A survey the firm declared on its filing, no statistics import confirming it yet.
    assert ('<td data-fact="manufacturer">Yes</td>'
            '<td data-fact="rd_survey">yes, self-declared (unverified)</td>') in row
    login(client, firm_user)
    ladder = client.get("/portal/").get_data(as_text=True)
    assert "with the 2018 rules" in ladder
    # tax year 2017: not small (TI₀ 60 > 50), no tech-SME certificate: 180 x 50% x 25% = 22.5
    assert 'data-incentive="rd_super_deduction"' in ladder and "22.5" in ladder

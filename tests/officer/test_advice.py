"""Advice points the right way: a firm flagged hnte_zero_rd or hnte_at_risk is not offered the
15% rate, neither on the outreach list nor on its ladder or file; it reads the risk in words
meant for it, never the officers' "建议走访"."""
from __future__ import annotations

import re
from decimal import Decimal

from registry.services.outreach import offered
from registry.views.portal.ladder import for_the_firm
from tests.factories import FirmFactory, FirmFlagFactory, IncentiveOpportunityFactory
from tests.officer.conftest import login


def test_the_rate_is_not_offered_beside_a_risk_flag():
    assert offered("hnte_rate", ["hnte_near_miss"])
    assert not offered("hnte_rate", ["hnte_zero_rd"])
    assert not offered("hnte_rate", ["hnte_at_risk"])
    assert offered("rd_super_deduction", ["hnte_zero_rd"])


def test_flagged_firms_leave_the_rate_s_outreach_list_and_file(client, officer, districts):
    safe = FirmFactory(name="海曙稳健科技有限公司", district="haishu")
    risky = FirmFactory(name="海曙零研发科技有限公司", district="haishu")
    at_risk = FirmFactory(name="海曙不达标科技有限公司", district="haishu")
    for firm in (safe, risky, at_risk):
        IncentiveOpportunityFactory(firm=firm, incentive="hnte_rate", saving=Decimal(30))
    FirmFlagFactory(firm=risky, flag="hnte_zero_rd", detail={})
    FirmFlagFactory(firm=at_risk, flag="hnte_at_risk", detail={})
    FirmFlagFactory(firm=safe, flag="hnte_zero_rd", detail={}, cycle=2024)  # another cycle
    login(client, officer)
    page = client.get("/officer/outreach/hnte_rate").get_data(as_text=True)
    assert re.findall(r'href="/officer/firms/\d+">([^<]+)</a>', page) == ["海曙稳健科技有限公司"]
    file = client.get(f"/officer/firms/{risky.id}").get_data(as_text=True)
    assert 'data-incentive="hnte_rate"' not in file
    assert 'data-incentive="hnte_rate"' in client.get(f"/officer/firms/{safe.id}").get_data(
        as_text=True)


def test_the_firm_reads_the_risk_not_a_saving(app):
    result = {"flags": [{"id": "hnte_zero_rd", "detail": "持有高新技术企业证书但上年度研发费用为0："
                                                       "建议走访，存在复核和追缴风险。"}],
              "incentives": [{"id": "hnte_rate", "saving": Decimal(40)},
                             {"id": "rd_super_deduction", "saving": Decimal(0)}]}
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        shown = for_the_firm(result)
    assert [item["id"] for item in shown["incentives"]] == ["rd_super_deduction"]
    assert "走访" not in shown["flags"][0]["detail"] and shown["flags"][0]["detail"]


def test_the_outreach_index_shows_each_list_s_count_and_estimated_total(client, officer,
                                                                        districts):
    for saving in (Decimal("12.5"), Decimal(1000), None):
        IncentiveOpportunityFactory(firm=FirmFactory(district="haishu"), saving=saving)
    IncentiveOpportunityFactory(firm=FirmFactory(district="jiangbei"), saving=Decimal(999))
    FirmFlagFactory(firm=FirmFactory(district="haishu"), flag="hnte_near_miss")
    login(client, officer)
    page = client.get("/officer/outreach").get_data(as_text=True)
    card = page[page.index('data-list="rd_super_deduction"'):]
    assert re.search(r'data-count="3"', card[:1500])
    assert "1,012.50" in card[:1500]
    near = page[page.index('data-list="hnte_near_miss"'):]
    assert 'data-count="1"' in near[:1500] and "data-saving" not in near[:near.index("</a>")]

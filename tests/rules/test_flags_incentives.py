"""Flags (rules.md §5) and tax incentives (§6), with their edges and unknowns."""
from __future__ import annotations

from decimal import Decimal

import pytest

from .helpers import HNTE_CERTIFICATE, base_firm, dec, verdicts, with_year

D = dec
WITH_HNTE = base_firm(certificates=[HNTE_CERTIFICATE])


def flags(firm: dict) -> list[str]:
    return [flag["id"] for flag in verdicts(firm).firm_result(0, "en")["flags"]]


def incentives(firm: dict) -> dict[str, Decimal | None]:
    return {item["id"]: item["saving"] for item in verdicts(firm).firm_result(0, "en")["incentives"]}


@pytest.mark.parametrize("firm, expected", [
    (with_year(WITH_HNTE, 2024, rd_expense=0), ["hnte_zero_rd", "guishang_zero_rd"]),
    (with_year(WITH_HNTE, 2024, rd_expense=None), []),
    (with_year(base_firm(), 2024, rd_expense=0, revenue=2000), ["guishang_zero_rd"]),
    (with_year(base_firm(), 2024, rd_expense=0, revenue=D("1999.9999")), []),
    (with_year(base_firm(industrial=None), 2024, rd_expense=0), []),
    (with_year(base_firm(industrial=False), 2024, rd_expense=0), []),
])
def test_zero_rd_flags(firm, expected):
    assert [flag for flag in flags(firm) if flag.endswith("zero_rd")] == expected


@pytest.mark.parametrize("expires, raised", [("2025-12-31", True), ("2026-01-01", False)])
def test_renewal_due_by_31_december(expires, raised):
    firm = base_firm(certificates=[{**HNTE_CERTIFICATE, "expires": expires}])
    assert ("hnte_renewal_due" in flags(firm)) is raised


def test_the_certificate_is_the_one_expiring_last():
    certificates = [{**HNTE_CERTIFICATE, "expires": "2025-12-31"}, {**HNTE_CERTIFICATE, "expires": "2026-06-30"}]
    assert "hnte_renewal_due" not in flags(base_firm(certificates=certificates))


def test_at_risk_when_certificate_holder_is_ineligible():
    assert "hnte_at_risk" in flags(base_firm(certificates=[HNTE_CERTIFICATE], tech_field="other"))
    assert "hnte_at_risk" not in flags(base_firm(certificates=[HNTE_CERTIFICATE], tech_field=None))


def near_miss(firm: dict) -> dict | None:
    return next((flag for flag in verdicts(firm).firm_result(0, "en")["flags"] if flag["id"] == "hnte_near_miss"), None)


def small_firm(**year):
    """Sales 1,000 a year in the window, R&D 40 a year (needs 150 at 5%)."""
    firm = base_firm()
    for fiscal_year in (2022, 2023, 2024):
        firm = with_year(firm, fiscal_year, revenue=1000, rd_expense=40)
    latest = {"total_income": 1000, "hightech_income": 800, "employees": 50, "st_staff": 10}
    return with_year(firm, 2024, **(latest | year))


@pytest.mark.parametrize("firm, criterion, gap, unit, shown", [
    (small_firm(), "rd_ratio", D("30"), "万元", "30.00"),                             # 5% x 3000 - 120
    (with_year(small_firm(rd_expense=90), 2024, employees=45, st_staff=4), "st_staff_ratio", D("1"), "persons",
     "1"),
    # one yuan short reads as a cent more (rounded up), never 0.00
    (small_firm(rd_expense=90, hightech_income=D("599.9999")), "hightech_income_share", D("0.0001"), "万元",
     "0.01"),
])
def test_near_miss_names_the_criterion_and_its_gap(firm, criterion, gap, unit, shown):
    flag = near_miss(firm)
    assert (flag["criterion"], flag["gap"], flag["unit"]) == (criterion, gap, unit)
    assert f" {shown} " in flag["detail"]


@pytest.mark.parametrize("firm", [
    small_firm(employees=None),                                   # an unknown criterion
    with_year(small_firm(), 2024, employees=45, st_staff=4),      # two failures
    base_firm(founded="2024-12-01"),                               # the one failure is not fixable
    base_firm(certificates=[HNTE_CERTIFICATE], tech_field="other"),
    small_firm() | {"incidents": True},
])
def test_no_near_miss(firm):
    assert near_miss(firm) is None


def test_flags_are_listed_in_table_order():
    firm = with_year(base_firm(certificates=[{**HNTE_CERTIFICATE, "expires": "2025-12-31"}]), 2024, rd_expense=0)
    assert flags(firm) == ["hnte_zero_rd", "guishang_zero_rd", "hnte_renewal_due"]


SMALL = {"taxable_income": 300, "employees": 300, "st_staff": 90, "total_assets": 5000}


@pytest.mark.parametrize("year, firm_changes, expected", [
    # not small: 25%; HNTE eligible: (1000 - 2000) clipped at 0
    ({}, {}, {"rd_super_deduction": D("500"), "hnte_rate": D("0")}),
    # small low-profit on every limit: 5%, and the HNTE rate saves nothing
    (SMALL, {}, {"rd_super_deduction": D("100"), "hnte_rate": D("0")}),
    (SMALL | {"taxable_income": D("300.0001")}, {}, {"rd_super_deduction": D("500"), "hnte_rate": D("0")}),
    (SMALL | {"total_assets": D("5000.0001")}, {}, {"rd_super_deduction": D("500"), "hnte_rate": D("0")}),
    # one limit unknown, the others within: the rate is unknown
    (SMALL | {"total_assets": None}, {}, {"rd_super_deduction": None, "hnte_rate": None}),
    # one limit unknown but another exceeded: not small
    ({"total_assets": None, "taxable_income": 5000}, {}, {"rd_super_deduction": D("500"), "hnte_rate": D("300")}),
    # k = 1.2 and a valid certificate (15%): 2000 x 1.2 x 15%; (5000 - 2400) x 10%
    ({"taxable_income": 5000}, {"ic_or_mother_machine": True, "certificates": [HNTE_CERTIFICATE]},
     {"rd_super_deduction": D("360"), "hnte_rate": D("260")}),
    ({"taxable_income": 5000}, {"ic_or_mother_machine": None}, {"rd_super_deduction": None, "hnte_rate": None}),
    # no super-deduction (industry unknown): D = 0
    ({"taxable_income": 5000}, {"industry_excluded": None}, {"hnte_rate": D("500")}),
    ({"rd_expense": 0, "taxable_income": 5000}, {"tech_field": "other"}, {}),
    # VAT credit: certificate and advanced-manufacturing list; 5% of input VAT
    ({"taxable_income": 5000}, {"certificates": [HNTE_CERTIFICATE], "advanced_manufacturing_list": True},
     {"rd_super_deduction": D("300"), "hnte_rate": D("300"), "vat_credit": D("5")}),
    ({"taxable_income": 5000, "input_vat": None}, {"certificates": [HNTE_CERTIFICATE],
                                                   "advanced_manufacturing_list": True},
     {"rd_super_deduction": D("300"), "hnte_rate": D("300"), "vat_credit": None}),
])
def test_incentives(year, firm_changes, expected):
    assert incentives(with_year(base_firm(**firm_changes), 2024, **year)) == expected


def test_taxable_loss_is_not_a_cap_on_the_super_deduction():
    firm = with_year(base_firm(certificates=[HNTE_CERTIFICATE]), 2024, taxable_income=-5000)
    assert incentives(firm) == {"rd_super_deduction": D("300"), "hnte_rate": D("0")}


def test_next_step_never_points_down_or_sideways():
    """Issue 15 point 4: a firm holding a higher tier, or beyond a tech SME's size bounds, is
    pointed to the next tier above what it holds or is eligible for."""
    result = verdicts(base_firm(certificates=[HNTE_CERTIFICATE, {**HNTE_CERTIFICATE, "tier": "tech_sme"}]))
    step = result.firm_result(0)["next_step"]
    assert step["tier"] == "gazelle" and step["status"] == "eligible"
    # an HNTE holder without a tech-SME registration is not sent back down to it
    holder = verdicts(base_firm(certificates=[HNTE_CERTIFICATE])).firm_result(0)
    assert holder["next_step"]["tier"] == "gazelle"
    # sales of 30,000 are beyond a tech SME's bound: the step is HNTE, never tech SME
    large = verdicts(with_year(base_firm(rd_staff_fulltime=None), 2024, revenue=30000)).firm_result(0)
    assert large["tiers"]["tech_sme"]["failed"] == ["size_revenue"]
    assert large["next_step"]["tier"] == "hnte"
    # eligible for tech SME and HNTE, holding neither: the step is the higher one
    both = verdicts(base_firm()).firm_result(0)
    assert both["tiers"]["tech_sme"]["status"] == both["tiers"]["hnte"]["status"] == "eligible"
    assert both["next_step"]["tier"] == "hnte" and both["next_step"]["status"] == "eligible"
    # holding the top tier: nothing above
    top = verdicts(base_firm(certificates=[{**HNTE_CERTIFICATE, "tier": "leader"}])).firm_result(0)
    assert top["next_step"] is None


def test_summary_is_compact_and_json_ready():
    import json
    firm = with_year(base_firm(certificates=[HNTE_CERTIFICATE], tech_field="other"), 2024, rd_expense=0)
    summary = verdicts(firm).summary(0)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["statuses"]["hnte"] == "ineligible" and summary["failed"]["hnte"] == ["tech_field"]
    assert summary["flags"] == ["hnte_zero_rd", "guishang_zero_rd", "hnte_at_risk"]
    assert summary["incentives"] == {"hnte_rate": "100"} and summary["next_step"] == "gazelle"


def test_innovation_estimate_is_a_range_never_a_decision():
    estimate = verdicts(base_firm()).firm_result(0)["tiers"]["hnte"]["innovation_estimate"]
    # sales 13,000 -> 16,000 -> 20,000: growth ½(1.2308 + 1.25) - 1 = 24% -> 5-6; net assets unknown 0-10; class I 7-8
    assert estimate["parts"] == {"net_asset_growth": {"min": 0, "max": 10}, "sales_growth": {"min": 5, "max": 6},
                                 "ip_quantity": {"min": 7, "max": 8}}
    assert (estimate["min"], estimate["max"], estimate["decided"]) == (12, 96, False)


def test_margins_are_each_tier_s_slack_for_the_queue():
    """The queue's margin and R&D intensity (approximate, for sorting): the tech-SME score over
    60, the HNTE window ratio over its band, the gazelle intensity over 2.5%, the leader's sales
    over 50,000 万元; unknown stays None."""
    import numpy as np

    from registry.rules.report import margins, rd_intensities
    batch = verdicts(base_firm(), with_year(base_firm(), 2024, revenue=None))
    rows = np.arange(2)
    result = batch.firm_result(0, "en")
    score = result["tiers"]["tech_sme"]["score"]
    assert margins(batch, "tech_sme", rows)[0] == score - 60
    rd_ratio = next(c for c in result["tiers"]["hnte"]["criteria"] if c["id"] == "rd_ratio")
    assert margins(batch, "hnte", rows)[0] == float(rd_ratio["actual"] - Decimal("0.04"))
    assert margins(batch, "leader", rows)[0] == 20000 - 50000
    assert rd_intensities(batch, rows) == [0.1, None]  # 2,000 / 20,000; sales unknown
    assert margins(batch, "hnte", rows)[1] is None

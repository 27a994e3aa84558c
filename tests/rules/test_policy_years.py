"""Tax incentives by tax year T = Y - 1 (programs.md §H): the super-deduction factor k, the small
low-profit limits and rates, the VAT credit's years, and the tech-SME industry test from 2022."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from .helpers import base_firm, verdicts

D = Decimal
FULL_YEAR = {"revenue": 3000, "rd_expense": 100, "rd_domestic": 100, "employees": 80, "st_staff": 20,
             "total_income": 3050, "hightech_income": 2200, "total_cost": 2800, "total_assets": 2500,
             "net_assets": 1500, "taxable_income": 2000, "input_vat": 120}
TECH_SME_2022 = {"tier": "tech_sme", "issued": "2022-07-01", "expires": "2022-12-31", "status": "valid"}


def firm_in(tax_year: int, firm: dict | None = None, **year) -> dict:
    """A firm with full figures for the tax year (taxable income 2,000: never small)."""
    return {**base_firm(**(firm or {})), "years": {str(tax_year): {**FULL_YEAR, **year}}}


def savings(tax_year: int, firm: dict | None = None, **year) -> dict:
    result = verdicts(firm_in(tax_year, firm, **year), as_of=date(tax_year + 1, 6, 30)).firm_result(0, "en")
    return {item["id"]: item["saving"] for item in result["incentives"]}


def super_deduction(tax_year: int, firm: dict | None = None, **year) -> Decimal | None:
    return savings(tax_year, firm, **year)["rd_super_deduction"]


@pytest.mark.parametrize("tax_year, firm, year, k", [
    (2016, {}, {}, D("0.5")),
    (2017, {}, {}, D("0.5")),
    (2017, {"certificates": [{**TECH_SME_2022, "issued": "2017-03-31", "expires": "2017-12-31"}]}, {},
     D("0.75")),
    (2018, {}, {}, D("0.75")),
    (2020, {}, {}, D("0.75")),
    (2021, {}, {"manufacturer": True}, D(1)),
    (2021, {}, {"manufacturer": False}, D("0.75")),
    (2022, {}, {"manufacturer": True}, D(1)),
    (2022, {"certificates": [TECH_SME_2022]}, {}, D(1)),            # a tech-SME holder needs no manufacturer
    (2022, {}, {"manufacturer": False}, D("0.8125")),                # 0.75 + 0.25 x 1/4
    (2022, {}, {"manufacturer": False, "rd_expense_q4": 40}, D("0.85")),   # (75 + 25 x 40/100) / 100
    (2022, {"founded": "2022-10-01"}, {"manufacturer": False}, D(1)),      # founded in the quarter: q = 1
    (2023, {}, {}, D(1)),
    (2023, {"ic_or_mother_machine": True}, {}, D("1.2")),
    (2027, {"ic_or_mother_machine": True}, {}, D("1.2")),
    (2028, {"ic_or_mother_machine": True}, {}, D(1)),
    (2028, {"ic_or_mother_machine": None}, {}, D(1)),
])
def test_super_deduction_factor_by_tax_year(tax_year, firm, year, k):
    # not small (taxable income 2,000), no HNTE certificate: r = 25%
    assert super_deduction(tax_year, firm, **year) == 100 * k * D("0.25")


@pytest.mark.parametrize("tax_year, firm, year", [
    (2021, {}, {}),                                          # manufacturer unknown
    (2022, {}, {}),
    (2023, {"ic_or_mother_machine": None}, {}),
])
def test_an_unknown_fact_of_k_leaves_the_saving_unknown(tax_year, firm, year):
    assert super_deduction(tax_year, firm, **year) is None


@pytest.mark.parametrize("tax_year, firm, year, rate", [
    # 2016-2018: TI₀ 30 / 50 / 100 and the size test of an industrial or other firm, 10%
    (2016, {}, {"taxable_income": 30, "employees": 100, "st_staff": 20, "total_assets": 3000}, D("0.10")),
    (2016, {}, {"taxable_income": D("30.0001"), "employees": 100, "st_staff": 20, "total_assets": 3000},
     D("0.25")),
    (2016, {"industrial": False}, {"taxable_income": 30, "employees": 81, "st_staff": 20}, D("0.25")),
    (2016, {"industrial": False}, {"taxable_income": 30, "employees": 80, "st_staff": 20, "total_assets": 1000},
     D("0.10")),
    (2016, {"industrial": None}, {"taxable_income": 31}, D("0.25")),     # TI₀ beyond: false whatever the size
    (2016, {"industrial": None}, {"taxable_income": 30}, None),          # size unknown with `industrial`
    (2017, {}, {"taxable_income": 50}, D("0.10")),
    (2018, {}, {"taxable_income": 100}, D("0.10")),
    (2018, {}, {"taxable_income": 101}, D("0.25")),
    # 2019-2020: 300 / 300 persons / 5,000; 5% up to 100 inclusive, else 10%
    (2019, {}, {"taxable_income": 100}, D("0.05")),
    (2020, {}, {"taxable_income": D("100.0001")}, D("0.10")),
    (2021, {}, {"taxable_income": 100, "manufacturer": True}, D("0.025")),
    (2021, {}, {"taxable_income": 300, "manufacturer": True}, D("0.10")),
    (2022, {}, {"taxable_income": 100, "manufacturer": True}, D("0.025")),
    (2022, {}, {"taxable_income": 300, "manufacturer": True}, D("0.05")),
    (2023, {}, {"taxable_income": 300}, D("0.05")),
    (2023, {}, {"taxable_income": 300, "employees": 301, "st_staff": 20}, D("0.25")),
])
def test_small_low_profit_by_tax_year(tax_year, firm, year, rate):
    saving = super_deduction(tax_year, firm, **year)
    if rate is None:
        assert saving is None
    else:
        k = saving / (100 * rate)
        assert k in (D("0.5"), D("0.75"), D(1)) and saving == 100 * k * rate


@pytest.mark.parametrize("tax_year, listed", [(2022, False), (2023, True), (2027, True), (2028, False)])
def test_vat_credit_for_tax_years_2023_to_2027(tax_year, listed):
    holder = {"certificates": [{"tier": "hnte", "issued": f"{tax_year}-01-01", "expires": f"{tax_year + 2}-12-31"}],
              "advanced_manufacturing_list": True}
    found = savings(tax_year, holder, manufacturer=True)
    assert ("vat_credit" in found) == listed
    if listed:
        assert found["vat_credit"] == 6


def test_a_fractional_deduction_keeps_the_4_decimal_saving_exact():
    # k = 0.8125 on 1 yuan of R&D: D = 0.8125 yuan; (2,000 万元 - D) x 10% = 199.99999991875 万元
    found = savings(2022, {"certificates": [{"tier": "hnte", "issued": "2022-01-01", "expires": "2024-12-31"}]},
                    manufacturer=False, rd_expense=D("0.0001"), rd_domestic=D("0.0001"))
    exact = (2000 - D("0.0001") * D("0.8125")) * D("0.10")
    assert Decimal(str(found["hnte_rate"])).quantize(D("0.0001"), ROUND_HALF_UP) == \
        exact.quantize(D("0.0001"), ROUND_HALF_UP)
    assert Decimal(str(found["hnte_rate"])) <= exact < Decimal(str(found["hnte_rate"])) + D("0.00000001")


@pytest.mark.parametrize("as_of, listed", [(date(2021, 12, 31), False), (date(2022, 1, 1), True)])
def test_the_industry_test_of_tech_smes_from_2022(as_of, listed):
    firm = {**base_firm(industry_excluded=True), "years": {str(as_of.year - 1): FULL_YEAR}}
    tech_sme = verdicts(firm, as_of=as_of).firm_result(0, "en")["tiers"]["tech_sme"]
    assert ("industry" in [c["id"] for c in tech_sme["criteria"]]) == listed
    assert ("industry" in tech_sme["failed"]) == listed


@pytest.mark.parametrize("founded, year, noted", [
    ("2022-03-01", {"manufacturer": False}, True),                         # a part year: estimated
    ("2012-04-01", {"manufacturer": False}, False),                        # the method itself
    ("2022-03-01", {"manufacturer": False, "rd_expense_q4": 30}, False),   # the quarter is known
    ("2022-03-01", {"manufacturer": True}, False),                         # k = 1 needs no share
])
def test_the_proportional_share_is_named_an_estimate_for_a_firm_founded_in_2022(founded, year, noted):
    firm = firm_in(2022, {"founded": founded}, **year)
    result = verdicts(firm, as_of=date(2023, 6, 30)).firm_result(0, "en")
    deduction = next(item for item in result["incentives"] if item["id"] == "rd_super_deduction")
    assert ("note" in deduction) == noted
    if noted:
        assert "estimated" in deduction["note"]

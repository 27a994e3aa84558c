"""Parameters as data: policy-year choice, profiles, overrides (what-if) and their errors."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from registry.rules.params import ParameterError, load_parameters

from .helpers import base_firm, passed, verdicts, with_year


def test_policy_year_is_y_up_to_the_newest_file_and_tax_year_y_minus_1():
    assert load_parameters(date(2030, 1, 1)).policy_year == 2025
    assert load_parameters(date(2030, 1, 1)).tax_year == 2029
    assert (load_parameters(2025).policy_year, load_parameters(2025).tax_year) == (2025, 2024)
    assert (load_parameters(date(2017, 1, 1)).policy_year, load_parameters(2017).tax_year) == (2017, 2016)


def test_before_2017_is_a_clear_parameter_error():
    with pytest.raises(ParameterError, match="2017-01-01"):
        load_parameters(date(2016, 12, 31))


@pytest.mark.parametrize("year", range(2017, 2026))
def test_every_value_has_a_unit_and_every_criterion_and_incentive_a_clause(year):
    params = load_parameters(year, overrides={})
    for tier in ("tech_sme", "hnte", "gazelle", "leader"):
        table = params.tier(tier)
        for criterion in table.get("criteria"):
            assert table.section(criterion).get("clause"), (tier, criterion)
    incentives = params.root("incentives")
    for name in ("small_low_profit", "rates", "rd_super_deduction", "hnte_rate"):
        assert incentives.section(name).get("clause"), (year, name)
    assert ("vat_credit" in incentives) == (year >= 2024)


@pytest.mark.parametrize("year, listed", [(2017, False), (2021, False), (2022, True), (2025, True)])
def test_the_tech_sme_industry_test_exists_from_policy_year_2022(year, listed):
    assert ("industry" in load_parameters(year).tier("tech_sme").get("criteria")) == listed


def test_a_restated_table_replaces_the_earlier_one_whole():
    # 2016-2018 split the size test by kind of firm; from 2019 one pair of limits, nothing left over
    assert "industrial" in load_parameters(2019).root("incentives").section("small_low_profit")
    assert "industrial" not in load_parameters(2020).root("incentives").section("small_low_profit")
    assert load_parameters(2020).root("incentives").section("small_low_profit").money("max_assets") == 5000 * 10**4


def test_override_changes_a_verdict_without_touching_files():
    # Σ R&D 1441 / Σ revenue 49000 = 2.94%: fails the 4% band (FY Y-1 sales 20,000), passes at 2.9%
    firm = base_firm()
    for year, rd in ((2022, 720), (2023, 720), (2024, 1)):
        firm = with_year(firm, year, rd_expense=rd)
    assert passed(firm, "hnte", "rd_ratio") is False
    lowered = {"hnte.rd_ratio.bands.1.min": "0.029"}
    assert passed(firm, "hnte", "rd_ratio", overrides=lowered) is True
    assert passed(firm, "hnte", "rd_ratio") is False
    bands = load_parameters(2025).tier("hnte").section("rd_ratio").items("bands")
    assert bands[1].ratio("min") == Decimal("0.04")


def test_override_is_recorded():
    params = load_parameters(2025, overrides={"hnte.rd_ratio.bands.1.min": "0.035"})
    assert params.overrides == {"hnte.rd_ratio.bands.1.min": "0.035"}


@pytest.mark.parametrize("path, value", [
    ("hnte.rd_ratio.bands.7.min", "0.03"),          # no such band
    ("hnte.rd_ratio.minimum", "0.03"),              # no such key
    ("hnte.rd_ratio.bands.1.min", "abc"),           # not a decimal
    ("hnte.rd_ratio.bands.1.min", "Infinity"),
    ("hnte.rd_ratio.bands.1.min", "0.03125"),       # finer than 4 decimals
    ("hnte.rd_ratio.bands.1.min", "1.5"),           # a ratio above 1
    ("hnte.registered_1y.min", "365.5"),            # days are whole
    ("hnte.tech_field.fields.0", "1"),              # not numeric
    ("hnte.rd_ratio.clause", "1"),
])
def test_bad_override_is_an_error(path, value):
    with pytest.raises(ParameterError):
        load_parameters(2025, overrides={path: value})


def test_growth_factor_beyond_int64_terms_is_still_exact():
    # 1.15^3 = 1.520875 = 12167/8000 and 1.2345^3 have terms above 10^4: compared with Python integers
    lowered = {"gazelle.default.revenue_cagr.bands.0.min": "0.15"}
    on_the_line = with_year(with_year(base_firm(), 2021, revenue=Decimal(1000)), 2024, revenue=Decimal("1520.875"))
    below = with_year(on_the_line, 2024, revenue=Decimal("1520.8749"))
    assert passed(on_the_line, "gazelle", "revenue_cagr", overrides=lowered) is True
    assert passed(below, "gazelle", "revenue_cagr", overrides=lowered) is False
    fine = {"gazelle.default.revenue_cagr.bands.0.min": "0.2345"}
    huge = with_year(with_year(base_firm(), 2021, revenue=Decimal("9999999999.9999")), 2024, revenue=Decimal(1))
    assert passed(huge, "gazelle", "revenue_cagr", overrides=fine) is False


def test_profiles():
    params = load_parameters(2025, profiles={"gazelle": "shandong", "leader": "zhejiang_2019"})
    assert dict(params.profiles) == {"gazelle": "shandong", "leader": "default"}
    assert params.tier("gazelle").get("criteria")[0] == "revenue"
    for bad in ({"gazelle": "atlantis"}, {"unicorn": "default"}):
        with pytest.raises(ParameterError):
            load_parameters(2025, profiles=bad)


def test_gazelle_profile_changes_the_criteria_reported():
    result = verdicts(base_firm(), profiles={"gazelle": "binjiang_2017"}).firm_result(0)
    result = result["tiers"]["gazelle"]
    assert result["profile"] == "binjiang_2017"
    assert [c["id"] for c in result["criteria"]] == ["revenue", "growth_each_year"]

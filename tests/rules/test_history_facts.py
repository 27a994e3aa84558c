"""The facts of policy history (programs.md §H) as the engine reads them: per-year manufacturer and
rd_survey, FY 2022 rd_expense_q4 (checked against that year's R&D, ignored in other years), the
firm's rd_institution; all optional, missing is unknown."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from registry.rules.columns import FirmColumns
from registry.rules.facts import FactsErrors, parse_firm

from .helpers import base_firm, with_year


def errors_of(firm: dict) -> list[tuple[str, str]]:
    with pytest.raises(FactsErrors) as raised:
        parse_firm(firm)
    return [(error.firm_id, error.field) for error in raised.value.errors]


@pytest.mark.parametrize("firm, field", [
    (with_year(base_firm(), 2022, rd_expense=100, rd_domestic=100, rd_expense_q4=Decimal("100.0001")),
     "years.2022.rd_expense_q4"),
    (with_year(base_firm(), 2022, rd_expense_q4=-1), "years.2022.rd_expense_q4"),
    (with_year(base_firm(), 2022, rd_expense_q4="25"), "years.2022.rd_expense_q4"),
    (with_year(base_firm(), 2023, manufacturer="yes"), "years.2023.manufacturer"),
    (with_year(base_firm(), 2023, rd_survey=1), "years.2023.rd_survey"),
    (base_firm(rd_institution="true"), "rd_institution"),
])
def test_bad_new_facts_name_the_firm_and_field(firm, field):
    assert errors_of(firm) == [(firm["id"], field)]


def test_q4_rd_is_read_for_2022_only_and_may_equal_the_years_rd():
    firm = with_year(base_firm(), 2022, rd_expense=100, rd_domestic=100, rd_expense_q4=100)
    firm = with_year(firm, 2023, rd_expense_q4=Decimal(999999))
    facts = parse_firm(firm)
    assert facts.years[2022].rd_expense_q4 == 100
    assert facts.years[2023].rd_expense_q4 is None


def test_q4_rd_without_the_years_rd_is_accepted():
    facts = parse_firm(with_year(base_firm(), 2022, rd_expense=None, rd_domestic=None, rd_expense_q4=30))
    assert facts.years[2022].rd_expense_q4 == 30


def test_yes_no_facts_reach_the_columns_three_valued():
    firm = with_year(base_firm(rd_institution=True), 2023, manufacturer=True, rd_survey=False)
    firm = with_year(firm, 2022, manufacturer=None)
    columns = FirmColumns.from_facts([parse_firm(firm)], date(2024, 6, 30))
    assert columns.rd_institution.tolist() == [1]
    # columns are FY 2020..2023
    assert columns.manufacturer.tolist() == [[0, 0, 0, 1]]
    assert columns.rd_survey.tolist() == [[0, 0, 0, -1]]
    assert parse_firm(base_firm()).rd_institution is None


def test_tech_sme_holder_for_the_tax_year_is_read_on_31_december():
    certificate = {"tier": "tech_sme", "issued": "2022-07-01", "expires": "2022-12-31", "status": "valid"}
    firm = parse_firm(base_firm(certificates=[certificate]))
    in_2023 = FirmColumns.from_facts([firm], date(2023, 6, 30))
    assert in_2023.tech_sme_tax_year.tolist() == [True] and in_2023.holds_tech_sme.tolist() == [False]
    assert FirmColumns.from_facts([firm], date(2024, 6, 30)).tech_sme_tax_year.tolist() == [False]
    revoked = parse_firm(base_firm(certificates=[{**certificate, "status": "revoked"}]))
    assert FirmColumns.from_facts([revoked], date(2023, 6, 30)).tech_sme_tax_year.tolist() == [False]

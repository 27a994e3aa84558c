"""Input validation (rules.md "Input"): every listed error names the firm and the field; nulls are fine."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from registry.rules.facts import FactsError, FactsErrors, load_json, parse_document, parse_firm

from .helpers import HNTE_CERTIFICATE, base_firm, with_year

D = Decimal


def errors_of(firm: dict) -> list[tuple[str, str]]:
    with pytest.raises(FactsErrors) as raised:
        parse_firm(firm)
    return [(error.firm_id, error.field) for error in raised.value.errors]


BAD = [
    ("wrong type", with_year(base_firm(), 2024, revenue="100"), "years.2024.revenue"),
    ("boolean as number", with_year(base_firm(), 2024, revenue=True), "years.2024.revenue"),
    ("float is not exact", with_year(base_firm(), 2024, revenue=1.5), "years.2024.revenue"),
    ("negative headcount", with_year(base_firm(), 2024, employees=-1, st_staff=0), "years.2024.employees"),
    ("negative money", with_year(base_firm(), 2024, total_assets=D("-0.0001")), "years.2024.total_assets"),
    ("five decimals of 万元", with_year(base_firm(), 2024, revenue=D("1.00001")), "years.2024.revenue"),
    ("beyond the int64-safe bound", with_year(base_firm(), 2024, input_vat=D("10000000000.0001")),
     "years.2024.input_vat"),
    ("not a number", with_year(base_firm(), 2024, net_assets=D("NaN")), "years.2024.net_assets"),
    ("date that is not a date", base_firm(founded="2021-02-30"), "founded"),
    ("date in another format", base_firm(founded="20210301"), "founded"),
    ("share above 1", base_firm(core_product_share=D("1.01")), "core_product_share"),
    ("negative IP count", base_firm(ip={"class1": -1, "class2": 0}), "ip.class1"),
    ("fractional IP count", base_firm(ip={"class1": 0, "class2": D("1.5")}), "ip.class2"),
    ("unknown tech field", base_firm(tech_field="biotech"), "tech_field"),
    ("unknown direct route", base_firm(direct_routes=["national_award", "mayor_award"]), "direct_routes"),
    ("unknown certificate tier", base_firm(certificates=[{**HNTE_CERTIFICATE, "tier": "unicorn"}]),
     "certificates.0.tier"),
    ("unknown certificate status", base_firm(certificates=[{**HNTE_CERTIFICATE, "status": "pending"}]),
     "certificates.0.status"),
    ("certificate without expiry", base_firm(certificates=[{"tier": "hnte", "issued": "2024-01-01"}]),
     "certificates.0.expires"),
    ("domestic R&D above R&D", with_year(base_firm(), 2024, rd_expense=10, rd_domestic=D("10.0001")),
     "years.2024.rd_domestic"),
    ("S&T staff above employees", with_year(base_firm(), 2024, st_staff=401), "years.2024.st_staff"),
    ("high-tech income above total income", with_year(base_firm(), 2024, hightech_income=20001),
     "years.2024.hightech_income"),
    ("missing founded", {**base_firm(), "founded": None}, "founded"),
    ("bad year key", base_firm(years={"FY24": {}}), "years.FY24"),
    ("boolean fact as string", base_firm(resident="yes"), "resident"),
]


@pytest.mark.parametrize("name, firm, field", BAD, ids=[case[0] for case in BAD])
def test_input_error_names_firm_and_field(name, firm, field):
    assert errors_of(firm) == [("T01", field)]


def test_missing_id_is_named_by_position():
    with pytest.raises(FactsErrors) as raised:
        parse_document({"firms": [base_firm(), {**base_firm(), "id": None}]})
    assert [(e.firm_id, e.field) for e in raised.value.errors] == [("#1", "id")]


def test_every_error_of_a_document_is_reported():
    firms = [with_year(base_firm(id="A"), 2024, employees=-1, st_staff=0), base_firm(id="B", tech_field="x"),
             base_firm(id="C")]
    with pytest.raises(FactsError) as raised:
        parse_document({"as_of": "2025-13-01", "firms": firms})
    assert [(e.firm_id, e.field) for e in raised.value.errors] == [
        (None, "as_of"), ("A", "years.2024.employees"), ("B", "tech_field")]


def test_nulls_and_negative_income_are_not_errors():
    firm = parse_firm({"id": "N", "founded": "2020-01-01", "direct_routes": None, "ip": None, "certificates": None,
                       "years": {"2024": {"taxable_income": -5, "net_assets": D("-0.0001"), "revenue": None}},
                       "expected": {"ignored": True}})
    assert firm.direct_routes == () and firm.ip.class1 is None
    assert firm.years[2024].taxable_income == -5 and firm.years[2024].revenue is None
    assert firm.founded == date(2020, 1, 1)


def test_unparseable_json_is_a_document_error():
    with pytest.raises(FactsErrors) as raised:
        load_json('{"firms": [')
    assert raised.value.errors[0].field == "json"


def test_json_numbers_become_exact_decimals():
    assert load_json('{"x": 818.2685}')["x"] == D("818.2685")

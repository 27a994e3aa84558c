"""Table-driven tests per criterion: on the threshold, one yuan (0.0001 万元) off, bands, missing data."""
from __future__ import annotations

from datetime import date

import pytest

from registry.rules import display

from .helpers import HNTE_CERTIFICATE, base_firm, dec, passed, verdicts, with_year

D = dec


def years(firm: dict, **by_year: dict) -> dict:
    """Set figures of several years: years(firm, y2024={"revenue": 1}, ...)."""
    for key, figures in by_year.items():
        firm = with_year(firm, int(key[1:]), **figures)
    return firm


BASE = base_firm()
WITH_HNTE = base_firm(certificates=[HNTE_CERTIFICATE])

TECH_SME = [
    ("employees on the limit", years(BASE, y2024={"employees": 500}), "size_employees", True),
    ("employees 0.0001 above", years(BASE, y2024={"employees": D("500.0001")}), "size_employees", False),
    ("employees unknown", years(BASE, y2024={"employees": None}), "size_employees", None),
    ("revenue on the limit", BASE, "size_revenue", True),
    ("revenue one yuan above", years(BASE, y2024={"revenue": D("20000.0001")}), "size_revenue", False),
    ("assets on the limit", years(BASE, y2024={"total_assets": 20000}), "size_assets", True),
    ("assets one yuan above", years(BASE, y2024={"total_assets": D("20000.0001")}), "size_assets", False),
    ("not resident", base_firm(resident=False), "resident", False),
    ("residence unknown", base_firm(resident=None), "resident", None),
    ("excluded industry", base_firm(industry_excluded=True), "industry", False),
    ("industry unknown", base_firm(industry_excluded=None), "industry", None),
    ("incident", base_firm(incidents=True), "no_incidents", False),
    ("S&T staff exactly 10%", years(BASE, y2024={"st_staff": 40}), "st_staff_score_nonzero", True),
    ("S&T staff just below 10%", years(BASE, y2024={"st_staff": D("39.9999")}), "st_staff_score_nonzero", False),
    ("no employees", years(BASE, y2024={"employees": 0, "st_staff": 0}), "st_staff_score_nonzero", None),
    ("S&T staff unknown", years(BASE, y2024={"st_staff": None}), "st_staff_score_nonzero", None),
    ("score 100", BASE, "score", True),
    ("employees unknown: no score", years(BASE, y2024={"employees": None}), "score", None),
    ("class II unknown, class I decides", base_firm(ip={"class1": 1, "class2": None}), "score", True),
    ("class I 0 and class II unknown", base_firm(ip={"class1": 0, "class2": None}), "score", None),
]

HNTE = [
    ("365 days", base_firm(founded="2024-06-30"), "registered_1y", True),
    ("364 days", base_firm(founded="2024-07-01"), "registered_1y", False),
    ("no IP", base_firm(ip={"class1": 0, "class2": 0}), "core_ip", False),
    ("one class II right, class I unknown", base_firm(ip={"class1": None, "class2": 1}), "core_ip", True),
    ("no class I, class II unknown", base_firm(ip={"class1": 0, "class2": None}), "core_ip", None),
    ("field other", base_firm(tech_field="other"), "tech_field", False),
    ("field unknown", base_firm(tech_field=None), "tech_field", None),
    ("field new energy", base_firm(tech_field="new_energy"), "tech_field", True),
    ("S&T staff exactly 10%", years(BASE, y2024={"st_staff": 40}), "st_staff_ratio", True),
    ("S&T staff one ten-thousandth below", years(BASE, y2024={"st_staff": D("39.9999")}), "st_staff_ratio", False),
    ("no employees", years(BASE, y2024={"employees": 0, "st_staff": 0}), "st_staff_ratio", None),
    ("R&D missing in a window year", years(BASE, y2022={"rd_expense": None}), "rd_ratio", None),
    ("revenue missing in a window year", years(BASE, y2023={"revenue": None}), "rd_ratio", None),
    ("founded this year: empty window", base_firm(founded="2025-01-02"), "rd_ratio", None),
    ("domestic exactly 60%", years(BASE, y2022={"rd_domestic": 780}, y2023={"rd_domestic": 960},
                                   y2024={"rd_domestic": 1200}), "rd_domestic_share", True),
    ("domestic one yuan short", years(BASE, y2022={"rd_domestic": 780}, y2023={"rd_domestic": 960},
                                      y2024={"rd_domestic": D("1199.9999")}), "rd_domestic_share", False),
    ("domestic missing in a window year", years(BASE, y2023={"rd_domestic": None}), "rd_domestic_share", None),
    ("high-tech income exactly 60%", years(BASE, y2024={"hightech_income": 12000}), "hightech_income_share", True),
    ("high-tech income one yuan short", years(BASE, y2024={"hightech_income": D("11999.9999")}),
     "hightech_income_share", False),
    ("no total income", years(BASE, y2024={"total_income": 0, "hightech_income": 0}), "hightech_income_share", None),
    ("total income unknown", years(BASE, y2024={"total_income": None}), "hightech_income_share", None),
    ("incident", base_firm(incidents=True), "no_incidents", False),
]


def three_years(revenue, rd_last, rd_other) -> dict:
    """A window FY2022-2024 with the same revenue each year."""
    return years(BASE, y2022={"revenue": revenue, "rd_expense": rd_other, "rd_domestic": rd_other},
                 y2023={"revenue": revenue, "rd_expense": rd_other, "rd_domestic": rd_other},
                 y2024={"revenue": revenue, "rd_expense": rd_last, "rd_domestic": rd_last, "total_income": revenue,
                        "hightech_income": revenue})


RD_BANDS = [
    ("sales 5,000: 5% band, on it", three_years(5000, 250, 250), True),
    ("sales 5,000: 5% band, one yuan short", three_years(5000, D("249.9999"), 250), False),
    ("sales 5,000.0001: 4% band", three_years(D("5000.0001"), D("200.0001"), 200), True),
    ("sales 5,000.0001: 4% band, one yuan short", three_years(D("5000.0001"), 200, 200), False),
    ("sales 20,000: 4% band, on it", three_years(20000, 800, 800), True),
    ("sales 20,000: 4% band, one yuan short", three_years(20000, D("799.9999"), 800), False),
    ("sales 20,000.0001: 3% band", three_years(D("20000.0001"), D("600.0001"), 600), True),
    ("sales 20,000.0001: 3% band, one yuan short", three_years(D("20000.0001"), 600, 600), False),
    ("no sales in the window", three_years(0, 0, 0), None),
]


@pytest.mark.parametrize("name, firm, criterion, expected", TECH_SME, ids=[c[0] for c in TECH_SME])
def test_tech_sme(name, firm, criterion, expected):
    assert passed(firm, "tech_sme", criterion) is expected


@pytest.mark.parametrize("name, firm, criterion, expected", HNTE, ids=[c[0] for c in HNTE])
def test_hnte(name, firm, criterion, expected):
    assert passed(firm, "hnte", criterion) is expected


@pytest.mark.parametrize("name, firm, expected", RD_BANDS, ids=[c[0] for c in RD_BANDS])
def test_hnte_rd_ratio_bands(name, firm, expected):
    assert passed(firm, "hnte", "rd_ratio") is expected


def test_one_year_is_365_days_across_a_leap_day():
    assert passed(base_firm(founded="2027-07-01"), "hnte", "registered_1y", as_of=date(2028, 6, 30)) is True
    assert passed(base_firm(founded="2027-07-02"), "hnte", "registered_1y", as_of=date(2028, 6, 30)) is False


def test_young_firm_window_ignores_years_before_founding():
    # counted, FY2022 would lift the ratio to 36%; ignored, 80 / 2000 = 4% < 5%
    firm = years(base_firm(founded="2023-03-01"), y2022={"revenue": 1000, "rd_expense": 1000, "rd_domestic": 1000},
                 y2023={"revenue": 1000, "rd_expense": 40, "rd_domestic": 40},
                 y2024={"revenue": 1000, "rd_expense": 40, "rd_domestic": 40})
    assert passed(firm, "hnte", "rd_ratio") is False


def test_float_trap_sum_is_exact():
    # 0.05 x 16365.37 = 818.2685 exactly; floats make it 818.2685000000001
    firm = years(BASE, y2024={"revenue": D("16365.37"), "rd_expense": D("818.2685"), "total_cost": 15000},
                 y2021={"revenue": 1}, y2022={"revenue": 1, "rd_expense": 0}, y2023={"revenue": 1, "rd_expense": 0})
    assert verdicts(firm).tiers["tech_sme"].score.rd[0] == 40


def score_of(firm: dict) -> int | None:
    return verdicts(firm).firm_result(0, "en")["tiers"]["tech_sme"].get("score")


F01_LIKE = years(base_firm(ip={"class1": 0, "class2": 3}), y2024={
    "revenue": 1000, "rd_expense": 40, "employees": 50, "st_staff": 10, "total_cost": 950, "total_assets": 1200})


@pytest.mark.parametrize("firm, score", [
    (F01_LIKE, 60),                                                              # 12 + 30 + 18
    (with_year(F01_LIKE, 2024, rd_expense=D("39.9999")), 50),                    # 3.99999% -> 20
    (with_year(F01_LIKE, 2024, rd_expense=60), 80),                              # 6% -> 50
    (with_year(F01_LIKE, 2024, total_cost=None), 60),                            # missing cost measure: 0 points
    (with_year(F01_LIKE, 2024, total_cost=D("133.3333")), 80),                   # 30.0000% of cost -> 50
    (with_year(F01_LIKE, 2024, revenue=0, total_cost=None), 30),                 # zero sales: 0 points, decided
    (base_firm(ip={"class1": 0, "class2": 0}), 70),
])
def test_tech_sme_score_edges(firm, score):
    assert score_of(firm) == score


def test_score_59_fails_and_is_reported():
    firm = with_year(F01_LIKE, 2024, rd_expense=D("39.9999"))
    result = verdicts(firm).firm_result(0, "en")["tiers"]["tech_sme"]
    assert (result["status"], result["route"], result["score"]) == ("ineligible", "score", 50)
    assert result["failed"] == ["score"]


def test_direct_route_skips_score_criteria():
    firm = base_firm(certificates=[HNTE_CERTIFICATE], ip={"class1": None, "class2": None})
    result = verdicts(firm).firm_result(0, "en")["tiers"]["tech_sme"]
    assert (result["status"], result["route"]) == ("eligible", "direct")
    assert "score" not in result and [c["id"] for c in result["criteria"]][-1] == "no_incidents"


def test_direct_route_with_a_failed_basic_criterion_is_scored():
    firm = years(base_firm(direct_routes=["led_standard"]), y2024={"employees": 501})
    result = verdicts(firm).firm_result(0, "en")["tiers"]["tech_sme"]
    assert (result["status"], result["route"], result["score"]) == ("ineligible", "score", 92)   # 12 + 50 + 30


def test_direct_route_with_unknown_basic_criterion():
    firm = base_firm(direct_routes=["provincial_rd_institution"], resident=None)
    result = verdicts(firm).firm_result(0, "en")["tiers"]["tech_sme"]
    assert (result["status"], result["route"]) == ("insufficient_data", "direct")


GAZELLE = [
    ("no certificate", BASE, "hnte_valid", False),
    ("certificate", WITH_HNTE, "hnte_valid", True),
    ("certificate in public notice", base_firm(certificates=[{**HNTE_CERTIFICATE, "status": "public_notice"}]),
     "hnte_valid", False),
    ("certificate revoked", base_firm(certificates=[{**HNTE_CERTIFICATE, "status": "revoked"}]), "hnte_valid", False),
    ("status expired but within dates", base_firm(certificates=[{**HNTE_CERTIFICATE, "status": "expired"}]),
     "hnte_valid", True),
    ("issued on as_of", base_firm(certificates=[{**HNTE_CERTIFICATE, "issued": "2025-06-30"}]), "hnte_valid", True),
    ("expires on as_of", base_firm(certificates=[{**HNTE_CERTIFICATE, "expires": "2025-06-30"}]), "hnte_valid", True),
    ("expired the day before", base_firm(certificates=[{**HNTE_CERTIFICATE, "expires": "2025-06-29"}]),
     "hnte_valid", False),
    ("a gazelle certificate is not HNTE", base_firm(certificates=[{**HNTE_CERTIFICATE, "tier": "gazelle"}]),
     "hnte_valid", False),
    ("founded exactly 15 years before", base_firm(founded="2010-06-30"), "age", True),
    ("founded a day earlier", base_firm(founded="2010-06-29"), "age", False),
    ("founded 1 January Y-4", base_firm(founded="2021-01-01"), "history", True),
    ("founded 2 January Y-4", base_firm(founded="2021-01-02"), "history", False),
    ("base revenue exactly 1,000 is not above", years(BASE, y2021={"revenue": 1000}), "base_revenue", False),
    ("base revenue one yuan above", years(BASE, y2021={"revenue": D("1000.0001")}), "base_revenue", True),
    ("base revenue unknown", years(BASE, y2021={"revenue": None}), "base_revenue", None),
    ("CAGR exactly 20% (x1.728)", years(BASE, y2024={"revenue": 17280}), "revenue_cagr", True),
    ("CAGR one yuan short", years(BASE, y2024={"revenue": D("17279.9999")}), "revenue_cagr", False),
    ("CAGR from zero base", years(BASE, y2021={"revenue": 0}), "revenue_cagr", None),
    ("CAGR without base", years(BASE, y2021={"revenue": None}), "revenue_cagr", None),
    ("flat last year", years(BASE, y2024={"revenue": 16000}), "last_year_growth", False),
    ("one yuan growth", years(BASE, y2024={"revenue": D("16000.0001")}), "last_year_growth", True),
    ("R&D intensity exactly 2.5% is not above", years(
        BASE, y2021={"rd_expense": 250}, y2022={"rd_expense": 325}, y2023={"rd_expense": 400},
        y2024={"rd_expense": 500}), "rd_intensity", False),
    ("R&D intensity one yuan above", years(
        BASE, y2021={"rd_expense": 250}, y2022={"rd_expense": 325}, y2023={"rd_expense": 400},
        y2024={"rd_expense": D("500.0001")}), "rd_intensity", True),
    ("R&D missing in FY Y-4", years(BASE, y2021={"rd_expense": None}), "rd_intensity", None),
]


@pytest.mark.parametrize("name, firm, criterion, expected", GAZELLE, ids=[c[0] for c in GAZELLE])
def test_gazelle_default(name, firm, criterion, expected):
    assert passed(firm, "gazelle", criterion) is expected


def test_age_on_29_february_counts_from_28_february():
    as_of = date(2028, 2, 29)
    assert passed(base_firm(founded="2013-02-28"), "gazelle", "age", as_of=as_of) is True
    assert passed(base_firm(founded="2013-02-27"), "gazelle", "age", as_of=as_of) is False


def test_failed_history_leaves_gated_criteria_unevaluated():
    firm = base_firm(founded="2021-06-01", certificates=[HNTE_CERTIFICATE])
    result = verdicts(firm).firm_result(0, "en")["tiers"]["gazelle"]
    by_id = {c["id"]: c for c in result["criteria"]}
    assert result["failed"] == ["history"]
    assert [by_id[c]["passed"] for c in ("base_revenue", "revenue_cagr", "rd_intensity")] == [None] * 3
    assert "not evaluated" in by_id["revenue_cagr"]["explanation"]


BINJIANG = {"gazelle": "binjiang_2017"}
SHANDONG = {"gazelle": "shandong"}


def growth(r2022, r2023, r2024) -> dict:
    return years(BASE, y2022={"revenue": r2022}, y2023={"revenue": r2023}, y2024={"revenue": r2024})


PROFILES = [
    ("binjiang revenue on 1,000", BINJIANG, growth(600, 800, 1000), "revenue", True),
    ("binjiang revenue one yuan short", BINJIANG, growth(600, 800, D("999.9999")), "revenue", False),
    ("binjiang 25% band each year", BINJIANG, growth(1000, 1250, D("1562.5")), "growth_each_year", True),
    ("binjiang 25% band one yuan short", BINJIANG, growth(1000, 1250, D("1562.4999")), "growth_each_year", False),
    ("binjiang 5,000 is in the 20% band", BINJIANG, growth(D("3333.3333"), 4000, 5000), "growth_each_year", True),
    ("binjiang 4,999.9999 is in the 25% band", BINJIANG, growth(D("3333.3333"), 4000, D("4999.9999")),
     "growth_each_year", False),
    ("binjiang growth from zero", BINJIANG, growth(0, 4000, 5000), "growth_each_year", None),
    ("shandong 2,000 is in the 25% band", SHANDONG, growth(1280, 1600, 2000), "revenue_cagr", True),
    ("shandong 25% band one yuan short", SHANDONG, growth(D("1280.0001"), 1600, 2000), "revenue_cagr", False),
    ("shandong debt ratio 70% is not below", SHANDONG, years(BASE, y2024={"net_assets": 4500}), "debt_ratio", False),
    ("shandong debt ratio one yuan below", SHANDONG, years(BASE, y2024={"net_assets": D("4500.0001")}),
     "debt_ratio", True),
    ("shandong debt ratio unknown", SHANDONG, years(BASE, y2024={"net_assets": None}), "debt_ratio", None),
    ("shandong R&D 2.5% at 10,000 sales", SHANDONG, years(BASE, y2022={"rd_expense": 325}), "rd_ratio_each_year",
     True),
    ("shandong R&D 5% below 10,000 sales", SHANDONG, years(
        BASE, y2022={"revenue": D("9999.9999"), "rd_expense": 300}), "rd_ratio_each_year", False),
]


@pytest.mark.parametrize("name, profiles, firm, criterion, expected", PROFILES, ids=[c[0] for c in PROFILES])
def test_gazelle_profiles(name, profiles, firm, criterion, expected):
    assert passed(firm, "gazelle", criterion, profiles=profiles) is expected


LEADER = [
    ("revenue on 50,000", years(BASE, y2024={"revenue": 50000}), "revenue", True),
    ("revenue one yuan short", years(BASE, y2024={"revenue": D("49999.9999")}), "revenue", False),
    ("4% in each year", years(BASE, y2023={"rd_expense": 640}), "rd_ratio_each_year", True),
    ("one yuan short in one year", years(BASE, y2023={"rd_expense": D("639.9999")}), "rd_ratio_each_year", False),
    ("a year before founding fails", base_firm(founded="2023-03-01"), "rd_ratio_each_year", False),
    ("a year with zero sales is unknown", years(BASE, y2022={"revenue": 0}), "rd_ratio_each_year", None),
    ("a year without R&D is unknown", years(BASE, y2022={"rd_expense": None}), "rd_ratio_each_year", None),
    ("unknown year beside a failing year fails", years(BASE, y2022={"rd_expense": None}, y2023={"rd_expense": 1}),
     "rd_ratio_each_year", False),
    ("50 R&D staff", base_firm(rd_staff_fulltime=50), "rd_staff", True),
    ("49.9999 R&D staff", base_firm(rd_staff_fulltime=D("49.9999")), "rd_staff", False),
    ("R&D staff unknown", base_firm(rd_staff_fulltime=None), "rd_staff", None),
    ("core products 70%", base_firm(core_product_share=D("0.7")), "core_product_share", True),
    ("core products 69.99%", base_firm(core_product_share=D("0.6999")), "core_product_share", False),
]


@pytest.mark.parametrize("name, firm, criterion, expected", LEADER, ids=[c[0] for c in LEADER])
def test_leader(name, firm, criterion, expected):
    assert passed(firm, "leader", criterion) is expected


def test_tier_status_is_three_valued():
    assert verdicts(WITH_HNTE).firm_result(0)["tiers"]["gazelle"]["status"] == "eligible"
    unknown = years(WITH_HNTE, y2021={"revenue": None})
    assert verdicts(unknown).firm_result(0)["tiers"]["gazelle"]["status"] == "insufficient_data"
    failed_and_unknown = years(unknown, y2024={"revenue": 16000})
    result = verdicts(failed_and_unknown).firm_result(0)["tiers"]["gazelle"]
    assert (result["status"], result["failed"]) == ("ineligible", ["last_year_growth"])


def test_criteria_carry_explanations():
    firm = three_years(5000, D("249.9999"), 250)
    criterion = next(c for c in verdicts(firm).firm_result(0)["tiers"]["hnte"]["criteria"] if c["id"] == "rd_ratio")
    assert criterion["passed"] is False
    assert (criterion["actual"], criterion["required"], criterion["gap"], criterion["unit"]) == (
        D("0.0499"), ">= 0.05", D("0.0001"), "万元")
    assert "第十一条（五）" in criterion["clause"]
    assert set(criterion["label"]) == set(criterion["explanation"]) == {"zh", "en"}
    # People read a percentage against the threshold as the rule states it, and a gap of one
    # yuan rounded up to the cent (never 0.00); the JSON fields above stay exact.
    assert criterion["kind"] == "ratio"
    assert {part: text["en"] for part, text in criterion["shown"].items()} == {
        "actual": "4.99%", "required": "≥ 5%", "gap": "0.01 10k yuan"}
    assert criterion["explanation"]["zh"] == (
        "近三年研发费用占销售收入比例：4.99%，未达到要求（≥ 5%），还差 0.01 万元。")
    assert criterion["explanation"]["en"] == (
        "R&D expense / sales revenue over the window: 4.99%, does not meet the requirement (≥ 5%); "
        "0.01 10k yuan more would pass.")


def test_explanations_never_say_true_or_false():
    """A yes/no fact reads as 是/否 (yes/no), never "= true"; a growth multiple as a multiple."""
    firm = three_years(5000, D("249.9999"), 250)
    tiers = verdicts(firm).firm_result(0)["tiers"]
    text = " ".join(c["explanation"][lang] + c["shown"]["actual"][lang] + c["shown"]["required"][lang]
                    for tier in tiers.values() for c in tier["criteria"] for lang in ("zh", "en"))
    assert "true" not in text and "false" not in text and "= " not in text
    resident = next(c for c in tiers["tech_sme"]["criteria"] if c["id"] == "resident")
    assert resident["shown"]["required"] == {"zh": "是", "en": "yes"}
    assert display.requirement_text(">=", D("1.728"), "factor", "zh") == "≥ 1.728 倍"
    assert display.requirement_text(">", D("0.025"), "ratio", "en") == "> 2.5%"
    assert display.value_text(D("10411.9527"), "万元", "en") == "10,411.95"

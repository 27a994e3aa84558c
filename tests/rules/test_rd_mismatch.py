"""`rd_mismatch` (rules.md §5): filed FY Y-1 R&D against the statistics bureau's figure, on the
single-firm path, the batch path and `rules check`, checked against a computation of its own."""
from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest

from registry.rules import evaluate_firms, load_parameters
from registry.rules.facts import parse_firm

from .helpers import AS_OF, base_firm, verdicts, with_year
from .test_cli import document, run

LAST_YEAR = AS_OF.year - 1


def firm_with(reported, official, year: int = LAST_YEAR, **changes) -> dict:
    firm = base_firm(**changes)
    figures = {"rd_expense": reported} if reported is not None else {"rd_expense": None}
    firm = with_year(firm, year, **figures)
    if official is not None:
        firm["years"].setdefault(str(year), {})["rd_expense_official"] = official
    return firm


def mismatch(firm: dict, **options) -> dict | None:
    result = verdicts(firm, **options).firm_result(0, "en")
    return next((flag for flag in result["flags"] if flag["id"] == "rd_mismatch"), None)


@pytest.mark.parametrize("reported, official, raised", [
    (2000, 2000, False),
    (Decimal(2200), 2000, False),             # exactly 10% above: not more than 10%
    (Decimal("2200.0001"), 2000, True),
    (Decimal(1800), 2000, False),             # exactly 10% below
    (Decimal("1799.9999"), 2000, True),
    (Decimal("0.0001"), 0, True),               # official 0, reported above 0
    (0, 0, False),
    (0, Decimal("0.0001"), True),               # official above 0, reported 0: 100% apart
    (2000, None, False),                        # absent official figure: never raised
    (None, 2000, False),                        # unknown filed figure: never raised
])
def test_raised_only_beyond_the_tolerance(reported, official, raised):
    assert (mismatch(firm_with(reported, official)) is not None) is raised


def test_only_the_last_fiscal_year_counts():
    assert mismatch(firm_with(2000, 1000, year=LAST_YEAR - 1)) is None


def test_the_tolerance_is_a_parameter():
    firm = firm_with(Decimal(2300), 2000)            # 15% apart
    assert mismatch(firm) is not None
    assert mismatch(firm, overrides={"flags.rd_mismatch.max_deviation": "0.2"}) is None
    assert load_parameters(AS_OF).root("flags").section("rd_mismatch").ratio("max_deviation") \
        == Decimal("0.1")


def test_detail_gives_both_figures_and_the_source():
    flag = mismatch(firm_with(Decimal("2500.5"), 2000))
    assert flag["reported"] == Decimal("2500.5") and flag["official"] == Decimal(2000)
    assert flag["source"] == "statistics" and flag["fiscal_year"] == LAST_YEAR
    assert "2,500.50" in flag["detail"] and "2,000.00" in flag["detail"] and "10%" in flag["detail"]
    zh = verdicts(firm_with(Decimal("2500.5"), 2000)).firm_result(0, "zh")["flags"]
    detail = next(flag["detail"] for flag in zh if flag["id"] == "rd_mismatch")
    assert "统计局" in detail and "2,500.50" in detail


def test_batch_flags_exactly_the_firms_an_independent_computation_picks():
    """A thousand firms with random figures evaluated as one batch (the scan's path) and one by
    one (a firm's own path): the flagged set is the Decimal computation's, firm for firm."""
    chooser = random.Random(14)
    firms, expected = [], set()
    for number in range(1000):
        official = Decimal(chooser.choice([0, chooser.randint(1, 10**6)])) / 100
        reported = official * Decimal(chooser.choice([80, 89, 90, 91, 99, 100, 109, 110, 111, 130])) / 100
        reported += Decimal(chooser.choice([0, 0, Decimal("0.0001"), Decimal("-0.0001")]))
        reported = max(reported.quantize(Decimal("0.0001")), Decimal(0))
        known = chooser.random()
        firm = firm_with(reported if known > 0.1 else None, official if known < 0.9 else None,
                         id=f"F{number}")
        firms.append(firm)
        if 0.1 < known < 0.9 and abs(reported - official) > official * Decimal("0.10"):
            expected.add(f"F{number}")
    params = load_parameters(AS_OF)
    parsed = [parse_firm(firm) for firm in firms]
    batch = evaluate_firms(parsed, AS_OF, params)
    flagged = {batch.columns.ids[i] for i in range(len(parsed)) if batch.flags["rd_mismatch"][i]}
    assert flagged == expected and 100 < len(expected) < 900
    one_by_one = {firm.id for firm in parsed
                  if evaluate_firms([firm], AS_OF, params).flags["rd_mismatch"][0]}
    assert one_by_one == expected


def test_rules_check_reads_the_official_fact():
    result = run("check", "-", stdin=document(firm_with(3000, 2000), firm_with(3000, None)))
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)["firms"]
    assert "rd_mismatch" in [flag["id"] for flag in first["flags"]]
    assert "rd_mismatch" not in [flag["id"] for flag in second["flags"]]


def test_a_bad_official_figure_is_refused():
    result = run("check", "-", stdin=document(firm_with(3000, -1)))
    assert result.exit_code != 0 and "rd_expense_official" in result.output

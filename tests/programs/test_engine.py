"""The vectorised programs (registry/rules/programs.py) against the independent computation, on
edge cases (thresholds, unknowns, the cap, float-equal ratios) and random batches."""
from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest

from registry.rules.params import load_parameters
from registry.rules.programs import (
    ProgramFirms,
    ProgramSettings,
    fine_text,
    rd_priority,
    rd_reward,
    rd_top,
)
from registry.rules.units import to_fixed
from tests.programs.reference import reference_priority, reference_reward, reference_top

BANDS = [("0.03", "0.03"), ("0.04", "0.04"), ("0.05", "0.05")]
SETTINGS = ProgramSettings.from_parameters(load_parameters(2025))


def batch(firms: list[dict]) -> ProgramFirms:
    return ProgramFirms.from_values(2025, [(f["id"], f["revenue"], f["rd"], f["rd_survey"], f["incidents"])
                                           for f in firms])


def firm(code, revenue, rd, survey=True, incidents=False) -> dict:
    return {"id": code, "revenue": None if revenue is None else Decimal(revenue),
            "rd": None if rd is None else Decimal(rd), "rd_survey": survey, "incidents": incidents}


def random_firms(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)
    firms = []
    for index in range(n):
        revenue = rng.choice([None, "0", str(rng.randint(1, 60000)), "1000", "2000", "1999.9999"])
        rd = None if rng.random() < 0.1 else str(Decimal(rng.randint(0, 3_000_000)) / 10000)
        if revenue == "1000" and rng.random() < 0.5:
            rd = rng.choice(["30", "40", "50", "29.9999", "50.0001"])
        firms.append(firm(f"F{index:04d}", revenue, rd, rng.choice([True, True, True, False, None]),
                          rng.choice([False, False, False, True, None])))
    return firms


def as_printed(result: dict) -> dict:
    """The reference's Decimals as the engine prints them (exact decimal strings)."""
    def text(value):
        return None if value is None else format(value.normalize(), "f")
    return {**{key: text(result[key]) for key in ("budget", "total_entitlement", "total_award", "remainder")},
            "firms": [{**f, "rate": text(f["rate"]), "entitlement": text(f["entitlement"]),
                       "award": text(f["award"])} for f in result["firms"]]}


def engine_reward(firms: list[dict], budget: str | None) -> dict:
    result = rd_reward(batch(firms), SETTINGS, None if budget is None else to_fixed(Decimal(budget)))
    def text(value):
        return None if value is None else format(Decimal(value).normalize(), "f")
    return {"budget": budget and text(Decimal(budget)),
            "total_entitlement": text(Decimal(fine_text(result.total_entitlement))),
            "total_award": text(Decimal(fine_text(result.total_award))),
            "remainder": None if result.remainder is None else text(Decimal(fine_text(result.remainder))),
            "firms": [{**entry, **{key: text(entry[key] and Decimal(entry[key]))
                                   for key in ("rate", "entitlement", "award")}}
                      for entry in map(result.firm_result, range(len(firms)))]}


def test_thresholds_unknowns_and_the_cap():
    firms = [firm("A", "1000", "30"), firm("B", "1000", "29.9999"), firm("C", "1000", "40"),
             firm("D", "1000", "50"), firm("E", "100000", "5000"), firm("F", None, "5"),
             firm("G", "0", "5"), firm("H", "1000", "40", survey=None), firm("I", "1000", "40", incidents=True),
             firm("J", "1000", "0")]
    result = rd_reward(batch(firms), SETTINGS)
    rows = {entry["id"]: entry for entry in map(result.firm_result, range(len(firms)))}
    assert rows["A"] == {"id": "A", "eligible": True, "failed": [], "rate": "0.03", "entitlement": "0.9",
                         "award": "0.9"}
    assert rows["B"]["eligible"] is False and rows["B"]["failed"] == ["intensity"]
    assert (rows["C"]["rate"], rows["D"]["rate"]) == ("0.04", "0.05")
    assert rows["E"]["entitlement"] == "100"          # 5% x 5000 = 250, capped at 100
    assert rows["F"]["eligible"] is None and rows["G"]["eligible"] is None
    assert rows["H"]["eligible"] is None and rows["H"]["failed"] == []
    assert rows["I"]["failed"] == ["no_incidents"]
    assert sorted(rows["J"]["failed"]) == ["intensity", "rd_positive"]
    assert result.remainder is None


@pytest.mark.parametrize("budget", [None, "50", "1000000", "0.0003"])
@pytest.mark.parametrize("seed", [1, 2])
def test_reward_equals_the_reference(seed, budget):
    firms = random_firms(seed, 300)
    assert engine_reward(firms, budget) == as_printed(reference_reward(firms, BANDS, "100", budget))


def test_budget_shares_floor_to_the_yuan_and_leave_a_remainder():
    firms = [firm("A", "1000", "30"), firm("B", "1000", "40"), firm("C", "1000", "50")]
    result = rd_reward(batch(firms), SETTINGS, budget=to_fixed(Decimal(1)))
    awards = [Decimal(entry["award"]) for entry in map(result.firm_result, range(3))]
    # Σ entitlement = 0.9 + 1.6 + 2.5 = 5; each gets a fifth, floored to the yuan.
    assert awards == [Decimal("0.18"), Decimal("0.32"), Decimal("0.5")]
    assert Decimal(fine_text(result.remainder)) == 0
    excluded = rd_reward(batch(firms), SETTINGS, budget=to_fixed(Decimal(1)),
                         excluded=np.array([False, False, True]))
    # C kept out: the budget is shared by A and B (Σ 2.5).
    assert [excluded.firm_result(i)["award"] for i in range(2)] == ["0.36", "0.64"]
    assert fine_text(excluded.total_entitlement) == "2.5"


def test_next_band_gap():
    firms = [firm("A", "1000", "35"), firm("B", "1000", "10"), firm("C", "3", "0.1")]
    result = rd_reward(batch(firms), SETTINGS)
    band, gap = result.next_band(0)
    assert (band.rate, gap) == (Decimal("0.04"), 50000)       # 5 万元 more to reach 4%
    assert result.next_band(1)[1] == 200000                   # 20 万元 to reach 3%
    assert result.next_band(2)[1] == 200                      # 0.1 ÷ 3 is 3.3%: 200 yuan to reach 4%
    assert rd_reward(batch([firm("D", "1000", "60")]), SETTINGS).next_band(0) is None


@pytest.mark.parametrize("seed", [3, 4])
def test_priority_and_top_equal_the_reference(seed):
    firms = random_firms(seed, 400)
    priority = rd_priority(batch(firms), SETTINGS)
    assert [f["id"] for f, chosen in zip(firms, priority) if chosen] == reference_priority(firms)
    result = rd_top(batch(firms), SETTINGS)
    expected = reference_top(firms, top=400)
    assert result.count == expected["eligible"]
    assert result.ranking(400) == [
        {**row, "points": format(row["points"].normalize(), "f"), "rd": format(row["rd"].normalize(), "f")}
        for row in expected["ranking"]]


def test_intensity_ties_and_float_equal_ratios_rank_exactly():
    # B's and C's ratios differ by about 10^-28 and their floats are equal; A ties D exactly.
    firms = [firm("A", "30000", "10000"), firm("B", "10000000000", "3333333333.3333"),
             firm("C", "9999999999.8002", "3333333333.2667"), firm("D", "2100", "700")]
    assert 33333333333333 / 100000000000000 == 33333333332667 / 99999999998002
    result = rd_top(batch(firms), SETTINGS)
    expected = reference_top(firms)
    assert [row["intensity_rank"] for row in result.ranking()] == \
        [row["intensity_rank"] for row in expected["ranking"]]
    assert [row["id"] for row in result.ranking()] == [row["id"] for row in expected["ranking"]]

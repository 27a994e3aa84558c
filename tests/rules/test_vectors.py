"""Every public vector of tests/data/vectors/public.json (a copy of the specification's), through
the CLI."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from click.testing import CliRunner

from registry.cli.rules import rules_cli

from .helpers import VECTORS, load_vectors

TIERS = ("tech_sme", "hnte", "gazelle", "leader")


@pytest.fixture(scope="module")
def cli_output() -> dict:
    load_vectors()   # fails when the file is missing
    result = CliRunner().invoke(rules_cli, ["check", str(VECTORS)])
    assert result.exit_code == 0, result.output
    return {firm["id"]: firm for firm in json.loads(result.output, parse_float=Decimal)["firms"]}


def _firm_ids() -> list[str]:
    return [firm["id"] for firm in load_vectors()["firms"]]


@pytest.mark.parametrize("firm_id", _firm_ids())
def test_vector(cli_output, firm_id):
    expected = next(firm for firm in load_vectors()["firms"] if firm["id"] == firm_id)["expected"]
    actual = cli_output[firm_id]
    for tier in TIERS:
        got, want = actual["tiers"][tier], expected[tier]
        assert got["status"] == want["status"], tier
        assert sorted(got["failed"]) == sorted(want["failed"]), tier
        for key in ("route", "score"):
            if key in want:
                assert got.get(key) == want[key], (tier, key)
    if actual["tiers"]["tech_sme"]["route"] == "direct":
        assert "score" not in actual["tiers"]["tech_sme"]
    assert sorted(flag["id"] for flag in actual["flags"]) == sorted(expected["flags"])
    savings = {item["id"]: item["saving"] for item in actual["incentives"]}
    assert set(savings) == set(expected["incentives"])
    for incentive_id, saving in expected["incentives"].items():
        exact = Decimal(str(savings[incentive_id]))
        assert exact.quantize(Decimal("0.0001"), ROUND_HALF_UP) == Decimal(str(saving))


def test_output_records_parameters_profiles_and_overrides():
    result = CliRunner().invoke(rules_cli, ["check", str(VECTORS),
                                            "--set", "hnte.rd_ratio.bands.1.min=0.035"])
    output = json.loads(result.output)
    assert list(output)[:5] == ["as_of", "parameters", "profiles", "overrides", "firms"]
    assert output["parameters"] == "2025"
    assert output["profiles"] == {"gazelle": "default", "leader": "default"}
    assert output["overrides"] == {"hnte.rd_ratio.bands.1.min": "0.035"}


def test_savings_print_exactly(cli_output):
    # 818.2685 x 25% = 204.567125: exact digits, never a float's
    assert str(next(item["saving"] for item in cli_output["F14"]["incentives"]
                    if item["id"] == "rd_super_deduction")) == "204.567125"

"""Every public vector of tests/data/vectors/public.json (a copy of the specification's), through
the CLI."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from registry.cli.rules import rules_cli

from .helpers import VECTORS, assert_matches_expected, load_vectors


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
    assert_matches_expected(cli_output[firm_id], expected)


def test_output_records_parameters_profiles_and_overrides():
    result = CliRunner().invoke(rules_cli, ["check", str(VECTORS),
                                            "--set", "hnte.rd_ratio.bands.1.min=0.035"])
    output = json.loads(result.output)
    assert list(output)[:6] == ["as_of", "parameters", "tax_year", "profiles", "overrides", "firms"]
    assert output["parameters"] == "2025" and output["tax_year"] == 2024
    assert output["profiles"] == {"gazelle": "default", "leader": "default"}
    assert output["overrides"] == {"hnte.rd_ratio.bands.1.min": "0.035"}


def test_savings_print_exactly(cli_output):
    # 818.2685 x 25% = 204.567125: exact digits, never a float's
    assert str(next(item["saving"] for item in cli_output["F14"]["incentives"]
                    if item["id"] == "rd_super_deduction")) == "204.567125"

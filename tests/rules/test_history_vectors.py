"""Every vector of tests/data/vectors/history/ (one file per as_of, 2018-2024) through `rules check`:
the tier criteria of policy year Y and the tax tables of tax year Y - 1 (programs.md §H)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from registry.cli.rules import rules_cli
from registry.rules.facts import load_json
from tests.conftest import VECTORS

from .helpers import assert_matches_expected

HISTORY = sorted((VECTORS / "history").glob("*.json"))
CASES = [(path, firm["id"]) for path in HISTORY for firm in load_json(path.read_bytes())["firms"]]


def test_every_history_year_is_there():
    assert [path.stem[:4] for path in HISTORY] == ["2018", "2021", "2022", "2023", "2024"]


@pytest.fixture(scope="module")
def outputs() -> dict:
    results = {}
    for path in HISTORY:
        result = CliRunner().invoke(rules_cli, ["check", str(path)])
        assert result.exit_code == 0, result.output
        results[path] = json.loads(result.output, parse_float=Decimal)
    return results


@pytest.mark.parametrize("path, firm_id", CASES, ids=[f"{p.stem}:{f}" for p, f in CASES])
def test_history_vector(outputs, path, firm_id):
    expected = next(firm for firm in load_json(path.read_bytes())["firms"] if firm["id"] == firm_id)
    actual = next(firm for firm in outputs[path]["firms"] if firm["id"] == firm_id)
    assert_matches_expected(actual, expected["expected"])


@pytest.mark.parametrize("path", HISTORY, ids=[p.stem for p in HISTORY])
def test_output_names_the_policy_and_tax_year(outputs, path):
    as_of = date.fromisoformat(path.stem)
    assert outputs[path]["parameters"] == str(as_of.year)
    assert outputs[path]["tax_year"] == as_of.year - 1


def test_an_as_of_before_2017_is_a_clear_parameter_error():
    path = HISTORY[0]
    result = CliRunner().invoke(rules_cli, ["check", str(path), "--as-of", "2016-12-31"])
    assert result.exit_code != 0
    assert "2017-01-01" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(rules_cli, ["check", str(path), "--as-of", "2017-01-01"])
    assert result.exit_code == 0 and json.loads(result.output)["tax_year"] == 2016

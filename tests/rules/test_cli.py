"""`rules check` and `rules explain` through click, including rejected input."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup

from registry.cli.rules import rules_cli
from registry.rules.jsonout import dumps

from .helpers import VECTORS, base_firm, with_year


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(rules_cli, list(args), input=stdin)


def document(*firms: dict, as_of: str | None = "2025-06-30") -> str:
    return dumps({"as_of": as_of, "firms": list(firms)})


def test_reads_stdin_and_as_of_overrides_the_file():
    result = run("check", "-", "--as-of", "2026-01-15", stdin=document(base_firm()))
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["as_of"] == "2026-01-15" and output["firms"][0]["id"] == "T01"


def test_default_as_of_is_today_in_shanghai(monkeypatch):
    from registry import rules
    monkeypatch.setattr(rules, "today_in_shanghai", lambda: date(2025, 7, 1))
    output = json.loads(run("check", "-", stdin=document(base_firm(), as_of=None)).output)
    assert output["as_of"] == "2025-07-01"


@pytest.mark.parametrize("firm, field", [
    (with_year(base_firm(id="BAD1"), 2024, employees=-3, st_staff=0), "years.2024.employees"),
    (base_firm(id="BAD2", founded="2021-02-30"), "founded"),
    (base_firm(id="BAD3", core_product_share=2), "core_product_share"),
])
def test_bad_firm_is_rejected_with_its_name_and_field(firm, field):
    result = run("check", "-", stdin=document(base_firm(id="GOOD"), firm))
    assert result.exit_code != 0
    assert firm["id"] in result.output and field in result.output
    assert '"firms"' not in result.output


def test_unparseable_file_is_rejected():
    result = run("check", "-", stdin='{"firms": [')
    assert result.exit_code != 0 and "does not parse" in result.output


@pytest.mark.parametrize("args", [
    ["--profile", "gazelle=atlantis"], ["--profile", "gazelle"], ["--set", "hnte.nothing=1"],
    ["--set", "hnte.rd_ratio.bands.1.min=abc"], ["--as-of", "2025-02-30"],
])
def test_bad_options_are_errors(args):
    result = run("check", "-", *args, stdin=document(base_firm()))
    assert result.exit_code != 0 and '"firms"' not in result.output


def test_profile_and_set_reach_the_output():
    result = run("check", "-", "--profile", "gazelle=binjiang_2017",
                 "--set", "hnte.rd_ratio.bands.1.min=0.035", stdin=document(base_firm()))
    output = json.loads(result.output)
    assert output["profiles"]["gazelle"] == "binjiang_2017"
    assert output["overrides"] == {"hnte.rd_ratio.bands.1.min": "0.035"}


@pytest.mark.parametrize("lang, words", [
    ("en", ["Firm F01", "High and New Technology Enterprise: ineligible", "Next step"]),
    ("zh", ["企业 F01", "高新技术企业：不符合条件", "下一步"]),
])
def test_explain(lang, words):
    result = run("explain", str(VECTORS), "--firm", "F01", "--lang", lang)
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.output


def test_explain_unknown_firm():
    result = run("explain", str(VECTORS), "--firm", "NOPE")
    assert result.exit_code != 0 and "NOPE" in result.output


def test_group_mounts_on_a_flask_app():
    app = Flask("rules-cli-test")
    app.cli.add_command(rules_cli)
    group = FlaskGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["rules", "check", str(VECTORS)])
    assert result.exit_code == 0 and json.loads(result.output)["parameters"] == "2025"

"""What-if results beyond the tiers: the bureau programs base → scenario (with the scenario's own
bands, rates, cap and budget) equal to an independent computation over what `facts export`
prints, and the targets' monitoring forecast under the scenario; shown on the results page, in
the comparison and in the XLSX export."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.extensions import db
from registry.models import Firm, User, WhatifChange, WhatifRun
from registry.models.whatif import LOSER, WINNER
from registry.services import indicators, targets, whatif
from tests.officer.conftest import login
from tests.programs.reference import reference_priority, reference_reward
from tests.whatif.conftest import AS_OF, cli

YEAR = AS_OF.year
BANDS = [("0.03", "0.03"), ("0.04", "0.04"), ("0.05", "0.05")]
CAGR = "gazelle.default.revenue_cagr.bands.0.min"
HNTE = "hnte.rd_ratio.bands.0.min"
PROGRAM_CHANGES = {"programs.rd_reward.bands.0.min": "0.02", "programs.rd_reward.bands.1.rate": "0.045",
                   "programs.rd_reward.cap": "50", "programs.rd_priority.above": "0.04",
                   whatif.BUDGET_PATH: "300"}


def _exported(app) -> list[dict]:
    result = cli(app, "facts", "export")
    assert result.exit_code == 0, result.output
    firms = []
    for entry in json.loads(result.output, parse_float=Decimal)["firms"]:
        year = entry["years"].get(str(YEAR - 1), {})
        firms.append({"id": entry["id"], "revenue": year.get("revenue"), "rd": year.get("rd_expense"),
                      "rd_survey": year.get("rd_survey"), "incidents": entry["incidents"]})
    return firms


def _scenario_run(app, overrides: dict, name: str) -> WhatifRun:
    args = ["whatif", "run", "--as-of", AS_OF.isoformat(), "--inline", "--name", name]
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    result = cli(app, *args)
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["overrides"] == overrides     # the contract prints the scenario's own changes
    return db.session.scalars(select(WhatifRun).where(WhatifRun.scenario_id == output["scenario_id"])).one()


def test_program_results_equal_an_independent_computation(demo_app):
    firms = _exported(demo_app)
    base = reference_reward(firms, BANDS, "100", None)
    changed_bands = [("0.02", "0.03"), ("0.04", "0.045"), ("0.05", "0.05")]
    changed = reference_reward(firms, changed_bands, "50", "300")
    with demo_app.app_context():
        run = _scenario_run(demo_app, PROGRAM_CHANGES, "reward bands")
        assert run.base_budget is None and run.scenario_budget == Decimal(300)
        result = whatif.program_results(db.session, run)
        db.session.rollback()
    assert result["firms"] == {"base": sum(f["eligible"] is True for f in base["firms"]),
                               "scenario": sum(f["eligible"] is True for f in changed["firms"])}
    assert result["unknown"]["base"] == sum(f["eligible"] is None for f in base["firms"])
    assert result["entitlement"] == {"base": base["total_entitlement"], "scenario": changed["total_entitlement"]}
    assert result["needed"] == changed["total_entitlement"] and result["firms"]["scenario"] > result["firms"]["base"]
    assert result["award"]["base"] == base["total_entitlement"]
    assert result["award"]["scenario"] == min(changed["total_entitlement"], Decimal(300))
    assert result["award"]["scenario"] - changed["total_award"] < result["firms"]["scenario"] * Decimal("0.0001")
    assert result["shortfall"] == max(changed["total_entitlement"] - 300, 0)
    assert result["priority"] == {"base": len(reference_priority(firms, "0.05")),
                                  "scenario": len(reference_priority(firms, "0.04"))}
    assert sum(row["entitlement"]["scenario"] for row in result["districts"].values()) == result["needed"]


def test_the_bureau_budget_and_program_settings_are_the_base(demo_app):
    from registry.services import settings as bureau_settings
    with demo_app.app_context():
        bureau_settings.set_program_settings(db.session, YEAR, {"programs.rd_reward.cap": "20"}, Decimal(150), None)
        db.session.commit()
        try:
            run = _scenario_run(demo_app, {CAGR: "0.15"}, "bureau base")
            result = whatif.program_results(db.session, run)
            assert run.base_budget == run.scenario_budget == Decimal(150)
            assert result["entitlement"]["base"] == result["entitlement"]["scenario"]
            firms = _exported(demo_app)
            assert result["entitlement"]["base"] == reference_reward(firms, BANDS, "20", None)["total_entitlement"]
            assert result["award"]["base"] == min(result["entitlement"]["base"], Decimal(150))
        finally:
            bureau_settings.set_program_settings(db.session, YEAR, {}, None, None)
            db.session.commit()


def test_a_bad_budget_is_refused_by_field(demo_app):
    with demo_app.app_context():
        for value in ("lots", "-5", "1.00001"):
            try:
                whatif.save_scenario(db.session, None, name="bad budget", as_of=AS_OF,
                                     overrides={whatif.BUDGET_PATH: value})
            except whatif.ScenarioError as error:
                assert error.field == "overrides"
            else:
                raise AssertionError(value)
        db.session.rollback()


def test_targets_show_the_monitoring_forecast_under_the_scenario(demo_app):
    with demo_app.app_context():
        for indicator, value in (("hnte_valid", "40"), ("tax_relief", "100"), ("tax_relief.firms", "10"),
                                 ("tech_sme_valid", "5")):
            targets.set_target(db.session, None, indicator=indicator, year=YEAR, value=value)
        db.session.commit()
        try:
            run = _scenario_run(demo_app, {HNTE: "0.02", "hnte.rd_ratio.bands.1.min": "0.02",
                                           "hnte.rd_ratio.bands.2.min": "0.02"}, "hnte easier")
            rows = {row["target"].indicator: row for row in whatif.target_results(db.session, run)
                    if row["target"].district is None}
            city = indicators.compute(db.session, AS_OF, tax_relief=False)[indicators.CITY_SCOPE]
            forecast = city.forecast()
            assert rows["hnte_valid"]["base"] == Decimal(forecast["value"])
            # Independently: the HNTE winners outside the forecast's sets join the pipeline, the
            # losers in the pipeline leave it.
            sets = indicators.firm_sets(indicators.Period(AS_OF, YEAR - 1))
            ids = {name: set(db.session.scalars(select(Firm.id).where(sets[name])))
                   for name in ("forecast.held", "forecast.coming", "forecast.pipeline")}
            moved = {change: set(db.session.scalars(select(WhatifChange.firm_id).where(
                WhatifChange.run_id == run.id, WhatifChange.tier == "hnte", WhatifChange.change == change)))
                for change in (WINNER, LOSER)}
            gained = len(moved[WINNER] - ids["forecast.held"] - ids["forecast.coming"] - ids["forecast.pipeline"])
            lost = len(moved[LOSER] & ids["forecast.pipeline"])
            assert gained, "the scenario should add HNTE firms outside the forecast"
            rate = Decimal(forecast["rate"])
            assert rows["hnte_valid"]["scenario"] == Decimal(
                forecast["held"] + forecast["coming"] + (forecast["pipeline"] + gained - lost) * rate)
            relief = whatif.incentive_results(db.session, run)
            assert rows["tax_relief"]["scenario"] == sum(item["scenario"] for item in relief.values())
            assert rows["tax_relief"]["base"] == sum(item["base"] for item in relief.values())
            assert rows["tax_relief.firms"]["base"] > 0
            assert rows["tech_sme_valid"]["base"] == rows["tech_sme_valid"]["scenario"] == city["tech_sme_valid"]
            assert not rows["tech_sme_valid"]["changed"]
            run_id = run.id
            db.session.rollback()
            admin = db.session.scalar(select(User).where(User.role == "admin"))
            db.session.expunge(admin)
            client = demo_app.test_client()
            login(client, admin)
            assert whatif.BUDGET_PATH in client.get("/whatif/new").get_data(as_text=True)
            page = client.get(f"/whatif/runs/{run_id}")
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            assert 'id="programs"' in html and 'data-target="hnte_valid"' in html
            export = client.get(f"/whatif/runs/{run_id}/results.xlsx")
            assert export.status_code == 200
            book = load_workbook(io.BytesIO(export.data))
            assert len(book.sheetnames) == 4
            assert all(name.endswith(run.as_of.isoformat()) for name in book.sheetnames)  # the run's date
            assert len(list(book.worksheets[3].iter_rows(values_only=True))) == len(whatif.target_results(db.session, run)) + 1
            # Target values are number cells; the reliefs end with their totals row.
            assert all(cell.data_type == "n" for row in book.worksheets[3].iter_rows(min_row=2, min_col=3)
                       for cell in row if cell.value is not None)
            relief = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
            assert relief[-1][3] == pytest.approx(sum(row[3] for row in relief[:-1]))
            compare = client.get(f"/whatif/compare?a={run_id}&b={run_id}")
            assert compare.get_data(as_text=True).count('id="programs"') == 2
        finally:
            db.session.rollback()

"""`flask programs rd-reward|rd-top|rd-priority` on demo data, equal to an independent computation
over what `facts export` prints: for the city and a district, with and without a budget."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from tests.demo.conftest import demo, load_args, migrated_app
from tests.programs.reference import reference_priority, reference_reward, reference_top

AS_OF = dt.date(2026, 6, 30)
YEAR = 2026                      # program year: FY 2025 data
BANDS = [("0.03", "0.03"), ("0.04", "0.04"), ("0.05", "0.05")]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('programs') / 'demo.db'}")
    result = demo(app, *load_args(firms=400, seed=11, as_of=AS_OF))
    assert result.exit_code == 0, result.output
    return app


def run(app, *args: str) -> dict:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output, parse_float=Decimal)


def exported(app, district: str | None = None) -> list[dict]:
    """The firms `facts export` exports today, as the reference reads them (FY YEAR−1 figures)."""
    args = ["facts", "export"] + (["--district", district] if district else [])
    firms = []
    for entry in run(app, *args)["firms"]:
        year = entry["years"].get(str(YEAR - 1), {})
        firms.append({"id": entry["id"], "revenue": year.get("revenue"), "rd": year.get("rd_expense"),
                      "rd_survey": year.get("rd_survey"), "incidents": entry["incidents"]})
    return firms


def districts(app) -> list[str]:
    from registry.extensions import db
    from registry.models import District
    with app.app_context():
        return [district.code for district in db.session.query(District).order_by(District.code)]


def decimal_fields(result: dict) -> dict:
    """Money strings as Decimals, so "0.90" and "0.9" compare equal (both exact)."""
    def value(text):
        return None if text is None else Decimal(text)
    return {**{key: value(result[key]) for key in ("budget", "total_entitlement", "total_award", "remainder")},
            "firms": [{**f, **{key: value(f[key]) for key in ("rate", "entitlement", "award")}}
                      for f in result["firms"]]}


@pytest.mark.parametrize("budget", [None, "100", "1000000"])
@pytest.mark.parametrize("scope", ["city", "district"])
def test_rd_reward_equals_the_reference(demo_app, scope, budget):
    district = districts(demo_app)[0] if scope == "district" else None
    args = ["programs", "rd-reward", "--year", str(YEAR)] + (["--district", district] if district else []) \
        + (["--budget", budget] if budget else [])
    printed = run(demo_app, *args)
    firms = exported(demo_app, district)
    assert printed["year"] == YEAR and printed["budget"] == budget
    assert [f["id"] for f in printed["firms"]] == [f["id"] for f in firms]
    expected = reference_reward(firms, BANDS, "100", budget)
    assert decimal_fields(printed) == {**expected, "firms": [{**f, "rate": f["rate"]} for f in expected["firms"]]}
    eligible = [f for f in printed["firms"] if f["eligible"]]
    assert eligible and any(f["eligible"] is False for f in printed["firms"])
    if budget == "100":     # the demo's entitlements exceed 100: shared, floored, a remainder left
        assert Decimal(printed["total_award"]) <= 100 < Decimal(printed["total_entitlement"])
        assert 0 <= Decimal(printed["remainder"]) < Decimal("0.0001") * len(eligible)


@pytest.mark.parametrize("scope", ["city", "district"])
def test_rd_top_and_priority_equal_the_reference(demo_app, scope):
    district = districts(demo_app)[-1] if scope == "district" else None
    where = ["--district", district] if district else []
    firms = exported(demo_app, district)
    printed = run(demo_app, "programs", "rd-top", "--year", str(YEAR), "--top", "20", *where)
    expected = reference_top(firms, top=20)
    assert printed["eligible"] == expected["eligible"] > 0
    assert [{**row, "points": Decimal(row["points"]), "rd": Decimal(row["rd"])} for row in printed["ranking"]] \
        == expected["ranking"]
    priority = run(demo_app, "programs", "rd-priority", "--year", str(YEAR), *where)
    assert priority == {"year": YEAR, "firms": reference_priority(firms)}


def test_bad_arguments_are_usage_errors(demo_app):
    runner = demo_app.test_cli_runner()
    for args in (["rd-reward", "--year", "2026", "--budget", "-1"],
                 ["rd-reward", "--year", "2026", "--budget", "1.00001"],
                 ["rd-top", "--year", "2026", "--district", "nowhere"],
                 ["rd-priority"]):
        result = runner.invoke(args=["programs", *args])
        assert result.exit_code == 2, (args, result.output)
    assert runner.invoke(args=["programs", "rd-top", "--year", "2010"]).exit_code == 1


def test_a_district_without_budget_uses_its_own_budget_of_the_settings(demo_app):
    from registry.extensions import db
    from registry.services import settings as bureau_settings
    district = districts(demo_app)[0]
    with demo_app.app_context():
        bureau_settings.set_program_settings(db.session, YEAR, {}, None, None, {district: Decimal(50)})
        db.session.commit()
    try:
        printed = run(demo_app, "programs", "rd-reward", "--year", str(YEAR), "--district", district)
        assert printed["budget"] == "50"
        expected = reference_reward(exported(demo_app, district), BANDS, "100", "50")
        assert decimal_fields(printed) == expected
        # An explicit --budget wins; the city without --budget has none.
        assert run(demo_app, "programs", "rd-reward", "--year", str(YEAR), "--district", district,
                   "--budget", "70")["budget"] == "70"
        assert run(demo_app, "programs", "rd-reward", "--year", str(YEAR))["budget"] is None
    finally:
        with demo_app.app_context():
            bureau_settings.set_program_settings(db.session, YEAR, {}, None, None)
            db.session.commit()

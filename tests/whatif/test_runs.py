"""What-if runs on demo data: base and scenario equal `rules check` over `facts export` firm for
firm, live tables untouched, recorded parameters, chunks, cancel and the CLI contract."""
from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select, text

from registry.extensions import db
from registry.models import Firm, Scenario, WhatifChange, WhatifChunk, WhatifRun
from registry.models.whatif import LOSER, WINNER
from registry.rules import check_document
from registry.rules.facts import TIERS, load_json
from registry.rules.jsonout import dumps
from registry.services import whatif
from registry.services.facts import export_facts
from tests.whatif.conftest import AS_OF, cli

CAGR = "gazelle.default.revenue_cagr.bands.0.min"
SCENARIOS = [
    ({CAGR: "0.15"}, {}),
    ({"hnte.rd_ratio.bands.1.min": "0.035", "tech_sme.score.min": "70"}, {}),
    ({"leader.default.revenue.min": "30000"}, {"gazelle": "binjiang_2017"}),
]
LIVE_TABLES = ("firms", "filings", "certificates", "firm_verdicts", "candidates", "firm_flags",
               "incentive_opportunities", "notifications", "scans", "scan_chunks")


def _rules_check(app, overrides: dict, profiles: dict, districts=None) -> dict[str, dict[str, str]]:
    """Firm identifier -> tier -> status, as `facts export | rules check [--set ...]` prints them."""
    with app.app_context():
        entries = list(export_facts(db.session, AS_OF))
        if districts:
            wanted = {firm.identifier for firm in db.session.scalars(select(Firm).where(Firm.district.in_(districts)))}
            entries = [entry for entry in entries if entry["id"] in wanted]
        db.session.rollback()
    document = load_json(dumps({"as_of": AS_OF.isoformat(), "firms": entries}))
    profiles = {**app.config.get("RULE_PROFILES", {}), **profiles} if profiles else None
    result = check_document(document, overrides=overrides, profiles=profiles)
    return {firm["id"]: {tier: firm["tiers"][tier]["status"] for tier in TIERS} for firm in result["firms"]}


def _run(app, overrides: dict, profiles: dict, *extra: str) -> dict:
    args = ["whatif", "run", "--as-of", AS_OF.isoformat(), "--inline"]
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    for key, value in profiles.items():
        args += ["--profile", f"{key}={value}"]
    result = cli(app, *args, *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _changes(app, scenario_id: int) -> dict[tuple[str, int], set[str]]:
    with app.app_context():
        run = db.session.scalars(select(WhatifRun).where(WhatifRun.scenario_id == scenario_id)).one()
        rows = db.session.execute(select(WhatifChange.tier, WhatifChange.change, Firm)
                                  .join(Firm, Firm.id == WhatifChange.firm_id)
                                  .where(WhatifChange.run_id == run.id)).all()
        out: dict[tuple[str, int], set[str]] = {}
        for tier, change, firm in rows:
            out.setdefault((tier, change), set()).add(firm.identifier)
        return out


@pytest.mark.parametrize(("overrides", "profiles"), SCENARIOS)
def test_base_and_scenario_equal_rules_check_firm_for_firm(demo_app, overrides, profiles):
    output = _run(demo_app, overrides, profiles)
    assert list(output) == ["scenario_id", "as_of", "overrides", "tiers", "incentives"]
    assert output["as_of"] == AS_OF.isoformat() and output["overrides"] == overrides
    base, changed = _rules_check(demo_app, {}, {}), _rules_check(demo_app, overrides, profiles)
    changes = _changes(demo_app, output["scenario_id"])
    moved = 0
    for tier in TIERS:
        eligible_before = {firm for firm, tiers in base.items() if tiers[tier] == "eligible"}
        eligible_after = {firm for firm, tiers in changed.items() if tiers[tier] == "eligible"}
        assert output["tiers"][tier] == {"base": len(eligible_before), "scenario": len(eligible_after),
                                         "winners": len(eligible_after - eligible_before),
                                         "losers": len(eligible_before - eligible_after)}
        assert changes.get((tier, WINNER), set()) == eligible_after - eligible_before
        assert changes.get((tier, LOSER), set()) == eligible_before - eligible_after
        moved += len(eligible_after ^ eligible_before)
    assert moved, "a scenario that changes nothing proves little"


def test_a_district_scenario_counts_only_its_districts(demo_app):
    with demo_app.app_context():
        district = db.session.scalar(select(Firm.district).group_by(Firm.district)
                                     .order_by(text("count(*) DESC")).limit(1))
    output = _run(demo_app, {CAGR: "0.15"}, {}, "--district", district)
    base = _rules_check(demo_app, {}, {}, [district])
    changed = _rules_check(demo_app, {CAGR: "0.15"}, {}, [district])
    for tier in TIERS:
        assert output["tiers"][tier]["base"] == sum(t[tier] == "eligible" for t in base.values())
        assert output["tiers"][tier]["scenario"] == sum(t[tier] == "eligible" for t in changed.values())
    assert len(base) < 300


def _digest(app) -> dict[str, str]:
    """A hash per live table of every row, and of the firms' audit trail."""
    out = {}
    with app.app_context():
        for name in LIVE_TABLES:
            rows = db.session.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")).all()
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        rows = db.session.execute(text("SELECT * FROM audit_events WHERE firm_id IS NOT NULL ORDER BY id")).all()
        out["audit_events of firms"] = hashlib.sha256(repr(rows).encode()).hexdigest()
        counts = {name: db.session.scalar(text(f"SELECT count(*) FROM {name}")) for name in LIVE_TABLES}
    assert counts["firm_verdicts"] and counts["candidates"] and counts["firm_flags"], counts
    return out


def test_live_tables_are_byte_for_byte_unchanged_by_a_run(demo_app):
    before = _digest(demo_app)
    output = _run(demo_app, {CAGR: "0.12", "hnte.rd_ratio.bands.0.min": "0.04"}, {"gazelle": "shandong"})
    assert output["tiers"]["gazelle"]["winners"] + output["tiers"]["gazelle"]["losers"] > 0
    assert _digest(demo_app) == before


def test_a_rerun_uses_the_recorded_parameters(demo_app):
    output = _run(demo_app, {CAGR: "0.15"}, {}, "--name", "recorded")
    with demo_app.app_context():
        run = db.session.scalars(select(WhatifRun).where(WhatifRun.scenario_id == output["scenario_id"])).one()
        demo_app.config["RULE_PROFILES"] = {"gazelle": "binjiang_2017"}   # the bureau switches profile
        try:
            again = whatif.rerun(db.session, None, run, dispatch=False)
            db.session.commit()
            again = whatif.run_inline(db.session, again.id)
            assert again.base_parameters == run.base_parameters
            assert whatif.summary(db.session, again) == output
            fresh = whatif.start_run(db.session, None, db.session.get(Scenario, output["scenario_id"]),
                                     dispatch=False)
            assert fresh.base_profiles["gazelle"] == "binjiang_2017"
            db.session.rollback()
        finally:
            demo_app.config.pop("RULE_PROFILES")


def test_runs_are_chunked_and_a_cancelled_run_stops(demo_app):
    with demo_app.app_context():
        scenario = whatif.save_scenario(db.session, None, name="cancel me", as_of=AS_OF, overrides={CAGR: "0.15"})
        run = whatif.start_run(db.session, None, scenario)
        db.session.commit()
        chunk_ids = db.session.scalars(select(WhatifChunk.id).where(WhatifChunk.run_id == run.id)
                                       .order_by(WhatifChunk.index)).all()
        assert len(chunk_ids) == 3 and run.firms_total == 300
        whatif.run_chunk(chunk_ids[0])
        db.session.expire_all()
        assert (run.status, run.chunks_done, run.firms_done) == ("running", 1, 120)
        assert whatif.cancel_run(db.session, None, run)
        db.session.commit()
        whatif.run_chunk(chunk_ids[1])   # a message still in the broker: nothing happens
        db.session.expire_all()
        assert (run.status, run.chunks_done) == ("cancelled", 1)
        assert whatif.reconcile() == 0
        assert not whatif.cancel_run(db.session, None, run)


def test_a_failing_chunk_is_retried_and_the_reconciler_resends_lost_ones(demo_app, monkeypatch):
    with demo_app.app_context():
        scenario = whatif.save_scenario(db.session, None, name="faults", as_of=AS_OF, overrides={CAGR: "0.15"})
        run = whatif.start_run(db.session, None, scenario)
        db.session.commit()
        demo_app.config["SCAN_REQUEUE_AFTER"] = 0
        try:
            assert whatif.reconcile() == 3   # as if the broker lost every message
        finally:
            demo_app.config.pop("SCAN_REQUEUE_AFTER")
        calls = []
        original = whatif.RUNS.work

        def flaky(session, parent, first, last):
            calls.append(first)
            if len(calls) == 1:
                raise RuntimeError("lost connection")
            return original(session, parent, first, last)
        monkeypatch.setattr(whatif, "RUNS", whatif.RUNS.__class__(*(
            flaky if name == "work" else getattr(whatif.RUNS, name)
            for name in ("parent", "chunk", "parent_key", "job", "work"))))
        run = whatif.run_inline(db.session, run.id)
        assert run.status == "done" and run.chunks_done == 3 and len(calls) == 4
        attempts = db.session.scalars(select(WhatifChunk.attempts).where(WhatifChunk.run_id == run.id)
                                      .order_by(WhatifChunk.index)).all()
        assert attempts == [2, 1, 1]


def test_scenarios_refuse_bad_changes_by_field(demo_app):
    with demo_app.app_context():
        for overrides, profiles, field in (({"gazelle.default.nope": "1"}, {}, "overrides"),
                                           ({CAGR: "abc"}, {}, "overrides"),
                                           ({}, {"gazelle": "atlantis"}, "profiles"),
                                           ({}, {"unicorn": "default"}, "profiles")):
            with pytest.raises(whatif.ScenarioError) as error:
                whatif.save_scenario(db.session, None, name="bad", as_of=AS_OF, overrides=overrides,
                                     profiles=profiles)
            assert error.value.field == field
        with pytest.raises(whatif.ScenarioError):
            whatif.save_scenario(db.session, None, name="  ", as_of=AS_OF)
        db.session.rollback()


def test_scan_run_set_refuses_and_points_to_whatif(demo_app):
    result = cli(demo_app, "scan", "run", "--inline", "--set", f"{CAGR}=0.15")
    assert result.exit_code == 2 and "whatif run" in result.output


def test_a_firm_deregistered_by_the_base_date_counts_nowhere(demo_app):
    import datetime as dt
    first = _run(demo_app, {CAGR: "0.15"}, {})
    winners = _changes(demo_app, first["scenario_id"])[("gazelle", WINNER)]
    gone = min(winners)
    with demo_app.app_context():
        firm = db.session.scalar(select(Firm).where(Firm.credit_code == gone))
        firm.deregistered_on = AS_OF - dt.timedelta(days=1)
        db.session.commit()
    try:
        second = _run(demo_app, {CAGR: "0.15"}, {})
        assert _changes(demo_app, second["scenario_id"])[("gazelle", WINNER)] == winners - {gone}
        assert second["tiers"]["gazelle"]["winners"] == first["tiers"]["gazelle"]["winners"] - 1
    finally:
        with demo_app.app_context():
            db.session.scalar(select(Firm).where(Firm.credit_code == gone)).deregistered_on = None
            db.session.commit()

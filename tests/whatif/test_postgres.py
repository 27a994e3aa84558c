"""What-if on PostgreSQL (binary COPY of the result rows): the same counts as `rules check`, firm
for firm, and live tables untouched."""
from __future__ import annotations

import pytest

from tests.whatif.conftest import demo_registry_on_postgres
from tests.whatif.test_runs import CAGR, _changes, _digest, _rules_check, _run

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def pg_app():
    with demo_registry_on_postgres("yz_whatif_test") as app:
        yield app


def test_a_run_on_postgresql_equals_rules_check_and_writes_nothing_live(pg_app):
    before = _digest(pg_app)
    overrides = {CAGR: "0.15", "hnte.rd_ratio.bands.1.min": "0.035"}
    output = _run(pg_app, overrides, {"leader": "default"})
    assert _digest(pg_app) == before
    base, changed = _rules_check(pg_app, {}, {}), _rules_check(pg_app, overrides, {})
    changes = _changes(pg_app, output["scenario_id"])
    for tier, counts in output["tiers"].items():
        before_set = {firm for firm, tiers in base.items() if tiers[tier] == "eligible"}
        after_set = {firm for firm, tiers in changed.items() if tiers[tier] == "eligible"}
        assert (counts["base"], counts["scenario"]) == (len(before_set), len(after_set))
        assert changes.get((tier, 1), set()) == after_set - before_set
        assert changes.get((tier, -1), set()) == before_set - after_set


def test_program_results_on_postgresql_equal_an_independent_computation(pg_app):
    from tests.whatif.test_programs_targets import (
        test_program_results_equal_an_independent_computation as program_check,
    )
    program_check(pg_app)

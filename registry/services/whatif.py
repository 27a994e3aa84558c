"""What-if: scenarios of a policy change, and runs that evaluate a scope of the registry under the
base and the scenario's parameters from the same facts, writing only their own result tables.

A run records both parameter sets whole (JSON with exact decimals), so running it again on
unchanged records gives the same numbers even after the parameter files or the bureau's profiles
change. It is split in chunks of firm ids like a scan (services/chunks.py: the chunk table,
attempts, the reconciler); a chunk reads its firms once (the scan's loader), evaluates them twice
with the rules engine's batch path, and inserts its aggregates per district (tiers, incentives)
and the firms whose tier status changes to or from eligible (winners and losers), with the
criterion that made the difference. Nothing live is written: not verdicts, candidates, flags,
opportunities, certificates, notifications, nor any firm's audit trail.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.orm import Session

from registry.models import (
    District,
    Firm,
    Scenario,
    Target,
    WhatifChange,
    WhatifChunk,
    WhatifDistrictTotal,
    WhatifIncentiveTotal,
    WhatifRun,
    WhatifTierCount,
)
from registry.models.base import utcnow
from registry.models.whatif import LOSER, WINNER
from registry.rules import today_in_shanghai
from registry.rules.engine import BatchVerdicts, TierVerdicts, evaluate
from registry.rules.facts import TIERS
from registry.rules.i18n import Message
from registry.rules.jsonout import dumps
from registry.rules.logic import TRUE, UNKNOWN
from registry.rules.params import PROFILE_TIERS, ParameterError, ParameterSet
from registry.rules.programs import (
    FINE_PER_YUAN,
    ProgramFirms,
    ProgramSettings,
    rd_priority,
    rd_reward,
    rd_top,
)
from registry.rules.units import SAVING_SCALE, from_fixed, to_fixed
from registry.scan.loader import load_columns, load_districts, use_own_parallelism
from registry.scan.stage import INT2, INT4, INT8, TEXT, insert_rows
from registry.services import audit, chunks, indicators
from registry.services import settings as bureau_settings
from registry.services.scans import current_parameters, parameters_for

INCENTIVES = ("rd_super_deduction", "hnte_rate", "vat_credit")
NAME_LENGTH = 120
# A scenario's R&D reward budget (万元): set like a parameter, kept beside the parameter set.
BUDGET_PATH = "programs.rd_reward.budget"
# Target indicators a scenario changes (the others are shown with their current value).
SCENARIO_INDICATORS = ("hnte_valid", "tax_relief", "tax_relief.firms")


class ScenarioError(ValueError):
    """A scenario that cannot be saved or run; `field` names the input at fault. `str(error)` is
    the English text (the CLI's); `message` is the same for pages: a lazy string of the app's
    catalog or a message of the rules' catalog (a parameter the rules refuse)."""

    def __init__(self, field: str, text: str, message=None):
        super().__init__(text)
        self.field = field
        self.message = message if message is not None else text

    @classmethod
    def of_parameter(cls, field: str, error: ParameterError) -> ScenarioError:
        return cls(field, str(error), error.message)


# ---- parameters -------------------------------------------------------------------------------

def parameters_json(params: ParameterSet) -> str:
    """A whole parameter set as JSON text with exact decimals."""
    return dumps({"policy_year": params.policy_year, "tax_year": params.tax_year,
                  "profiles": dict(params.profiles), "overrides": dict(params.overrides), "data": params.data},
                 indent=None)


def parameters_from_json(text: str) -> ParameterSet:
    """The parameter set recorded by `parameters_json`."""
    recorded = json.loads(text, parse_float=Decimal)
    return ParameterSet(recorded["policy_year"], recorded["tax_year"], recorded["profiles"], recorded["overrides"],
                        recorded["data"])


def resolve(session: Session, as_of: dt.date, overrides: Mapping[str, str], profiles: Mapping[str, str]
            ) -> tuple[ParameterSet, ParameterSet]:
    """(base, scenario) parameter sets at as_of: the bureau's (its profile settings in force on
    as_of), and those with the scenario's profile switches and overrides. Raises ScenarioError
    naming the input at fault."""
    unknown = set(profiles) - set(PROFILE_TIERS)
    if unknown:
        raise ScenarioError("profiles", f"no profiles for {', '.join(sorted(unknown))}",
                            Message("param.no_profiles", {"tiers": ", ".join(sorted(unknown))}))
    try:
        base, _key = current_parameters(session, as_of)
    except ParameterError as error:
        raise ScenarioError.of_parameter("as_of", error) from None
    own = bureau_settings.program_overrides(session, as_of.year)
    changes = {path: value for path, value in overrides.items() if path != BUDGET_PATH}
    if own:   # the bureau's program numbers of the year are part of its base
        base, _key = parameters_for(as_of, own, base.profiles)
    try:
        scenario, _key = parameters_for(as_of, {**own, **changes}, {**base.profiles, **profiles})
    except ParameterError as error:
        raise ScenarioError.of_parameter("profiles" if "profile" in (error.key or "") else "overrides",
                                         error) from None
    scenario_budget(overrides, None)   # checks the budget's value
    return base, scenario


def scenario_budget(overrides: Mapping[str, str], base: Decimal | None) -> Decimal | None:
    """The R&D reward budget (万元) a scenario sets (BUDGET_PATH), else `base`; an empty value
    means no budget. Raises ScenarioError for a value that is not an amount."""
    if BUDGET_PATH not in overrides:
        return base
    raw = str(overrides[BUDGET_PATH]).strip()
    if raw in ("", "none"):
        return None
    try:
        amount = Decimal(raw)
        to_fixed(amount)
    except (ArithmeticError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ScenarioError("overrides", f"{BUDGET_PATH}: an amount in 万元 of at least 0, at most 4 decimals",
                            _l("The reward budget (%(path)s) is an amount in 10k yuan of 0 or more with at "
                               "most 4 decimal places.", path=BUDGET_PATH))
    return amount


def base_budget(session: Session, year: int, districts: Iterable[str]) -> Decimal | None:
    """The bureau's R&D reward budget of program year `year` for a scope: the city's for the
    whole city, else None (no budget of the scope is set)."""
    return None if list(districts) else bureau_settings.program_budget(session, year)


def numeric_parameters(params: ParameterSet) -> list[tuple[str, Decimal | int, str]]:
    """(dotted path, value, unit) of every numeric parameter a scenario may change: the tiers'
    (the selected profiles only), the flags' and the incentives'."""
    found: list[tuple[str, Decimal | int, str]] = []

    def walk(node, path: str, units: Mapping[str, str]) -> None:
        if isinstance(node, dict):
            units = node.get("units", units)
            for key, value in node.items():
                if key != "units":
                    leaf(value, f"{path}.{key}", key, units)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                leaf(item, f"{path}.{index}", None, units)

    def leaf(value, path: str, key: str | None, units: Mapping[str, str]) -> None:
        if isinstance(value, (dict, list)):
            walk(value, path, units)
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            found.append((path, value, units.get(key, "")))

    for top, table in params.data.items():
        if not isinstance(table, dict):
            continue
        if top in PROFILE_TIERS:
            walk(table[params.profiles[top]], f"{top}.{params.profiles[top]}", {})
        else:
            walk(table, top, {})
    return found


def profile_choices(params: ParameterSet) -> dict[str, list[str]]:
    """The profile keys of each profile tier in a parameter set."""
    return {tier: [key for key, table in params.data[tier].items() if isinstance(table, dict)]
            for tier in PROFILE_TIERS}


# ---- scenarios --------------------------------------------------------------------------------

def save_scenario(session: Session, actor, *, name: str, as_of: dt.date | None,
                  districts: Iterable[str] = (), overrides: Mapping[str, str] | None = None,
                  profiles: Mapping[str, str] | None = None, scenario: Scenario | None = None) -> Scenario:
    """Create (or change) a scenario after checking that its parameters apply. Flushes."""
    name = (name or "").strip()
    if not name:
        raise ScenarioError("name", "a scenario needs a name", _l("A scenario needs a name."))
    if len(name) > NAME_LENGTH:
        raise ScenarioError("name", f"at most {NAME_LENGTH} characters",
                            _l("At most %(count)s characters.", count=NAME_LENGTH))
    as_of = as_of or today_in_shanghai()
    overrides, profiles = dict(overrides or {}), {k: v for k, v in (profiles or {}).items() if v}
    resolve(session, as_of, overrides, profiles)
    districts = sorted(set(districts))
    if scenario is None:
        scenario = Scenario(created_by_id=getattr(actor, "id", None))
        session.add(scenario)
    scenario.name, scenario.as_of, scenario.districts = name, as_of, districts
    scenario.overrides, scenario.profiles = overrides, profiles
    session.flush()
    audit.record(session, actor, "whatif.scenario_save", scenario, name=name, as_of=as_of.isoformat(),
                 districts=districts, overrides=overrides, profiles=profiles)
    return scenario


def copy_scenario(session: Session, actor, scenario: Scenario, name: str) -> Scenario:
    """A new scenario with the same date, scope and changes, created by `actor`."""
    return save_scenario(session, actor, name=name, as_of=scenario.as_of, districts=scenario.districts,
                         overrides=scenario.overrides, profiles=scenario.profiles)


def delete_scenario(session: Session, actor, scenario: Scenario) -> None:
    """Delete a scenario with its runs and their results (a running run is cancelled first)."""
    for run in session.scalars(select(WhatifRun).where(WhatifRun.scenario_id == scenario.id,
                                                       WhatifRun.status.in_(chunks.ACTIVE))):
        cancel_run(session, actor, run)
    audit.record(session, actor, "whatif.scenario_delete", scenario, name=scenario.name)
    for table in (WhatifChange, WhatifTierCount, WhatifIncentiveTotal, WhatifDistrictTotal, WhatifChunk):
        session.execute(delete(table).where(table.run_id.in_(
            select(WhatifRun.id).where(WhatifRun.scenario_id == scenario.id))))
    session.execute(delete(WhatifRun).where(WhatifRun.scenario_id == scenario.id))
    session.delete(scenario)
    session.flush()


# ---- runs -------------------------------------------------------------------------------------

def start_run(session: Session, actor, scenario: Scenario, *, dispatch: bool = True) -> WhatifRun:
    """Queue a run of the scenario with today's bureau parameters. Flushes; with `dispatch` the
    chunks are sent to the workers after commit, otherwise the caller runs them (`run_inline`)."""
    base, changed = resolve(session, scenario.as_of, scenario.overrides, scenario.profiles)
    budget = base_budget(session, scenario.as_of.year, scenario.districts)
    budgets = (budget, scenario_budget(scenario.overrides, budget))
    return _queue(session, actor, scenario, base, changed, scenario.districts, dispatch,
                  overrides=scenario.overrides, budgets=budgets)


def rerun(session: Session, actor, run: WhatifRun, *, dispatch: bool = True) -> WhatifRun:
    """Queue a run with exactly the parameters (and budgets) `run` recorded."""
    return _queue(session, actor, run.scenario, parameters_from_json(run.base_parameters),
                  parameters_from_json(run.scenario_parameters), run.districts, dispatch, run.as_of,
                  overrides=run.overrides, budgets=(run.base_budget, run.scenario_budget))


def _queue(session: Session, actor, scenario: Scenario, base: ParameterSet, changed: ParameterSet,
           districts: list[str], dispatch: bool, as_of: dt.date | None = None, *,
           overrides: Mapping[str, str], budgets: tuple[Decimal | None, Decimal | None]) -> WhatifRun:
    run = WhatifRun(scenario_id=scenario.id, as_of=as_of or scenario.as_of, districts=list(districts),
                    policy_year=changed.policy_year, base_profiles=dict(base.profiles),
                    profiles=dict(changed.profiles), overrides=dict(overrides),
                    base_parameters=parameters_json(base), scenario_parameters=parameters_json(changed),
                    base_budget=budgets[0], scenario_budget=budgets[1],
                    status="queued", requested_by_id=getattr(actor, "id", None))
    session.add(run)
    session.flush()
    # The firms that count on the date (models.firm.active_on, as the loader reads them), of the scope.
    where, params = "(deregistered_on IS NULL OR deregistered_on > :as_of)", {"as_of": run.as_of}
    if districts:
        names = [f"d{i}" for i in range(len(districts))]
        where += f" AND district IN ({', '.join(':' + name for name in names)})"
        params.update(zip(names, districts))
    ranges = chunks.chunk_ranges(session, chunks.setting("SCAN_CHUNK_SIZE"), where, params)
    chunks.add_chunks(session, RUNS, run, ranges, dispatch)
    audit.record(session, actor, "whatif.run", run, scenario=scenario.id, as_of=run.as_of.isoformat(),
                 districts=list(districts), overrides=dict(overrides), profiles=dict(changed.profiles))
    return run


def cancel_run(session: Session, actor, run: WhatifRun) -> bool:
    """Stop a queued or running run: its chunks not yet taken are never run. False if it was over."""
    cancelled = session.execute(update(WhatifRun).where(WhatifRun.id == run.id,
                                                        WhatifRun.status.in_(chunks.ACTIVE))
                                .values(status="cancelled", finished_at=utcnow()))
    if not cancelled.rowcount:
        return False
    session.execute(update(WhatifChunk).where(WhatifChunk.run_id == run.id, WhatifChunk.status == "queued")
                    .values(status="cancelled"))
    audit.record(session, actor, "whatif.cancel", run)
    session.flush()
    session.refresh(run)
    return True


@dataclass
class _Scope:
    """The firms of a range in the run's scope: their rows in the loaded batch and districts."""
    rows: np.ndarray
    districts: np.ndarray


def _scope(connection, run: WhatifRun, firm_ids: np.ndarray, first: int, last: int) -> _Scope:
    districts = load_districts(connection, firm_ids, first, last, run.as_of)
    wanted = np.isin(districts, run.districts) if run.districts else districts != ""
    rows = np.flatnonzero(wanted)
    return _Scope(rows, districts[rows])


def _work(session: Session, run: WhatifRun, first: int, last: int) -> tuple[int, dict[str, int]]:
    """Evaluate a range under both parameter sets from one read of the facts; insert aggregates and
    changes. Returns (firms, {"changes": n})."""
    connection = session.connection()
    use_own_parallelism(connection)
    firm_ids, columns = load_columns(connection, first, last, run.as_of)
    if not len(firm_ids):
        return 0, {}
    scope = _scope(connection, run, firm_ids, first, last)
    if not len(scope.rows):
        return 0, {}
    if len(scope.rows) < len(firm_ids):
        firm_ids, columns = firm_ids[scope.rows], columns.take(scope.rows)
    base = evaluate(columns, parameters_from_json(run.base_parameters))
    changed = evaluate(columns, parameters_from_json(run.scenario_parameters))
    chunk_index = session.scalar(select(WhatifChunk.index).where(WhatifChunk.run_id == run.id,
                                                                 WhatifChunk.first_firm_id == first))
    names, district_codes = np.unique(scope.districts.astype(str), return_inverse=True)
    n_districts = len(names)

    def per_district(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        out = np.zeros(n_districts, dtype=np.int64)
        np.add.at(out, district_codes[mask], 1 if weights is None else weights[mask])
        return out

    everyone = np.ones(len(firm_ids), dtype=bool)
    tier_rows, total_changes = {"district": [], "tier": [], "firms": [], "base": [], "scenario": [],
                                "winners": [], "losers": []}, 0
    for tier in TIERS:
        was, now = base.status(tier) == TRUE, changed.status(tier) == TRUE
        winners, losers = ~was & now, was & ~now
        counts = [per_district(everyone), per_district(was), per_district(now),
                  per_district(winners), per_district(losers)]
        tier_rows["district"] += names.tolist()
        tier_rows["tier"] += [tier] * n_districts
        for key, values in zip(("firms", "base", "scenario", "winners", "losers"), counts):
            tier_rows[key] += values.tolist()
        total_changes += _write_changes(connection, run, tier, base, changed, firm_ids, scope.districts,
                                        winners, losers)
    insert_rows(connection, WhatifTierCount.__table__, {
        "run_id": (INT4, run.id), "chunk_index": (INT4, chunk_index),
        "district": (TEXT, tier_rows["district"]), "tier": (TEXT, tier_rows["tier"]),
        **{key: (INT4, np.array(tier_rows[key], dtype=np.int64))
           for key in ("firms", "base", "scenario", "winners", "losers")}})
    incentive_rows: dict[str, list] = {key: [] for key in (
        "district", "incentive", "base_firms", "scenario_firms", "base_unknown", "scenario_unknown",
        "base_saving", "scenario_saving")}
    for incentive in INCENTIVES:
        incentive_rows["district"] += names.tolist()
        incentive_rows["incentive"] += [incentive] * n_districts
        for side, verdicts in (("base", base), ("scenario", changed)):
            it = verdicts.incentives[incentive]
            incentive_rows[f"{side}_firms"] += per_district(it.applies).tolist()
            incentive_rows[f"{side}_unknown"] += per_district(it.applies & ~it.saving_known).tolist()
            incentive_rows[f"{side}_saving"] += per_district(it.applies & it.saving_known, it.saving).tolist()
    insert_rows(connection, WhatifIncentiveTotal.__table__, {
        "run_id": (INT4, run.id), "chunk_index": (INT4, chunk_index),
        "district": (TEXT, incentive_rows["district"]), "incentive": (TEXT, incentive_rows["incentive"]),
        **{key: (INT8 if key.endswith("saving") else INT4, np.array(values, dtype=np.int64))
           for key, values in incentive_rows.items() if key not in ("district", "incentive")}})
    totals = {f"{side}_tax_firms": per_district(_saving_firms(verdicts)) for side, verdicts in
              (("base", base), ("scenario", changed))}
    totals.update(_program_totals(run, columns, district_codes, n_districts))
    insert_rows(connection, WhatifDistrictTotal.__table__, {
        "run_id": (INT4, run.id), "chunk_index": (INT4, chunk_index), "district": (TEXT, names.tolist()),
        **{key: (INT8 if key.endswith("entitlement") else INT4, values.astype(np.int64))
           for key, values in totals.items()}})
    return len(firm_ids), {"changes": total_changes}


def _saving_firms(verdicts: BatchVerdicts) -> np.ndarray:
    """Firms with at least one known incentive saving above zero (the `tax_relief.firms` rule)."""
    return np.logical_or.reduce([it.applies & it.saving_known & (it.saving > 0)
                                 for it in verdicts.incentives.values()])


def _program_totals(run: WhatifRun, columns, district_codes: np.ndarray, n_districts: int
                    ) -> dict[str, np.ndarray]:
    """The programs of the run's year over the range's firms in scope, from the facts the run read
    once (FY year−1 of `columns`), per district (`district_codes` index the run's district names),
    under both parameter sets: reward eligible and unknown firms, Σ entitlement (10^-8 万元),
    priority firms, top-N eligible firms."""
    firms = ProgramFirms.from_columns(columns)
    out: dict[str, np.ndarray] = {}

    def add(key: str, mask: np.ndarray, weights: np.ndarray | None = None) -> None:
        values = np.zeros(n_districts, dtype=np.int64)
        np.add.at(values, district_codes[mask], 1 if weights is None else weights[mask])
        out[key] = values

    for side, params in zip(("base", "scenario"), run_parameters(run)):
        settings = ProgramSettings.from_parameters(params)
        reward = rd_reward(firms, settings)
        eligible = reward.eligible == TRUE
        add(f"{side}_reward_firms", eligible)
        add(f"{side}_reward_unknown", reward.eligible == UNKNOWN)
        add(f"{side}_entitlement", eligible, reward.entitlement)
        add(f"{side}_priority", rd_priority(firms, settings))
        add(f"{side}_top", rd_top(firms, settings).eligible)
    return out


def _deciding(base: TierVerdicts, changed: TierVerdicts, i: int, winner: bool) -> str | None:
    """The first criterion (in report order) that passes under the scenario but not the base (a
    winner), or passes under the base but not the scenario (a loser)."""
    for cid, outcome in changed.outcomes.items():
        before = base.outcomes.get(cid)
        passed_now = outcome.passed[i] == TRUE
        passed_before = before is not None and before.passed[i] == TRUE
        if passed_now != passed_before and passed_now == winner:
            return cid
    if not winner:   # a criterion the scenario's profile does not have
        for cid, outcome in base.outcomes.items():
            if cid not in changed.outcomes and outcome.passed[i] == TRUE:
                return cid
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    return str(value)[:64]


def _write_changes(connection, run: WhatifRun, tier: str, base: BatchVerdicts, changed: BatchVerdicts,
                   firm_ids: np.ndarray, districts: np.ndarray, winners: np.ndarray, losers: np.ndarray) -> int:
    rows = np.flatnonzero(winners | losers)
    if not len(rows):
        return 0
    base_tier, changed_tier = base.tiers[tier], changed.tiers[tier]
    criteria, kinds, actual, base_required, scenario_required = [], [], [], [], []
    for i in rows.tolist():
        cid = _deciding(base_tier, changed_tier, i, bool(winners[i]))
        criteria.append(cid)
        outcome = changed_tier.outcomes.get(cid) or base_tier.outcomes.get(cid)
        kinds.append(outcome.value_kind if outcome is not None else None)
        before = base_tier.outcomes.get(cid)
        actual.append(_text(outcome.actual.at(i)) if outcome is not None and outcome.actual else None)
        base_required.append(_text(before.required.at(i)) if before is not None and before.required else None)
        after = changed_tier.outcomes.get(cid)
        scenario_required.append(_text(after.required.at(i)) if after is not None and after.required else None)
    insert_rows(connection, WhatifChange.__table__, {
        "run_id": (INT4, run.id), "tier": (TEXT, tier), "firm_id": (INT4, firm_ids[rows]),
        "change": (INT2, np.where(winners[rows], WINNER, LOSER)),
        "district": (TEXT, [str(d) for d in districts[rows]]),
        "base_status": (INT2, base.status(tier)[rows].astype(np.int64)),
        "scenario_status": (INT2, changed.status(tier)[rows].astype(np.int64)),
        "criterion": (TEXT, criteria), "kind": (TEXT, kinds), "actual": (TEXT, actual), "base_required": (TEXT, base_required),
        "scenario_required": (TEXT, scenario_required)})
    return len(rows)


RUNS = chunks.ChunkedJob(WhatifRun, WhatifChunk, "run_id", "whatif_chunk", _work)


def run_chunk(chunk_id: int) -> None:
    """Evaluate one chunk of a run, in one transaction that it commits (the job target
    "whatif_chunk")."""
    chunks.run_chunk(RUNS, chunk_id)


def run_inline(session: Session, run_id: int) -> WhatifRun:
    """Run a run's unfinished chunks in this process (the code the workers run)."""
    return chunks.run_inline(session, RUNS, run_id)


def reconcile() -> int:
    """Re-send what-if chunks not started, or not finished, in time (the job target
    "whatif_reconcile"); commits."""
    return chunks.reconcile(RUNS)


# ---- results ----------------------------------------------------------------------------------

def tier_results(session: Session, run: WhatifRun, districts: Iterable[str] | None = None
                 ) -> dict[str, dict[str, dict[str, int]]]:
    """{tier: {district: {"firms", "base", "scenario", "winners", "losers"}}}, every tier listed;
    only `districts` when given."""
    t = WhatifTierCount
    query = (select(t.tier, t.district, func.sum(t.firms), func.sum(t.base), func.sum(t.scenario),
                    func.sum(t.winners), func.sum(t.losers))
             .where(t.run_id == run.id).group_by(t.tier, t.district).order_by(t.district))
    if districts is not None:
        query = query.where(t.district.in_(list(districts)))
    out: dict[str, dict[str, dict[str, int]]] = {tier: {} for tier in TIERS}
    for tier, district, *values in session.execute(query):
        out[tier][district] = dict(zip(("firms", "base", "scenario", "winners", "losers"), map(int, values)))
    return out


def tier_totals(by_district: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """The per-district counts of tier_results summed per tier."""
    keys = ("base", "scenario", "winners", "losers")
    return {tier: {key: sum(counts[key] for counts in rows.values()) for key in keys}
            for tier, rows in by_district.items()}


def incentive_results(session: Session, run: WhatifRun, districts: Iterable[str] | None = None
                      ) -> dict[str, dict[str, Decimal | int]]:
    """{incentive: {"base", "scenario" (万元, exact), "base_firms", "scenario_firms", "base_unknown",
    "scenario_unknown"}} in the engine's order."""
    t = WhatifIncentiveTotal
    columns = ("base_firms", "scenario_firms", "base_unknown", "scenario_unknown", "base_saving",
               "scenario_saving")
    query = (select(t.incentive, *(func.sum(getattr(t, name)) for name in columns))
             .where(t.run_id == run.id).group_by(t.incentive))
    if districts is not None:
        query = query.where(t.district.in_(list(districts)))
    found = {incentive: dict(zip(columns, (int(v or 0) for v in values)))
             for incentive, *values in session.execute(query)}
    out = {}
    for incentive in INCENTIVES:
        sums = found.get(incentive, dict.fromkeys(columns, 0))
        out[incentive] = {"base": Decimal(sums.pop("base_saving")) / SAVING_SCALE,
                          "scenario": Decimal(sums.pop("scenario_saving")) / SAVING_SCALE, **sums}
    return out


PROGRAM_COLUMNS = ("reward_firms", "reward_unknown", "entitlement", "priority", "top", "tax_firms")


def district_totals(session: Session, run: WhatifRun, districts: Iterable[str] | None = None
                    ) -> dict[str, dict[str, dict[str, int]]]:
    """{district: {column: {"base", "scenario"}}} of the run's per-district totals (programs and
    tax-relief firms), summed over its chunks; only `districts` when given."""
    t = WhatifDistrictTotal
    columns = [f"{side}_{name}" for name in PROGRAM_COLUMNS for side in ("base", "scenario")]
    query = (select(t.district, *(func.sum(getattr(t, name)) for name in columns))
             .where(t.run_id == run.id).group_by(t.district).order_by(t.district))
    if districts is not None:
        query = query.where(t.district.in_(list(districts)))
    out = {}
    for district, *values in session.execute(query):
        sums = dict(zip(columns, (int(v or 0) for v in values)))
        out[district] = {name: {side: sums[f"{side}_{name}"] for side in ("base", "scenario")}
                         for name in PROGRAM_COLUMNS}
    return out


def _award(entitlement: int, budget: Decimal | None) -> int:
    """Σ awards (10^-8 万元) of a total entitlement under a budget shared pro rata: the
    entitlement when it fits, else the budget (each award is then floored to the yuan, so the
    awards paid fall short of it by less than one yuan per firm)."""
    if budget is None:
        return entitlement
    return min(entitlement, to_fixed(budget) * FINE_PER_YUAN)


def program_results(session: Session, run: WhatifRun, districts: Iterable[str] | None = None) -> dict:
    """The R&D reward of the run's program year base → scenario: per district and in total the
    eligible firms, Σ entitlement and (in total) Σ awards under each side's budget, the budget
    needed to pay every entitlement in full (the scenario's Σ entitlement) and its shortfall
    against the scenario's budget; with the priority-list and top-N eligible firms. Money in 万元."""
    by_district = district_totals(session, run, districts)
    sides = ("base", "scenario")
    total = {name: {side: sum(row[name][side] for row in by_district.values()) for side in sides}
             for name in PROGRAM_COLUMNS}
    budgets = {"base": run.base_budget, "scenario": run.scenario_budget}
    if districts is not None and run.districts != sorted(districts):
        budgets = {"base": None, "scenario": None}   # a part of the scope has no budget of its own

    def money(fine: int) -> Decimal:
        return from_fixed(fine, SAVING_SCALE)

    needed = money(total["entitlement"]["scenario"])
    budget = budgets["scenario"]
    return {
        "year": run.as_of.year,
        "districts": {code: {"firms": row["reward_firms"], "unknown": row["reward_unknown"],
                             "entitlement": {side: money(row["entitlement"][side]) for side in sides},
                             "priority": row["priority"], "top": row["top"]}
                      for code, row in by_district.items()},
        "firms": total["reward_firms"], "unknown": total["reward_unknown"],
        "priority": total["priority"], "top": total["top"], "tax_firms": total["tax_firms"],
        "entitlement": {side: money(total["entitlement"][side]) for side in sides},
        "award": {side: money(_award(total["entitlement"][side], budgets[side])) for side in sides},
        "budget": budgets, "needed": needed,
        "shortfall": None if budget is None else max(needed - budget, Decimal(0)),
    }


def target_results(session: Session, run: WhatifRun, districts: Iterable[str] | None = None) -> list[dict]:
    """Each target of the run's year for its scope (the city's for a city-wide run, and each
    district's in scope; only `districts` when given), with the monitoring value on the run's
    date and its value under base and scenario.

    The scenario changes three indicators. `hnte_valid` is the monitoring forecast for 31 December
    (held + coming + pipeline × approval rate) where the pipeline gains the HNTE winners with no
    certificate held nor candidate (a scan would open their candidates) and loses the losers whose
    candidate is open or in review (a scan would close it); `tax_relief` and `tax_relief.firms`
    are the run's own estimates under each side. Every other indicator does not depend on the
    rules' parameters: its value is the same under both."""
    from registry.services.dashboard import indicator_value

    wanted: list[str | None] = list(run.districts) or [None, *session.scalars(select(District.code))]
    if districts is not None:
        wanted = [code for code in wanted if code is not None and code in set(districts)]
    targets = [t for t in session.scalars(select(Target).where(Target.year == run.as_of.year)
                                          .order_by(Target.district.is_not(None), Target.district,
                                                    Target.indicator))
               if t.district in wanted]
    if not targets:
        return []
    figures = indicators.compute(session, run.as_of, tax_relief=False)
    pipeline = _pipeline_changes(session, run)
    totals = district_totals(session, run)
    out = []
    for target in targets:
        code = target.district
        codes = [code] if code is not None else list(totals)
        current = figures.get(indicators.CITY_SCOPE if code is None else code, indicators.Figures())
        value = indicator_value(current.indicators(), target.indicator)
        row = {"target": target, "value": value, "base": value, "scenario": value, "changed": False}
        if target.indicator == "hnte_valid":
            changed = indicators.Figures(current.counts.copy())
            changed.counts["forecast.pipeline"] += sum(pipeline.get(one, 0) for one in codes)
            row.update(base=Decimal(current.forecast()["value"]), scenario=Decimal(changed.forecast()["value"]),
                       changed=True)
        elif target.indicator == "tax_relief":
            relief = incentive_results(session, run, None if code is None else [code])
            row.update({side: sum((item[side] for item in relief.values()), Decimal(0))
                        for side in ("base", "scenario")}, changed=True)
        elif target.indicator == "tax_relief.firms":
            row.update({side: Decimal(sum(totals[one]["tax_firms"][side] for one in codes if one in totals))
                        for side in ("base", "scenario")}, changed=True)
        for side in ("base", "scenario"):
            row[f"{side}_met"] = None if row[side] is None else target.met_by(row[side])
        out.append(row)
    return out


def _pipeline_changes(session: Session, run: WhatifRun) -> dict[str, int]:
    """Per district: the HNTE winners outside the forecast (no certificate held on 31 December,
    no candidate coming or pending) minus the HNTE losers in its pipeline."""
    sets = indicators.firm_sets(indicators.Period(run.as_of, run.as_of.year - 1))
    held, coming, pending = sets["forecast.held"], sets["forecast.coming"], sets["forecast.pipeline"]
    outside = ~held & ~coming & ~pending
    c = WhatifChange
    query = (select(c.district, func.count(case((and_(c.change == WINNER, outside), 1))),
                    func.count(case((and_(c.change == LOSER, pending), 1))))
             .join(Firm, Firm.id == c.firm_id)
             .where(c.run_id == run.id, c.tier == "hnte", indicators.exported_firms(None, run.as_of))
             .group_by(c.district))
    return {district: int(gained) - int(lost) for district, gained, lost in session.execute(query)}


def changes_query(run: WhatifRun, tier: str, change: int, districts: Iterable[str] | None = None):
    """The run's winners (change WINNER) or losers of a tier with their firms, by district and id."""
    query = (select(WhatifChange, Firm).join(Firm, Firm.id == WhatifChange.firm_id)
             .where(WhatifChange.run_id == run.id, WhatifChange.tier == tier, WhatifChange.change == change)
             .order_by(WhatifChange.district, WhatifChange.firm_id))
    if districts is not None:
        query = query.where(WhatifChange.district.in_(list(districts)))
    return query


def summary(session: Session, run: WhatifRun) -> dict:
    """The `whatif run` JSON: scenario, date, overrides, per-tier counts and the incentives' total
    estimated relief (万元) under base and scenario."""
    incentives = incentive_results(session, run)
    return {"scenario_id": run.scenario_id, "as_of": run.as_of.isoformat(), "overrides": dict(run.overrides),
            "tiers": tier_totals(tier_results(session, run)),
            "incentives": {side: str(sum((item[side] for item in incentives.values()), Decimal(0)))
                           for side in ("base", "scenario")}}


def growth_years(run: WhatifRun, tier: str) -> dict[str, tuple[int | None, int | None]]:
    """{criterion: (years under the base, years under the scenario)} of the tier's criteria whose
    figures are growth multiples: over how many years a multiple compounds (revenue_cagr's
    `years`; growth_each_year's multiples are yearly)."""
    out: dict[str, list[int | None]] = {"growth_each_year": [1, 1], "revenue_cagr": [None, None]}
    for side, params in enumerate(run_parameters(run)):
        table = params.tier(tier)
        if "revenue_cagr" in table:
            out["revenue_cagr"][side] = table.section("revenue_cagr").integer("years")
    return {criterion: (years[0], years[1]) for criterion, years in out.items()}


def run_parameters(run: WhatifRun) -> tuple[ParameterSet, ParameterSet]:
    """The (base, scenario) parameter sets a run recorded."""
    return parameters_from_json(run.base_parameters), parameters_from_json(run.scenario_parameters)


def firm_results(session: Session, run: WhatifRun, firm_id: int, lang: str | None = None
                 ) -> tuple[dict, dict] | None:
    """The firm's rules §7 entries under the run's base and scenario parameters, evaluated on its
    current facts at the run's date (None if the firm is gone)."""
    firm_ids, columns = load_columns(session.connection(), firm_id, firm_id, run.as_of)
    if not len(firm_ids):
        return None
    base, changed = run_parameters(run)
    return (evaluate(columns, base).firm_result(0, lang), evaluate(columns, changed).firm_result(0, lang))



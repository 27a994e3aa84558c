"""Evaluate a batch: every criterion of every tier (never stopping at a failure), then flags and
incentives, all as numpy arrays. One firm is a batch of one; the whole-registry scan is a batch of
a million; both run exactly this code.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

import numpy as np

from . import report
from .columns import FirmColumns
from .criteria import CRITERIA, Context, TechSmeScore, direct_route_available
from .facts import TIERS
from .logic import FALSE, TRUE, UNKNOWN, all_of, truth
from .outcome import Outcome
from .params import ParameterError, ParameterSet, Section
from .units import SAVING_SCALE, SCALE

TECH_SME_SCORE_CRITERIA = ("st_staff_score_nonzero", "score")
SAVING_UNITS_PER_YUAN = SAVING_SCALE // SCALE


@dataclass(frozen=True)
class TierVerdicts:
    """One tier over the batch: status (int8: eligible 1, insufficient_data 0, ineligible -1)
    and each criterion's outcome, in report order."""
    tier: str
    profile: str | None
    outcomes: dict[str, Outcome]
    clauses: dict[str, str]
    gates: dict[str, str]                     # criterion -> criterion it needs to have passed
    status: np.ndarray
    route_direct: np.ndarray | None = None    # tech_sme only
    score: TechSmeScore | None = None         # tech_sme only

    def listed(self, criterion_id: str, i: int) -> bool:
        """Whether firm i's report lists the criterion (the direct route skips the score)."""
        return not (self.route_direct is not None and self.route_direct[i]
                    and criterion_id in TECH_SME_SCORE_CRITERIA)


@dataclass(frozen=True)
class IncentiveVerdicts:
    """Whether an incentive applies, and its saving in 10^-8 万元 (null where not known)."""
    applies: np.ndarray
    saving: np.ndarray
    saving_known: np.ndarray


@dataclass(frozen=True)
class BatchVerdicts:
    """Everything the engine decided for a batch; per-firm reports derive from these arrays."""
    context: Context
    tiers: dict[str, TierVerdicts]
    flags: dict[str, np.ndarray]
    incentives: dict[str, IncentiveVerdicts]

    @property
    def columns(self) -> FirmColumns:
        return self.context.columns

    @property
    def params(self) -> ParameterSet:
        return self.context.params

    def __len__(self) -> int:
        return len(self.columns)

    def status(self, tier: str) -> np.ndarray:
        return self.tiers[tier].status

    def passed(self, tier: str, criterion_id: str) -> np.ndarray:
        return self.tiers[tier].outcomes[criterion_id].passed

    def firm_result(self, i: int, lang: str | None = None) -> dict:
        """Firm i's entry of the rules.md §7 output; texts in `lang`, or {"zh", "en"} if None."""
        return report.firm_result(self, i, lang)

    def summary(self, i: int) -> dict:
        """A compact JSON-ready digest of firm i, cheap to store and diff (report.summary)."""
        return report.summary(self, i)


def evaluate(columns: FirmColumns, params: ParameterSet) -> BatchVerdicts:
    """Run every criterion, flag and incentive over the batch."""
    ctx = Context(columns, params)
    tiers = {tier: _evaluate_tier(ctx, tier) for tier in TIERS}
    return BatchVerdicts(ctx, tiers, _flags(ctx, tiers), _incentives(ctx, tiers))


def _evaluate_tier(ctx: Context, tier: str) -> TierVerdicts:
    table = ctx.params.tier(tier)
    outcomes, clauses, gates = {}, {}, {}
    for criterion_id in table.get("criteria"):
        if criterion_id not in CRITERIA:
            raise ParameterError(f"{table.path}: unknown criterion {criterion_id!r}")
        section = table.section(criterion_id)
        outcome = CRITERIA[criterion_id](ctx, section)
        if "requires" in section:
            gate = gates[criterion_id] = section.get("requires")
            if gate not in outcomes:
                raise ParameterError(f"{section.path}.requires: {gate!r} must come before it")
            outcome = outcome.gated_by(outcomes[gate].passed)
        outcomes[criterion_id], clauses[criterion_id] = outcome, section.get("clause", "")
    status = all_of(*(outcome.passed for outcome in outcomes.values()))
    verdicts = TierVerdicts(tier, ctx.params.profiles.get(tier), outcomes, clauses, gates, status)
    return _with_direct_route(ctx, verdicts) if tier == "tech_sme" else verdicts


def _with_direct_route(ctx: Context, verdicts: TierVerdicts) -> TierVerdicts:
    """rules.md §1: a firm with a direct route that fails no basic criterion skips the score."""
    basic = all_of(*(outcome.passed for cid, outcome in verdicts.outcomes.items()
                     if cid not in TECH_SME_SCORE_CRITERIA))
    route_direct = direct_route_available(ctx) & (basic != FALSE)
    status = np.where(route_direct, basic, verdicts.status).astype(np.int8)
    return replace(verdicts, status=status, route_direct=route_direct, score=ctx.tech_sme_score)


# ---- flags (rules.md §5): raised only where the condition is known to hold -----------------

Flag = Callable[[Context, dict[str, TierVerdicts], Section], np.ndarray]
FLAGS: dict[str, Flag] = {}     # in the order flags are listed


def flag(flag_id: str) -> Callable[[Flag], Flag]:
    """Register a flag function under its id."""
    def register(function: Flag) -> Flag:
        FLAGS[flag_id] = function
        return function
    return register


def _flags(ctx: Context, tiers: dict[str, TierVerdicts]) -> dict[str, np.ndarray]:
    table = ctx.params.root("flags")
    return {flag_id: function(ctx, tiers, table.section(flag_id) if flag_id in table
                              else Section(f"flags.{flag_id}", {}))
            for flag_id, function in FLAGS.items()}


def _zero_rd(ctx: Context) -> np.ndarray:
    rd = ctx.latest("rd_expense")
    return rd.known & (rd.value == 0)


@flag("hnte_zero_rd")
def hnte_zero_rd(ctx: Context, tiers: dict[str, TierVerdicts], p: Section) -> np.ndarray:
    return ctx.columns.holds_hnte & _zero_rd(ctx)


@flag("guishang_zero_rd")
def guishang_zero_rd(ctx: Context, tiers: dict[str, TierVerdicts], p: Section) -> np.ndarray:
    """An industrial firm above designated size (规模以上) with zero R&D."""
    revenue = ctx.latest("revenue")
    above_size = revenue.known & (revenue.value >= p.money("min_revenue"))
    return (ctx.columns.industrial == TRUE) & above_size & _zero_rd(ctx)


@flag("hnte_renewal_due")
def hnte_renewal_due(ctx: Context, tiers: dict[str, TierVerdicts], p: Section) -> np.ndarray:
    year_end = date(ctx.as_of.year, 12, 31).toordinal()
    return ctx.columns.holds_hnte & (ctx.columns.hnte_expires <= year_end)


@flag("hnte_at_risk")
def hnte_at_risk(ctx: Context, tiers: dict[str, TierVerdicts], p: Section) -> np.ndarray:
    return ctx.columns.holds_hnte & (tiers["hnte"].status == FALSE)


@flag("hnte_near_miss")
def hnte_near_miss(ctx: Context, tiers: dict[str, TierVerdicts], p: Section) -> np.ndarray:
    """No certificate; exactly one failed HNTE criterion, a fixable one; nothing unknown."""
    fixable, size = p.get("criteria"), len(ctx.columns)
    failures = np.zeros(size, np.int64)
    fixable_failed, unknown = np.zeros(size, bool), np.zeros(size, bool)
    for criterion_id, outcome in tiers["hnte"].outcomes.items():
        failed = outcome.passed == FALSE
        failures += failed
        fixable_failed |= failed & (criterion_id in fixable)
        unknown |= outcome.passed == UNKNOWN
    return ~ctx.columns.holds_hnte & (failures == 1) & fixable_failed & ~unknown


# ---- incentives (rules.md §6): savings exact, in 10^-8 万元 --------------------------------

def _saving_factor(*rates: Fraction) -> int:
    """Saving units per yuan of a product of rates; refused unless exact."""
    factor = Fraction(SAVING_UNITS_PER_YUAN)
    for rate in rates:
        factor *= rate
    if factor.denominator != 1:
        raise ParameterError(f"the rate product {factor / SAVING_UNITS_PER_YUAN} is not exact "
                             "in 10^-8 万元")
    return int(factor)


def _small_low_profit(ctx: Context, p: Section) -> np.ndarray:
    """Three-valued: all three limits known and met, or one known and exceeded."""
    income, employees = ctx.latest("taxable_income"), ctx.latest("employees")
    assets = ctx.latest("total_assets")
    return all_of(truth(income.value <= p.money("max_taxable_income"), income.known),
                  truth(employees.value <= p.persons("max_employees"), employees.known),
                  truth(assets.value <= p.money("max_assets"), assets.known))


def _incentives(ctx: Context, tiers: dict[str, TierVerdicts]) -> dict[str, IncentiveVerdicts]:
    p, cols = ctx.params.root("incentives"), ctx.columns
    small_p, rates = p.section("small_low_profit"), p.section("rates")
    extra = p.section("rd_super_deduction")
    small = _small_low_profit(ctx, small_p)
    rd, income = ctx.latest("rd_expense"), ctx.latest("taxable_income")
    input_vat = ctx.latest("input_vat")
    # k (row): 1.0, or 1.2 for IC / mother-machine firms; r (column): 5% small low-profit (even
    # with HNTE: the reliefs do not stack), else 15% with HNTE, else 25%
    k_options = (extra.ratio("extra"), extra.ratio("extra_ic_or_mother_machine"))
    r_options = (small_p.ratio("rate"), rates.ratio("hnte"), rates.ratio("standard"))
    k_row = (cols.ic_or_mother_machine == TRUE).astype(np.int64)
    r_column = np.where(small == TRUE, 0, np.where(cols.holds_hnte, 1, 2))
    k_known, r_known = cols.ic_or_mother_machine != UNKNOWN, small != UNKNOWN

    per_yuan = np.array([[_saving_factor(k, r) for r in r_options] for k in k_options], np.int64)
    super_applies = (cols.industry_excluded == FALSE) & rd.known & (rd.value > 0)
    super_saving = rd.value * per_yuan[k_row, r_column]

    cut = p.section("hnte_rate").ratio("rate_cut")
    deduction = np.where(super_applies, rd.value * np.array(
        [_saving_factor(k, cut) for k in k_options], np.int64)[k_row], 0)
    hnte_saving = np.where(small == TRUE, 0,
                           np.maximum(income.value * _saving_factor(cut) - deduction, 0))
    hnte_known = (small == TRUE) | ((small == FALSE) & income.known & (~super_applies | k_known))
    vat_factor = _saving_factor(p.section("vat_credit").ratio("rate"))
    return {
        "rd_super_deduction": IncentiveVerdicts(super_applies, super_saving, r_known & k_known),
        "hnte_rate": IncentiveVerdicts(cols.holds_hnte | (tiers["hnte"].status == TRUE),
                                       hnte_saving, hnte_known),
        "vat_credit": IncentiveVerdicts(
            cols.holds_hnte & (cols.advanced_manufacturing_list == TRUE),
            input_vat.value * vat_factor, input_vat.known),
    }

"""Evaluate a batch: every criterion of every tier (never stopping at a failure), then flags and
incentives, all as numpy arrays. One firm is a batch of one; the whole-registry scan is a batch of
a million; both run exactly this code.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

import numpy as np

from . import report
from .columns import FirmColumns
from .criteria import CRITERIA, Context, TechSmeScore, band_index, direct_route_available, terms
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
    """Whether an incentive applies, and its saving in 10^-8 万元 (null where not known);
    `estimated` marks savings resting on an estimate the explanation names (None: none is)."""
    applies: np.ndarray
    saving: np.ndarray
    saving_known: np.ndarray
    estimated: np.ndarray | None = None


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


@flag("rd_mismatch")
def rd_mismatch(ctx: Context, tiers: dict[str, TierVerdicts], p: Section) -> np.ndarray:
    """FY Y-1 R&D as filed and the statistics bureau's figure are both known and differ by more
    than `max_deviation` of the official figure (so an official 0 against a filed figure above 0
    raises it): |reported - official| x d > n x official, exact in int64 (both <= 10^14 yuan)."""
    reported, official = ctx.latest("rd_expense"), ctx.latest("rd_expense_official")
    n, d = terms(p.ratio("max_deviation"))
    difference = np.abs(reported.value - official.value)
    return reported.known & official.known & (difference * d > official.value * n)


# ---- incentives (rules.md §6, programs.md §H): savings exact, in 10^-8 万元 ---------------------
# The tax tables are those of tax year T = Y - 1 (ParameterSet.tax_year).

def _saving_factor(*rates: Fraction) -> int:
    """Saving units per yuan of a product of rates; refused unless exact."""
    factor = Fraction(SAVING_UNITS_PER_YUAN)
    for rate in rates:
        factor *= rate
    if factor.denominator != 1:
        raise ParameterError(f"the rate product {factor / SAVING_UNITS_PER_YUAN} is not exact "
                             "in 10^-8 万元")
    return int(factor)


def _scaled_saving(amount, den: int, per_yuan) -> np.ndarray:
    """Saving units of an amount of `amount / den` yuan at `per_yuan` units a yuan, exact when
    den divides amount x per_yuan, else rounded down to the 10^-8 万元 (so its 4-decimal rounding
    is the exact saving's); split so that no product leaves int64."""
    if not np.any(per_yuan % den):      # every rate divides: exact without a division per firm
        return amount * (per_yuan // den)
    whole, part = np.divmod(amount, den)
    return whole * per_yuan + (part * per_yuan) // den


def _small_low_profit(ctx: Context, p: Section) -> np.ndarray:
    """Three-valued "all of" of TI₀ within its limit and the size test: one pair of limits, or a
    pair per kind of firm (industrial or not; unknown when `industrial` is unknown)."""
    income = ctx.latest("taxable_income")
    within_income = truth(income.value <= p.money("max_taxable_income"), income.known)
    if "industrial" not in p:
        return all_of(within_income, _size_within(ctx, p))
    industrial = ctx.columns.industrial
    size = np.where(industrial == TRUE, _size_within(ctx, p.section("industrial")),
                    np.where(industrial == FALSE, _size_within(ctx, p.section("non_industrial")),
                             UNKNOWN))
    return all_of(within_income, size)


def _size_within(ctx: Context, p: Section) -> np.ndarray:
    employees, assets = ctx.latest("employees"), ctx.latest("total_assets")
    return all_of(truth(employees.value <= p.persons("max_employees"), employees.known),
                  truth(assets.value <= p.money("max_assets"), assets.known))


def _rate_per_yuan(ctx: Context, small: np.ndarray, p: Section) -> np.ndarray:
    """r in saving units a yuan: the small low-profit band of TI₀ (always below 15%), else 15% with
    a valid HNTE certificate, else 25%."""
    small_p, rates = p.section("small_low_profit"), p.section("rates")
    bands = small_p.items("bands")
    small_rates = np.array([_saving_factor(band.ratio("rate")) for band in bands], np.int64)
    income = ctx.latest("taxable_income").value
    small_rate = small_rates[band_index(income, bands)] if len(bands) > 1 else small_rates[0]
    return np.where(small == TRUE, small_rate,
                    np.where(ctx.columns.holds_hnte, _saving_factor(rates.ratio("hnte")),
                             _saving_factor(rates.ratio("standard"))))


def _deduction(ctx: Context, p: Section) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """k x R&D of tax year T as (amount, den, known, estimated): k x R&D = amount / den yuan,
    exactly; `estimated` where the proportional share of the fourth quarter stands in for a firm
    founded earlier in T (the method is for a full year: an estimate, said so in the report).

    k is the table's `extra`, replaced (in this order, the later winning) by the fourth-quarter rule
    when the table has `q4_extra` (R&D of October-December takes it: with rd_expense_q4,
    extra x R&D + (q4_extra - extra) x Q4; without, the share q of R&D is 1 for a firm founded in
    the quarter, else `q4_share_default`, the proportional method), by `extra_manufacturer` for a
    manufacturer (unknown when `manufacturer` is), by `extra_ic_or_mother_machine` for such firms
    up to its last tax year (unknown when that fact is), and by `extra_tech_sme` for a tech-SME
    holder for T (a tech_sme certificate valid on 31 December of T)."""
    cols, tax_year = ctx.columns, ctx.params.tax_year
    rd, n = ctx.latest("rd_expense").value, len(cols)
    base = p.ratio("extra")
    options = [base]                      # the k each firm may take, by index
    choice, known = np.zeros(n, np.int64), np.ones(n, bool)
    by_quarter = np.zeros(n, bool)        # k x R&D from the quarter's own R&D
    proportional = np.zeros(n, bool)      # the share of the quarter by the proportional method

    def take(where, k: Fraction) -> None:
        nonlocal choice, by_quarter
        options.append(k)
        choice = np.where(where, len(options) - 1, choice)
        by_quarter &= ~where

    if "q4_extra" in p:
        q4_extra, q4 = p.ratio("q4_extra"), ctx.latest("rd_expense_q4")
        in_quarter = cols.founded >= date(tax_year, 10, 1).toordinal()
        take(~in_quarter, base + (q4_extra - base) * p.ratio("q4_share_default"))
        proportional = choice == len(options) - 1
        take(in_quarter, q4_extra)
        by_quarter = q4.known & ~in_quarter
    if "extra_manufacturer" in p:
        manufacturer = ctx.latest_fact("manufacturer")
        take(manufacturer == TRUE, p.ratio("extra_manufacturer"))
        known &= manufacturer != UNKNOWN
    if "extra_ic_or_mother_machine" in p and tax_year <= p.integer("ic_or_mother_machine_until"):
        take(cols.ic_or_mother_machine == TRUE, p.ratio("extra_ic_or_mother_machine"))
        known &= cols.ic_or_mother_machine != UNKNOWN
    if "extra_tech_sme" in p:
        take(cols.tech_sme_tax_year, p.ratio("extra_tech_sme"))
        known |= cols.tech_sme_tax_year
    founded_in_year = cols.founded >= date(tax_year, 1, 1).toordinal()
    estimated = (choice == 1) & proportional & ~by_quarter & founded_in_year
    den = math.lcm(*(k.denominator for k in options))
    per_yuan = np.array([int(k * den) for k in options], np.int64)
    amount = rd * per_yuan[choice]
    if "q4_extra" in p:
        quarter_num = int((p.ratio("q4_extra") - base) * den)
        amount = np.where(by_quarter, rd * int(base * den) + q4.value * quarter_num, amount)
    return amount, den, known, estimated


def _incentives(ctx: Context, tiers: dict[str, TierVerdicts]) -> dict[str, IncentiveVerdicts]:
    p, cols = ctx.params.root("incentives"), ctx.columns
    small = _small_low_profit(ctx, p.section("small_low_profit"))
    rd, income = ctx.latest("rd_expense"), ctx.latest("taxable_income")
    input_vat = ctx.latest("input_vat")
    per_yuan = _rate_per_yuan(ctx, small, p)
    deduction, den, k_known, estimated = _deduction(ctx, p.section("rd_super_deduction"))
    r_known = small != UNKNOWN

    super_applies = (cols.industry_excluded == FALSE) & rd.known & (rd.value > 0)
    super_saving = _scaled_saving(deduction, den, per_yuan)

    cut = _saving_factor(p.section("hnte_rate").ratio("rate_cut"))
    taxable = np.maximum(income.value * den - np.where(super_applies, deduction, 0), 0)
    hnte_saving = np.where(small == TRUE, 0, _scaled_saving(taxable, den, cut))
    hnte_known = (small == TRUE) | ((small == FALSE) & income.known & (~super_applies | k_known))
    vat = p.section("vat_credit") if "vat_credit" in p else None
    vat_in_force = vat is not None and ctx.params.tax_year <= vat.integer("until")
    return {
        "rd_super_deduction": IncentiveVerdicts(super_applies, super_saving, r_known & k_known,
                                                estimated),
        "hnte_rate": IncentiveVerdicts(cols.holds_hnte | (tiers["hnte"].status == TRUE),
                                       hnte_saving, hnte_known,
                                       estimated & super_applies & (small != TRUE)),
        "vat_credit": IncentiveVerdicts(
            cols.holds_hnte & (cols.advanced_manufacturing_list == TRUE) & vat_in_force,
            input_vat.value * (_saving_factor(vat.ratio("rate")) if vat_in_force else 0),
            input_vat.known),
    }

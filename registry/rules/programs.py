"""Bureau programs over FY P−1 data (shared/domain/programs.md §R), vectorised like the ladder rules:
one firm is a batch of one, a district or the whole registry a batch of many; both run this code.

    rd_reward(firms, settings, budget=None, excluded=None) -> RewardResult   (§R1)
    rd_priority(firms, settings) -> bool array                               (§R2)
    rd_top(firms, settings) -> TopResult                                     (§R3)

Inputs are `ProgramFirms`: per firm FY P−1 revenue and R&D (int64 yuan + known mask), and the
three-valued `rd_survey` and `incidents` (logic.py encoding). Settings come from the `programs`
table of the parameter set of year P (a bureau's per-year settings and what-if overrides are
applied to that set by the caller). Money is exact: an entitlement is kept in 10^-8 万元 (rate x
R&D never rounds), an award under a budget is floored to the yuan; ratios are compared by
cross-multiplication.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .columns import Figure, FirmColumns
from .logic import FALSE, TRUE, all_of, as_bool, negate, truth
from .params import ParameterSet
from .units import SAVING_SCALE, SCALE, from_fixed, to_fixed

REWARD_CRITERIA = ("rd_survey", "rd_positive", "no_incidents", "intensity")
TOP_CRITERIA = ("revenue", "rd_survey", "rd_positive", "no_incidents")
PROGRAMS = ("rd_reward", "rd_priority", "rd_top")
FINE_PER_YUAN = SAVING_SCALE // SCALE          # entitlements in 10^-8 万元 = 10^-4 yuan


@dataclass(frozen=True)
class ProgramFirms:
    """The programs' inputs for n firms, program year `year` (figures are FY year−1's)."""
    year: int
    ids: Sequence[str]
    revenue: Figure
    rd_expense: Figure
    rd_survey: np.ndarray      # int8 three-valued
    incidents: np.ndarray      # int8 three-valued

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index) -> ProgramFirms:
        """The firms at `index` (a bool mask or int array), as a new batch."""
        positions = np.arange(len(self))[index]
        values = {f.name: (getattr(self, f.name).take(positions) if isinstance(getattr(self, f.name), Figure)
                           else getattr(self, f.name)[positions])
                  for f in fields(self) if f.name not in ("year", "ids")}
        return replace(self, ids=[self.ids[i] for i in positions], **values)

    @classmethod
    def from_values(cls, year: int, rows: Sequence[tuple]) -> ProgramFirms:
        """From (id, revenue, rd_expense, rd_survey, incidents) tuples: Decimal 万元 or None, bool or None."""
        n = len(rows)
        revenue, revenue_known = np.zeros(n, np.int64), np.zeros(n, np.bool_)
        rd, rd_known = np.zeros(n, np.int64), np.zeros(n, np.bool_)
        for i, (_id, rev, rd_value, _survey, _incidents) in enumerate(rows):
            if rev is not None:
                revenue[i], revenue_known[i] = to_fixed(rev), True
            if rd_value is not None:
                rd[i], rd_known[i] = to_fixed(rd_value), True
        three = {None: 0, True: 1, False: -1}
        return cls(year, [row[0] for row in rows], Figure(revenue, revenue_known), Figure(rd, rd_known),
                   np.array([three[row[3]] for row in rows], np.int8),
                   np.array([three[row[4]] for row in rows], np.int8))


    @classmethod
    def from_columns(cls, columns: FirmColumns) -> ProgramFirms:
        """The engine's columns at as_of read as the programs of year as_of.year: FY P−1 is the
        columns' last data year, whose `rd_survey` is already the statistics bureau's when it
        has a row and the firm's own declaration otherwise (§R1)."""
        last = len(columns.data_years) - 1
        return cls(columns.as_of.year, columns.ids, columns.revenue.column(last),
                   columns.rd_expense.column(last), columns.rd_survey[:, last].astype(np.int8),
                   columns.incidents.astype(np.int8))

# ---- settings --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Band:
    minimum: Fraction          # lowest R&D intensity of the band (inclusive)
    rate: Fraction             # share of R&D paid


@dataclass(frozen=True)
class ProgramSettings:
    """The numbers of the three programs for one year (from a parameter set)."""
    bands: tuple[Band, ...]
    cap: int                   # yuan
    priority_above: Fraction
    top_min_revenue: int       # yuan
    weight_amount: Fraction
    weight_intensity: Fraction
    top_size: int
    illustrative: dict[str, bool]

    @classmethod
    def from_parameters(cls, params: ParameterSet) -> ProgramSettings:
        table = params.root("programs")
        reward, priority, top = (table.section(name) for name in PROGRAMS)
        bands = tuple(sorted((Band(band.ratio("min"), band.ratio("rate")) for band in reward.items("bands")),
                             key=lambda band: band.minimum))
        if not bands:
            raise ValueError("programs.rd_reward.bands is empty")
        return cls(bands=bands, cap=reward.money("cap"), priority_above=priority.ratio("above"),
                   top_min_revenue=top.money("min_revenue"), weight_amount=top.ratio("weight_amount"),
                   weight_intensity=top.ratio("weight_intensity"), top_size=top.integer("size"),
                   illustrative={name: bool(table.section(name).get("illustrative")) for name in PROGRAMS})


def _at_least(rd: np.ndarray, revenue: np.ndarray, ratio: Fraction) -> np.ndarray:
    """rd ÷ revenue ≥ ratio, by cross-multiplication (revenue > 0)."""
    return rd * ratio.denominator >= revenue * ratio.numerator


def _intensity_known(firms: ProgramFirms) -> np.ndarray:
    """R&D and revenue known and revenue > 0: the intensity is defined."""
    return firms.rd_expense.known & firms.revenue.known & (firms.revenue.value > 0)


# ---- §R1 rd_reward ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RewardResult:
    """§R1 over a batch. Amounts are int64 in 10^-8 万元 (0 where a firm has none)."""
    firms: ProgramFirms
    settings: ProgramSettings
    criteria: dict[str, np.ndarray]      # id -> three-valued int8, in REWARD_CRITERIA order
    eligible: np.ndarray                 # three-valued int8
    band: np.ndarray                     # index into settings.bands, -1 below the first band
    entitlement: np.ndarray
    award: np.ndarray
    excluded: np.ndarray                 # bool: kept out of the awards by an officer
    budget: int | None                   # yuan

    @property
    def paid(self) -> np.ndarray:
        """Firms that receive an award: eligible and not excluded."""
        return (self.eligible == TRUE) & ~self.excluded

    @property
    def total_entitlement(self) -> int:
        return int(self.entitlement[self.paid].sum())

    @property
    def total_award(self) -> int:
        return int(self.award[self.paid].sum())

    @property
    def remainder(self) -> int | None:
        return None if self.budget is None else self.budget * FINE_PER_YUAN - self.total_award

    def failed(self, i: int) -> list[str]:
        return [name for name, passed in self.criteria.items() if passed[i] == FALSE]

    def rate(self, i: int) -> Fraction | None:
        return self.settings.bands[self.band[i]].rate if self.eligible[i] == TRUE else None

    def firm_result(self, i: int) -> dict:
        """Firm i as the CLI prints it (money as decimal strings in 万元)."""
        eligible = self.eligible[i] == TRUE
        rate = self.rate(i)
        return {"id": self.firms.ids[i], "eligible": as_bool(self.eligible[i]), "failed": self.failed(i),
                "rate": None if rate is None else money_text(Decimal(rate.numerator) / rate.denominator),
                "entitlement": fine_text(self.entitlement[i]) if eligible else None,
                "award": fine_text(self.award[i]) if eligible else None}

    def explain(self, i: int) -> list[dict]:
        """Firm i's criteria: id, passed (True/False/None), actual and required (exact values)."""
        firms = self.firms
        revenue = from_fixed(firms.revenue.value[i]) if firms.revenue.known[i] else None
        rd = from_fixed(firms.rd_expense.value[i]) if firms.rd_expense.known[i] else None
        intensity = (Fraction(int(firms.rd_expense.value[i]), int(firms.revenue.value[i]))
                     if _intensity_known(firms)[i] else None)
        actual = {"rd_survey": as_bool(firms.rd_survey[i]), "rd_positive": rd,
                  "no_incidents": as_bool(firms.incidents[i]), "intensity": intensity}
        required = {"rd_survey": True, "rd_positive": Decimal(0), "no_incidents": False,
                    "intensity": self.settings.bands[0].minimum}
        return [{"id": name, "passed": as_bool(self.criteria[name][i]), "actual": actual[name],
                 "required": required[name], "revenue": revenue, "rd": rd} for name in REWARD_CRITERIA]

    def next_band(self, i: int) -> tuple[Band, int] | None:
        """The next band above firm i's intensity and the R&D (yuan) it lacks to reach it at its
        revenue; None when the intensity is unknown or already in the top band."""
        if not _intensity_known(self.firms)[i]:
            return None
        rd, revenue = int(self.firms.rd_expense.value[i]), int(self.firms.revenue.value[i])
        for band in self.settings.bands:
            if rd * band.minimum.denominator < revenue * band.minimum.numerator:
                gap = revenue * band.minimum - rd
                return band, -(-gap.numerator // gap.denominator)
        return None


def rd_reward(firms: ProgramFirms, settings: ProgramSettings, budget: int | None = None,
              excluded: np.ndarray | None = None) -> RewardResult:
    """§R1: criteria, band, entitlement (rate × R&D, capped) and award of each firm.

    budget: yuan, or None. Firms in `excluded` keep their verdict and entitlement but get no award
    and count in no total; the budget is shared among the others."""
    n = len(firms)
    rd, revenue = firms.rd_expense, firms.revenue
    defined = _intensity_known(firms)
    lowest = settings.bands[0].minimum
    criteria = {
        "rd_survey": firms.rd_survey.astype(np.int8),
        "rd_positive": truth(rd.value > 0, rd.known),
        "no_incidents": negate(firms.incidents),
        "intensity": truth(_at_least(rd.value, revenue.value, lowest), defined),
    }
    eligible = all_of(*criteria.values())
    band = np.full(n, -1, np.int8)
    for index, item in enumerate(settings.bands):
        band[defined & _at_least(rd.value, revenue.value, item.minimum)] = index
    entitlement = np.zeros(n, np.int64)
    payable = (eligible == TRUE) & (band >= 0)
    for index, item in enumerate(settings.bands):
        chosen = payable & (band == index)
        # rate has at most 4 decimals: rate x 10^4 x yuan is exact in 10^-8 万元.
        entitlement[chosen] = rd.value[chosen] * to_fixed(Decimal(item.rate.numerator) / item.rate.denominator)
    entitlement = np.minimum(entitlement, settings.cap * FINE_PER_YUAN)
    excluded = np.zeros(n, np.bool_) if excluded is None else excluded.astype(np.bool_)
    paid = (eligible == TRUE) & ~excluded
    award = np.where(paid, entitlement, 0)
    total = int(award.sum())
    if budget is not None and total > budget * FINE_PER_YUAN:
        # award = entitlement × B ÷ Σ floored to the yuan; products exceed int64, so Python ints.
        yuan = (entitlement[paid].astype(object) * budget) // total
        award[paid] = (yuan * FINE_PER_YUAN).astype(np.int64)
    return RewardResult(firms, settings, criteria, eligible, band, entitlement, award, excluded, budget)


# ---- §R2 rd_priority -------------------------------------------------------------------------

def rd_priority(firms: ProgramFirms, settings: ProgramSettings) -> np.ndarray:
    """§R2: R&D ÷ revenue strictly above the threshold (revenue > 0, both known)."""
    above = settings.priority_above
    return _intensity_known(firms) & (
        firms.rd_expense.value * above.denominator > firms.revenue.value * above.numerator)


# ---- §R3 rd_top ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TopResult:
    """§R3 over a batch: eligibility, and over the N eligible firms both ranks and the points."""
    firms: ProgramFirms
    settings: ProgramSettings
    criteria: dict[str, np.ndarray]    # id -> three-valued int8, in TOP_CRITERIA order
    eligible: np.ndarray               # bool: every criterion known and passed
    amount_rank: np.ndarray            # int64, 0 where not eligible
    intensity_rank: np.ndarray
    points: np.ndarray                 # int64 points x 10^4, 0 where not eligible
    order: np.ndarray                  # indices of the eligible firms in rank order

    @property
    def count(self) -> int:
        return len(self.order)

    def rank(self) -> np.ndarray:
        """Each firm's position in the ranking (1 = first), 0 where not eligible."""
        positions = np.zeros(len(self.firms), np.int64)
        positions[self.order] = np.arange(1, len(self.order) + 1)
        return positions

    def ranking(self, top: int | None = None) -> list[dict]:
        """The first `top` firms (default: the settings' size) as the CLI prints them."""
        size = self.settings.top_size if top is None else top
        return [{"rank": position, "id": self.firms.ids[i], "points": money_text(from_fixed(self.points[i])),
                 "rd": money_text(from_fixed(self.firms.rd_expense.value[i])),
                 "amount_rank": int(self.amount_rank[i]), "intensity_rank": int(self.intensity_rank[i])}
                for position, i in enumerate(self.order[:size].tolist(), 1)]

    def failed(self, i: int) -> list[str]:
        return [name for name, passed in self.criteria.items() if passed[i] != TRUE]


def rd_top(firms: ProgramFirms, settings: ProgramSettings) -> TopResult:
    """§R3: rank the eligible firms by points, then R&D, then id."""
    rd, revenue = firms.rd_expense, firms.revenue
    criteria = {
        "revenue": truth(revenue.value >= settings.top_min_revenue, revenue.known),
        "rd_survey": firms.rd_survey.astype(np.int8),
        "rd_positive": truth(rd.value > 0, rd.known),
        "no_incidents": negate(firms.incidents),
    }
    eligible = all_of(*criteria.values()) == TRUE
    members = np.flatnonzero(eligible)
    count = len(members)
    amounts, revenues = rd.value[members], revenue.value[members]
    amount_rank = _competition_rank(amounts)
    intensity_rank = _intensity_rank(amounts, revenues)
    weight_a = to_fixed(Decimal(settings.weight_amount.numerator) / settings.weight_amount.denominator)
    weight_i = to_fixed(Decimal(settings.weight_intensity.numerator) / settings.weight_intensity.denominator)
    points = weight_a * (count - amount_rank + 1) + weight_i * (count - intensity_rank + 1)
    ids = np.array([firms.ids[i] for i in members], dtype=str) if count else np.array([], dtype=str)
    order = members[np.lexsort((ids, -amounts, -points))] if count else members
    full = {name: np.zeros(len(firms), np.int64) for name in ("amount", "intensity", "points")}
    for name, values in (("amount", amount_rank), ("intensity", intensity_rank), ("points", points)):
        full[name][members] = values
    return TopResult(firms, settings, criteria, eligible, full["amount"], full["intensity"], full["points"],
                     order)


def _competition_rank(values: np.ndarray) -> np.ndarray:
    """1 + the number of strictly larger values (ties share the best rank)."""
    ascending = np.sort(values)
    return len(values) - np.searchsorted(ascending, values, side="right") + 1


def _intensity_rank(rd: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """Competition rank of rd ÷ revenue, exact. Both are below 2^53, so their float quotient is
    correctly rounded and monotone: a larger float is a larger ratio, and only firms whose floats
    are equal need an exact comparison (done on Python integers for those groups only)."""
    if not len(rd):
        return np.zeros(0, np.int64)
    approx = rd.astype(np.float64) / revenue.astype(np.float64)
    rank = _competition_rank(approx)
    _, group, sizes = np.unique(approx, return_inverse=True, return_counts=True)
    shared = np.flatnonzero(sizes[group] > 1)
    if not len(shared):
        return rank
    by_group: dict[int, list[int]] = {}
    for position in shared.tolist():
        by_group.setdefault(int(group[position]), []).append(position)
    for members in by_group.values():
        first = members[0]
        if all(int(rd[m]) * int(revenue[first]) == int(rd[first]) * int(revenue[m]) for m in members):
            continue
        exact = {m: Fraction(int(rd[m]), int(revenue[m])) for m in members}
        for m in members:
            rank[m] += sum(1 for other in members if exact[other] > exact[m])
    return rank


# ---- money text ------------------------------------------------------------------------------

def fine_text(amount) -> str:
    """An amount in 10^-8 万元 as an exact decimal string in 万元."""
    return money_text(from_fixed(int(amount), SAVING_SCALE))


def money_text(value: Decimal) -> str:
    return format(value, "f")


def yuan_of(value: Decimal | None) -> int | None:
    """A 万元 amount (at most 4 decimals) as yuan, None stays None."""
    return None if value is None else to_fixed(value)

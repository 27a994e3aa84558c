"""The criteria of the ladder, each written once over columnar int64 arrays (a firm = a batch of 1).

A criterion is `function(context, params) -> Outcome`, registered under its rules.md id; a tier's
parameter table lists which criteria it runs, in report order. Ratios are compared by
cross-multiplication with exact parameter fractions: `a / b >= n / d` is `a * d >= n * b`.
Per-year work goes column by column: numpy is slow at reducing rows of 3 or 4 values.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

import numpy as np

from .columns import (
    DIRECT_ROUTE_BITS,
    TECH_FIELD_CODES,
    TECH_FIELD_NAMES,
    Y_1,
    Y_2,
    Y_4,
    YEARS,
    Figure,
    FirmColumns,
)
from .facts import TECH_FIELDS, add_years
from .logic import FALSE, TRUE, all_of, any_of, negate, truth
from .outcome import (
    Amount,
    Const,
    Day,
    Exact,
    Named,
    Outcome,
    Ratio,
    Requirement,
    Truth,
    fraction_measure,
)
from .params import ParameterError, ParameterSet, Section
from .units import MAX_FACTOR, PERSONS, SCALE, WAN, ceil_div

Criterion = Callable[["Context", Section], Outcome]
CRITERIA: dict[str, Criterion] = {}


def criterion(criterion_id: str) -> Callable[[Criterion], Criterion]:
    """Register a criterion function under its id."""
    def register(function: Criterion) -> Criterion:
        CRITERIA[criterion_id] = function
        return function
    return register


class Context:
    """The batch being evaluated, with derived arrays shared by the criteria."""

    def __init__(self, columns: FirmColumns, params: ParameterSet):
        self.columns, self.params = columns, params
        self.as_of = columns.as_of
        next_year_starts = np.array([date(year + 1, 1, 1).toordinal()
                                     for year in columns.data_years])
        # rules.md: figures filed for years before the founding year are ignored.
        self.existed = np.asfortranarray(columns.founded[:, None] < next_year_starts[None, :])
        self._figures: dict[str, Figure] = {}

    def figure(self, name: str) -> Figure:
        """A per-year figure (n, 4), unknown in fiscal years before the founding year."""
        if name not in self._figures:
            raw = getattr(self.columns, name)
            self._figures[name] = Figure(raw.value, raw.known & self.existed)
        return self._figures[name]

    def year(self, name: str, column: int) -> Figure:
        """A figure of one fiscal year (column Y_4 .. Y_1)."""
        return self.figure(name).column(column)

    def latest(self, name: str) -> Figure:
        """A figure of FY Y-1 (the figure a rule names without a year)."""
        return self.year(name, Y_1)

    def latest_fact(self, name: str) -> np.ndarray:
        """A per-year yes/no fact of FY Y-1 (three-valued), unknown before the founding year."""
        return np.where(self.existed[:, Y_1], getattr(self.columns, name)[:, Y_1], 0).astype(np.int8)

    @cached_property
    def tech_sme_score(self) -> TechSmeScore:
        return _tech_sme_score(self, self.params.root("tech_sme").section("score"))


# ---- shared arithmetic ---------------------------------------------------------------------

def terms(value: Fraction) -> tuple[int, int]:
    """(numerator, denominator) of a parameter fraction, small enough for int64 products."""
    if value.numerator > MAX_FACTOR or value.denominator > MAX_FACTOR:
        raise ParameterError(f"{value} is too fine to compare exactly (terms <= {MAX_FACTOR})", "param.too_fine",
                             value=Decimal(value.numerator) / value.denominator)
    return value.numerator, value.denominator


def at_least(num, den, value: Fraction):
    """num / den >= value, by cross-multiplication (den > 0 is the caller's condition)."""
    n, d = terms(value)
    return num * d >= n * den


def band_index(amount, bands: list[Section]) -> np.ndarray:
    """Index of the band each amount falls in. Every band but the last bounds amounts from above,
    by `up_to` (inclusive) or `below` (exclusive), in ascending order."""
    bounds = [(band.money("up_to"), False) if "up_to" in band else (band.money("below"), True)
              for band in bands[:-1]]
    if [bound for bound, _ in bounds] != sorted(bound for bound, _ in bounds):
        raise ParameterError(f"{bands[0].path}: band bounds must ascend", "param.bands_ascend",
                             path=bands[0].path)
    index = np.zeros(np.shape(amount), np.int64)
    for bound, exclusive in bounds:
        index += (amount >= bound) if exclusive else (amount > bound)
    return index


def band_terms(amount, bands: list[Section], value: Callable[[Section], Fraction]):
    """(numerators, denominator): the fraction `value(band)` of each amount's band, over one
    common denominator so that comparisons multiply by a scalar.

    Terms too large for int64 products (a growth factor such as 1.15^3 = 12167/8000) come as
    Python integers in object arrays, so every product with them is exact, only slower."""
    fractions = [value(band) for band in bands]
    den = math.lcm(*(fraction.denominator for fraction in fractions))
    numerators = [f.numerator * (den // f.denominator) for f in fractions]
    if den > MAX_FACTOR or max(numerators) > MAX_FACTOR:
        nums = np.array(numerators, dtype=object)
        return nums[np.broadcast_to(band_index(amount, bands), np.shape(amount))], np.array(den, dtype=object)
    nums = np.array(numerators, np.int64)
    return (int(nums[0]) if len(bands) == 1 else nums[band_index(amount, bands)]), den


def window_sum(figure: Figure, window: np.ndarray) -> Figure:
    """Sum over the years in `window` (n, k), the last k columns; unknown if a window year lacks
    the figure or the window is empty."""
    first = YEARS - window.shape[1]
    value = np.zeros(len(window), np.int64)
    any_year, missing = np.zeros(len(window), bool), np.zeros(len(window), bool)
    for j in range(window.shape[1]):
        in_window = window[:, j]
        value += np.where(in_window, figure.value[:, first + j], 0)
        any_year |= in_window
        missing |= in_window & ~figure.known[:, first + j]
    return Figure(value, any_year & ~missing)


def money_gap(shortfall_scaled, den) -> np.ndarray:
    """Whole yuan x with (have + x) * den >= need, from shortfall_scaled = need - have * den."""
    return np.maximum(ceil_div(shortfall_scaled, den), 0)


def persons_gap(staff, total, share: Fraction) -> np.ndarray:
    """Whole persons to add to `staff` for staff / total >= share: ceil(share * total - staff)."""
    n, d = terms(share)
    return np.maximum(ceil_div(n * total - d * staff, d * SCALE), 0) * SCALE


def fact_is(codes: np.ndarray, expected: bool) -> Outcome:
    """A criterion that a three-valued fact has the expected value."""
    return Outcome(codes if expected else negate(codes), Truth(codes),
                   Requirement("=", Const(expected)))


def amount_at_most(figure: Figure, limit: int, unit: str) -> Outcome:
    return Outcome(truth(figure.value <= limit, figure.known),
                   Amount(figure.value, figure.known, unit),
                   Requirement("<=", Amount(limit, True, unit)))


def amount_at_least(figure: Figure, minimum: int, unit: str) -> Outcome:
    return Outcome(truth(figure.value >= minimum, figure.known),
                   Amount(figure.value, figure.known, unit),
                   Requirement(">=", Amount(minimum, True, unit)),
                   Amount(np.maximum(minimum - figure.value, 0), figure.known, unit))


def share_at_least(part: Figure, whole: Figure, minimum: Fraction) -> Outcome:
    """part / whole >= minimum for money; unknown when whole is 0; the gap is in 万元."""
    known = part.known & whole.known & (whole.value > 0)
    n, d = terms(minimum)
    return Outcome(truth(at_least(part.value, whole.value, minimum), known),
                   Ratio(part.value, whole.value, known),
                   Requirement(">=", fraction_measure(minimum)),
                   Amount(money_gap(n * whole.value - d * part.value, d), known))


def staff_share_at_least(staff: Figure, total: Figure, minimum: Fraction) -> Outcome:
    """staff / total >= minimum for headcounts; unknown when total is 0; the gap is in persons."""
    known = staff.known & total.known & (total.value > 0)
    return Outcome(truth(at_least(staff.value, total.value, minimum), known),
                   Ratio(staff.value, total.value, known),
                   Requirement(">=", fraction_measure(minimum)),
                   Amount(persons_gap(staff.value, total.value, minimum), known, PERSONS))


def grows_by(start: Figure, end: Figure, n, d) -> np.ndarray:
    """end >= (n / d) * start; unknown when either is missing or start <= 0."""
    return truth(end.value * d >= n * start.value, start.known & end.known & (start.value > 0))


def growth_terms(amount, p: Section, years: int):
    """Terms of the growth factor (1 + band's min)^years, the band chosen by `amount`."""
    return band_terms(amount, p.items("bands"), lambda band: (1 + band.ratio("min")) ** years)


# ---- tech-based SME ------------------------------------------------------------------------

@criterion("resident")
def resident(ctx: Context, p: Section) -> Outcome:
    return fact_is(ctx.columns.resident, True)


@criterion("size_employees")
def size_employees(ctx: Context, p: Section) -> Outcome:
    return amount_at_most(ctx.latest("employees"), p.persons("max"), PERSONS)


@criterion("size_revenue")
def size_revenue(ctx: Context, p: Section) -> Outcome:
    return amount_at_most(ctx.latest("revenue"), p.money("max"), WAN)


@criterion("size_assets")
def size_assets(ctx: Context, p: Section) -> Outcome:
    return amount_at_most(ctx.latest("total_assets"), p.money("max"), WAN)


@criterion("industry")
def industry(ctx: Context, p: Section) -> Outcome:
    return fact_is(ctx.columns.industry_excluded, False)


@criterion("no_incidents")
def no_incidents(ctx: Context, p: Section) -> Outcome:
    return fact_is(ctx.columns.incidents, False)


@dataclass(frozen=True)
class TechSmeScore:
    """The tech-SME score's points per part and in total, and where it is decided."""
    st_staff: np.ndarray
    rd: np.ndarray
    ip: np.ndarray
    total: np.ndarray
    st_staff_decided: np.ndarray
    decided: np.ndarray
    st_staff_nonzero_from: Fraction       # lowest S&T-staff ratio that scores points


def _ratio_points(num: Figure, den: Figure, bands: list[Section]) -> np.ndarray:
    """Points of the first band whose `min` ratio num/den reaches; 0 if den is missing or 0."""
    usable = num.known & den.known & (den.value > 0)
    conditions = [usable & at_least(num.value, den.value, band.ratio("min")) for band in bands]
    return np.select(conditions, [band.integer("points") for band in bands], 0)


def _count_points(count: Figure, bands: list[Section]) -> np.ndarray:
    conditions = [count.known & (count.value >= band.integer("min")) for band in bands]
    return np.select(conditions, [band.integer("points") for band in bands], 0)


def _tech_sme_score(ctx: Context, p: Section) -> TechSmeScore:
    employees, st_staff = ctx.latest("employees"), ctx.latest("st_staff")
    revenue, rd, cost = ctx.latest("revenue"), ctx.latest("rd_expense"), ctx.latest("total_cost")
    class1, class2 = ctx.columns.ip_class1, ctx.columns.ip_class2
    st_bands = p.section("st_staff").items("bands")
    st_points = _ratio_points(st_staff, employees, st_bands)
    # the higher of the two R&D measures
    rd_points = np.maximum(_ratio_points(rd, revenue, p.section("rd_revenue").items("bands")),
                           _ratio_points(rd, cost, p.section("rd_cost").items("bands")))
    # Class I rights score on their own; otherwise Class II rights do
    class1_points = _count_points(class1, p.section("ip_class1").items("bands"))
    ip_points = np.where(class1_points > 0, class1_points,
                         _count_points(class2, p.section("ip_class2").items("bands")))
    st_staff_decided = employees.known & st_staff.known & (employees.value > 0)
    return TechSmeScore(
        st_staff=st_points, rd=rd_points, ip=ip_points, total=st_points + rd_points + ip_points,
        st_staff_decided=st_staff_decided,
        decided=(st_staff_decided & revenue.known & rd.known & class1.known
                 & (class2.known | (class1_points > 0))),
        st_staff_nonzero_from=min(band.ratio("min") for band in st_bands
                                  if band.integer("points") > 0),
    )


@criterion("st_staff_score_nonzero")
def st_staff_score_nonzero(ctx: Context, p: Section) -> Outcome:
    score = ctx.tech_sme_score
    share = staff_share_at_least(ctx.latest("st_staff"), ctx.latest("employees"),
                                 score.st_staff_nonzero_from)
    return Outcome(truth(score.st_staff > 0, score.st_staff_decided), share.actual, share.required,
                   share.gap)


@criterion("score")
def score(ctx: Context, p: Section) -> Outcome:
    points = ctx.tech_sme_score
    minimum = p.integer("min")
    return Outcome(truth(points.total >= minimum, points.decided),
                   Amount(points.total, points.decided, "points"),
                   Requirement(">=", Const(minimum)))


def direct_route_available(ctx: Context) -> np.ndarray:
    """A valid HNTE certificate, or a direct route that the parameters accept."""
    routes = ctx.params.root("tech_sme").section("direct_route").get("routes", [])
    bits = sum(DIRECT_ROUTE_BITS[route] for route in routes)
    return ctx.columns.holds_hnte | ((ctx.columns.direct_routes & bits) != 0)


# ---- HNTE ----------------------------------------------------------------------------------

@criterion("registered_1y")
def registered_1y(ctx: Context, p: Section) -> Outcome:
    days = ctx.as_of.toordinal() - ctx.columns.founded.astype(np.int64)
    minimum = p.integer("min")
    return Outcome(truth(days >= minimum, True), Amount(days, True, "days"),
                   Requirement(">=", Const(minimum)))


@criterion("core_ip")
def core_ip(ctx: Context, p: Section) -> Outcome:
    """Class I + Class II >= min; passes as soon as a known count reaches it alone."""
    class1, class2 = ctx.columns.ip_class1, ctx.columns.ip_class2
    minimum = p.integer("min")
    both_known = class1.known & class2.known
    total = class1.value + class2.value
    passed = any_of(truth(class1.value >= minimum, class1.known),
                    truth(class2.value >= minimum, class2.known),
                    truth(total >= minimum, both_known))
    return Outcome(passed, Amount(total, both_known, "count"), Requirement(">=", Const(minimum)))


@criterion("tech_field")
def tech_field(ctx: Context, p: Section) -> Outcome:
    codes, fields = ctx.columns.tech_field, p.get("fields")
    unknown = sorted(set(fields) - set(TECH_FIELDS))
    if unknown:
        raise ParameterError(f"{p.path}.fields: unknown fields {unknown}")
    supported = np.isin(codes, [TECH_FIELD_CODES[name] for name in fields])
    return Outcome(truth(supported, codes != TECH_FIELD_CODES[None]),
                   Named(codes, TECH_FIELD_NAMES), Requirement("in", Const(", ".join(fields))))


@criterion("st_staff_ratio")
def st_staff_ratio(ctx: Context, p: Section) -> Outcome:
    return staff_share_at_least(ctx.latest("st_staff"), ctx.latest("employees"), p.ratio("min"))


def hnte_window(ctx: Context) -> np.ndarray:
    """FY Y-window .. Y-1 without the years before the founding calendar year."""
    years = ctx.params.tier("hnte").section("rd_ratio").integer("window")
    return ctx.existed[:, YEARS - years:]


@criterion("rd_ratio")
def rd_ratio(ctx: Context, p: Section) -> Outcome:
    """Σ R&D / Σ revenue over the window >= the band set by FY Y-1 revenue."""
    window = hnte_window(ctx)
    rd = window_sum(ctx.figure("rd_expense"), window)
    revenue = window_sum(ctx.figure("revenue"), window)
    latest = ctx.latest("revenue")
    n, d = band_terms(latest.value, p.items("bands"), lambda band: band.ratio("min"))
    known = rd.known & revenue.known & latest.known & (revenue.value > 0)
    return Outcome(truth(rd.value * d >= n * revenue.value, known),
                   Ratio(rd.value, revenue.value, known),
                   Requirement(">=", Exact(n, d, latest.known)),
                   Amount(money_gap(n * revenue.value - d * rd.value, d), known))


def rd_ratio_outlook(ctx: Context, i: int) -> dict:
    """What firm i's HNTE R&D ratio sums and what would meet it next year: {"years": the fiscal
    years the window sums, "next_year": FY Y, "next_year_rd": the FY Y R&D (万元) that meets the
    band on next year's window if FY Y sales revenue equals FY Y-1's (0 if already met), or None
    when a figure it needs is unknown}."""
    p = ctx.params.tier("hnte").section("rd_ratio")
    first = YEARS - p.integer("window")
    data_years = ctx.columns.data_years
    outlook = {"years": [data_years[c] for c in range(first, YEARS) if ctx.existed[i, c]],
               "next_year": data_years[-1] + 1, "next_year_rd": None}
    revenue, rd = ctx.figure("revenue"), ctx.figure("rd_expense")
    kept = [c for c in range(first + 1, YEARS) if ctx.existed[i, c]]  # still in next year's window
    if not (revenue.known[i, Y_1] and all(revenue.known[i, c] and rd.known[i, c] for c in kept)):
        return outlook
    latest = int(revenue.value[i, Y_1])
    n, d = band_terms(np.array([latest]), p.items("bands"), lambda band: band.ratio("min"))
    n, d = int(np.atleast_1d(n)[0]), int(d)
    total_revenue = latest + sum(int(revenue.value[i, c]) for c in kept)
    total_rd = sum(int(rd.value[i, c]) for c in kept)
    outlook["next_year_rd"] = Amount(max(ceil_div(n * total_revenue - d * total_rd, d), 0)).at(0)
    return outlook


@criterion("rd_domestic_share")
def rd_domestic_share(ctx: Context, p: Section) -> Outcome:
    window = hnte_window(ctx)
    return share_at_least(window_sum(ctx.figure("rd_domestic"), window),
                          window_sum(ctx.figure("rd_expense"), window), p.ratio("min"))


@criterion("hightech_income_share")
def hightech_income_share(ctx: Context, p: Section) -> Outcome:
    return share_at_least(ctx.latest("hightech_income"), ctx.latest("total_income"),
                          p.ratio("min"))


# ---- gazelle -------------------------------------------------------------------------------

@criterion("hnte_valid")
def hnte_valid(ctx: Context, p: Section) -> Outcome:
    return fact_is(truth(ctx.columns.holds_hnte, True), True)


@criterion("age")
def age(ctx: Context, p: Section) -> Outcome:
    earliest = add_years(ctx.as_of, -p.integer("max"))
    founded = ctx.columns.founded
    return Outcome(truth(founded >= earliest.toordinal(), True), Day(founded),
                   Requirement(">=", Const(earliest.isoformat())))


@criterion("history")
def history(ctx: Context, p: Section) -> Outcome:
    latest_start = date(ctx.as_of.year - YEARS, 1, 1)
    founded = ctx.columns.founded
    return Outcome(truth(founded <= latest_start.toordinal(), True), Day(founded),
                   Requirement("<=", Const(latest_start.isoformat())))


@criterion("base_revenue")
def base_revenue(ctx: Context, p: Section) -> Outcome:
    base, floor = ctx.year("revenue", Y_4), p.money("above")
    return Outcome(truth(base.value > floor, base.known), Amount(base.value, base.known),
                   Requirement(">", Amount(floor)),
                   Amount(np.maximum(floor + 1 - base.value, 0), base.known))


@criterion("revenue_cagr")
def revenue_cagr(ctx: Context, p: Section) -> Outcome:
    """(R[Y-1] / R[Y-1-k])^(1/k) - 1 >= g, exactly: R[Y-1] >= (1+g)^k x R[Y-1-k]."""
    k = p.integer("years")
    start, end = ctx.year("revenue", Y_1 - k), ctx.latest("revenue")
    n, d = growth_terms(end.value, p, k)
    passed = grows_by(start, end, n, d)
    known = passed != 0
    return Outcome(passed, Ratio(end.value, start.value, known),
                   Requirement(">=", Exact(n, d, end.known)),
                   Amount(money_gap(n * start.value - d * end.value, d), known), kind="factor")


@criterion("last_year_growth")
def last_year_growth(ctx: Context, p: Section) -> Outcome:
    last, before = ctx.latest("revenue"), ctx.year("revenue", Y_2)
    known = last.known & before.known
    return Outcome(truth(last.value > before.value, known), Amount(last.value, last.known),
                   Requirement(">", Amount(before.value, before.known)),
                   Amount(np.maximum(before.value + 1 - last.value, 0), known))


@criterion("rd_intensity")
def rd_intensity(ctx: Context, p: Section) -> Outcome:
    """Σ R&D / Σ revenue over FY Y-4..Y-1 above the floor; every year needs both figures."""
    every_year = np.ones((len(ctx.columns), YEARS), bool)
    rd = window_sum(ctx.figure("rd_expense"), every_year)
    revenue = window_sum(ctx.figure("revenue"), every_year)
    floor = p.ratio("above")
    n, d = terms(floor)
    known = rd.known & revenue.known & (revenue.value > 0)
    return Outcome(truth(rd.value * d > n * revenue.value, known),
                   Ratio(rd.value, revenue.value, known), Requirement(">", fraction_measure(floor)),
                   Amount(np.maximum((n * revenue.value) // d + 1 - rd.value, 0), known))


@criterion("revenue")
def revenue(ctx: Context, p: Section) -> Outcome:
    return amount_at_least(ctx.latest("revenue"), p.money("min"), WAN)


@criterion("growth_each_year")
def growth_each_year(ctx: Context, p: Section) -> Outcome:
    """Revenue grew by the band's rate in each of the last k years (band by FY Y-1 revenue)."""
    k = p.integer("years")
    latest = ctx.latest("revenue")
    n, d = growth_terms(latest.value, p, 1)
    yearly = [grows_by(ctx.year("revenue", column - 1), ctx.year("revenue", column), n, d)
              for column in range(YEARS - k, YEARS)]
    return Outcome(all_of(*yearly), required=Requirement(">=", Exact(n, d, latest.known)),
                   kind="factor")


@criterion("rd_ratio_each_year")
def rd_ratio_each_year(ctx: Context, p: Section) -> Outcome:
    """R&D / revenue reaches the band of that year's revenue in each of the last k years.

    A year before the founding year fails; a year without both figures or with zero sales is
    unknown. The gap sums the yearly shortfalls."""
    k, size = p.integer("years"), len(ctx.columns)
    passed, decided = np.full(size, TRUE), np.ones(size, bool)
    years_met, gap = np.zeros(size, np.int64), np.zeros(size, np.int64)
    for column in range(YEARS - k, YEARS):
        rd, revenue = ctx.year("rd_expense", column), ctx.year("revenue", column)
        existed = ctx.existed[:, column]
        n, d = band_terms(revenue.value, p.items("bands"), lambda band: band.ratio("min"))
        known = rd.known & revenue.known & (revenue.value > 0)
        year = np.where(existed, truth(rd.value * d >= n * revenue.value, known), FALSE)
        passed = np.minimum(passed, year)
        years_met += year == TRUE
        decided &= existed & known
        gap += money_gap(n * revenue.value - d * rd.value, d)
    return Outcome(passed, Amount(years_met, decided, "count"), Requirement(">=", Const(k)),
                   Amount(gap, decided))


@criterion("debt_ratio")
def debt_ratio(ctx: Context, p: Section) -> Outcome:
    """Liabilities (total assets - net assets) / total assets below the limit."""
    assets, net = ctx.latest("total_assets"), ctx.latest("net_assets")
    liabilities = assets.value - net.value
    limit = p.ratio("below")
    n, d = terms(limit)
    known = assets.known & net.known & (assets.value > 0)
    return Outcome(truth(liabilities * d < n * assets.value, known),
                   Ratio(liabilities, assets.value, known),
                   Requirement("<", fraction_measure(limit)))


# ---- tech leader ---------------------------------------------------------------------------

@criterion("rd_staff")
def rd_staff(ctx: Context, p: Section) -> Outcome:
    return amount_at_least(ctx.columns.rd_staff_fulltime, p.persons("min"), PERSONS)


@criterion("core_product_share")
def core_product_share(ctx: Context, p: Section) -> Outcome:
    share, minimum = ctx.columns.core_product_share, p.ratio("min")
    return Outcome(truth(at_least(share.value, SCALE, minimum), share.known),
                   Amount(share.value, share.known, "share"),
                   Requirement(">=", fraction_measure(minimum)))

"""The demo registry's rows, drawn with numpy: deterministic, vectorised, chunk by chunk.

`generate(firms, seed, as_of)` yields chunks of firms with their filings (FY Y-4..Y-1) and
certificates as column arrays of the values the columns store: money in yuan (万元 x 10^4),
headcounts and shares x 10^4, dates, UTC timestamps. Same seed, firm count and as_of, same rows:
each chunk draws from its own PCG64 stream, timestamps derive from as_of, and amounts become
integers once (exact thresholds are then set with integer arithmetic).

Beside plain firms, each firm may get one *scenario* that puts it near a threshold of rules.md
(a quarter of them exactly on it), so every criterion has firms on both sides of its line.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from registry.creditcode import make_credit_code
from registry.demo import catalog
from registry.demo.showcase import SHOWCASES
from registry.models.base import HEADCOUNT_PLACES, MONEY_PLACES, SHARE_PLACES

CHUNK_SIZE = 100_000
YEARS = 4                        # FY Y-4..Y-1: index 3 is the latest data year
YUAN = 10 ** MONEY_PLACES         # stored units per 万元
PERSON = 10 ** HEADCOUNT_PLACES   # stored units per person
SHARE_UNIT = 10 ** SHARE_PLACES
EXACT_SHARE = 0.25               # of a scenario's firms, the share exactly on the threshold
UTC_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai

# (name, share of firms, relative spread around the threshold)
SCENARIOS = (
    ("plain", None, 0.0),
    ("revenue_2000", 0.03, 0.04),        # 规上 (guishang) flag: revenue >= 2,000
    ("revenue_5000", 0.03, 0.04),        # HNTE R&D band edge
    ("revenue_20000", 0.03, 0.04),       # HNTE band edge, tech-SME size_revenue
    ("revenue_50000", 0.015, 0.04),      # leader revenue
    ("base_revenue_1000", 0.03, 0.05),   # gazelle FY Y-4 revenue above 1,000
    ("cagr_20", 0.04, 0.03),             # gazelle revenue CAGR 20% (x1.728 over 3 years)
    ("rd_band", 0.06, 0.08),             # HNTE rd_ratio at the 5/4/3% band
    ("rd_4_each_year", 0.02, 0.06),      # leader R&D >= 4% in each year
    ("st_staff_10", 0.04, 0.10),         # HNTE S&T staff ratio 10%, tech-SME sub-score
    ("hightech_60", 0.04, 0.05),         # HNTE high-tech income share 60%
    ("domestic_60", 0.02, 0.05),         # HNTE domestic R&D share 60%
    ("employees_500", 0.03, 0.04),       # tech-SME size_employees
    ("assets_20000", 0.03, 0.04),        # tech-SME size_assets
)
SCENARIO = {name: index for index, (name, _, _) in enumerate(SCENARIOS)}
_NEAR_TOTAL = sum(share for _, share, _ in SCENARIOS[1:])
SCENARIO_P = np.array([1 - _NEAR_TOTAL] + [share for _, share, _ in SCENARIOS[1:]])
SCENARIO_SPREAD = np.array([spread for _, _, spread in SCENARIOS])

# Lookup arrays over catalog.INDUSTRIES / DISTRICTS, indexed by a firm's draw.
_PROFILE = np.array([catalog.PROFILES[industry.profile] for industry in catalog.INDUSTRIES])
REVENUE_MEDIAN, PRODUCTIVITY, RD_MEDIAN, ST_MEAN, HIGHTECH_MEAN = _PROFILE.T
INDUSTRIAL = np.array([industry.industrial for industry in catalog.INDUSTRIES])
EXCLUDED = np.array([industry.excluded for industry in catalog.INDUSTRIES])
INDUSTRY_P = np.array([industry.weight for industry in catalog.INDUSTRIES])
DISTRICT_P = np.array([district.weight for district in catalog.DISTRICTS])
# Machine tools (mother machines) and chips: the firms that may claim `ic_or_mother_machine`.
IC_OR_MACHINE_INDUSTRIES = np.isin([i.code for i in catalog.INDUSTRIES], ["C34", "C35", "C39"])
TECH_FIELD_CODES = ("electronic_information", "biomedicine", "aerospace", "new_materials",
                    "hightech_services", "new_energy", "resources_environment",
                    "advanced_manufacturing", "other", None)
SUPPORTED_FIELD = np.array([code not in ("other", None) for code in TECH_FIELD_CODES])
FILING_STATUSES = ("accepted", "submitted", "draft", "returned")
LATEST_STATUS_P = (0.55, 0.33, 0.08, 0.04)   # FY Y-1: some still draft or returned (= missing)
EARLIER_STATUS_P = (0.94, 0.06, 0.0, 0.0)
# Given a filing with missing figures, how likely each figure is the one missing.
MISSING_FIGURE_P = {"revenue": 0.05, "rd_expense": 0.1, "rd_domestic": 0.35, "employees": 0.1,
                    "st_staff": 0.2, "total_income": 0.15, "hightech_income": 0.35,
                    "total_cost": 0.3, "total_assets": 0.2, "net_assets": 0.2,
                    "taxable_income": 0.25}
FIGURES = tuple(MISSING_FIGURE_P) + ("input_vat",)
# Tech-SME registration batches (month, day) of a year.
TECH_SME_BATCHES = ((3, 31), (5, 31), (7, 31), (9, 30))


@dataclass
class Rows:
    """One table's rows as column arrays (or lists), with masks of the NULL cells."""

    table: str
    columns: dict[str, np.ndarray | list]
    nulls: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass
class Chunk:
    firms: Rows
    filings: Rows
    certificates: Rows


def generate(firms: int, seed: int, as_of: dt.date,
             chunk_size: int = CHUNK_SIZE) -> Iterator[Chunk]:
    """Yield the demo registry in chunks of `chunk_size` firms; firm ids run from 1 to `firms`.

    The first firms are the showcase firms the demo accounts belong to (registry.demo.showcase).
    """
    if firms < len(SHOWCASES):
        raise ValueError(f"a demo registry has at least {len(SHOWCASES)} firms (the showcases)")
    identities = _Identities(seed)
    next_filing_id = next_certificate_id = 1
    for index, start in enumerate(range(0, firms, chunk_size)):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index])))
        draw = _Draw(rng, min(chunk_size, firms - start), as_of, first_id=start + 1)
        if index == 0:
            draw.plant_showcases()
        draw.derive()
        chunk = Chunk(firms=draw.firm_rows(identities), filings=draw.filing_rows(next_filing_id),
                      certificates=draw.certificate_rows(next_certificate_id))
        next_filing_id += len(chunk.filings)
        next_certificate_id += len(chunk.certificates)
        yield chunk


class _Identities:
    """What tells firms apart, unique by construction: credit codes and trade names.

    A credit code is 91 + division + a 9-character organisation code + check: the organisation
    code's 8 digits are an affine permutation of the firm id (unique for up to 10^8 firms,
    scattered like real ones), followed by its GB 11714 check character. The trade name's two
    characters permute the ids of each block of as many firms as there are pairs; the block
    number adds characters from a third list, so no two firms share a name.
    """

    ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
    PAIRS = len(catalog.TRADE_NAME_FIRST) * len(catalog.TRADE_NAME_SECOND)

    def __init__(self, seed: int):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 2**32])))
        # Coprime to 10^8 (odd, not a multiple of 5): the map is a bijection.
        self.code_multiplier = int(rng.integers(10**6, 10**7)) * 10 + int(rng.choice([1, 3, 7, 9]))
        self.code_offset = int(rng.integers(0, 10**8))
        self.name_multiplier = int(rng.choice([m for m in range(101, 1000)
                                               if np.gcd(m, self.PAIRS) == 1]))
        self.name_offset = int(rng.integers(0, self.PAIRS))

    def credit_codes(self, firm_ids: np.ndarray, divisions: list[str]) -> list[str]:
        body = (firm_ids.astype(np.int64) * self.code_multiplier + self.code_offset) % 10**8
        digits = body[:, None] // 10 ** np.arange(7, -1, -1) % 10
        check = 11 - digits @ self.ORG_WEIGHTS % 11
        check_chars = np.where(check == 10, "X", np.where(check == 11, "0", check.astype(str)))
        return [make_credit_code(f"91{division}{number:08d}{char}")
                for division, number, char in zip(divisions, body.tolist(), check_chars.tolist())]

    def trade_names(self, firm_ids: np.ndarray) -> list[str]:
        pair = (firm_ids.astype(np.int64) * self.name_multiplier + self.name_offset) % self.PAIRS
        first, second = np.divmod(pair, len(catalog.TRADE_NAME_SECOND))
        return [catalog.TRADE_NAME_FIRST[i] + catalog.TRADE_NAME_SECOND[j] + self._extra(block)
                for i, j, block in zip(first.tolist(), second.tolist(),
                                       (firm_ids // self.PAIRS).tolist())]

    @staticmethod
    def _extra(block: int) -> str:
        """"" for block 0, then one character, then two (distinct for every block)."""
        third = catalog.TRADE_NAME_THIRD
        if block == 0:
            return ""
        if block <= len(third):
            return third[block - 1]
        high, low = divmod(block - 1 - len(third), len(third))
        return third[high] + third[low]


def _dates(years, months, days) -> np.ndarray:
    """datetime64[D] from arrays (or scalars) of year, month and day."""
    years, months, days = np.broadcast_arrays(*(np.asarray(value, dtype=np.int64)
                                                for value in (years, months, days)))
    return ((years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (months - 1)
            ).astype("datetime64[D]") + (days - 1)


def _year_of(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[Y]").astype(np.int64) + 1970


def _yuan(wan: np.ndarray) -> np.ndarray:
    """万元 (float draws) to whole yuan, once; everything after is integer arithmetic."""
    return np.rint(wan * YUAN).astype(np.int64)


class _Draw:
    """The random draws of one chunk of firms (plain arrays, overridable by the showcases),
    then the integer columns derived from them."""

    def __init__(self, rng: np.random.Generator, n: int, as_of: dt.date, first_id: int):
        self.rng, self.n, self.as_of, self.first_id = rng, n, as_of, first_id
        self.year = as_of.year
        self.fiscal_years = np.arange(self.year - YEARS, self.year)
        self.loaded_at = np.datetime64(as_of, "s") - UTC_OFFSET   # as_of 00:00 in Shanghai
        self._draw_firms()
        self._draw_figures()
        self._draw_filing_states()
        self._draw_history_facts()

    # -- draws ------------------------------------------------------------------------------
    def _draw_firms(self) -> None:
        rng, n, year = self.rng, self.n, self.year
        self.district = rng.choice(len(catalog.DISTRICTS), n, p=DISTRICT_P / DISTRICT_P.sum())
        self.industry = rng.choice(len(catalog.INDUSTRIES), n, p=INDUSTRY_P / INDUSTRY_P.sum())
        self.tech_field = np.empty(n, dtype=np.int64)
        for index, industry in enumerate(catalog.INDUSTRIES):
            members = np.flatnonzero(self.industry == index)
            weights = np.array(list(industry.tech_fields.values()))
            choices = [TECH_FIELD_CODES.index(code) for code in industry.tech_fields]
            self.tech_field[members] = rng.choice(choices, members.size, p=weights / weights.sum())
        # Most firms are 4 to 31 years old (typically 9-15); 7% were founded in Y-3..Y and
        # have fewer filings.
        self.young = rng.random(n) < 0.07
        founded_year = np.where(self.young, year - rng.integers(0, 4, n),
                                np.maximum(year - 4 - np.rint(rng.gamma(2, 5, n)), 1995))
        founded = _dates(founded_year, 1, 1) + rng.integers(0, 365, n)
        self.founded = np.minimum(founded, np.datetime64(self.as_of, "D"))
        self.scenario = rng.choice(len(SCENARIOS), n, p=SCENARIO_P)
        self.exact = rng.random(n) < EXACT_SHARE
        # Signed relative distance to the scenario's threshold: half below, half above.
        self.offset = np.where(self.exact, 0.0,
                               rng.uniform(-1, 1, n) * SCENARIO_SPREAD[self.scenario])
        self.status_pending = rng.random(n) < 0.003
        self.name_prefix_choice = rng.random(n)
        self.suffix_choice = rng.random(n)
        self.incidents = rng.choice([0, 1, 2], n, p=[0.985, 0.005, 0.01])  # false, true, unknown
        self.resident = rng.choice([1, 0, 2], n, p=[0.995, 0.002, 0.003])
        self.unknown_industry_facts = rng.random(n) < 0.005
        self.unknown_ip = rng.random(n) < 0.01
        self.routes = rng.random((n, 3)) < np.array([0.001, 0.008, 0.004])
        self.ic_or_mother_machine = rng.random(n) < 0.04
        self.advanced_manufacturing_list = rng.random(n) < 0.12
        self.unknown_flags = rng.random(n) < 0.02
        self.contact = (rng.integers(0, len(catalog.SURNAMES), n),
                        rng.integers(0, len(catalog.GIVEN_NAME_CHARS), (n, 2)),
                        rng.random(n) < 0.6,
                        rng.choice([130, 133, 135, 136, 137, 138, 139, 150, 151, 158, 159, 180,
                                    186, 187, 188, 189], n),
                        rng.integers(0, 10**8, n))

    def _draw_figures(self) -> None:
        """Floats in 万元 and ratios; `derive` turns them into stored integers."""
        rng, n, scenario, offset = self.rng, self.n, self.scenario, self.offset
        near = 1 + offset
        industry = self.industry
        young_scale = np.where(self.young, 0.3, 1.0)
        revenue_last = REVENUE_MEDIAN[industry] * young_scale * rng.lognormal(0, 1.2, n)
        growth = np.clip(1 + rng.normal(0.06, 0.10, n)[:, None] + rng.normal(0, 0.08, (n, 3)),
                         0.6, 1.8)
        for name, threshold in (("revenue_2000", 2000), ("revenue_5000", 5000),
                                ("revenue_20000", 20000), ("revenue_50000", 50000)):
            chosen = scenario == SCENARIO[name]
            revenue_last[chosen] = threshold * near[chosen]
        leader_like = scenario == SCENARIO["rd_4_each_year"]
        revenue_last[leader_like] = 50000 * rng.lognormal(0, 0.4, leader_like.sum())
        cagr = scenario == SCENARIO["cagr_20"]
        growth[cagr, 2] = 1.728 * near[cagr] / (growth[cagr, 0] * growth[cagr, 1])
        self.revenue = np.empty((n, YEARS))
        self.revenue[:, 3] = revenue_last
        for k in (2, 1, 0):
            self.revenue[:, k] = self.revenue[:, k + 1] / growth[:, k]
        base = scenario == SCENARIO["base_revenue_1000"]
        self.revenue[base, 0] = 1000 * near[base]
        for k in (1, 2, 3):
            self.revenue[base, k] = self.revenue[base, k - 1] * growth[base, k - 1]

        self.rd_ratio = np.clip(RD_MEDIAN[industry][:, None] * rng.lognormal(0, 0.6, n)[:, None]
                                * rng.lognormal(0, 0.12, (n, YEARS)), 0, 0.6)
        band = _rd_band(self.revenue[:, 3] * YUAN) / 100
        at_band = scenario == SCENARIO["rd_band"]
        self.rd_ratio[at_band] = (band * near)[at_band, None]
        four = leader_like | (scenario == SCENARIO["revenue_50000"])
        self.rd_ratio[four] = 0.04 * (1 + rng.uniform(-0.06, 0.12, (four.sum(), YEARS)))
        zero_latest = (rng.random(n) < 0.02) | (EXCLUDED[industry] & (rng.random(n) < 0.3))
        zero_all = zero_latest & (rng.random(n) < 0.5)
        self.rd_ratio[zero_latest, 3] = 0
        self.rd_ratio[zero_all] = 0
        self.domestic_share = np.where(rng.random(n) < 0.55, 1.0, rng.uniform(0.75, 1.0, n))
        domestic = scenario == SCENARIO["domestic_60"]
        self.domestic_share[domestic] = 0.6 * near[domestic]

        productivity = PRODUCTIVITY[industry] * rng.lognormal(0, 0.45, n)
        employees_last = np.maximum(3, self.revenue[:, 3] / productivity)
        big = scenario == SCENARIO["employees_500"]
        employees_last[big] = 500 * near[big]
        self.employees = np.maximum(1, employees_last[:, None]
                                    * np.sqrt(self.revenue / self.revenue[:, 3:]))
        self.fractional_headcount = rng.random(n) < 0.05   # yearly averages in quarters
        mean = ST_MEAN[industry]
        self.st_ratio = np.minimum(rng.beta(mean * 10, (1 - mean) * 10), 0.95)
        st10 = scenario == SCENARIO["st_staff_10"]
        self.st_ratio[st10] = 0.1 * near[st10]

        self.income_markup = rng.uniform(0, 0.06, (n, 1))
        mean = HIGHTECH_MEAN[industry]
        self.hightech_share = rng.beta(mean * 6, (1 - mean) * 6)
        hightech = scenario == SCENARIO["hightech_60"]
        self.hightech_share[hightech] = 0.6 * near[hightech]
        self.cost_ratio = rng.uniform(0.82, 1.02, (n, YEARS))
        self.assets_ratio = 0.9 * rng.lognormal(0, 0.35, n)[:, None] * rng.uniform(0.95, 1.05,
                                                                                  (n, YEARS))
        assets = scenario == SCENARIO["assets_20000"]
        self.assets_ratio[assets] *= ((20000 * near[assets])
                                      / (self.revenue[assets, 3] * self.assets_ratio[assets, 3])
                                      )[:, None]
        self.equity_ratio = np.where(rng.random(n) < 0.015, rng.uniform(-0.25, -0.01, n),
                                     rng.uniform(0.25, 0.7, n))[:, None]
        self.tax_noise = rng.normal(0, 0.01, (n, YEARS))
        self.vat_rate = np.where(INDUSTRIAL[industry], rng.uniform(0.05, 0.085, n),
                                 rng.uniform(0.005, 0.03, n))[:, None]
        # Current facts of larger firms (rules.md leader criteria).
        self.rd_staff_share = rng.uniform(0.5, 0.95, n)
        self.reports_rd_staff = rng.random(n) < 0.4
        self.core_share = np.where(scenario == SCENARIO["revenue_50000"], 0.7 * near,
                                   rng.uniform(0.5, 0.95, n))
        self.reports_core_share = rng.random(n) < 0.2
        size = np.sqrt(0.3 + self.revenue[:, 3] / 5000)
        tech = SUPPORTED_FIELD[self.tech_field]
        self.ip_class1 = rng.poisson(np.where(tech, 0.8, 0.15) * size)
        self.ip_class2 = rng.poisson(np.where(tech, 4.0, 1.0) * size)

    def _draw_filing_states(self) -> None:
        rng, n = self.rng, self.n
        self.status = np.empty((n, YEARS), dtype=np.int64)
        self.status[:, :3] = rng.choice(len(FILING_STATUSES), (n, 3), p=EARLIER_STATUS_P)
        self.status[:, 3] = rng.choice(len(FILING_STATUSES), n, p=LATEST_STATUS_P)
        # A few firms skipped one year of their window; a few filings miss some figures.
        self.skips_year = rng.random(n) < 0.03
        self.skip_choice = rng.random(n)
        incomplete = rng.random((n, YEARS)) < 0.02
        draft = self.status == FILING_STATUSES.index("draft")
        self.missing = {name: (incomplete & (rng.random((n, YEARS)) < p))
                        | (draft & (rng.random((n, YEARS)) < 0.3))
                        for name, p in MISSING_FIGURE_P.items()}
        self.missing["input_vat"] = rng.random((n, YEARS)) < 0.15
        self.comment_choice = rng.integers(0, len(catalog.RETURN_COMMENTS), (n, YEARS))
        self.submitted_day = rng.integers(0, 120, (n, YEARS))
        self.review_days = rng.integers(2, 40, (n, YEARS))
        self.time_of_day = rng.integers(8 * 3600, 18 * 3600, (n, YEARS))

    def _draw_history_facts(self) -> None:
        """programs.md §H facts, drawn last so the earlier draws stay as they were. Shares follow
        the province's statistics: most 规上 industrial firms file the R&D survey and about half
        run an R&D institution; few small service firms do either."""
        rng, n = self.rng, self.n
        industrial = INDUSTRIAL[self.industry]
        above_size = industrial[:, None] & (self.revenue >= 2000)
        self.manufacturer = industrial & (rng.random(n) < 0.92)
        self.manufacturer_unknown = rng.random((n, YEARS)) < 0.08
        survey_p = np.where(above_size, 0.88, np.where(self.rd_ratio > 0, 0.3, 0.05))
        self.rd_survey = rng.random((n, YEARS)) < survey_p
        self.rd_survey_unknown = rng.random((n, YEARS)) < 0.12
        institution_p = np.where(above_size[:, 3], 0.55,
                                 np.where(SUPPORTED_FIELD[self.tech_field], 0.22, 0.06))
        self.rd_institution = rng.random(n) < institution_p
        self.rd_institution_unknown = rng.random(n) < 0.1
        # R&D of October-December 2022: a quarter of the year's, give or take; often not given.
        self.rd_q4_share = rng.uniform(0.18, 0.4, n)
        self.rd_q4_unknown = rng.random(n) < 0.35

    # -- integer columns --------------------------------------------------------------------
    def derive(self) -> None:
        """Stored integer figures from the draws; exact scenarios by integer arithmetic."""
        scenario, exact = self.scenario, self.exact
        revenue = _yuan(self.revenue)
        on = exact & (scenario == SCENARIO["cagr_20"])
        revenue[on, 0] = np.maximum(125, revenue[on, 0] // 125 * 125)
        revenue[on, 3] = revenue[on, 0] * 1728 // 1000          # exactly x1.728
        percent = exact & np.isin(scenario, [SCENARIO["rd_band"], SCENARIO["rd_4_each_year"]])
        revenue[percent] = np.maximum(100, revenue[percent] // 100 * 100)
        rd = _yuan(revenue / YUAN * self.rd_ratio)
        band = np.where(scenario == SCENARIO["rd_band"], _rd_band(revenue[:, 3]), 4)
        rd[percent] = (revenue * band[:, None])[percent] // 100
        domestic = np.floor(rd * self.domestic_share[:, None]).astype(np.int64)
        on = exact & (scenario == SCENARIO["domestic_60"])
        rd[on] = rd[on] // 5 * 5
        domestic[on] = rd[on] * 3 // 5

        employees = self._headcount(self.employees)
        on = exact & (scenario == SCENARIO["st_staff_10"])
        ten = 10 * PERSON
        employees[on, 3] = np.maximum(ten, (employees[on, 3] + ten // 2) // ten * ten)
        st_staff = np.floor(employees / PERSON * self.st_ratio[:, None]).astype(np.int64) * PERSON
        st_staff[on, 3] = employees[on, 3] // 10

        total_income = _yuan(revenue / YUAN * (1 + self.income_markup))
        hightech = np.floor(total_income * self.hightech_share[:, None]).astype(np.int64)
        on = exact & (scenario == SCENARIO["hightech_60"])
        total_income[on, 3] = (total_income[on, 3] + 9) // 10 * 10
        hightech[on, 3] = total_income[on, 3] * 6 // 10
        total_cost = _yuan(revenue / YUAN * self.cost_ratio)
        total_assets = _yuan(revenue / YUAN * self.assets_ratio)
        on = exact & (scenario == SCENARIO["assets_20000"])
        total_assets[on, 3] = 20000 * YUAN
        self.figures = {
            "revenue": revenue, "rd_expense": rd, "rd_domestic": domestic,
            "employees": employees, "st_staff": st_staff, "total_income": total_income,
            "hightech_income": hightech, "total_cost": total_cost, "total_assets": total_assets,
            "net_assets": _yuan(total_assets / YUAN * self.equity_ratio),
            "taxable_income": revenue - total_cost + _yuan(revenue / YUAN * self.tax_noise),
            "input_vat": _yuan(revenue / YUAN * self.vat_rate),
        }
        founded_year = _year_of(self.founded)
        self.present = self.fiscal_years[None, :] >= founded_year[:, None]
        first = np.argmax(self.present, axis=1)
        span = self.present.sum(axis=1)
        skip = self.skips_year & (span >= 2)
        skipped = first + np.minimum((self.skip_choice * span).astype(np.int64), span - 1)
        self.present[np.flatnonzero(skip), skipped[skip]] = False

    def _headcount(self, persons: np.ndarray) -> np.ndarray:
        quarters = np.rint(persons * 4).astype(np.int64) * (PERSON // 4)
        whole = np.rint(persons).astype(np.int64) * PERSON
        return np.where(self.fractional_headcount[:, None], np.maximum(quarters, PERSON // 4),
                        whole)

    # -- rows ------------------------------------------------------------------------------
    def firm_rows(self, identities: _Identities) -> Rows:
        n, industry = self.n, self.industry
        ids = np.arange(self.first_id, self.first_id + n)
        districts = [catalog.DISTRICTS[i] for i in self.district.tolist()]
        industries = [catalog.INDUSTRIES[i] for i in industry.tolist()]
        st_last = self.figures["st_staff"][:, 3]
        big = self.figures["revenue"][:, 3] >= 20000 * YUAN
        leader_like = np.isin(self.scenario, [SCENARIO["revenue_50000"],
                                              SCENARIO["rd_4_each_year"]])
        rd_staff = np.floor(st_last / PERSON * self.rd_staff_share).astype(np.int64) * PERSON
        shown_rd_staff = self.reports_rd_staff | big | leader_like
        unknown_flags = self.unknown_flags
        columns = {
            "id": ids,
            "credit_code": identities.credit_codes(ids, [d.division for d in districts]),
            "name": self._names(districts, industries, identities.trade_names(ids)),
            "district": [district.code for district in districts],
            "industry_code": [industry.code for industry in industries],
            "status": np.where(self.status_pending, "pending", "active"),
            "founded": self.founded,
            "industrial": INDUSTRIAL[industry],
            "tech_field": [TECH_FIELD_CODES[i] for i in self.tech_field.tolist()],
            "resident": self.resident == 1,
            "industry_excluded": EXCLUDED[industry],
            "incidents": self.incidents == 1,
            "ip_class1": self.ip_class1,
            "ip_class2": self.ip_class2,
            "route_national_award": self.routes[:, 0],
            "route_provincial_rd_institution": self.routes[:, 1],
            "route_led_standard": self.routes[:, 2],
            "rd_staff_fulltime": rd_staff,
            "core_product_share": np.rint(self.core_share * SHARE_UNIT).astype(np.int64),
            "ic_or_mother_machine": self.ic_or_mother_machine & IC_OR_MACHINE_INDUSTRIES[industry],
            "advanced_manufacturing_list": self.advanced_manufacturing_list & INDUSTRIAL[industry],
            "rd_institution": self.rd_institution,
            "contact_name": self._contact_names(),
            "contact_phone": [f"{prefix}{number:08d}" for prefix, number
                              in zip(self.contact[3].tolist(), self.contact[4].tolist())],
            "created_at": np.full(n, self.loaded_at),
            "updated_at": np.full(n, self.loaded_at),
        }
        nulls = {
            "resident": self.resident == 2,
            "incidents": self.incidents == 2,
            "industrial": self.unknown_industry_facts,
            "industry_excluded": self.unknown_industry_facts,
            "ip_class1": self.unknown_ip,
            "ip_class2": self.unknown_ip,
            "rd_staff_fulltime": ~shown_rd_staff,
            "core_product_share": ~(big | self.reports_core_share),
            "ic_or_mother_machine": unknown_flags,
            "advanced_manufacturing_list": unknown_flags,
            "rd_institution": self.rd_institution_unknown,
        }
        rows = Rows("firms", columns, nulls)
        if self.first_id == 1:
            self._override_showcase_columns(rows)
        return rows

    def _names(self, districts, industries, trade_names: list[str]) -> list[str]:
        big = (self.figures["revenue"][:, 3] >= 20000 * YUAN).tolist()
        return [f"{district.name_prefixes[int(prefix * len(district.name_prefixes))]}{trade_name}"
                f"{industry.suffixes[int(suffix * len(industry.suffixes))]}"
                f"{'股份' if listed else ''}有限公司"
                for district, industry, trade_name, prefix, suffix, listed in zip(
                    districts, industries, trade_names, self.name_prefix_choice.tolist(),
                    self.suffix_choice.tolist(), big)]

    def _contact_names(self) -> list[str]:
        surnames, given, two_chars = self.contact[0], self.contact[1], self.contact[2]
        chars = catalog.GIVEN_NAME_CHARS
        return [catalog.SURNAMES[s] + chars[a] + (chars[b] if two else "")
                for s, (a, b), two in zip(surnames.tolist(), given.tolist(), two_chars.tolist())]

    def filing_rows(self, first_id: int) -> Rows:
        firm_index, k = np.nonzero(self.present)       # by firm, then fiscal year
        m = firm_index.size
        fiscal_year = self.fiscal_years[k]
        status = self.status[firm_index, k]
        draft, returned = (status == FILING_STATUSES.index(s) for s in ("draft", "returned"))
        accepted = status == FILING_STATUSES.index("accepted")
        # Filed between March and June of the following year, reviewed days later, never after
        # as_of (a firm founded late, or an early as_of, moves them back).
        latest = self.loaded_at - np.timedelta64(3600, "s")
        submitted = np.minimum(
            _dates(fiscal_year + 1, 3, 1).astype("datetime64[s]") - UTC_OFFSET
            + (self.submitted_day[firm_index, k] * 86400
               + self.time_of_day[firm_index, k]).astype("timedelta64[s]"), latest)
        reviewed = np.minimum(
            submitted + (self.review_days[firm_index, k] * 86400).astype("timedelta64[s]"), latest)
        created = submitted - np.timedelta64(2 * 86400, "s")
        columns = {
            "id": np.arange(first_id, first_id + m),
            "firm_id": firm_index + self.first_id,
            "fiscal_year": fiscal_year,
            "status": _texts(FILING_STATUSES)[status],
            "revision": np.zeros(m, dtype=np.int64),
        }
        nulls = {}
        for name in FIGURES:
            columns[name] = self.figures[name][firm_index, k]
            nulls[name] = self.missing[name][firm_index, k]
        rd, rd_missing = columns["rd_expense"], nulls["rd_expense"]
        columns["rd_expense_q4"] = np.floor(rd * self.rd_q4_share[firm_index]).astype(np.int64)
        nulls["rd_expense_q4"] = (fiscal_year != 2022) | rd_missing | self.rd_q4_unknown[firm_index]
        columns["manufacturer"] = self.manufacturer[firm_index]
        nulls["manufacturer"] = self.manufacturer_unknown[firm_index, k]
        columns["rd_survey"] = self.rd_survey[firm_index, k]
        nulls["rd_survey"] = self.rd_survey_unknown[firm_index, k]
        comments = _texts(catalog.RETURN_COMMENTS)[self.comment_choice[firm_index, k]]
        columns |= {"officer_comment": comments, "submitted_at": submitted,
                    "accepted_at": reviewed, "created_at": created,
                    "updated_at": np.where(accepted | returned, reviewed, submitted)}
        nulls |= {"officer_comment": ~returned, "submitted_at": draft, "accepted_at": ~accepted}
        return Rows("filings", columns, nulls)

    def certificate_rows(self, first_id: int) -> Rows:
        parts = [self._hnte_certificates(), self._tech_sme_registrations(),
                 *self._title_certificates(), *self._showcase_certificates()]
        firm_index, tier, issued, expires, status, reason = (
            np.concatenate([part[column] for part in parts]) for column in range(6))
        order = np.lexsort((issued, firm_index))
        firm_ids = firm_index[order] + self.first_id
        tier, issued, expires, status, reason = (
            column[order] for column in (tier, issued, expires, status, reason))
        divisions = [catalog.DISTRICTS[i].division for i in self.district[firm_index[order]]]
        m = order.size
        return Rows("certificates", {
            "id": np.arange(first_id, first_id + m),
            "firm_id": firm_ids,
            "tier": tier,
            "number": _certificate_numbers(tier, issued, firm_ids, divisions),
            "issued": issued,
            "expires": expires,
            "status": status,
            "reason": reason,
            "created_at": issued.astype("datetime64[s]") + np.timedelta64(3600, "s"),
        }, {"reason": reason == ""})

    def _hnte_certificates(self):
        """About a fifth of the firms hold an HNTE certificate issued in Y-3..Y (this year's
        batches only up to as_of: a firm whose batch is still to come keeps its Y-3 certificate,
        which expires this year), half of those an expired earlier one (so this year's are
        first certificates and renewals); a few let theirs lapse, a few are revoked or in public
        notice."""
        rng, n, year = self.rng, self.n, self.year
        figures = self.figures
        rd_window = figures["rd_expense"][:, 1:].sum(axis=1)
        revenue_window = figures["revenue"][:, 1:].sum(axis=1)
        supported = SUPPORTED_FIELD[self.tech_field] & ~EXCLUDED[self.industry]
        likely = (supported & (self.st_ratio >= 0.1) & (self.hightech_share >= 0.58)
                  & (rd_window * 100 >= _rd_band(figures["revenue"][:, 3]) * revenue_window))
        p = np.where(likely, 0.85, np.where(supported, 0.03, 0.005))
        founded_year = _year_of(self.founded)
        eligible = self._not_showcase()
        issue_year = year - rng.integers(0, 4, n)
        month = rng.choice([12, 11, 10, 9, 6, 3], n, p=[0.6, 0.25, 0.05, 0.04, 0.03, 0.03])
        day = rng.integers(1, 29, n)
        issue_year = np.where(_dates(issue_year, month, day) > np.datetime64(self.as_of, "D"),
                              year - 3, issue_year)
        holder = (rng.random(n) < p) & (issue_year > founded_year) & eligible
        issued = _dates(issue_year, month, day)
        expires = _dates(issue_year + 3, month, day) - 1
        revoked = rng.random(n) < 0.005
        renewed = holder & (rng.random(n) < 0.5) & (issue_year - 3 > founded_year)
        lapsed_year = year - rng.integers(4, 7, n)
        lapsed = (~holder & supported & (founded_year < lapsed_year) & (rng.random(n) < 0.04)
                  & eligible)
        notice = ~holder & likely & (rng.random(n) < 0.02) & eligible
        notice_issued = np.maximum(np.datetime64(self.as_of, "D") - rng.integers(1, 25, n),
                                   _dates(year, 1, 1))
        as_of = np.datetime64(self.as_of, "D")
        self.hnte_holder = holder & ~revoked
        return _certificate_part("hnte", [
            (holder, issued, expires,
             np.where(revoked, "revoked", np.where(expires < as_of, "expired", "valid")),
             np.where(revoked, catalog.REVOKED_REASON, "")),
            (renewed, _dates(issue_year - 3, month, day), issued - 1, "expired", ""),
            (lapsed, _dates(lapsed_year, month, day), _dates(lapsed_year + 3, month, day) - 1,
             "expired", ""),
            (notice, notice_issued, _years_later(notice_issued, 3) - 1, "public_notice", ""),
        ])

    def _tech_sme_registrations(self):
        """Registration numbers of small tech firms for Y (batches up to as_of) and Y-1, each
        valid until the end of its year."""
        rng, n, year = self.rng, self.n, self.year
        figures = self.figures
        small = ((figures["employees"][:, 3] <= 500 * PERSON)
                 & (figures["revenue"][:, 3] <= 20000 * YUAN)
                 & (figures["total_assets"][:, 3] <= 20000 * YUAN)
                 & (self.tech_field != TECH_FIELD_CODES.index(None)) & ~EXCLUDED[self.industry]
                 & self._not_showcase())
        founded_year = _year_of(self.founded)
        as_of = np.datetime64(self.as_of, "D")
        months, days = np.array(TECH_SME_BATCHES).T
        parts = []
        for registration_year, share in ((year - 1, 0.4), (year, 0.45)):
            batch = rng.integers(0, len(TECH_SME_BATCHES), n)
            issued = _dates(registration_year, months[batch], days[batch])
            chosen = ((rng.random(n) < share) & small & (issued <= as_of)
                      & (founded_year < registration_year))
            withdrawn = rng.random(n) < 0.003
            status = np.where(withdrawn, "withdrawn",
                              "valid" if registration_year == year else "expired")
            parts.append((chosen, issued, _dates(registration_year, 12, 31), status,
                          np.where(withdrawn, catalog.WITHDRAWN_REASON, "")))
        return _certificate_part("tech_sme", parts)

    def _title_certificates(self):
        """A few HNTE holders are also gazelles (fast growth) or tech leaders (large, R&D-heavy)."""
        rng, n, year = self.rng, self.n, self.year
        revenue = self.figures["revenue"]
        rd_each_year = (self.figures["rd_expense"][:, 1:] * 1000 >= 35 * revenue[:, 1:]).all(axis=1)
        gazelle = (self.hnte_holder & (revenue[:, 0] > 1000 * YUAN)
                   & (revenue[:, 3] * 2 >= 3 * revenue[:, 0]) & (rng.random(n) < 0.3))
        leader = (self.hnte_holder & (revenue[:, 3] >= 40000 * YUAN) & rd_each_year
                  & (rng.random(n) < 0.3))
        day = rng.integers(1, 29, n)
        return [
            _certificate_part("gazelle", [(gazelle, _dates(year - 1, 10, day),
                                           _dates(year + 2, 10, day) - 1, "valid", "")]),
            _certificate_part("leader", [(leader, _dates(year - 2, 11, day),
                                          _dates(year + 1, 11, day) - 1, "valid", "")]),
        ]

    def _showcase_certificates(self) -> list[tuple]:
        if self.first_id != 1:
            return []
        return [_certificate_part(tier, [(np.arange(self.n) == index, np.datetime64(issued),
                                          np.datetime64(expires),
                                          "expired" if expires < self.as_of else "valid", "")])
                for index, showcase in enumerate(SHOWCASES)
                for tier, issued, expires in showcase.certificates(self.as_of)
                if issued <= self.as_of]

    def _not_showcase(self) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        if self.first_id == 1:
            mask[: len(SHOWCASES)] = False
        return mask

    # -- showcases ---------------------------------------------------------------------------
    def plant_showcases(self) -> None:
        """Replace the first firms' draws by the showcases' (before `derive`)."""
        district_index = {d.code: i for i, d in enumerate(catalog.DISTRICTS)}
        industry_index = {industry.code: i for i, industry in enumerate(catalog.INDUSTRIES)}
        for i, showcase in enumerate(SHOWCASES):
            years_ago, month, day = showcase.founded
            self.district[i] = district_index[showcase.district]
            self.industry[i] = industry_index[showcase.industry]
            self.tech_field[i] = TECH_FIELD_CODES.index(showcase.tech_field)
            self.founded[i] = np.datetime64(dt.date(self.year - years_ago, month, day))
            self.scenario[i], self.exact[i], self.offset[i] = SCENARIO["plain"], False, 0.0
            self.status_pending[i] = self.unknown_industry_facts[i] = self.unknown_ip[i] = False
            self.routes[i] = self.unknown_flags[i] = self.ic_or_mother_machine[i] = False
            self.incidents[i], self.resident[i] = 0, 1
            self.advanced_manufacturing_list[i] = showcase.advanced_manufacturing_list
            self.ip_class1[i], self.ip_class2[i] = showcase.ip
            self.revenue[i] = showcase.revenue
            self.rd_ratio[i] = showcase.rd_ratio
            self.domestic_share[i] = 1.0
            self.employees[i] = showcase.employees * np.sqrt(self.revenue[i] / self.revenue[i, 3])
            self.fractional_headcount[i] = False
            self.st_ratio[i] = showcase.st_ratio
            self.hightech_share[i] = showcase.hightech_share
            self.income_markup[i], self.cost_ratio[i], self.assets_ratio[i] = 0.03, 0.9, 0.85
            self.equity_ratio[i], self.tax_noise[i], self.vat_rate[i] = 0.5, 0.0, 0.06
            self.status[i] = [FILING_STATUSES.index(status) for status in showcase.statuses]
            self.skips_year[i] = False
            for missing in self.missing.values():
                missing[i] = False

    def _override_showcase_columns(self, rows: Rows) -> None:
        for i, showcase in enumerate(SHOWCASES):
            rows.columns["name"][i] = showcase.name
            for name, value, scale in (
                    ("rd_staff_fulltime", showcase.rd_staff_fulltime, PERSON),
                    ("core_product_share", showcase.core_product_share, SHARE_UNIT)):
                rows.nulls[name][i] = value is None
                if value is not None:
                    rows.columns[name][i] = round(value * scale)


def _texts(values) -> np.ndarray:
    """An object array of a few strings: indexing it shares them (a "U" array copies each)."""
    return np.array(values, dtype=object)


def _rd_band(revenue_yuan: np.ndarray) -> np.ndarray:
    """HNTE R&D band in percent by FY Y-1 revenue: <= 5,000 -> 5; <= 20,000 -> 4; above -> 3."""
    return np.where(revenue_yuan <= 5000 * YUAN, 5, np.where(revenue_yuan <= 20000 * YUAN, 4, 3))


def _years_later(days: np.ndarray, years: int) -> np.ndarray:
    months = days.astype("datetime64[M]")
    return _dates(_year_of(days) + years, (months - days.astype("datetime64[Y]")).astype(int) + 1,
                  (days - months.astype("datetime64[D]")).astype(int) + 1)


def _certificate_part(tier: str, parts):
    """(chosen mask, issued, expires, status, reason) parts of one tier, as the arrays
    (firm_index, tier, issued, expires, status, reason) of the chosen firms."""
    columns = [[] for _ in range(6)]
    for chosen, *values in parts:
        where = np.flatnonzero(chosen)
        columns[0].append(where)
        columns[1].append(np.full(where.size, tier, dtype=object))
        for column, value in zip(columns[2:], values):
            value = np.broadcast_to(value, chosen.shape)[where]
            column.append(value.astype(object) if value.dtype.kind == "U" else value)
    return tuple(np.concatenate(column) for column in columns)


# Certificate numbers: HNTE as GR + year + 3302 (Zhejiang, Ningbo) + serial; tech-SME
# registrations as year + division + batch + serial; the city's own titles with a prefix.
NUMBER_FORMATS = {"hnte": "GR{year}3302{id:05d}", "tech_sme": "{year}{division}{batch:02d}{id:06d}",
                  "gazelle": "NBDL{year}{id:06d}", "leader": "NBLJ{year}{id:06d}"}
_BATCH_OF_MONTH = {month: batch for batch, (month, _) in enumerate(TECH_SME_BATCHES, start=1)}


def _certificate_numbers(tiers, issued, firm_ids, divisions) -> list[str]:
    months = (issued.astype("datetime64[M]") - issued.astype("datetime64[Y]")).astype(int) + 1
    return [NUMBER_FORMATS[tier].format(year=year, id=firm_id, division=division,
                                        batch=_BATCH_OF_MONTH.get(month, 0))
            for tier, year, month, firm_id, division in zip(
                tiers.tolist(), _year_of(issued).tolist(), months.tolist(), firm_ids.tolist(),
                divisions)]

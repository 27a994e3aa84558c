"""Columnar input of the engine: one batch of n firms evaluated at one `as_of` (Y = as_of.year).

Every column is derivable set-based (the scan fills them straight from SQL; per-firm certificate
aggregates are computed in SQL). Unknown (null) numbers have value 0 and known False.

Firm-level columns, shape (n,):
  founded                   int32  day ordinal (date.toordinal(); 0001-01-01 = 1), required
  resident, industry_excluded, industrial, incidents, ic_or_mother_machine,
  advanced_manufacturing_list, rd_institution
                            int8   three-valued: 1 true, -1 false, 0 unknown (see logic.py)
  tech_field                int8   0 unknown, 1..8 = TECH_FIELDS in rules.md order, 9 = "other"
  direct_routes             int8   bit mask: 1 national_award, 2 provincial_rd_institution,
                                   4 led_standard
  ip_class1, ip_class2      int64 + bool known   counts of owned IP rights
  rd_staff_fulltime         int64 + bool known   persons x 10^4
  core_product_share        int64 + bool known   share x 10^4 (0..10,000)
  holds_tech_sme, holds_hnte, holds_gazelle, holds_leader
                            bool   holds a certificate of that tier valid on as_of
                                   (issued <= as_of <= expires, status null/valid/expired)
  hnte_expires              int32  day ordinal of the latest `expires` among valid HNTE
                                   certificates, 0 when none
  tech_sme_tax_year         bool   holds a tech_sme certificate valid on 31 December of Y-1 (a
                                   tech-SME holder for the tax year, programs.md §H)

Per-year columns, shape (n, 4), column j = FY Y-4+j (column 3 is FY Y-1), int64 + bool known:
  revenue, rd_expense, rd_domestic, total_income, hightech_income, total_cost, total_assets,
  input_vat, rd_expense_q4, net_assets, taxable_income
                                             yuan (1 万元 = 10,000 yuan); the last two may be negative
                                             (rd_expense_q4 is known in FY 2022 only)
  rd_expense_official                        yuan: the statistics bureau's R&D figure of the year
                                             (an official import, not the firm's filing)
  employees, st_staff                        persons x 10^4
Per-year yes/no facts, shape (n, 4), int8 three-valued like the firm booleans:
  manufacturer, rd_survey

`from_arrays` takes these names, a figure being two arrays: `name` and `name_known`. Any memory
layout works; column-major (Fortran) per-year arrays are the fastest (the rules go year by year).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

import numpy as np

from .facts import (
    DIRECT_ROUTES,
    FIRM_BOOLEANS,
    OFFICIAL_YEAR_FIGURES,
    OTHER_FIELD,
    TECH_FIELDS,
    TIERS,
    YEAR_BOOLEANS,
    YEAR_FIGURES,
    FirmFacts,
)
from .units import to_fixed

YEARS = 4                            # FY Y-4 .. Y-1
Y_4, Y_3, Y_2, Y_1 = range(YEARS)    # column index of each fiscal year
TECH_FIELD_CODES = {None: 0, **{name: code for code, name in enumerate(TECH_FIELDS, 1)},
                    OTHER_FIELD: len(TECH_FIELDS) + 1}
TECH_FIELD_NAMES = {code: name for name, code in TECH_FIELD_CODES.items()}
DIRECT_ROUTE_BITS = {name: 1 << index for index, name in enumerate(DIRECT_ROUTES)}
FIRM_FIGURES = ("ip_class1", "ip_class2", "rd_staff_fulltime", "core_product_share")
HOLDS = tuple(f"holds_{tier}" for tier in TIERS)


@dataclass(frozen=True)
class Figure:
    """A numeric fact: int64 fixed-point values and a bool mask of which are known."""
    value: np.ndarray
    known: np.ndarray

    def take(self, index) -> Figure:
        """The firms at `index`."""
        return Figure(self.value[index], self.known[index])

    def column(self, column: int) -> Figure:
        """One fiscal year of a per-year figure."""
        return Figure(self.value[:, column], self.known[:, column])


@dataclass(frozen=True)
class FirmColumns:
    """The engine's input arrays for n firms at one as_of (see the module docstring)."""
    as_of: date
    ids: Sequence[str]
    founded: np.ndarray
    resident: np.ndarray
    industry_excluded: np.ndarray
    industrial: np.ndarray
    incidents: np.ndarray
    ic_or_mother_machine: np.ndarray
    advanced_manufacturing_list: np.ndarray
    rd_institution: np.ndarray
    tech_field: np.ndarray
    direct_routes: np.ndarray
    ip_class1: Figure
    ip_class2: Figure
    rd_staff_fulltime: Figure
    core_product_share: Figure
    holds_tech_sme: np.ndarray
    holds_hnte: np.ndarray
    holds_gazelle: np.ndarray
    holds_leader: np.ndarray
    hnte_expires: np.ndarray
    tech_sme_tax_year: np.ndarray
    revenue: Figure
    rd_expense: Figure
    rd_domestic: Figure
    employees: Figure
    st_staff: Figure
    total_income: Figure
    hightech_income: Figure
    total_cost: Figure
    total_assets: Figure
    net_assets: Figure
    taxable_income: Figure
    input_vat: Figure
    rd_expense_q4: Figure
    rd_expense_official: Figure
    manufacturer: np.ndarray
    rd_survey: np.ndarray

    def __len__(self) -> int:
        return len(self.founded)

    @property
    def data_years(self) -> tuple[int, ...]:
        """The fiscal years of the per-year columns: Y-4 .. Y-1."""
        return tuple(range(self.as_of.year - YEARS, self.as_of.year))

    def holds(self, tier: str) -> np.ndarray:
        """Whether each firm holds a valid certificate of `tier` on as_of."""
        return getattr(self, f"holds_{tier}")

    def take(self, index) -> FirmColumns:
        """The firms at `index` (an int array or slice), as a new batch."""
        values = {f.name: _take(getattr(self, f.name), index) for f in fields(self)
                  if f.name not in ("as_of", "ids")}
        return replace(self, ids=[self.ids[i] for i in np.arange(len(self))[index]], **values)

    @classmethod
    def from_arrays(cls, as_of: date, ids: Sequence[str],
                    arrays: Mapping[str, np.ndarray]) -> FirmColumns:
        """Build from named arrays (a figure as `name` and `name_known`); checks dtypes, shapes."""
        n = len(ids)
        values = {}
        for name, (dtype, per_year, is_figure) in COLUMN_SPEC.items():
            shape = (n, YEARS) if per_year else (n,)
            column = _checked(arrays, name, dtype, shape)
            values[name] = Figure(column, _checked(arrays, f"{name}_known", np.bool_, shape)) \
                if is_figure else column
        return cls(as_of=as_of, ids=list(ids), **values)

    @classmethod
    def empty(cls, n: int, as_of: date) -> FirmColumns:
        """n firms with every fact unknown (founded = 0), ids "0".."n-1", to be filled in place."""
        arrays = {}
        for name, (dtype, per_year, is_figure) in COLUMN_SPEC.items():
            shape = (n, YEARS) if per_year else (n,)
            arrays[name] = np.zeros(shape, dtype, order="F")
            if is_figure:
                arrays[f"{name}_known"] = np.zeros(shape, np.bool_, order="F")
        return cls.from_arrays(as_of, [str(i) for i in range(n)], arrays)

    @classmethod
    def from_facts(cls, firms: Sequence[FirmFacts], as_of: date) -> FirmColumns:
        """Build the columns of parsed firms at as_of (certificate aggregates included)."""
        columns = cls.empty(len(firms), as_of)
        for row, firm in enumerate(firms):
            _fill_row(columns, row, firm)
        return replace(columns, ids=[firm.id for firm in firms])


# name -> (dtype, per year?, figure with known mask?)
COLUMN_SPEC: dict[str, tuple[type, bool, bool]] = {
    "founded": (np.int32, False, False),
    **{name: (np.int8, False, False) for name in FIRM_BOOLEANS},
    "tech_field": (np.int8, False, False),
    "direct_routes": (np.int8, False, False),
    **{name: (np.int64, False, True) for name in FIRM_FIGURES},
    **{name: (np.bool_, False, False) for name in HOLDS},
    "hnte_expires": (np.int32, False, False),
    "tech_sme_tax_year": (np.bool_, False, False),
    **{name: (np.int64, True, True) for name in YEAR_FIGURES + OFFICIAL_YEAR_FIGURES},
    **{name: (np.int8, True, False) for name in YEAR_BOOLEANS},
}


def _take(column, index):
    return column.take(index) if isinstance(column, Figure) else column[index]


def _checked(arrays: Mapping[str, np.ndarray], name: str, dtype: type, shape: tuple) -> np.ndarray:
    if name not in arrays:
        raise ValueError(f"missing column {name!r}")
    array = arrays[name]
    if not isinstance(array, np.ndarray) or array.dtype != np.dtype(dtype) or array.shape != shape:
        raise ValueError(f"column {name!r} must be {np.dtype(dtype)} of shape {shape}")
    return array


def _fill_row(columns: FirmColumns, row: int, firm: FirmFacts) -> None:
    """Write one firm's facts into row `row` of freshly allocated columns."""
    columns.founded[row] = firm.founded.toordinal()
    for name in FIRM_BOOLEANS:
        getattr(columns, name)[row] = _three_valued(getattr(firm, name))
    columns.tech_field[row] = TECH_FIELD_CODES[firm.tech_field]
    columns.direct_routes[row] = sum(DIRECT_ROUTE_BITS[route] for route in set(firm.direct_routes))
    _set(columns.ip_class1, row, firm.ip.class1, convert=int)
    _set(columns.ip_class2, row, firm.ip.class2, convert=int)
    _set(columns.rd_staff_fulltime, row, firm.rd_staff_fulltime)
    _set(columns.core_product_share, row, firm.core_product_share)
    _fill_certificates(columns, row, firm, columns.as_of)
    for column, fiscal_year in enumerate(columns.data_years):
        figures = firm.years.get(fiscal_year)
        for name in YEAR_FIGURES + OFFICIAL_YEAR_FIGURES:
            _set(getattr(columns, name), (row, column), getattr(figures, name, None))
        for name in YEAR_BOOLEANS:
            getattr(columns, name)[row, column] = _three_valued(getattr(figures, name, None))


def _fill_certificates(columns: FirmColumns, row: int, firm: FirmFacts, as_of: date) -> None:
    valid = [cert for cert in firm.certificates if cert.valid_on(as_of)]
    for tier in TIERS:
        columns.holds(tier)[row] = any(cert.tier == tier for cert in valid)
    hnte_expiries = [cert.expires.toordinal() for cert in valid if cert.tier == "hnte"]
    columns.hnte_expires[row] = max(hnte_expiries, default=0)
    tax_year_end = date(as_of.year - 1, 12, 31)
    columns.tech_sme_tax_year[row] = any(cert.tier == "tech_sme" and cert.valid_on(tax_year_end)
                                         for cert in firm.certificates)


def _three_valued(value: bool | None) -> int:
    return 0 if value is None else (1 if value else -1)


def _set(figure: Figure, index, value, convert=to_fixed) -> None:
    if value is not None:
        figure.value[index] = convert(value)
        figure.known[index] = True

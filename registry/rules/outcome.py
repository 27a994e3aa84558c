"""What a criterion returns: its three-valued result and the arrays that explain it.

A criterion computes, over the whole batch, `passed` and the measures behind it (actual value,
requirement, gap). The measures keep references to those arrays and read one firm lazily (`at(i)`),
so an explanation is derived from exactly the numbers that decided the verdict.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from .logic import FALSE, UNKNOWN, as_bool
from .units import PERSONS, SCALE, WAN, from_fixed, tidy

# Fixed-point scale of each unit; unlisted units (days, years, points, count) are plain integers.
UNIT_SCALES = {WAN: SCALE, PERSONS: SCALE, "share": SCALE}
RATIO_PLACES = Decimal("0.0001")   # actual ratios are shown floored to the parameters' precision


class Measure(Protocol):
    def at(self, i: int) -> Any:
        """The JSON-ready value for firm i (None when unknown)."""


def _pick(values, i: int):
    return values[i] if np.ndim(values) else values


@dataclass(frozen=True)
class Amount:
    """A fixed-point quantity in `unit` (万元 amounts are stored in yuan)."""
    value: Any
    known: Any = True
    unit: str = WAN

    def at(self, i: int) -> Decimal | int | None:
        if not _pick(self.known, i):
            return None
        raw = int(_pick(self.value, i))
        return from_fixed(raw, UNIT_SCALES[self.unit]) if self.unit in UNIT_SCALES else raw


@dataclass(frozen=True)
class Ratio:
    """num / den, unknown when not known or den is 0; shown floored to 4 decimals.

    Flooring keeps the comparison visible: parameters have at most 4 decimals, so a ratio at or
    above a threshold never prints below it, and one below never prints at or above it."""
    num: Any
    den: Any
    known: Any = True

    def at(self, i: int) -> Decimal | None:
        den = int(_pick(self.den, i))
        if not _pick(self.known, i) or den == 0:
            return None
        exact = Decimal(int(_pick(self.num, i))) / Decimal(den)
        return tidy(exact.quantize(RATIO_PLACES, rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Exact:
    """An exact parameter fraction per firm (e.g. a band's ratio, a growth factor)."""
    num: Any
    den: Any
    known: Any = True

    def at(self, i: int) -> Decimal | None:
        if not _pick(self.known, i):
            return None
        return tidy(Decimal(int(_pick(self.num, i))) / Decimal(int(_pick(self.den, i))))


@dataclass(frozen=True)
class Day:
    """A date stored as a day ordinal."""
    ordinal: Any

    def at(self, i: int) -> str:
        return date.fromordinal(int(_pick(self.ordinal, i))).isoformat()


@dataclass(frozen=True)
class Truth:
    """A three-valued fact or result."""
    codes: Any

    def at(self, i: int) -> bool | None:
        return as_bool(_pick(self.codes, i))


@dataclass(frozen=True)
class Named:
    """A code with a name per value (e.g. tech_field)."""
    codes: Any
    names: dict

    def at(self, i: int) -> str | None:
        return self.names[int(_pick(self.codes, i))]


@dataclass(frozen=True)
class Const:
    """The same JSON value for every firm."""
    value: Any

    def at(self, i: int) -> Any:
        return self.value


def _rows(values, rows: np.ndarray) -> np.ndarray:
    return np.asarray(values)[rows] if np.ndim(values) else np.full(len(rows), values)


RATIO_STEPS = 10_000  # 1 / RATIO_PLACES


def approximate(measure, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(float64 values, known) of a numeric measure at `rows`, for sorting and showing only,
    never for a decision; ratios floored to 4 places like `Ratio.at`. None when the measure is
    not a number (a day, a yes/no, a name)."""
    if isinstance(measure, Amount):
        values = _rows(measure.value, rows).astype(np.float64)
        if measure.unit in UNIT_SCALES:
            values = values / UNIT_SCALES[measure.unit]
        return values, _rows(measure.known, rows).astype(bool)
    if isinstance(measure, Ratio):
        num, den = _rows(measure.num, rows).astype(np.int64), _rows(measure.den, rows).astype(np.int64)
        known = _rows(measure.known, rows).astype(bool) & (den != 0)
        floored = (num * RATIO_STEPS) // np.where(known, den, 1)  # |num| <= 10^15: exact in int64
        return floored / RATIO_STEPS, known
    if isinstance(measure, Exact):
        num, den = _rows(measure.num, rows).astype(np.float64), _rows(measure.den, rows).astype(np.float64)
        return num / den, _rows(measure.known, rows).astype(bool)
    if isinstance(measure, Const) and isinstance(measure.value, (int, float, Decimal)) \
            and not isinstance(measure.value, bool):
        return np.full(len(rows), float(measure.value)), np.ones(len(rows), bool)
    return None


@dataclass(frozen=True)
class Requirement:
    """What a criterion requires, rendered as "<op> <value>" (e.g. "<= 500")."""
    op: str
    measure: Measure

    def at(self, i: int) -> str | None:
        value = self.measure.at(i)
        if value is None:
            return None
        if isinstance(value, bool):
            value = str(value).lower()
        return f"{self.op} {value}"


def fraction_measure(value: Fraction) -> Exact:
    """An exact parameter fraction as a measure."""
    return Exact(value.numerator, value.denominator)


@dataclass(frozen=True)
class Outcome:
    """One criterion over a batch: passed (int8 three-valued) and its explanation's measures.

    `gap` is how much more R&D, staff or income would make the criterion pass (0 when it passes);
    its unit is 万元 or persons. `kind` says how the actual and required values read when their
    measures do not (a growth multiple is a `factor`, not a percentage); see `value_kind`."""
    passed: np.ndarray
    actual: Measure | None = None
    required: Measure | None = None
    gap: Amount | None = None
    kind: str | None = None

    @property
    def value_kind(self) -> str | None:
        """How the actual and required values read (rules/display.py): the unit of an amount
        (万元, persons, share, days, count, points), `ratio` for a fraction, `bool`, `date`,
        `field`, or the criterion's own `kind`."""
        if self.kind:
            return self.kind
        measure = self.actual or (self.required.measure if self.required else None)
        if isinstance(measure, Amount):
            return measure.unit
        return next((kind for types, kind in ((Ratio, "ratio"), (Exact, "ratio"), (Truth, "bool"),
                                              (Day, "date"), (Named, "field"))
                     if isinstance(measure, types)), None)

    def gated_by(self, gate: np.ndarray) -> Outcome:
        """Not evaluated (unknown) where the gate criterion failed."""
        passed = np.where(gate == FALSE, UNKNOWN, self.passed).astype(np.int8)
        return Outcome(passed, self.actual, self.required, self.gap, self.kind)

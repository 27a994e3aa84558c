"""How the rules' values read to a person, in either language, without Flask.

One set of formats for the engine's explanations and the web pages (registry/figures.py hands
the same functions to templates and exports): money in 万元 with thousands separators and two
decimals, a ratio as a percentage (the actual value with two decimals, a threshold as precise as
the rule states it: "4.70% ≥ 5%"), a growth multiple as a multiple, counts with separators, yes/no
as words, and an operator as its mathematical sign. The JSON fields (`actual`, `required`, `gap`)
stay exact numbers; only what people read is formatted here.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from .i18n import translate
from .units import tidy

CENT = Decimal("0.01")
OPERATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "", "in": ""}
# Value kinds of the criteria (report.value_kind): 万元 amounts, persons, a fraction shown as a
# percentage (ratio, share), a growth multiple (factor), whole numbers (count, days, points),
# yes/no (bool), a date and a technology field.
PERCENT_KINDS = ("ratio", "share")
WHOLE_KINDS = ("count", "days", "points")


def money(value: Decimal | int | str | None) -> str:
    """An amount of 万元: thousands separators and two decimals (half up); blank is —."""
    return "—" if value is None else f"{Decimal(value).quantize(CENT, ROUND_HALF_UP):,}"


def percent(value: Decimal | int | str | None, places: int | None = 2) -> str:
    """A fraction (0.047) as a percentage: with `places` decimals (4.70%), or, with None, as
    precise as the value itself (a threshold: 0.05 is 5%, 0.025 is 2.5%)."""
    if value is None:
        return "—"
    hundred = Decimal(value) * 100
    if places is None:
        return f"{tidy(hundred.quantize(CENT, ROUND_HALF_UP)):,}%"
    return f"{hundred.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):,}%"


def count(value: Decimal | int | str | None) -> str:
    """A whole number (firms, days, points) with thousands separators."""
    return "—" if value is None else f"{Decimal(value).quantize(Decimal(1), ROUND_HALF_UP):,}"


def number(value: Decimal | int | str | None) -> str:
    """A number as exact as it is (headcounts may have decimals), with thousands separators."""
    return "—" if value is None else f"{tidy(Decimal(value)):,}"


def value_text(value, kind: str | None, lang: str, threshold: bool = False) -> str:
    """A criterion's value of `kind` in `lang`; `threshold` marks a requirement's value (its
    percentage as precise as the rule states it)."""
    if value is None:
        return translate("value.unknown", None, lang) if kind == "bool" else "—"
    if isinstance(value, bool):
        return translate(f"value.{str(value).lower()}", None, lang)
    if isinstance(value, str):
        return value
    if kind in PERCENT_KINDS:
        return percent(value, None if threshold else 2)
    if kind == "factor":
        return translate("value.factor", {"value": number(value)}, lang)
    if kind == "万元":
        return money(value)
    if kind in WHOLE_KINDS:
        return count(value)
    return number(value)


def requirement_text(op: str, value, kind: str | None, lang: str) -> str:
    """What a criterion requires, e.g. "≥ 5%", "≤ 20,000.00", "否"."""
    shown = value_text(value, kind, lang, threshold=True)
    sign = OPERATORS.get(op, op)
    return f"{sign} {shown}" if sign else shown


def amount_text(gap, unit: str | None) -> str:
    """How much more would pass, without its unit: 万元 rounded up to the cent (a gap of one yuan
    reads 0.01, never 0.00), persons as they are."""
    if gap is None:
        return "—"
    if unit == "万元":
        return f"{Decimal(gap).quantize(CENT, ROUND_CEILING):,}"
    return number(gap)


def gap_text(gap, unit: str | None, lang: str) -> str:
    """How much more would pass, with its unit: "3.46 万元", "4 人"."""
    if not gap:  # nothing more needed (a criterion met) or not known
        return "—"
    amount = amount_text(gap, unit)
    return f"{amount} {translate(f'unit.{unit}', None, lang)}" if unit else amount

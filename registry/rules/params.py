"""Parameters as data: TOML files per year under `params/`, read exactly (Decimal).

A file `<N>.toml` exists for each year in which something changes and states only what changes
(programs.md §H): its tables belong to policy year N, except `incentives`, the tax tables of tax
year N. `load_parameters(Y or as_of)` layers the tier criteria of the files <= Y and the tax tables
of the files <= T = Y - 1 (a later file's table replaces the earlier one whole, see `_layer`), selects
the city's profiles (gazelle, leader) and applies what-if overrides (dotted paths to existing numeric
leaves, list items by index) without touching files. Every numeric leaf is checked against the unit
its table declares, so a value the engine cannot compare exactly in fixed point is refused here.
"""
from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from .i18n import Message
from .units import MAX_MAGNITUDE, to_fixed

PARAMS_DIR = Path(__file__).with_name("params")
PROFILE_TIERS = ("gazelle", "leader")
DEFAULT_PROFILES = {"gazelle": "default", "leader": "default"}
FIXED_POINT_UNITS = ("万元", "persons", "ratio", "share", "factor")
FRACTION_BOUNDS = {"ratio": 1, "share": 1, "factor": 10}   # upper bounds of unitless values
INTEGER_UNITS = ("days", "years", "points", "count")
TAX_TABLE = "incentives"    # the tax tables, looked up by tax year; every other table by policy year


class ParameterError(ValueError):
    """A parameter file, profile or override that cannot be used.

    `str(error)` is the English text (the CLI's); `key` and `params` name the same message in the
    rules' catalogs (`param.*`), so pages show it in the reader's language (`message`)."""

    def __init__(self, text: str, key: str | None = None, **params: Any):
        super().__init__(text)
        self.key, self.params = key, params

    @property
    def message(self) -> Message | None:
        """The rules' catalog message, or None for an error without one."""
        return None if self.key is None else Message(self.key, self.params)


@dataclass(frozen=True)
class Section:
    """A table of the parameter file, with typed access that checks each value's declared unit."""
    path: str
    data: Mapping[str, Any]
    units: Mapping[str, str] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def section(self, key: str) -> Section:
        """A sub-table (units are not inherited by sub-tables)."""
        path = f"{self.path}.{key}" if self.path else key
        table = self.data.get(key)
        if not isinstance(table, dict):
            raise ParameterError(f"missing table {path}")
        return Section(path, table, table.get("units", {}))

    def items(self, key: str) -> list[Section]:
        """The tables of a list (bands), each inheriting this table's units."""
        return [Section(f"{self.path}.{key}.{index}", item, self.units)
                for index, item in enumerate(self.data.get(key, []))]

    def money(self, key: str) -> int:
        """An amount in 万元, as int64-safe yuan."""
        return to_fixed(self._value(key, ("万元",)))

    def persons(self, key: str) -> int:
        """A headcount, as persons x 10^4."""
        return to_fixed(self._value(key, ("persons",)))

    def ratio(self, key: str) -> Fraction:
        """A ratio, share or factor as an exact fraction."""
        return Fraction(self._value(key, tuple(FRACTION_BOUNDS)))

    def integer(self, key: str) -> int:
        """Days, years, points or a count."""
        return int(self._value(key, INTEGER_UNITS))

    def _value(self, key: str, units: tuple[str, ...]) -> Decimal:
        if key not in self.data:
            raise ParameterError(f"missing parameter {self.path}.{key}")
        if self.units.get(key) not in units:
            raise ParameterError(f"{self.path}.{key} must be in {'/'.join(units)}")
        return Decimal(self.data[key])


@dataclass(frozen=True)
class ParameterSet:
    """The parameters of policy year Y (tier criteria) and tax year T = Y - 1 (incentives), with
    the chosen profiles and overrides. `policy_year` is Y, or the newest year with a file when Y
    is later (the rules then in force are that year's)."""
    policy_year: int
    tax_year: int
    profiles: Mapping[str, str]
    overrides: Mapping[str, str]
    data: Mapping[str, Any]

    def root(self, key: str) -> Section:
        """A top-level table: tech_sme, hnte, flags, incentives."""
        return Section("", self.data).section(key)

    def tier(self, tier: str) -> Section:
        """The criteria table of a tier: its own table, or the selected profile's."""
        table = self.root(tier)
        return table.section(self.profiles[tier]) if tier in PROFILE_TIERS else table


@cache
def available_years() -> tuple[int, ...]:
    """Years that have a parameter file (policy years, tax years or both). The files ship with
    the code, so the folder is listed once, not on every load."""
    return tuple(sorted(int(path.stem) for path in PARAMS_DIR.glob("*.toml") if path.stem.isdigit()))


@cache
def first_policy_year() -> int:
    """The earliest policy year with tier criteria: as_of dates before it have no parameters."""
    return min(year for year in available_years() if set(_read(year)) - {TAX_TABLE, "year", "units"})


def load_parameters(year_or_as_of: int | date, profiles: Mapping[str, str] | None = None,
                    overrides: Mapping[str, Any] | None = None) -> ParameterSet:
    """The parameter set of policy year Y and tax year Y - 1, with profiles and overrides applied.

    `profiles` maps gazelle/leader to a profile name (default: "default"); `overrides` maps dotted
    paths to decimal values. Raises ParameterError for a year before the first policy year, an
    unknown path or profile, or a value that is not a decimal usable in its unit."""
    year = year_or_as_of.year if isinstance(year_or_as_of, date) else int(year_or_as_of)
    first = first_policy_year()
    if year < first:
        raise ParameterError(f"no parameters for policy year {year}: the rules are kept from "
                             f"{first}-01-01 on", "param.no_year", year=year, first=first)
    files = [(file_year, _read(file_year)) for file_year in available_years()]
    policy = [{key: value for key, value in table.items() if key != TAX_TABLE}
              for file_year, table in files if file_year <= year]
    tax = [{TAX_TABLE: table[TAX_TABLE]} for file_year, table in files
           if file_year <= year - 1 and TAX_TABLE in table]
    data = copy.deepcopy(_layer({TAX_TABLE: {}}, policy + tax))
    chosen = _choose_profiles(data, profiles or {})
    applied = {path: _apply_override(data, path, value)
               for path, value in (overrides or {}).items()}
    _check_units(data, "", {})
    return ParameterSet(min(year, files[-1][0]), year - 1, chosen, applied, data)


def _layer(merged: dict, layers: list[dict]) -> dict:
    """Each layer's top-level keys over the earlier ones, a table key by key: a table's entry (a
    criterion's table, a `criteria` list, a profile, an incentive's table) replaces the earlier one
    whole, so nothing of an older rule lingers beside a restated one."""
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


@cache
def _read(file_year: int) -> dict:
    with (PARAMS_DIR / f"{file_year}.toml").open("rb") as handle:
        data = tomllib.load(handle, parse_float=Decimal)
    if data.get("year") != file_year:
        raise ParameterError(f"{file_year}.toml must say year = {file_year}")
    return data


def _choose_profiles(data: dict, requested: Mapping[str, str]) -> dict[str, str]:
    unknown_tiers = set(requested) - set(PROFILE_TIERS)
    if unknown_tiers:
        raise ParameterError(f"no profiles for {sorted(unknown_tiers)}; only for {PROFILE_TIERS}",
                             "param.no_profiles", tiers=", ".join(sorted(unknown_tiers)))
    return {tier: _profile_key(data[tier], tier, {**DEFAULT_PROFILES, **requested}[tier])
            for tier in PROFILE_TIERS}


def _profile_key(profiles: dict, tier: str, name: str) -> str:
    """A profile is found by its key or by its `name` (leader `default` is named zhejiang_2019)."""
    for key, table in profiles.items():
        if name in (key, table.get("name")):
            return key
    names = sorted(set(profiles) | {t["name"] for t in profiles.values() if "name" in t})
    raise ParameterError(f"unknown {tier} profile {name!r}; known: {', '.join(names)}",
                         "param.unknown_profile", tier=Message(f"tier.{tier}"), name=name, known=", ".join(names))


def _apply_override(data: dict, path: str, raw: Any) -> str:
    """Replace the numeric leaf at `path`; returns the value as recorded in the output."""
    *parents, leaf = path.split(".")
    node: Any = data
    for part in parents:
        node = _child(node, part, path)
    key = int(leaf) if isinstance(node, list) and leaf.isdigit() else leaf
    try:
        current = node[key]
    except (KeyError, IndexError, TypeError):
        raise ParameterError(f"unknown parameter path {path!r}", "param.unknown_path", path=path) from None
    if isinstance(current, bool) or not isinstance(current, (int, Decimal)):
        raise ParameterError(f"{path!r} is not a numeric parameter", "param.not_numeric", path=path)
    node[key] = _decimal(raw, path)
    return str(node[key])


def _child(node: Any, part: str, path: str) -> Any:
    try:
        return node[int(part)] if isinstance(node, list) and part.isdigit() else node[part]
    except (KeyError, IndexError, TypeError):
        raise ParameterError(f"unknown parameter path {path!r}", "param.unknown_path", path=path) from None


def _decimal(raw: Any, path: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
        raise ParameterError(f"{path!r}: {raw!r} is not a decimal", "param.not_decimal", path=path, value=raw)
    try:
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except InvalidOperation:
        raise ParameterError(f"{path!r}: {raw!r} is not a decimal", "param.not_decimal", path=path,
                             value=raw) from None
    if not value.is_finite():
        raise ParameterError(f"{path!r}: {raw!r} is not a finite decimal", "param.not_decimal", path=path,
                             value=raw)
    return value


def _check_units(node: Any, path: str, units: Mapping[str, str]) -> None:
    """Every numeric leaf needs a declared unit and must be exact in it."""
    if isinstance(node, dict):
        units = node.get("units", units)
        for key, value in node.items():
            if key != "units":
                _check_leaf_or_descend(value, f"{path}.{key}".lstrip("."), key, units)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _check_leaf_or_descend(item, f"{path}.{index}", None, units)


def _check_leaf_or_descend(value: Any, path: str, key: str | None,
                           units: Mapping[str, str]) -> None:
    if isinstance(value, (dict, list)):
        _check_units(value, path, units)
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        _check_value(path, value, units.get(key))


def _check_value(path: str, value: Decimal | int, unit: str | None) -> None:
    if unit in INTEGER_UNITS:
        if value != int(value) or value < 0:
            raise ParameterError(f"{path} = {value}: {unit} must be a whole number >= 0", "param.whole_number",
                                 path=path, value=value)
    elif unit in FIXED_POINT_UNITS:
        try:
            to_fixed(value)
        except ValueError:
            raise ParameterError(f"{path} = {value}: at most 4 decimal places", "param.places", path=path,
                                 value=value) from None
        bound = FRACTION_BOUNDS.get(unit)
        if bound is not None and not 0 <= value <= bound:
            raise ParameterError(f"{path} = {value}: a {unit} must be in 0..{bound}", f"param.bound.{unit}",
                                 path=path, value=value)
        if abs(value) > MAX_MAGNITUDE:
            raise ParameterError(f"{path} = {value}: beyond the 10^10 bound", "param.magnitude", path=path,
                                 value=value)
    else:
        raise ParameterError(f"{path}: no unit declared (units = {{...}} in its table)")

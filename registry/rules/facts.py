"""Typed facts about firms (rules.md §7 input) and their strict parsing.

Everything may be null/absent (unknown) except a firm's `id` and `founded` and a certificate's
`tier`, `issued` and `expires`. Money (万元), headcounts (fractional averages allowed) and shares
take at most 4 decimals and |value| <= 10^10, so that they are exact int64 fixed point; other
ranges are those of rules.md "Input". Errors name the firm and the field; a document is parsed
whole and every error is reported together (`FactsErrors`).

JSON must be read with `parse_float=Decimal` (see `load_json`): a float is rejected, never guessed.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .units import MAX_MAGNITUDE, SCALE, to_fixed

TECH_FIELDS = ("electronic_information", "biomedicine", "aerospace", "new_materials",
               "hightech_services", "new_energy", "resources_environment", "advanced_manufacturing")
OTHER_FIELD = "other"
DIRECT_ROUTES = ("national_award", "provincial_rd_institution", "led_standard")
TIERS = ("tech_sme", "hnte", "gazelle", "leader")
CERTIFICATE_STATUSES = ("public_notice", "valid", "expired", "revoked", "withdrawn")
COUNTING_STATUSES = (None, "valid", "expired")   # statuses under which a certificate can be valid

MONEY_FIGURES = ("revenue", "rd_expense", "rd_domestic", "total_income", "hightech_income",
                 "total_cost", "total_assets", "input_vat", "rd_expense_q4")
SIGNED_MONEY_FIGURES = ("net_assets", "taxable_income")
HEADCOUNT_FIGURES = ("employees", "st_staff")
YEAR_FIGURES = ("revenue", "rd_expense", "rd_domestic", "employees", "st_staff", "total_income",
                "hightech_income", "total_cost", "total_assets", "net_assets", "taxable_income",
                "input_vat", "rd_expense_q4")
# Per-year figures from official sources, not filed by the firm: the statistics bureau's R&D survey
# figure (rules.md §5 `rd_mismatch`). Kept apart from YEAR_FIGURES, which are the filing's fields.
OFFICIAL_YEAR_FIGURES = ("rd_expense_official",)
# Per-year yes/no facts (programs.md §H, §R1): manufacturing is the main business (>= 50% of total
# income) that year; the firm filed the R&D statistics survey for that year.
YEAR_BOOLEANS = ("manufacturer", "rd_survey")
# Figures that exist for one fiscal year only; given for another year they are ignored (§H).
SINGLE_YEAR_FIGURES = {"rd_expense_q4": 2022}
FIRM_BOOLEANS = ("resident", "industry_excluded", "industrial", "incidents",
                 "ic_or_mother_machine", "advanced_manufacturing_list", "rd_institution")
# (part, whole): a part larger than its whole is an input error.
PART_OF = (("rd_domestic", "rd_expense"), ("st_staff", "employees"),
           ("hightech_income", "total_income"), ("rd_expense_q4", "rd_expense"))

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")


class FactsError(ValueError):
    """One bad field of one firm (firm_id is None for document-level errors)."""

    def __init__(self, firm_id: str | None, field: str, message: str):
        where = f"firm {firm_id}" if firm_id is not None else "document"
        super().__init__(f"{where}: {field}: {message}")
        self.firm_id, self.field, self.message = firm_id, field, message


class FactsErrors(FactsError):
    """Every error found in a document (`errors`); the document is rejected whole.

    It is itself a FactsError carrying the first error's firm and field."""

    def __init__(self, errors: list[FactsError]):
        first = errors[0]
        super().__init__(first.firm_id, first.field, first.message)
        self.args = ("\n".join(str(error) for error in errors),)
        self.errors = errors

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class IPCounts:
    """Owned IP rights: Class I (invention patents, ...) and Class II (utility models, ...)."""
    class1: int | None = None
    class2: int | None = None


@dataclass(frozen=True)
class Certificate:
    """A certificate of a ladder tier; valid on a day iff issued <= day <= expires and its
    status counts."""
    tier: str
    issued: date
    expires: date
    number: str | None = None
    status: str | None = None

    def valid_on(self, day: date) -> bool:
        """Both ends inclusive; public_notice, revoked and withdrawn never count."""
        return self.status in COUNTING_STATUSES and self.issued <= day <= self.expires


@dataclass(frozen=True)
class YearFigures:
    """One fiscal year's figures: money in 万元, headcounts in persons; None is unknown."""
    revenue: Decimal | None = None
    rd_expense: Decimal | None = None
    rd_domestic: Decimal | None = None
    employees: Decimal | None = None
    st_staff: Decimal | None = None
    total_income: Decimal | None = None
    hightech_income: Decimal | None = None
    total_cost: Decimal | None = None
    total_assets: Decimal | None = None
    net_assets: Decimal | None = None
    taxable_income: Decimal | None = None
    input_vat: Decimal | None = None
    rd_expense_q4: Decimal | None = None      # FY 2022 only: R&D expensed 2022-10-01..12-31
    rd_expense_official: Decimal | None = None  # the statistics bureau's R&D figure of the year
    manufacturer: bool | None = None
    rd_survey: bool | None = None


@dataclass(frozen=True)
class FirmFacts:
    """A firm's current facts, its certificates and its figures per fiscal year."""
    id: str
    founded: date
    resident: bool | None = None
    industry_excluded: bool | None = None
    industrial: bool | None = None
    incidents: bool | None = None
    tech_field: str | None = None
    ip: IPCounts = IPCounts()
    direct_routes: tuple[str, ...] = ()
    rd_staff_fulltime: Decimal | None = None
    core_product_share: Decimal | None = None
    ic_or_mother_machine: bool | None = None
    advanced_manufacturing_list: bool | None = None
    rd_institution: bool | None = None        # has at least one R&D institution
    certificates: tuple[Certificate, ...] = ()
    years: Mapping[int, YearFigures] = field(default_factory=lambda: MappingProxyType({}))


def load_json(text: str | bytes) -> Any:
    """Parse JSON with exact decimals; a syntax error becomes a document-level FactsErrors."""
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise FactsErrors([FactsError(None, "json", f"does not parse: {error}")]) from None


def parse_document(obj: Any) -> tuple[date | None, list[FirmFacts]]:
    """Parse a §7 input document into (as_of or None, firms).

    Raises FactsErrors listing every bad field of every firm."""
    if not isinstance(obj, dict):
        raise FactsErrors([FactsError(None, "document", "must be an object with 'firms'")])
    errors: list[FactsError] = []
    as_of = None
    if obj.get("as_of") is not None:
        try:
            as_of = parse_date(obj["as_of"])
        except ValueError as error:
            errors.append(FactsError(None, "as_of", str(error)))
    raw_firms = obj.get("firms")
    if not isinstance(raw_firms, list):
        errors.append(FactsError(None, "firms", "must be a list"))
        raw_firms = []
    firms = []
    for position, raw in enumerate(raw_firms):
        try:
            firms.append(parse_firm(raw, position))
        except FactsErrors as bad:
            errors.extend(bad.errors)
    if errors:
        raise FactsErrors(errors)
    return as_of, firms


def parse_firm(obj: Any, position: int | None = None) -> FirmFacts:
    """Parse one firm; raise FactsErrors with every bad field, each naming the firm."""
    if not isinstance(obj, dict):
        raise FactsErrors([FactsError(_position_name(position), "firm", "must be an object")])
    firm_id = obj.get("id")
    name = firm_id if isinstance(firm_id, str) and firm_id else _position_name(position)
    fields = _FieldReader(name, obj)
    if not (isinstance(firm_id, str) and firm_id):
        fields.error("id", "required non-empty string")
    facts = FirmFacts(
        id=name,
        founded=fields.read("founded", parse_date, required=True),
        **{key: fields.read(key, _boolean) for key in FIRM_BOOLEANS},
        tech_field=fields.read("tech_field", _tech_field),
        ip=fields.read("ip", lambda raw: _ip(fields, raw)) or IPCounts(),
        direct_routes=fields.read("direct_routes", _direct_routes) or (),
        rd_staff_fulltime=fields.read("rd_staff_fulltime", _headcount),
        core_product_share=fields.read("core_product_share", _share),
        certificates=fields.read("certificates", lambda raw: _certificates(fields, raw)) or (),
        years=fields.read("years", lambda raw: _years(fields, raw)) or MappingProxyType({}),
    )
    if fields.errors:
        raise FactsErrors(fields.errors)
    return facts


class _FieldReader:
    """Reads fields of one JSON object, collecting errors under dotted field names."""

    def __init__(self, firm_id: str, obj: dict, prefix: str = ""):
        self.firm_id, self.obj, self.prefix = firm_id, obj, prefix
        self.errors: list[FactsError] = []

    def error(self, name: str, message: str) -> None:
        self.errors.append(FactsError(self.firm_id, self.prefix + name, message))

    def read(self, name: str, convert, required: bool = False):
        """The converted value of `name`, or None if absent/null (an error if required)."""
        raw = self.obj.get(name)
        if raw is None:
            if required:
                self.error(name, "required")
            return None
        try:
            return convert(raw)
        except (ValueError, TypeError) as error:
            self.error(name, str(error))
            return None

    def nested(self, obj: dict, prefix: str) -> _FieldReader:
        reader = _FieldReader(self.firm_id, obj, self.prefix + prefix)
        reader.errors = self.errors
        return reader


def _position_name(position: int | None) -> str:
    return f"#{position}" if position is not None else "?"


def parse_date(raw: Any) -> date:
    """A strict ISO YYYY-MM-DD date; ValueError otherwise."""
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        raise ValueError(f"not an ISO date YYYY-MM-DD: {raw!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a valid date: {raw!r}") from None


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (earlier if negative); 29 February becomes 28 February
    in a year without one (gazelle age limits, certificate validity)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise TypeError(f"must be true, false or null, not {raw!r}")
    return raw


def _decimal(raw: Any) -> Decimal:
    """An exact number: int or Decimal (floats are refused: they are not exact)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
        hint = " (parse JSON with parse_float=Decimal)" if isinstance(raw, float) else ""
        raise TypeError(f"must be a number, not {raw!r}{hint}")
    value = Decimal(raw)
    if not value.is_finite():
        raise ValueError(f"must be a finite number, not {raw!r}")
    return value


def _fixed_point(raw: Any, minimum: Decimal | None, maximum: Decimal) -> Decimal:
    value = _decimal(raw)
    if minimum is not None and value < minimum:
        raise ValueError(f"must be >= {minimum}, got {value}")
    if abs(value) > maximum:
        raise ValueError(f"must be within ±{maximum}, got {value}")
    try:
        to_fixed(value, SCALE)
    except ValueError:
        raise ValueError(f"at most 4 decimal places, got {value}") from None
    return value


def _money(raw: Any) -> Decimal:
    return _fixed_point(raw, Decimal(0), MAX_MAGNITUDE)


def _signed_money(raw: Any) -> Decimal:
    return _fixed_point(raw, None, MAX_MAGNITUDE)


def _headcount(raw: Any) -> Decimal:
    return _fixed_point(raw, Decimal(0), MAX_MAGNITUDE)


def _share(raw: Any) -> Decimal:
    return _fixed_point(raw, Decimal(0), Decimal(1))


def _count(raw: Any) -> int:
    value = _decimal(raw)
    if value < 0 or value != value.to_integral_value():
        raise ValueError(f"must be a whole number >= 0, got {value}")
    if value > MAX_MAGNITUDE:
        raise ValueError(f"must be <= {MAX_MAGNITUDE}, got {value}")
    return int(value)


def _tech_field(raw: Any) -> str:
    if raw not in TECH_FIELDS + (OTHER_FIELD,):
        raise ValueError(f"unknown tech_field {raw!r}")
    return raw


def _direct_routes(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise TypeError("must be a list")
    unknown = [route for route in raw if route not in DIRECT_ROUTES]
    if unknown:
        raise ValueError(f"unknown direct route(s) {unknown!r}")
    return tuple(raw)


def _ip(fields: _FieldReader, raw: Any) -> IPCounts:
    if not isinstance(raw, dict):
        raise TypeError("must be an object with class1 and class2")
    ip = fields.nested(raw, "ip.")
    return IPCounts(class1=ip.read("class1", _count), class2=ip.read("class2", _count))


def _certificates(fields: _FieldReader, raw: Any) -> tuple[Certificate, ...]:
    if not isinstance(raw, list):
        raise TypeError("must be a list")
    parsed = (_certificate(fields, item, index) for index, item in enumerate(raw))
    return tuple(certificate for certificate in parsed if certificate is not None)


def _certificate(fields: _FieldReader, raw: Any, index: int) -> Certificate | None:
    name = f"certificates.{index}"
    if not isinstance(raw, dict):
        fields.error(name, "must be an object")
        return None
    cert = fields.nested(raw, name + ".")
    before = len(fields.errors)
    values = {"tier": cert.read("tier", _choice(TIERS, "certificate tier"), required=True),
                  "issued": cert.read("issued", parse_date, required=True),
                  "expires": cert.read("expires", parse_date, required=True),
                  "number": cert.read("number", _text),
                  "status": cert.read("status", _choice(CERTIFICATE_STATUSES, "certificate status"))}
    return Certificate(**values) if len(fields.errors) == before else None


def _choice(allowed: tuple[str, ...], what: str):
    def convert(raw: Any) -> str:
        if raw not in allowed:
            raise ValueError(f"unknown {what} {raw!r}")
        return raw
    return convert


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"must be a string, not {raw!r}")
    return raw


_FIGURE_PARSERS = {**{name: _money for name in MONEY_FIGURES + OFFICIAL_YEAR_FIGURES},
                   **{name: _signed_money for name in SIGNED_MONEY_FIGURES},
                   **{name: _headcount for name in HEADCOUNT_FIGURES}}


def _years(fields: _FieldReader, raw: Any) -> Mapping[int, YearFigures]:
    if not isinstance(raw, dict):
        raise TypeError("must be an object keyed by year")
    years = {}
    for key, figures in raw.items():
        if not (isinstance(key, str) and _YEAR.fullmatch(key)):
            fields.error(f"years.{key}", "a year must be written YYYY")
        elif not isinstance(figures, dict):
            fields.error(f"years.{key}", "must be an object")
        else:
            years[int(key)] = _year(fields.nested(figures, f"years.{key}."), int(key))
    return MappingProxyType(dict(sorted(years.items())))


def _year(figures: _FieldReader, year: int) -> YearFigures:
    values = {name: figures.read(name, _FIGURE_PARSERS[name])
              for name in YEAR_FIGURES + OFFICIAL_YEAR_FIGURES}
    values.update({name: figures.read(name, _boolean) for name in YEAR_BOOLEANS})
    for name, only_year in SINGLE_YEAR_FIGURES.items():
        if year != only_year:
            values[name] = None
    for part, whole in PART_OF:
        if values[part] is not None and values[whole] is not None and values[part] > values[whole]:
            figures.error(part, f"{part} {values[part]} exceeds {whole} {values[whole]}")
    return YearFigures(**values)

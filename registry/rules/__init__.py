"""The ladder's rules as code: typed facts in, explained verdicts out (rules.md).

Pure: imports nothing from Flask, SQLAlchemy or the rest of `registry`.

    check_document(obj, as_of=None, profiles=None, overrides=None, lang=None) -> dict  (§7 output)
    output_header(as_of, params) -> dict  (the §7 output without "firms", for streamed writers)
    evaluate_document(obj, as_of=None, profiles=None, overrides=None) -> BatchVerdicts
    evaluate_firms(firms, as_of, params) -> BatchVerdicts
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .columns import FirmColumns
from .engine import BatchVerdicts, evaluate
from .facts import FactsError, FactsErrors, FirmFacts, parse_document
from .params import ParameterError, ParameterSet, load_parameters

__all__ = [
    "BatchVerdicts",
    "FactsError",
    "FactsErrors",
    "FirmColumns",
    "FirmFacts",
    "ParameterError",
    "ParameterSet",
    "check_document",
    "evaluate",
    "evaluate_document",
    "evaluate_firms",
    "load_parameters",
    "output_header",
    "parse_document",
    "today_in_shanghai",
]

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is Asia/Shanghai.
SHANGHAI = timezone(timedelta(hours=8))


def today_in_shanghai() -> date:
    """Today's date in Asia/Shanghai (the default as_of)."""
    return datetime.now(SHANGHAI).date()


def evaluate_firms(firms: Sequence[FirmFacts], as_of: date, params: ParameterSet) -> BatchVerdicts:
    """Evaluate parsed firms at as_of with a parameter set."""
    return evaluate(FirmColumns.from_facts(firms, as_of), params)


def evaluate_document(obj: Any, as_of: date | None = None,
                      profiles: Mapping[str, str] | None = None,
                      overrides: Mapping[str, Any] | None = None) -> BatchVerdicts:
    """Parse and evaluate an input document (JSON parsed with decimals as Decimal).

    as_of: the argument, else the document's, else today in Asia/Shanghai. Raises FactsErrors
    for bad input (every bad field; the document is rejected whole) and ParameterError for bad
    profiles or overrides."""
    document_as_of, firms = parse_document(obj)
    as_of = as_of or document_as_of or today_in_shanghai()
    return evaluate_firms(firms, as_of, load_parameters(as_of, profiles, overrides))


def check_document(obj: Any, as_of: date | None = None, profiles: Mapping[str, str] | None = None,
                   overrides: Mapping[str, Any] | None = None, lang: str | None = None) -> dict:
    """The full rules.md §7 output of an input document (see evaluate_document)."""
    verdicts = evaluate_document(obj, as_of, profiles, overrides)
    return {**output_header(verdicts.columns.as_of, verdicts.params),
            "firms": [verdicts.firm_result(i, lang) for i in range(len(verdicts))]}


def output_header(as_of: date, params: ParameterSet) -> dict:
    """The §7 output's fields before "firms": as_of, parameters (the policy year), tax_year (the
    year of the tax tables, Y - 1), profiles and overrides."""
    return {"as_of": as_of.isoformat(), "parameters": str(params.policy_year),
            "tax_year": params.tax_year,
            "profiles": dict(params.profiles), "overrides": dict(params.overrides)}

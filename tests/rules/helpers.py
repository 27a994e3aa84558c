"""Builders for rule tests: a baseline firm as §7 JSON (Decimal numbers) and one-call evaluation."""
from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from registry.rules import evaluate_firms, load_parameters
from registry.rules.facts import load_json, parse_firm
from registry.rules.logic import as_bool
from tests.conftest import VECTORS as VECTOR_DIR

AS_OF = date(2025, 6, 30)
VECTORS = VECTOR_DIR / "public.json"

_BASE = {
    "id": "T01", "founded": "2012-01-01", "resident": True, "industry_excluded": False,
    "industrial": True, "incidents": False, "tech_field": "electronic_information", "ip": {"class1": 1, "class2": 4},
    "direct_routes": [], "rd_staff_fulltime": 60, "core_product_share": Decimal("0.8"),
    "ic_or_mother_machine": False, "advanced_manufacturing_list": False, "certificates": [],
    "years": {
        "2021": {"revenue": 10000, "rd_expense": 1000, "rd_domestic": 1000},
        "2022": {"revenue": 13000, "rd_expense": 1300, "rd_domestic": 1300},
        "2023": {"revenue": 16000, "rd_expense": 1600, "rd_domestic": 1600},
        "2024": {"revenue": 20000, "rd_expense": 2000, "rd_domestic": 2000, "employees": 400,
                 "st_staff": 120, "total_income": 20000, "hightech_income": 15000,
                 "total_cost": 18000, "total_assets": 15000, "net_assets": 8000,
                 "taxable_income": 1000, "input_vat": 100},
    },
}
HNTE_CERTIFICATE = {"tier": "hnte", "number": "GR2024", "issued": "2024-01-01",
                    "expires": "2026-12-31"}


def dec(text: str) -> Decimal:
    return Decimal(text)


def base_firm(**changes) -> dict:
    """The baseline firm with top-level fields replaced."""
    firm = copy.deepcopy(_BASE)
    firm.update(copy.deepcopy(changes))
    return firm


def with_year(firm: dict, year: int, **figures) -> dict:
    """A copy of firm with figures of one year set (None deletes the figure).

    R&D set without rd_domestic is all domestic, so lowering R&D keeps the input valid."""
    if "rd_expense" in figures and "rd_domestic" not in figures:
        figures["rd_domestic"] = figures["rd_expense"]
    firm = copy.deepcopy(firm)
    row = firm["years"].setdefault(str(year), {})
    for name, value in figures.items():
        if value is None:
            row.pop(name, None)
        else:
            row[name] = value
    return firm


def verdicts(*firms: dict, as_of: date = AS_OF, profiles=None, overrides=None):
    """Evaluate firm dicts as one batch."""
    parsed = [parse_firm(firm) for firm in firms]
    return evaluate_firms(parsed, as_of, load_parameters(as_of, profiles, overrides))


def passed(firm: dict, tier: str, criterion: str, **options) -> bool | None:
    """The three-valued result of one criterion for one firm."""
    return as_bool(verdicts(firm, **options).passed(tier, criterion)[0])


def status(firm: dict, tier: str, **options) -> str:
    return verdicts(firm, **options).firm_result(0, "en")["tiers"][tier]["status"]


def load_vectors() -> dict:
    """The public vectors (the repository's copy); a missing file fails the test (never
    skipped)."""
    assert VECTORS.is_file(), f"missing {VECTORS}"
    return load_json(VECTORS.read_bytes())


def assert_matches_expected(actual: dict, expected: dict) -> None:
    """A firm's §7 output entry against a vector's `expected` block: statuses, failed criteria,
    route and score, flag ids, and savings rounded half-up to 4 decimals."""
    for tier in ("tech_sme", "hnte", "gazelle", "leader"):
        got, want = actual["tiers"][tier], expected[tier]
        assert got["status"] == want["status"], tier
        assert sorted(got["failed"]) == sorted(want["failed"]), tier
        for key in ("route", "score"):
            if key in want:
                assert got.get(key) == want[key], (tier, key)
    if actual["tiers"]["tech_sme"]["route"] == "direct":
        assert "score" not in actual["tiers"]["tech_sme"]
    assert sorted(flag["id"] for flag in actual["flags"]) == sorted(expected["flags"])
    savings = {item["id"]: item["saving"] for item in actual["incentives"]}
    assert set(savings) == set(expected["incentives"])
    for incentive_id, saving in expected["incentives"].items():
        exact = Decimal(str(savings[incentive_id]))
        assert exact.quantize(Decimal("0.0001"), ROUND_HALF_UP) == Decimal(str(saving)), incentive_id

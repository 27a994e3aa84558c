"""FirmColumns: fixed-point integer columns only (no float anywhere), SQL-facing constructors."""
from __future__ import annotations

from dataclasses import fields
from datetime import date

import numpy as np
import pytest

from registry.rules.columns import COLUMN_SPEC, Figure, FirmColumns
from registry.rules.engine import evaluate
from registry.rules.facts import parse_firm
from registry.rules.params import load_parameters

from .helpers import AS_OF, HNTE_CERTIFICATE, base_firm


def arrays_of(value) -> list[np.ndarray]:
    if isinstance(value, Figure):
        return [value.value, value.known]
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [array for item in value.values() for array in arrays_of(item)]
    if hasattr(value, "__dataclass_fields__"):
        return [array for f in fields(value) for array in arrays_of(getattr(value, f.name))]
    return []


def columns_with_certificate() -> FirmColumns:
    return FirmColumns.from_facts([parse_firm(base_firm(certificates=[HNTE_CERTIFICATE]))], AS_OF)


def test_no_float_in_columns_or_verdicts():
    columns = columns_with_certificate()
    verdicts = evaluate(columns, load_parameters(AS_OF))
    arrays = arrays_of(columns) + arrays_of(verdicts.tiers) + arrays_of(verdicts.flags) \
        + arrays_of(verdicts.incentives)
    assert len(arrays) > 100
    for array in arrays:
        assert array.dtype.kind in "iub", array.dtype
    for tier in verdicts.tiers.values():
        for outcome in tier.outcomes.values():
            assert outcome.passed.dtype == np.int8


def test_from_facts_fixed_point_and_certificates():
    columns = columns_with_certificate()
    assert columns.revenue.value[0].tolist() == [100_000_000, 130_000_000, 160_000_000, 200_000_000]
    assert columns.employees.value[0, 3] == 4_000_000
    assert columns.core_product_share.value[0] == 8000
    assert columns.holds_hnte[0] and not columns.holds_gazelle[0]
    assert columns.hnte_expires[0] == date(2026, 12, 31).toordinal()
    assert columns.net_assets.known[0].tolist() == [False, False, False, True]


def test_from_arrays_checks_names_dtypes_and_shapes():
    empty = FirmColumns.empty(2, AS_OF)
    assert set(COLUMN_SPEC) <= {f.name for f in fields(empty)}
    arrays = {"founded": np.zeros(2, np.int32)}
    with pytest.raises(ValueError, match="missing column"):
        FirmColumns.from_arrays(AS_OF, ["a", "b"], arrays)
    wrong = {name: np.zeros((2, 4) if per_year else 2, np.float64)
             for name, (_, per_year, _) in COLUMN_SPEC.items()}
    with pytest.raises(ValueError, match="must be"):
        FirmColumns.from_arrays(AS_OF, ["a", "b"], wrong)


def test_take_selects_firms():
    firms = [parse_firm(base_firm(id=name)) for name in "ABC"]
    columns = FirmColumns.from_facts(firms, AS_OF).take(np.array([2, 0]))
    assert columns.ids == ["C", "A"] and len(columns) == 2

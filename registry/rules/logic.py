"""Three-valued (Kleene) logic over int8 arrays, written once for every criterion, tier and fact.

Encoding: TRUE = 1, UNKNOWN = 0, FALSE = -1. With the order FALSE < UNKNOWN < TRUE, "all of" is the
minimum (fails if any part fails, else unknown if any part is unknown) and "any of" is the maximum;
negation is arithmetic negation. Boolean facts use the same encoding (null -> UNKNOWN), and so do
tier statuses: eligible = TRUE, insufficient_data = UNKNOWN, ineligible = FALSE.
"""
from __future__ import annotations

from functools import reduce

import numpy as np

TRUE = np.int8(1)
UNKNOWN = np.int8(0)
FALSE = np.int8(-1)

STATUS_NAMES = {1: "eligible", 0: "insufficient_data", -1: "ineligible"}


def truth(condition, known) -> np.ndarray:
    """TRUE where `condition` holds, FALSE where it does not, UNKNOWN where inputs are unknown."""
    condition = np.asarray(condition, dtype=np.int8)
    return ((condition * 2 - 1) * np.asarray(known, dtype=np.int8)).astype(np.int8, copy=False)


def all_of(*parts) -> np.ndarray:
    """Kleene "all of": fails if any part fails, else unknown if any part is unknown."""
    return np.asarray(reduce(np.minimum, parts), dtype=np.int8)


def any_of(*parts) -> np.ndarray:
    """Kleene "any of": passes if any part passes, else unknown if any part is unknown."""
    return np.asarray(reduce(np.maximum, parts), dtype=np.int8)


def negate(value) -> np.ndarray:
    """Kleene negation."""
    return (-np.asarray(value, dtype=np.int8)).astype(np.int8, copy=False)


def as_bool(value) -> bool | None:
    """Python value of one three-valued code: True, False or None."""
    return {1: True, 0: None, -1: False}[int(value)]

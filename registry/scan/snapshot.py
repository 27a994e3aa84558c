"""A firm's engine inputs as one row of int64 (its snapshot), 64-bit digests of inputs and
verdicts, and each tier's failed criteria as a bit mask.

A candidate keeps the snapshot it was opened with: evaluating it again at the same as_of with the
same parameters rebuilds that verdict's explanation exactly. A firm's current verdict keeps only
the digest of its inputs: its explanation is rebuilt from the firm's current facts, exact while
their digest is the stored one. Digests let a scan skip firms whose inputs and verdict did not
change, so an unchanged re-run writes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date

import numpy as np

from registry.rules.columns import COLUMN_SPEC, YEARS, Figure, FirmColumns
from registry.rules.criteria import CRITERIA
from registry.rules.engine import TECH_SME_SCORE_CRITERIA, BatchVerdicts, TierVerdicts
from registry.rules.logic import FALSE

# Layout of a snapshot row: every column of COLUMN_SPEC in order (per-year figures as 4 values),
# then one int64 holding every figure's known bits.
_FIGURES = [name for name, (_dtype, _per_year, is_figure) in COLUMN_SPEC.items() if is_figure]
_KNOWN_WIDTH = sum(YEARS if COLUMN_SPEC[name][1] else 1 for name in _FIGURES)
assert _KNOWN_WIDTH <= 63


def _width(name: str) -> int:
    return YEARS if COLUMN_SPEC[name][1] else 1


WIDTH = sum(_width(name) for name in COLUMN_SPEC) + 1


def _snapshot_columns(columns: FirmColumns) -> Iterator[np.ndarray]:
    """The snapshot's columns in order: every COLUMN_SPEC column (per-year figures as 4), then
    one holding every figure's known bits."""
    n = len(columns)
    bits, bit = np.zeros(n, dtype=np.int64), 0
    for name in COLUMN_SPEC:
        column = getattr(columns, name)
        if isinstance(column, Figure):
            for known in column.known.reshape(n, -1).T:
                bits |= known.astype(np.int64) << bit
                bit += 1
            column = column.value
        yield from column.reshape(n, -1).T
    yield bits


def pack(columns: FirmColumns) -> np.ndarray:
    """The (n, WIDTH) int64 snapshot matrix of a batch."""
    return np.stack([column.astype(np.int64) for column in _snapshot_columns(columns)], axis=1)


def inputs_digest(columns: FirmColumns) -> np.ndarray:
    """digest(pack(columns)), without building the matrix."""
    return digest(_snapshot_columns(columns), len(columns))


def unpack(matrix: np.ndarray, as_of: date, ids: list[str]) -> FirmColumns:
    """The batch whose snapshot matrix is `matrix` (inverse of `pack`)."""
    n = len(matrix)
    bits = matrix[:, -1]
    arrays, position, bit = {}, 0, 0
    for name, (dtype, per_year, is_figure) in COLUMN_SPEC.items():
        width = _width(name)
        block = matrix[:, position:position + width]
        arrays[name] = (block if per_year else block[:, 0]).astype(dtype)
        if is_figure:
            known = (bits[:, None] >> np.arange(bit, bit + width, dtype=np.int64)) & 1 == 1
            arrays[f"{name}_known"] = known if per_year else known[:, 0]
            bit += width
        position += width
    return replace(FirmColumns.from_arrays(as_of, [str(i) for i in range(n)], arrays), ids=list(ids))


def to_bytes(matrix: np.ndarray) -> list[bytes]:
    """One little-endian bytes value per row."""
    little = np.ascontiguousarray(matrix, dtype="<i8")
    size = little.shape[1] * 8
    raw = little.tobytes()
    return [raw[i * size:(i + 1) * size] for i in range(len(little))]


# Snapshots packed before `rd_expense_official` existed (issue 14) lack its 4 columns, which stand
# just before the per-year yes/no facts; its known bits are the highest ones, so they read unknown.
_OFFICIAL_AT = sum(_width(name) for name in list(COLUMN_SPEC)[:list(COLUMN_SPEC).index(
    "rd_expense_official")])
LEGACY_WIDTH = WIDTH - YEARS


def from_bytes(values: list[bytes]) -> np.ndarray:
    """The snapshot matrix of stored rows; a row of the layout before `rd_expense_official` is
    read with that fact unknown (candidates opened before it keep their explanation)."""
    values = [_upgraded(value) if len(value) == LEGACY_WIDTH * 8 else value for value in values]
    return np.frombuffer(b"".join(values), dtype="<i8").reshape(len(values), WIDTH).astype(np.int64)


def _upgraded(value: bytes) -> bytes:
    at = _OFFICIAL_AT * 8
    return value[:at] + bytes(YEARS * 8) + value[at:]


_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def digest(matrix: np.ndarray | Iterable[np.ndarray], n: int | None = None) -> np.ndarray:
    """A 64-bit digest of each row (int64), mixing every column into the next; `matrix` is a
    2-D array or its columns (n rows each)."""
    if isinstance(matrix, np.ndarray):
        matrix, n = matrix.T, len(matrix)
    h = np.full(n, 0x2545F4914F6CDD1D, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in matrix:
            h = (h ^ column.astype(np.int64).view(np.uint64)) * _MULTIPLIER
            h ^= h >> np.uint64(29)
    return h.view(np.int64)


# Bit of each criterion in a failed mask: its position in the rules' registry. The masks are part
# of the verdict digest, so a registry that changes order rewrites every verdict on the next scan.
CRITERION_BITS = {criterion_id: 1 << bit for bit, criterion_id in enumerate(CRITERIA)}
assert len(CRITERION_BITS) <= 31, "failed masks are int4 columns"


def failed_mask(tier: TierVerdicts) -> np.ndarray:
    """Per firm, the bits of the tier's listed criteria that failed (int32)."""
    mask = np.zeros(len(tier.status), dtype=np.int32)
    for criterion_id, outcome in tier.outcomes.items():
        failed = outcome.passed == FALSE
        if tier.route_direct is not None and criterion_id in TECH_SME_SCORE_CRITERIA:
            failed &= ~tier.route_direct   # the direct route does not list the score
        mask |= np.where(failed, np.int32(CRITERION_BITS[criterion_id]), np.int32(0))
    return mask


def failed_ids(mask: int) -> list[str]:
    """The criterion ids of a failed mask, in the rules' registry order."""
    return [criterion_id for criterion_id, bit in CRITERION_BITS.items() if mask & bit]


def _verdict_columns(verdicts: BatchVerdicts) -> Iterator[np.ndarray]:
    for tier in verdicts.tiers.values():
        yield tier.status
        yield failed_mask(tier)
        yield from (outcome.passed for outcome in tier.outcomes.values())
        if tier.route_direct is not None:
            yield tier.route_direct
        if tier.score is not None:
            yield np.where(tier.score.decided, tier.score.total, -1)
    yield from verdicts.flags.values()
    for incentive in verdicts.incentives.values():
        yield incentive.applies
        yield np.where(incentive.applies & incentive.saving_known, incentive.saving, -1)


def verdict_digest(verdicts: BatchVerdicts) -> np.ndarray:
    """The digest of every decided value of a batch (statuses, failed masks, criteria, route,
    score, flags, incentives)."""
    return digest(_verdict_columns(verdicts), len(verdicts))

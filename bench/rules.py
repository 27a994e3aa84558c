"""Rules engine throughput on synthetic firms: batch evaluation, single-firm evaluation, reports.

    python bench/rules.py [--firms 1000000] [--single 2000] [--seed 7]

Columns are generated straight into FirmColumns (as the scan fills them from SQL), so the figures
measure the rules, not parsing. Single-firm figures run the same engine on batches of one.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.rules.columns import YEARS, FirmColumns
from registry.rules.engine import evaluate
from registry.rules.facts import FIRM_BOOLEANS
from registry.rules.params import load_parameters
from registry.rules.units import SCALE

AS_OF = date(2025, 6, 30)


def synthetic_columns(n: int, seed: int) -> FirmColumns:
    """n plausible firms: growing revenue, R&D 0-10% of it, ~5% of facts unknown."""
    rng = np.random.default_rng(seed)
    columns = FirmColumns.empty(n, AS_OF)
    columns.founded[:] = rng.integers(date(1995, 1, 1).toordinal(), AS_OF.toordinal(), n)
    for name in FIRM_BOOLEANS:
        getattr(columns, name)[:] = rng.choice(np.array([1, -1, 0], np.int8), n,
                                               p=[0.5, 0.45, 0.05])
    columns.tech_field[:] = rng.integers(0, 10, n)
    columns.direct_routes[:] = rng.choice(np.array([0, 1, 2, 4], np.int8), n,
                                          p=[0.9, 0.03, 0.04, 0.03])
    _fill(columns.ip_class1, rng.integers(0, 4, n), rng)
    _fill(columns.ip_class2, rng.integers(0, 10, n), rng)
    _fill(columns.rd_staff_fulltime, rng.integers(0, 200, n) * SCALE, rng)
    _fill(columns.core_product_share, rng.integers(0, SCALE + 1, n), rng)
    columns.holds_hnte[:] = rng.random(n) < 0.3
    columns.holds_tech_sme[:] = rng.random(n) < 0.4
    expires = AS_OF.toordinal() + rng.integers(0, 1100, n)
    columns.hnte_expires[:] = np.where(columns.holds_hnte, expires, 0)
    base = rng.integers(100, 100_000, n) * SCALE                      # revenue of FY Y-4, yuan
    growth = 1000 + rng.integers(-100, 400, (n, YEARS))                # per-mille growth, integer
    revenue = base[:, None] * np.cumprod(growth, axis=1) // 1000**np.arange(1, YEARS + 1)
    rd = revenue * rng.integers(0, 100, (n, YEARS)) // 1000
    _fill(columns.revenue, revenue, rng)
    _fill(columns.rd_expense, rd, rng)
    _fill(columns.rd_domestic, rd * rng.integers(50, 101, (n, YEARS)) // 100, rng)
    _fill(columns.total_income, revenue, rng)
    _fill(columns.hightech_income, revenue * rng.integers(0, 101, (n, YEARS)) // 100, rng)
    _fill(columns.total_cost, revenue * 9 // 10, rng)
    _fill(columns.total_assets, revenue * rng.integers(50, 200, (n, YEARS)) // 100, rng)
    _fill(columns.net_assets, revenue * rng.integers(-20, 100, (n, YEARS)) // 100, rng)
    _fill(columns.taxable_income, revenue * rng.integers(-10, 20, (n, YEARS)) // 100, rng)
    _fill(columns.input_vat, revenue // 20, rng)
    employees = rng.integers(1, 3000, n)[:, None] * np.ones(YEARS, np.int64) * SCALE
    _fill(columns.employees, employees, rng)
    _fill(columns.st_staff, employees * rng.integers(0, 60, (n, YEARS)) // 100, rng)
    return columns


def _fill(figure, values, rng) -> None:
    figure.value[...] = values
    figure.known[...] = rng.random(values.shape) >= 0.05


def best_of(runs: int, action) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--single", type=int, default=2_000, help="firms evaluated one by one")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    params = load_parameters(AS_OF)
    start = time.perf_counter()
    columns = synthetic_columns(args.firms, args.seed)
    print(f"generated {args.firms:,} firms in {time.perf_counter() - start:.2f} s")

    batch_seconds = best_of(3, lambda: evaluate(columns, params))
    print(f"batch:  {args.firms:,} firms in {batch_seconds:.3f} s = "
          f"{args.firms / batch_seconds:,.0f} firms/s")

    singles = [columns.take(np.array([i])) for i in range(min(args.single, args.firms))]
    single_seconds = best_of(1, lambda: [evaluate(one, params) for one in singles])
    print(f"single: {len(singles):,} batches of one in {single_seconds:.3f} s = "
          f"{len(singles) / single_seconds:,.0f} firms/s")

    verdicts = evaluate(columns, params)
    sample = range(0, args.firms, max(1, args.firms // 1000))
    report_seconds = best_of(1, lambda: [verdicts.firm_result(i) for i in sample])
    print(f"report: {len(sample):,} explained firm results in {report_seconds:.3f} s = "
          f"{len(sample) / report_seconds:,.0f} firms/s (built lazily, per firm)")


if __name__ == "__main__":
    main()

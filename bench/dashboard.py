"""Benchmark of monitoring: a full snapshot (every indicator, the city and every district) and the
dashboard's pages read from it, against the COPY floor of the filings table.

    DATABASE_URL=postgresql://postgres@127.0.0.1/yz_dashbench python bench/dashboard.py \\
        --firms 100000 [--load] [--requests 40]

`--load` first loads the demo registry of `--firms` firms into the (emptied) database with the
demo's targets and 24 backfilled monthly snapshots (as `demo load` does). Then:
the COPY floor (`COPY filings TO STDOUT (FORMAT BINARY)`, read and dropped, best of three); one
full indicator computation for a date (what a snapshot stores, `indicators.compute`) with the
time of each of its parts; a stored snapshot; and the dashboard page for the city (an admin) and
for one district (the demo's Haishu officer), each requested `--requests` times through the
Flask test client after two warm-up requests, printed as p50 / p95 / max server time in ms.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import delete, select

from bench.common import bench_app, log_in, summary, timed
from registry.demo.load import load_demo
from registry.demo.monitoring import add_monitoring
from registry.extensions import db
from registry.models import IndicatorSnapshot, User
from registry.rules import today_in_shanghai
from registry.services import indicators, snapshots


def copy_floor() -> float:
    """Seconds to stream the filings table out in binary, best of three."""
    best = float("inf")
    for _ in range(3):
        with db.engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            started = time.perf_counter()
            with cursor.copy("COPY filings TO STDOUT (FORMAT BINARY)") as copy:
                for _block in copy:
                    pass
            best = min(best, time.perf_counter() - started)
    return best


def timed_parts(as_of) -> dict[str, float]:
    """Each part of the computation of every scope timed alone (the functions `compute` runs)."""
    period = indicators.Period(as_of, as_of.year - 1)
    parts = {}
    for part in (indicators._firm_counts, indicators._guishang, indicators._pipeline,
                 indicators._decisions):
        started = time.perf_counter()
        for _row in part(db.session, period, None):
            pass
        parts[part.__name__.lstrip("_")] = time.perf_counter() - started
    started = time.perf_counter()
    with indicators._tax_relief(db.session, period, None) as rows:
        for _row in rows:
            pass
    parts["tax_relief"] = time.perf_counter() - started
    db.session.rollback()
    return parts


def timed_compute(as_of) -> float:
    """One whole computation, as a snapshot runs it (the tax relief read alongside the counts)."""
    started = time.perf_counter()
    indicators.compute(db.session, as_of)
    db.session.rollback()
    return time.perf_counter() - started


def page_times(app, user_id: str, path: str, requests: int) -> list[float]:
    client = app.test_client()
    log_in(client, user_id)
    return timed(client, path, requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--load", action="store_true")
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()
    if not (os.environ.get("DATABASE_URL") or "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database of its own")
    app = bench_app()
    today = today_in_shanghai()
    with app.app_context():
        upgrade()
        if options.load:
            load = load_demo(db.engine, firms=options.firms, seed=1, as_of=today, reset=True)
            print(f"loaded {load.firms:,} firms, {load.filings:,} filings in {load.seconds:.1f} s")
            started = time.perf_counter()
            _targets, taken = add_monitoring(db.session, today)
            db.session.commit()
            print(f"demo targets and {taken} backfilled snapshots: "
                  f"{time.perf_counter() - started:.1f} s")
        floor = copy_floor()
        print(f"COPY floor of filings: {floor:.2f} s")
        parts = timed_parts(today)
        print(f"parts, each alone ({app.config['PARALLEL_READERS']} readers for the tax relief): "
              + ", ".join(f"{name} {seconds:.2f}" for name, seconds in parts.items()) + " s")
        total = timed_compute(today)
        print(f"compute (every scope): {total:.2f} s = {total / floor:.2f} x the COPY floor")
        db.session.execute(delete(IndicatorSnapshot).where(IndicatorSnapshot.as_of == today))
        started = time.perf_counter()
        snapshots.take(db.session, None, today, "manual")
        db.session.commit()
        print(f"snapshot stored: {time.perf_counter() - started:.2f} s")
        admin = db.session.scalar(select(User).where(User.role == "admin")).get_id()
        officer = db.session.scalar(
            select(User).where(User.email.like("officer.haishu@%"))).get_id()
    for who, user_id, path in (("city, admin", admin, "/dashboard"),
                               ("district, officer", officer, "/dashboard"),
                               ("district, admin", admin, "/dashboard?district=yinzhou")):
        print(f"dashboard {who:18} {summary(page_times(app, user_id, path, options.requests))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

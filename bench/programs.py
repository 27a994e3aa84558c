"""Benchmark of the bureau programs (figures for docs/performance.md, issue "Policy history and
bureau programs").

    flask --app registry demo load --firms 100000 --seed 1 --as-of 2026-06-30   # into DATABASE_URL
    python bench/programs.py --database postgresql://postgres@127.0.0.1/yanzhen_programs [--year 2026]

Prints, each the median of `--runs` runs after one warm-up:
- the COPY floor: `COPY filings TO STDOUT` read and discarded by the client;
- each program list as the CLI computes it (read the firms' FY P−1 inputs, run the program);
- storing the reward draft and the ranking (what the officer's "compute" button does);
- the officer's program pages once computed (an admin's view), p50 / p95 / max in ms over
  `--requests` requests after two warm-up requests.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import log_in, percentile, timed


def median_seconds(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def copy_floor(db) -> None:
    connection = db.engine.raw_connection()
    try:
        with connection.driver_connection.cursor() as cursor, cursor.copy("COPY filings TO STDOUT") as copy:
            for _block in copy:
                pass
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--year", type=int, default=2026, help="program year (default 2026: FY 2025)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()
    if not options.database or not options.database.startswith("postgres"):
        parser.error("give --database (a PostgreSQL database holding the demo registry)")
    os.environ.setdefault("YANZHEN_VAR_DIR", "/tmp/yz-programs-bench")

    from sqlalchemy import func, select, true

    from registry import create_app
    from registry.extensions import db
    from registry.models import Filing, Firm, User
    from registry.rules.programs import rd_priority, rd_reward, rd_top
    from registry.rules.units import to_fixed
    from registry.services import programs
    app = create_app("development", SQLALCHEMY_DATABASE_URI=options.database.replace(
        "postgresql://", "postgresql+psycopg://"), JOBS_MODE="record")
    year = options.year
    with app.app_context():
        firms = db.session.scalar(select(func.count()).select_from(Firm))
        filings = db.session.scalar(select(func.count()).select_from(Filing))
        print(f"{firms:,} firms, {filings:,} filings; program year {year} (FY {year - 1}); "
              f"median of {options.runs} runs after a warm-up")
        settings = programs.settings_for(db.session, year)

        def listing(program):
            def run():
                inputs = programs.load_firms(db.session, year).firms
                return program(inputs)
            return run

        floor = median_seconds(lambda: copy_floor(db), options.runs)
        rows = [("COPY filings TO STDOUT (the floor)", floor)]
        rows.append(("read the firms' FY P-1 inputs", median_seconds(
            lambda: programs.load_firms(db.session, year), options.runs)))
        rows.append(("rd-reward list (no budget)", median_seconds(
            listing(lambda inputs: rd_reward(inputs, settings)), options.runs)))
        rows.append(("rd-reward list (budget 50,000)", median_seconds(
            listing(lambda inputs: rd_reward(inputs, settings, to_fixed(50000))), options.runs)))
        rows.append(("rd-top ranking", median_seconds(
            listing(lambda inputs: rd_top(inputs, settings)), options.runs)))
        rows.append(("rd-priority list", median_seconds(
            listing(lambda inputs: rd_priority(inputs, settings)), options.runs)))
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))

        def store(compute):
            def run():
                compute()
                db.session.rollback()
            return run
        rows.append(("store the reward draft (compute button)", median_seconds(store(
            lambda: programs.compute_reward(db.session, admin, year, None)), options.runs)))
        rows.append(("store the ranking (compute button)", median_seconds(store(
            lambda: programs.compute_top(db.session, admin, year)), options.runs)))
        for name, seconds in rows:
            print(f"{name:42} {seconds:8.3f} s {seconds / floor:6.2f}x floor")

        # The pages read what is stored: keep a draft and a ranking computed by this code for them.
        programs.compute_reward(db.session, admin, year, None)
        programs.compute_top(db.session, admin, year)
        db.session.commit()
        admin_id = admin.get_id()
        # Page 3 of the reward list: two keyset cursors on.
        lst, after = programs.program_list(db.session, "rd_reward", year), None
        for _page in range(2):
            after = programs.reward_page(db.session, lst, "eligible", true(), after).next_cursor
        db.session.rollback()
    client = app.test_client()
    log_in(client, admin_id)
    print(f"pages, {options.requests} requests after 2 warm-up (server time, ms): p50 / p95 / max")
    for name, url in (("reward list", f"/officer/programs/rd-reward/{year}"),
                      ("reward list, page 3", f"/officer/programs/rd-reward/{year}?after={after}"),
                      ("top list, city", f"/officer/programs/rd-top/{year}"),
                      ("top list, one district", f"/officer/programs/rd-top/{year}?district=yinzhou"),
                      ("programs index", f"/officer/programs?year={year}")):
        times = timed(client, url, options.requests)
        print(f"{name:42} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} {max(times):8.1f}")
    with app.app_context():
        from registry.models import ProgramList
        for lst in db.session.scalars(select(ProgramList).where(ProgramList.year == year)):
            db.session.delete(lst)
        db.session.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())

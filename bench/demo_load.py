"""Demo registry load speed: `demo load` for N firms, and the database size it leaves.

    DATABASE_URL=postgresql://postgres@127.0.0.1/yz_bench \\
        python bench/demo_load.py --firms 1000000 [--seed 1] [--as-of 2026-11-24] [--reset]

Migrates the database if needed, then loads through the same code as
`flask --app registry demo load` and prints the time spent writing rows, the time rebuilding keys
and indexes (PostgreSQL), rows/s and the size of the database and of the bulk tables.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import text

from registry import create_app
from registry.demo.load import BULK_TABLES, load_demo
from registry.extensions import db
from registry.rules import today_in_shanghai
from registry.rules.facts import parse_date


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=parse_date, default=None)
    parser.add_argument("--reset", action="store_true", help="replace the data already there")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL (the database to load into)")
    app = create_app("development")
    with app.app_context():
        upgrade()
        marks = []
        summary = load_demo(db.engine, firms=options.firms, seed=options.seed,
                            as_of=options.as_of or today_in_shanghai(), reset=options.reset,
                            progress=lambda s: marks.append(s.seconds))
        rows_done = marks[-1]
        print(f"firms {summary.firms:,}  filings {summary.filings:,}  "
              f"certificates {summary.certificates:,}  ({summary.rows:,} rows)")
        print(f"total {summary.seconds:.1f} s  = rows written {rows_done:.1f} s"
              f" + keys, indexes, accounts and ANALYZE {summary.seconds - rows_done:.1f} s")
        print(f"{summary.rows / summary.seconds:,.0f} rows/s overall, "
              f"{summary.rows / rows_done:,.0f} rows/s while writing")
        if db.engine.dialect.name == "postgresql":
            _print_postgres_sizes()
        else:
            print(f"database file {Path(db.engine.url.database).stat().st_size / 2**20:,.0f} MiB")


def _print_postgres_sizes() -> None:
    with db.engine.connect() as connection:
        size = connection.execute(text(
            "SELECT pg_database_size(current_database()), "
            "pg_size_pretty(pg_database_size(current_database()))")).one()
        print(f"database {size[1]} ({size[0]:,} bytes)")
        for table in BULK_TABLES:
            heap, total = connection.execute(text(
                "SELECT pg_size_pretty(pg_table_size(CAST(:t AS regclass))), "
                "pg_size_pretty(pg_total_relation_size(CAST(:t AS regclass)))"), {"t": table}).one()
            print(f"  {table:<13} {heap:>10} table, {total:>10} with indexes")


if __name__ == "__main__":
    main()

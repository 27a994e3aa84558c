"""Benchmark of the official statistics import (issue 14: 100,000 rows on PostgreSQL in <= 30 s).

    createdb -h 127.0.0.1 -U postgres -T template0 -E UTF8 --locale C.UTF-8 yz_officialbench
    python bench/official_import.py --database postgresql://postgres@127.0.0.1/yz_officialbench [--rows 100000]

On a database the script migrates and fills once with `--rows` firms (a district of their own,
written in one statement), it writes a statistics file of one row per firm (CSV, and with
`--xlsx` a workbook too) and times, each in its own transaction:
  1. the file with one bad row (a wrong check character): refused whole, that row reported;
  2. the fixed file: every row created;
  3. the same file again: every row unchanged, nothing written;
  4. `flask --app registry official import FILE --source statistics` on a file whose every figure
     changed, the whole command as a script runs it (process start included).
Figures are recorded in docs/performance.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DISTRICT = "bench_official"


def credit_code(number: int) -> str:
    from registry.creditcode import make_credit_code
    return make_credit_code(f"91330299{number:09d}")


def statistics_file(rows: int, shift: int = 0, bad_row: int | None = None) -> bytes:
    lines = ["credit_code,fiscal_year,rd_expense,revenue,rd_staff"]
    for n in range(rows):
        code = credit_code(n)
        if n == bad_row:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
        rd = Decimal(n % 9973 + shift) + Decimal("0.25")
        lines.append(f"{code},2024,{rd},{20000 + n % 7},{'' if n % 5 == 0 else n % 50}")
    return ("\n".join(lines) + "\n").encode()


def workbook(data: bytes) -> bytes:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for line in data.decode().splitlines():
        sheet.append([cell or None for cell in line.split(",")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def prepare(session, rows: int) -> None:
    from sqlalchemy import func, insert, select

    from registry.models import District, Firm
    if session.get(District, DISTRICT) is None:
        session.add(District(code=DISTRICT, name_zh="基准测试区", name_en="Benchmark"))
        session.flush()
    have = session.scalar(select(func.count()).select_from(Firm).where(Firm.district == DISTRICT))
    if have < rows:
        session.execute(insert(Firm), [
            {"credit_code": credit_code(n), "name": f"基准企业{n}", "district": DISTRICT,
             "founded": dt.date(2012, 1, 1), "status": "active"} for n in range(have, rows)])
    session.commit()


def timed(label: str, session, kind: str, name: str, data: bytes):
    from registry.services.official import import_official
    start = time.perf_counter()
    record = import_official(session, None, kind, name, data, locale="en")
    session.commit()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:6.1f} s  status={record.status} created={record.created} "
          f"updated={record.updated} unchanged={record.unchanged} bad_rows={len(record.report)}")
    return record, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="also time the same rows as XLSX")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database
    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db
    app = create_app("development", SQLALCHEMY_DATABASE_URI=args.database.replace(
        "postgresql://", "postgresql+psycopg://", 1), JOBS_MODE="record")
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        prepare(db.session, args.rows)
        db.session.execute(db.text("DELETE FROM official_figures WHERE firm_id IN "
                                   "(SELECT id FROM firms WHERE district = :d)"), {"d": DISTRICT})
        db.session.commit()
        print(f"{args.rows:,} rows, {db.engine.dialect.name}")
        bad, seconds_bad = timed("1 bad row: refused whole", db.session, "statistics", "s.csv",
                                 statistics_file(args.rows, bad_row=args.rows // 2))
        assert bad.status == "rejected" and [e["row"] for e in bad.report] == [args.rows // 2 + 2]
        data = statistics_file(args.rows)
        applied, seconds_apply = timed("fixed file: imported", db.session, "statistics", "s.csv", data)
        assert applied.created == args.rows
        again, seconds_again = timed("same file again: unchanged", db.session, "statistics",
                                     "s.csv", data)
        assert again.unchanged == args.rows
        if args.xlsx:
            timed("same rows as XLSX: unchanged", db.session, "statistics", "s.xlsx", workbook(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        path.write_bytes(statistics_file(args.rows, shift=1))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "registry", "official", "import",
                               str(path), "--source", "statistics"], capture_output=True, text=True,
                              env={**os.environ, "DATABASE_URL": args.database}, check=False, cwd=REPO)
        seconds_cli = time.perf_counter() - start
        print(f"{'CLI, every figure changed':<34} {seconds_cli:6.1f} s  exit={done.returncode}")
        assert done.returncode == 0, done.stderr[-2000:]
    worst = max(seconds_bad, seconds_apply, seconds_again, seconds_cli)
    print(f"slowest: {worst:.1f} s (goal: 30 s)")
    return 0 if worst <= 30 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the whole-registry scan on PostgreSQL (figures for docs/performance.md).

    DATABASE_URL=postgresql://postgres@127.0.0.1/yz_scanbench python bench/scan.py [--workers 0 1 2]
        [--redis redis://127.0.0.1:6390/0] [--chunk-size 25000] [--sample 10000] [--single 200]

Measures, on the database as it is (load it with `flask demo load` first; the scan writes only
scan tables): the COPY floor (filings to /dev/null, median of 3), the full scan from start to
`done` inline and with N workers of one pool process each (first run after clearing the scan
tables, then an unchanged re-run), the scanning processes' peak memory, a per-firm ORM loop on a
sample (extrapolated), and single-firm re-evaluation p50/p95 (through a worker when --redis is
given, else in-process). Other processes share the machine: the load average is printed too.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # import the app from the repository, not from bench/

from bench.common import bench_app

SCAN_TABLES = ("candidates", "firm_flags", "incentive_opportunities", "firm_verdicts", "scan_chunks", "scans")


def copy_floor(url: str, times: int = 3) -> list[float]:
    """Seconds of `COPY filings TO '/dev/null'`, measured `times` times."""
    seconds = []
    for _ in range(times):
        started = time.monotonic()
        subprocess.run(["psql", url.replace("+psycopg", ""), "-qc", "COPY filings TO '/dev/null'"], check=True)
        seconds.append(round(time.monotonic() - started, 2))
    return seconds


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workers_peak_rss_mb(workers: list[subprocess.Popen]) -> float:
    """The largest peak resident memory (VmHWM) among the workers and their pool processes."""
    parents = {worker.pid for worker in workers}
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(status.parent.name) in parents or int(fields.get("PPid", 0)) in parents:
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
    return round(peak / 1024, 1)


def clear_scan_tables(db) -> None:
    from sqlalchemy import text
    db.session.execute(text("TRUNCATE " + ", ".join(SCAN_TABLES) + " CASCADE"))
    db.session.commit()


def timed_scan(db, inline: bool) -> dict:
    from registry.models import Scan
    from registry.services.scans import run_inline, start_full_scan
    started = time.monotonic()
    scan, _ = start_full_scan(db.session, dispatch=not inline)
    db.session.commit()
    if inline:
        scan = run_inline(db.session, scan.id)
    while scan.status in ("queued", "running"):
        time.sleep(0.2)
        db.session.expire_all()
        scan = db.session.get(Scan, scan.id)
    return {"status": scan.status, "firms": scan.firms_done, "seconds": round(time.monotonic() - started, 2),
            "verdicts_written": scan.verdicts_written, "opened": scan.opened, "flags": scan.flags}


def start_workers(count: int, url: str, redis: str) -> list[subprocess.Popen]:
    """`count` worker processes of one pool process each, answering before the first task is sent
    (a worker still starting would leave every chunk to the others)."""
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis, YANZHEN_CONFIG="development")
    workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-c", "1",
                                 "-n", f"bench{i}@%h", "--without-mingle", "--without-gossip", "-l", "WARNING"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL) for i in range(count)]
    from workers.celery_app import celery
    deadline = time.monotonic() + 60
    while (answering := len(celery.control.ping(timeout=1.0))) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} worker(s) did not answer within 60 s")
    if answering > count:   # they would take chunks too (or lose them, on another database)
        raise RuntimeError(f"{answering - count} other worker(s) consume this broker: use a Redis db of your own")
    return workers


def orm_baseline(db, sample: int) -> dict:
    """The naive way: one ORM object graph and one evaluation per firm."""
    from decimal import Decimal

    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload

    from registry.models import Firm
    from registry.rules import evaluate_firms, load_parameters, today_in_shanghai
    from registry.rules.facts import parse_firm
    from registry.rules.jsonout import dumps
    from registry.services.facts import firm_entry
    as_of = today_in_shanghai()
    params = load_parameters(as_of)
    total = db.session.scalar(select(func.count()).select_from(Firm))
    started = time.monotonic()
    firms = db.session.scalars(select(Firm).order_by(Firm.id).limit(sample)
                               .options(selectinload(Firm.filings), selectinload(Firm.certificates))).all()
    for firm in firms:
        entry = firm_entry(firm, [f for f in firm.filings if f.counts and f.fiscal_year < as_of.year],
                           list(firm.certificates))
        facts = parse_firm(json.loads(dumps(entry), parse_float=Decimal))
        evaluate_firms([facts], as_of, params).firm_result(0)
    seconds = time.monotonic() - started
    return {"sample": len(firms), "seconds": round(seconds, 2),
            "extrapolated_seconds": round(seconds * total / max(len(firms), 1), 1)}


def single_firm(db, count: int, redis: str | None) -> dict:
    from sqlalchemy import select

    from registry.models import Firm, FirmVerdict
    from registry.services.evaluation import evaluate_firm, request_evaluation
    ids = db.session.scalars(select(Firm.id).order_by(Firm.id).limit(count)).all()
    times = []
    for firm_id in ids:
        started = time.monotonic()
        if redis:
            request_evaluation(db.session, firm_id)
            db.session.commit()
            while True:
                db.session.expire_all()
                verdict = db.session.get(FirmVerdict, firm_id)
                if not verdict.pending:
                    break
                time.sleep(0.005)
        else:
            evaluate_firm(firm_id)
        times.append(time.monotonic() - started)
    times.sort()
    return {"firms": len(times), "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1), "through_worker": bool(redis)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="*", default=[0], help="0 = inline")
    parser.add_argument("--redis", help="broker for worker runs and single-firm evaluation")
    parser.add_argument("--chunk-size", type=int, help="firms per chunk (default: SCAN_CHUNK_SIZE)")
    parser.add_argument("--sample", type=int, default=10_000, help="firms of the ORM baseline (0: skip)")
    parser.add_argument("--single", type=int, default=200, help="single-firm evaluations (0: skip)")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    app = bench_app(args.redis, args.chunk_size)
    from registry.extensions import db
    figures = {"chunk_size": app.config["SCAN_CHUNK_SIZE"], "load_before": os.getloadavg()[0]}
    with app.app_context():
        floors = copy_floor(app.config["SQLALCHEMY_DATABASE_URI"])
        figures["copy_floor_runs"] = floors
        figures["copy_floor_seconds"] = statistics.median(floors)
        for count in args.workers:
            workers = start_workers(count, url, args.redis) if count else []
            try:
                clear_scan_tables(db)
                first = timed_scan(db, inline=not count)
                rerun = timed_scan(db, inline=not count)
                peak = workers_peak_rss_mb(workers) if count else peak_rss_mb()
            finally:
                for worker in workers:
                    worker.terminate()
                    worker.wait()
            label = "inline" if not count else f"{count}_workers"
            figures[label] = {"first": first, "rerun": rerun, "peak_rss_mb": peak,
                              "ratio_to_copy_first": round(first["seconds"] / figures["copy_floor_seconds"], 2),
                              "ratio_to_copy_rerun": round(rerun["seconds"] / figures["copy_floor_seconds"], 2)}
        if args.sample:
            figures["orm_baseline"] = orm_baseline(db, args.sample)
        workers = start_workers(1, url, args.redis) if args.redis and args.single else []
        try:
            if args.single:
                figures["single_firm"] = single_firm(db, args.single, args.redis)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait()
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

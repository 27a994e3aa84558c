"""Benchmark of a whole-registry what-if run on PostgreSQL (figures for docs/performance.md).

    DATABASE_URL=postgresql://postgres@127.0.0.1/yz_whatifbench python bench/whatif.py [--workers 0 2]
        [--redis redis://127.0.0.1:6379/8] [--chunk-size 25000] [--set KEY=VALUE ...]

Measures, on the database as it is (load it with `flask demo load` first; a run writes only the
what-if tables): the COPY floor of the filings (median of 3), then per worker count a run from
start to `done` of a scenario (default: the gazelle CAGR lowered to 15% and the middle HNTE R&D band
to 3.5%), evaluated inline or by N workers of one pool process each, and the running processes'
peak memory. The load average is printed too: the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # import the app from the repository, not from bench/

from bench.common import bench_app
from bench.scan import copy_floor, peak_rss_mb, start_workers, workers_peak_rss_mb

WHATIF_TABLES = ("whatif_changes", "whatif_tier_counts", "whatif_incentive_totals", "whatif_chunks",
                 "whatif_runs", "whatif_scenarios")
DEFAULT_CHANGES = ("gazelle.default.revenue_cagr.bands.0.min=0.15", "hnte.rd_ratio.bands.1.min=0.035")


def timed_run(db, overrides: dict, inline: bool) -> dict:
    from sqlalchemy import text

    from registry.models import WhatifRun
    from registry.services import whatif
    db.session.execute(text("TRUNCATE " + ", ".join(WHATIF_TABLES) + " CASCADE"))
    db.session.commit()
    started = time.monotonic()
    scenario = whatif.save_scenario(db.session, None, name="bench", as_of=None, overrides=overrides)
    run = whatif.start_run(db.session, None, scenario, dispatch=not inline)
    db.session.commit()
    if inline:
        run = whatif.run_inline(db.session, run.id)
    while run.status in ("queued", "running"):
        time.sleep(0.2)
        db.session.expire_all()
        run = db.session.get(WhatifRun, run.id)
    seconds = round(time.monotonic() - started, 2)
    return {"status": run.status, "firms": run.firms_done, "chunks": run.chunks_total, "seconds": seconds,
            "winners_and_losers": run.changes, "tiers": whatif.summary(db.session, run)["tiers"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="*", default=[0], help="0 = inline")
    parser.add_argument("--redis", help="broker for worker runs")
    parser.add_argument("--chunk-size", type=int, help="firms per chunk (default: SCAN_CHUNK_SIZE)")
    parser.add_argument("--set", dest="changes", nargs="*", default=list(DEFAULT_CHANGES), metavar="KEY=VALUE")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    app = bench_app(args.redis, args.chunk_size)
    from registry.extensions import db
    overrides = dict(change.split("=", 1) for change in args.changes)
    figures = {"chunk_size": app.config.get("SCAN_CHUNK_SIZE", 25_000), "overrides": overrides,
               "load_before": os.getloadavg()[0]}
    with app.app_context():
        floors = copy_floor(app.config["SQLALCHEMY_DATABASE_URI"])
        figures["copy_floor_runs"] = floors
        figures["copy_floor_seconds"] = statistics.median(floors)
        for count in args.workers:
            workers = start_workers(count, url, args.redis) if count else []
            try:
                result = timed_run(db, overrides, inline=not count)
                peak = workers_peak_rss_mb(workers) if count else peak_rss_mb()
            finally:
                for worker in workers:
                    worker.terminate()
                    worker.wait()
            label = "inline" if not count else f"{count}_workers"
            figures[label] = {**result, "peak_rss_mb": peak,
                              "ratio_to_copy": round(result["seconds"] / figures["copy_floor_seconds"], 2)}
    figures["load_after"] = os.getloadavg()[0]
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

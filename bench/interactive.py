"""A firm's re-evaluation while a full scan runs (issue 16, item 9; figures in docs/performance.md).

    DATABASE_URL=postgresql://postgres@127.0.0.1/yz_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
        python bench/interactive.py [--layout split|shared] [--evaluations 40] [--chunk-size 2000]

On the database as it is (load it with `flask demo load` first), starts the workers as the README
says (`split`: one worker for the interactive queue alone and one for both queues; `shared`:
one worker of two processes for both queues, interactive first), queues a full scan and, while
its chunks run, asks one firm's re-evaluation at a time (as a submitted filing does) and times it
until the firm's verdict is no longer pending. Prints p50/p95/max and how many were measured
while the scan was still running. Other processes share the machine: the load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # import the app from the repository, not from bench/

LAYOUTS = {
    "split": [["-Q", "interactive", "-c", "1", "-n", "interactive@%h"],
              ["-Q", "interactive,bulk", "-c", "1", "-n", "scan@%h"]],
    "shared": [["-Q", "interactive,bulk", "-c", "2", "-n", "both@%h"]],
}


def start_workers(layout: str) -> list[subprocess.Popen]:
    from workers.celery_app import celery
    workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                                 "-l", "WARNING", *options], cwd=REPO)
               for options in LAYOUTS[layout]]
    deadline = time.monotonic() + 90
    while len(celery.control.ping(timeout=1.0)) < len(workers):
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not answer within 90 s")
    return workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="split")
    parser.add_argument("--evaluations", type=int, default=40)
    parser.add_argument("--chunk-size", type=int, default=2000)
    args = parser.parse_args()
    os.environ["YANZHEN_SETTINGS"] = json.dumps({"SCAN_CHUNK_SIZE": args.chunk_size})
    from sqlalchemy import func, select

    from registry import create_app
    from registry.extensions import db
    from registry.models import Firm, FirmVerdict, Scan
    from registry.services.evaluation import request_evaluation
    from registry.services.scans import start_full_scan
    app = create_app("development")
    figures = {"layout": args.layout, "chunk_size": args.chunk_size,
               "load_before": os.getloadavg()[0]}
    workers = start_workers(args.layout)
    try:
        with app.app_context():
            figures["firms"] = db.session.scalar(select(func.count()).select_from(Firm))
            ids = db.session.scalars(select(Firm.id).order_by(Firm.id.desc())
                                     .limit(args.evaluations)).all()  # the scan's last chunk
            scan, _created = start_full_scan(db.session)
            db.session.commit()
            started = time.monotonic()
            times, during = [], 0
            for firm_id in ids:
                asked = time.monotonic()
                request_evaluation(db.session, firm_id)
                db.session.commit()
                while True:
                    db.session.expire_all()
                    verdict = db.session.get(FirmVerdict, firm_id)
                    if verdict is not None and not verdict.pending:
                        break
                    time.sleep(0.005)
                times.append(time.monotonic() - asked)
                status = db.session.scalar(select(Scan.status).where(Scan.id == scan.id))
                during += status in ("queued", "running")
            while db.session.scalar(select(Scan.status).where(Scan.id == scan.id)) in (
                    "queued", "running"):
                db.session.expire_all()
                time.sleep(0.5)
            figures["scan_seconds"] = round(time.monotonic() - started, 1)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
    times.sort()
    figures.update({
        "evaluations": len(times), "during_scan": during,
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[max(int(len(times) * 0.95) - 1, 0)] * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1), "load_after": os.getloadavg()[0]})
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

"""Bounded load test (issue 16, "Must show"): firm portal pages and the officer queue under
concurrent users, with a full scan running for part of the time (figures in docs/performance.md).

    DATABASE_URL=postgresql://postgres@127.0.0.1/yz_load REDIS_URL=redis://127.0.0.1:6379/8 \\
        python bench/load.py [--users 16] [--duration 60] [--scan-share 0.5] [--web-workers 2] [--pause 0]

On a database loaded with `flask demo load` (and scanned once: the first run scans it before the
load when no full scan is done yet), it starts gunicorn with `--web-workers` processes on
127.0.0.1 and the Celery workers of the README's split layout, then logs in half the users as
the demo's firm users (firm1..firm5, reused) and half as district officers (one per district,
in the order of registry/params/districts.toml) through the login form, as browsers do. Each
user requests its pages one after another for `--duration` seconds (a closed loop; with
`--pause`, a user reads each page for a random time of that mean before the next request, as
people do; none by default): a firm user its ladder (/portal/) and its filings; an officer the
default queue, its counts and the HNTE filter. Each user asks for its pages once before the
timing starts (a warm-up). After `(1 - scan_share) x duration` seconds a full scan is queued.

Prints, per page and for all of them, in each phase (no scan / scan running): the requests
answered, their rate, p50/p95/p99 in ms and the errors (any answer but 200, or a failed
connection); and the load average of the machine, which other processes may share.

The app runs with the development settings (the production code, on 127.0.0.1, without the
HTTPS-only cookie and the second login factor that production requires): the load is the
pages', not the login's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # import the app from the repository, not from bench/

from bench.common import percentile
from bench.interactive import start_workers

FIRM_PAGES = (("ladder", "/portal/"), ("filings", "/portal/filings"))
OFFICER_PAGES = (("queue", "/officer/queue"), ("queue counts", "/officer/queue/counts?status=open"),
                 ("queue HNTE", "/officer/queue?tier=hnte"))
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# gunicorn's access log: the time the answer was logged (epoch), the path with its query, the
# time in the worker (microseconds: from reading the request to the response, no queueing).
ACCESS_FORMAT = "%(t)s %(U)s ?%(q)s %(s)s %(D)s"
PAGES = {path: name for name, path in FIRM_PAGES + OFFICER_PAGES}


class Browser:
    """One user: a kept-alive connection and the cookies the app set."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers, data

    def log_in(self, email: str, password: str) -> None:
        _status, _headers, page = self.request("GET", "/login")
        token = TOKEN.search(page.decode()).group(1)
        status, headers, _data = self.request("POST", "/login", {
            "csrf_token": token, "email": email, "password": password})
        if status != 302 or "/login" in headers.get("Location", ""):
            raise RuntimeError(f"{email} could not log in ({status})")


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _users(count: int) -> list[tuple[str, str, tuple]]:
    from registry.demo.accounts import DEMO_PASSWORD, demo_accounts
    firms = [a.email for a in demo_accounts() if a.role == "firm"]
    officers = [a.email for a in demo_accounts() if a.role == "officer"]
    half = count // 2
    return ([(firms[n % len(firms)], DEMO_PASSWORD, FIRM_PAGES) for n in range(count - half)]
            + [(officers[n % len(officers)], DEMO_PASSWORD, OFFICER_PAGES) for n in range(half)])


def _scan_once(app) -> tuple[float, float]:
    """Queue a full scan and wait until it is done: (start, end) in monotonic seconds."""
    from registry.extensions import db
    from registry.models import Scan
    from registry.services.scans import start_full_scan
    with app.app_context():
        started = time.monotonic()
        scan, _created = start_full_scan(db.session)
        db.session.commit()
        while True:
            db.session.expire_all()
            status = db.session.get(Scan, scan.id).status
            if status not in ("queued", "running"):
                return started, time.monotonic()
            time.sleep(0.25)


def _summary(samples: list[tuple], seconds: float) -> dict:
    times = [elapsed for elapsed, ok in samples if ok]
    errors = sum(1 for _elapsed, ok in samples if not ok)
    if not times:
        return {"requests": 0, "errors": errors}
    return {"requests": len(samples), "per_second": round(len(samples) / seconds, 1),
            "p50_ms": round(percentile(times, 0.50), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "p99_ms": round(percentile(times, 0.99), 1), "errors": errors}


def _server_times(access_log: Path, began: float, ended: float, scan_start: float,
                  scan_end: float) -> dict:
    """p50/p95/p99 of the time each page spent in a gunicorn worker, per phase (the log's
    timestamps have whole seconds: a request within a second of a phase's edge may land in
    the other phase)."""
    offset = time.time() - time.monotonic()
    edges = [(began + offset, ended + offset), (scan_start + offset, scan_end + offset)]
    phases: dict = {"no scan": defaultdict(list), "scan running": defaultdict(list)}
    for line in access_log.read_text().splitlines():
        match = re.match(r"\[(.+?)\] (\S+) \?(\S*) (\d+) (\d+)$", line)
        path = match and match.group(2) + ("?" + match.group(3) if match.group(3) else "")
        if not match or path not in PAGES:
            continue
        at = dt.datetime.strptime(match.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if not edges[0][0] - 1 <= at <= edges[0][1] + 1:
            continue
        phase = "scan running" if edges[1][0] <= at <= edges[1][1] else "no scan"
        millis = int(match.group(5)) / 1000
        phases[phase][PAGES[path]].append(millis)
        phases[phase]["all pages"].append(millis)
    return {phase: {name: {"p50": round(percentile(v, 0.5), 1), "p95": round(percentile(v, 0.95), 1),
                           "p99": round(percentile(v, 0.99), 1)} for name, v in pages.items()}
            for phase, pages in phases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--scan-share", type=float, default=0.5,
                        help="the share of the duration with a full scan queued or running")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pause", type=float, default=0,
                        help="mean seconds each user reads a page before asking for the next (0: none)")
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            parser.error(f"set {name} (PostgreSQL and Redis, as in production)")
    var_dir = tempfile.mkdtemp(prefix="yanzhen-load-")
    os.environ.setdefault("YANZHEN_VAR_DIR", var_dir)
    from sqlalchemy import func, select

    from registry import create_app
    from registry.extensions import db
    from registry.models import Firm, Scan
    app = create_app("development")
    with app.app_context():
        firms = db.session.scalar(select(func.count()).select_from(Firm))
        scanned = db.session.scalar(select(func.count()).select_from(Scan)
                                    .where(Scan.kind == "full", Scan.status == "done"))
    access_log = Path(var_dir) / "access.log"
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.web_workers), "-b",
                            f"127.0.0.1:{args.port}", "--log-level", "warning",
                            "--access-logfile", str(access_log), "--access-logformat",
                            ACCESS_FORMAT, "registry:create_app()"], cwd=REPO,
                           env=dict(os.environ))
    workers = start_workers("split")
    figures: dict = {"firms": firms, "users": args.users, "duration_s": args.duration, "pause_s": args.pause,
                     "web_workers": args.web_workers, "load_before": os.getloadavg()[0]}
    try:
        _wait_for(args.port)
        if not scanned:
            start, end = _scan_once(app)
            figures["first_scan_s"] = round(end - start, 1)
        samples: list[tuple] = []  # (page, finished at, ms, ok)
        lock, stop = threading.Lock(), threading.Event()
        browsers = []
        for email, password, pages in _users(args.users):
            browser = Browser(args.port)
            browser.log_in(email, password)
            for _name, path in pages:   # warm-up, not counted: each worker's first render of a page
                browser.request("GET", path)
            browsers.append((browser, pages))

        def run(browser: Browser, pages, seed: int) -> None:
            # People read for a while, not in step: each pause is drawn around --pause (exponential,
            # so requests arrive as a Poisson stream), and users start at random within one pause.
            reading = random.Random(seed)
            if args.pause and stop.wait(reading.uniform(0, args.pause)):
                return
            while not stop.is_set():
                for name, path in pages:
                    started = time.perf_counter()
                    try:
                        status, _headers, _data = browser.request("GET", path)
                        ok = status == 200
                    except (OSError, http.client.HTTPException):
                        ok = False
                    finished = time.monotonic()
                    with lock:
                        samples.append((name, finished, (time.perf_counter() - started) * 1000, ok))
                    if args.pause and stop.wait(reading.expovariate(1 / args.pause)):
                        return

        threads = [threading.Thread(target=run, args=(*pair, seed), daemon=True)
                   for seed, pair in enumerate(browsers)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        scan_times: dict = {}

        def scan_later() -> None:
            """Full scans one after another from (1 - scan_share) x duration to the end (at
            small scale one scan is over in seconds; re-runs evaluate every firm again)."""
            time.sleep(args.duration * (1 - args.scan_share))
            scans = 0
            while not stop.is_set():
                start, end = _scan_once(app)
                scan_times.setdefault("start", start)
                scan_times["end"], scans = end, scans + 1
            scan_times["scans"] = scans

        scanner = threading.Thread(target=scan_later, daemon=True)
        scanner.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        ended = time.monotonic()
        scanner.join(timeout=3600)
        scan_start, scan_end = scan_times.get("start", ended), scan_times.get("end", ended)
        figures["scans"] = scan_times.get("scans", 0)
        figures["scanning_s"] = round(scan_end - scan_start, 1)
        figures["load_after"] = os.getloadavg()[0]
        phases = {"no scan": lambda at: not scan_start <= at <= scan_end,
                  "scan running": lambda at: scan_start <= at <= scan_end}
        spans = {"no scan": (min(scan_start, ended) - began) + max(0.0, ended - scan_end),
                 "scan running": max(0.0, min(scan_end, ended) - scan_start)}
        for phase, inside in phases.items():
            by_page = defaultdict(list)
            for name, at, elapsed, ok in samples:
                if inside(at):
                    by_page[name].append((elapsed, ok))
                    by_page["all pages"].append((elapsed, ok))
            seconds = max(spans[phase], 1e-9)
            figures[phase] = {name: _summary(rows, seconds) for name, rows in by_page.items()}
        figures["server time in the worker (ms)"] = _server_times(
            access_log, began, ended, scan_start, scan_end)
    finally:
        web.terminate()
        for worker in workers:
            worker.terminate()
        web.wait()
        for worker in workers:
            worker.wait()
    print(json.dumps(figures, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

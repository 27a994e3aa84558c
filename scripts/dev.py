"""`make run`: migrate, load demo data once, then run web, Celery worker and beat together.

Everything runs on the embedded default (a SQLite file and a server-less broker in its own
SQLite file under var/). Ctrl-C stops all three processes.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def flask(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "flask", "--app", "registry", *args], cwd=REPO,
                          check=check)


def start(name: str, args: list[str]) -> subprocess.Popen:
    print(f"starting {name}: {' '.join(args)}", flush=True)
    # Own process group, so Ctrl-C here is handled once, by us.
    return subprocess.Popen(args, cwd=REPO, start_new_session=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--demo-firms", type=int, default=2000)
    options = parser.parse_args()
    os.environ.setdefault("YANZHEN_CONFIG", "development")

    flask("db", "upgrade")
    # Loads the demo registry on the first run only; later runs just print the logins.
    flask("demo", "load", "--firms", str(options.demo_firms), "--seed", "1", "--if-empty")
    # Queue a full scan, so the queue and the firms' ladders are filled when the worker starts
    # (the nightly beat keeps them current afterwards).
    flask("scan", "run")

    celery = [PYTHON, "-m", "celery", "-A", "workers.celery_app"]
    processes = {
        "web": start("web", [PYTHON, "-m", "flask", "--app", "registry", "run",
                             "--port", str(options.port), "--host", "127.0.0.1"]),
        "worker": start("worker", celery + ["worker", "--loglevel", "INFO",
                                            "--concurrency", "2"]),
        "beat": start("beat", celery + ["beat", "--loglevel", "INFO", "--schedule",
                                        str(REPO / "var" / "celerybeat-schedule")]),
    }
    print(f"\nYanzhen is running at http://127.0.0.1:{options.port}/ (Ctrl-C stops it)\n",
          flush=True)
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        failed = [name for name, process in processes.items() if process.poll() is not None]
        print(f"stopped because {', '.join(failed)} exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())

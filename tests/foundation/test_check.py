"""`flask check` against real processes: a fresh database fails on its migrations; with a worker
and a beat running on the embedded broker (what `make run` starts) every part is ok and the exit
status is 0; with the worker stopped the command exits 1 and names the worker."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.worker


@pytest.fixture
def env(tmp_path):
    """A development deployment of the test's own: SQLite database and broker under tmp_path,
    the reconciler scheduled every 2 seconds so beat is seen at once."""
    return dict(os.environ, YANZHEN_CONFIG="development", YANZHEN_VAR_DIR=str(tmp_path),
                DATABASE_URL=f"sqlite:///{tmp_path / 'yanzhen.db'}",
                YANZHEN_SETTINGS=json.dumps({"SCAN_SCHEDULE": {"scan_reconcile": {"every": 2}}}))


def flask(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "registry", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)


def celery(env, tmp_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.celery_app", *args,
                             "--loglevel", "WARNING"], cwd=REPO, env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / f"{args[0]}.log", "ab"))


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def lines(result: subprocess.CompletedProcess) -> dict[str, str]:
    return dict(line.split(None, 1) for line in result.stdout.splitlines() if line.strip())


def wait_for_beat(tmp_path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(tmp_path / "yanzhen.db") as connection:
            if connection.execute("SELECT count(*) FROM schedule_runs "
                                  "WHERE name = 'scan_reconcile'").fetchone()[0]:
                return
        time.sleep(1)
    raise AssertionError("beat and worker ran no scheduled job: "
                         + (tmp_path / "beat.log").read_text()[-2000:])


def test_check_exit_status_names_the_part(env, tmp_path):
    before = flask(env, "check", "--worker-timeout", "1")
    assert before.returncode == 1
    assert lines(before)["database"] == "ok"
    assert "flask --app registry db upgrade" in lines(before)["migrations"]

    assert flask(env, "db", "upgrade").returncode == 0
    worker = celery(env, tmp_path, "worker", "--pool", "solo", "--without-mingle",
                    "--without-gossip")
    beat = celery(env, tmp_path, "beat", "--schedule", str(tmp_path / "beat-schedule"))
    try:
        wait_for_beat(tmp_path)
        healthy = flask(env, "check", "--worker-timeout", "30")
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert set(lines(healthy).values()) == {"ok"}
        assert set(lines(healthy)) == {"configuration", "database", "migrations", "broker",
                                       "worker", "catalogs", "beat"}

        stop(worker)
        stopped = flask(env, "check", "--worker-timeout", "3")
        assert stopped.returncode == 1
        problems = {name for name, state in lines(stopped).items() if state != "ok"}
        assert problems == {"worker"}
        assert "no worker answered" in lines(stopped)["worker"]
    finally:
        stop(worker)
        stop(beat)

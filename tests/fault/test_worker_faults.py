"""Real workers, PostgreSQL and a Redis of the test's own: a worker killed mid-scan, a Redis
restart mid-scan. The database, not the broker, is the record of work.

Each test makes its own database (and an undisturbed twin made from the same template to compare
results with), starts `redis-server` on a free port and Celery workers as subprocesses.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.conftest import REPO, require_service, scratch_postgres

pytestmark = [pytest.mark.fault, pytest.mark.worker]
AS_OF = dt.date(2025, 6, 30)
FIRMS, CHUNK = 600, 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Redis:
    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self):
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--daemonize", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop(self):
        if self.process:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis():
    server = Redis(_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def databases(tmp_path):
    """(url, twin_url): a registry of FIRMS firms, and an identical copy for the undisturbed run."""
    server_url = require_service("DATABASE_URL", "PostgreSQL")
    with scratch_postgres(server_url, "yz_fault") as url:
        env = dict(os.environ, DATABASE_URL=url, YANZHEN_VAR_DIR=str(tmp_path), YANZHEN_CONFIG="development")
        subprocess.run([sys.executable, "-m", "flask", "--app", "registry", "db", "upgrade"], cwd=REPO, env=env,
                       check=True, capture_output=True)
        _populate(url, tmp_path)
        with scratch_postgres(server_url, "yz_fault_twin", template=make_url(url).database) as twin_url:
            yield url, twin_url


def _app(url: str, **settings):
    from registry import create_app
    return create_app("development", SQLALCHEMY_DATABASE_URI=url, **settings)


def _populate(url: str, tmp_path) -> None:
    from registry.extensions import db
    from tests.scan.registry_data import make_registry
    app = _app(url)
    with app.app_context():
        make_registry(db.session, FIRMS, seed=31)
        db.session.commit()
        db.engine.dispose()


def _settings(redis_port: int, acks_late: bool = True) -> dict:
    extra = {"broker_transport_options": {"visibility_timeout": 30}}
    if not acks_late:
        extra.update(task_acks_late=False, task_reject_on_worker_lost=False)
    return {"SCAN_CHUNK_SIZE": CHUNK, "SCAN_CHUNK_PAUSE": 0.4, "SCAN_REQUEUE_AFTER": 3,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0", "CELERY_EXTRA": extra}


def _start_worker(url: str, settings: dict, tmp_path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, YANZHEN_VAR_DIR=str(tmp_path), YANZHEN_CONFIG="development",
               YANZHEN_SETTINGS=json.dumps(settings))
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                             "--concurrency", "1", "--pool", "prefork", "--without-mingle", "--without-gossip",
                             "--loglevel", "WARNING"],
                            cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "ab"))


def _stop(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def _scan_state(app, scan_id):
    from registry.extensions import db
    from registry.models import Scan
    with app.app_context():
        scan = db.session.get(Scan, scan_id)
        state = (scan.status, scan.chunks_done)
        db.session.remove()
    return state


def _wait(app, scan_id, until, timeout: float, tick=None) -> tuple[str, int]:
    deadline = time.monotonic() + timeout
    state = _scan_state(app, scan_id)
    while time.monotonic() < deadline and not until(state):
        time.sleep(0.3)
        if tick:
            tick()
        state = _scan_state(app, scan_id)
    return state


def _start_scan(app) -> int:
    from registry.extensions import db
    from registry.services.scans import start_full_scan
    with app.app_context():
        scan, _ = start_full_scan(db.session, as_of=AS_OF)
        db.session.commit()  # the chunks are sent to Redis after the commit
        scan_id = scan.id
        db.session.remove()
    return scan_id


def _results(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as connection:
        result = {
            "verdicts": connection.execute(text(
                "SELECT firm_id, inputs_digest, verdict_digest, status_tech_sme, status_hnte, status_gazelle, "
                "status_leader FROM firm_verdicts ORDER BY firm_id")).all(),
            "candidates": connection.execute(text(
                "SELECT firm_id, tier, cycle, status, stale FROM candidates ORDER BY 1, 2")).all(),
            "flags": connection.execute(text("SELECT firm_id, flag, status, detail::text FROM firm_flags ORDER BY 1, 2")).all(),
            "opportunities": connection.execute(text(
                "SELECT firm_id, incentive, status, saving FROM incentive_opportunities ORDER BY 1, 2")).all(),
            "duplicates": connection.execute(text(
                "SELECT count(*) - count(DISTINCT (firm_id, tier, cycle)) FROM candidates")).scalar(),
        }
    engine.dispose()
    return result


def _undisturbed(twin_url: str, tmp_path) -> dict:
    from registry.extensions import db
    from registry.services.scans import run_inline, start_full_scan
    app = _app(normalise_database_url(twin_url), SCAN_CHUNK_SIZE=CHUNK)
    with app.app_context():
        scan, _ = start_full_scan(db.session, as_of=AS_OF, dispatch=False)
        db.session.commit()
        assert run_inline(db.session, scan.id).status == "done"
        db.engine.dispose()
    return _results(twin_url)


def _kill_a_pool_child_mid_scan(databases, redis, tmp_path, acks_late: bool) -> tuple[tuple, object]:
    url, _twin = databases
    settings = _settings(redis.port, acks_late)
    app = _app(normalise_database_url(url), **settings)
    worker = _start_worker(url, settings, tmp_path)
    try:
        scan_id = _start_scan(app)
        _wait(app, scan_id, lambda state: state[1] >= 2, 60)
        children = _children(worker.pid)
        assert children, "the worker has a pool process"
        os.kill(children[0], signal.SIGKILL)  # mid-chunk: each chunk holds its transaction 0.4 s
        state = _wait(app, scan_id, lambda state: state[0] in ("done", "failed"), 40)
    finally:
        _stop(worker)
    return state, app


def test_a_worker_killed_mid_scan_loses_nothing_and_doubles_nothing(databases, redis, tmp_path):
    state, _ = _kill_a_pool_child_mid_scan(databases, redis, tmp_path, acks_late=True)
    assert state == ("done", FIRMS // CHUNK)
    disturbed = _results(databases[0])
    assert disturbed["duplicates"] == 0
    assert disturbed == _undisturbed(databases[1], tmp_path)


def test_negative_control_early_acknowledgement_loses_the_killed_chunk(databases, redis, tmp_path):
    """The same test with early acknowledgement must fail: proof that it detects a lost chunk."""
    state, _ = _kill_a_pool_child_mid_scan(databases, redis, tmp_path, acks_late=False)
    assert state[0] == "running" and state[1] < FIRMS // CHUNK


def test_a_redis_restart_mid_scan_completes_through_the_reconciler(databases, redis, tmp_path):
    url, twin = databases
    settings = _settings(redis.port)
    app = _app(normalise_database_url(url), **settings)
    worker = _start_worker(url, settings, tmp_path)
    try:
        scan_id = _start_scan(app)
        _wait(app, scan_id, lambda state: state[1] >= 2, 60)
        redis.stop()  # every queued message is forgotten (no persistence, as in CI)
        redis.start()

        def reconcile():
            from registry.services.scans import reconcile as run
            with app.app_context():
                run()
                from registry.extensions import db
                db.session.remove()
        state = _wait(app, scan_id, lambda state: state[0] in ("done", "failed"), 90, tick=reconcile)
    finally:
        _stop(worker)
    assert state == ("done", FIRMS // CHUNK)
    assert _results(url) == _undisturbed(twin, tmp_path)

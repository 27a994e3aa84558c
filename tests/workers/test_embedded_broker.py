"""`make run`'s embedded default: a real worker on the server-less broker finishes a scan.

No server at all: the app's SQLite file and kombu's SQLAlchemy transport on its own SQLite
file, exactly as `scripts/dev.py` starts them.
"""
import json
import os
import signal
import subprocess
import sys

import pytest

from config import celery_settings, load_config
from tests.conftest import REPO

pytestmark = pytest.mark.worker


def _env(var_dir) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "YANZHEN_SETTINGS")}
    env.update(YANZHEN_CONFIG="development", YANZHEN_VAR_DIR=str(var_dir))
    return env


def _flask(env, *args, timeout=120):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "registry", *args],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_worker_on_the_embedded_broker_completes_a_scan(tmp_path):
    env = _env(tmp_path)
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "load", "--firms", "60", "--seed", "5")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
         "--concurrency", "1", "--loglevel", "WARNING"],
        cwd=REPO, env=env, start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        summary = json.loads(_flask(env, "scan", "run", "--wait", timeout=180))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert summary["status"] == "done", output
    assert summary["firms"] == 60
    # The broker sits in its own file, never in the app's database.
    assert (tmp_path / "broker.db").exists() and (tmp_path / "yanzhen.db").exists()


def test_redis_gets_a_visibility_timeout_above_the_task_limit_and_sqlite_none():
    redis = celery_settings(load_config("production", env={
        "DATABASE_URL": "postgresql://x@h/d", "REDIS_URL": "redis://h:6379/0", "SECRET_KEY": "k" * 32}))
    assert redis["broker_transport_options"]["visibility_timeout"] > redis["task_time_limit"]
    embedded = celery_settings(load_config("development", env={}))
    assert embedded["broker_transport_options"] == {}
    assert embedded["task_acks_late"] and embedded["task_reject_on_worker_lost"]

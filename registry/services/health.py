"""What an operator checks after deploying (`flask check`) and a load balancer asks (`/healthz`):
each check returns None when the part is fine, or raises `Problem` saying what is wrong and how
to fix it.

A worker proves it answers by running the `worker_ping` job, which records the ping's time as a
`schedule_runs` row (the table that records every scheduled job's firing); beat is seen through
the rows of the jobs it schedules. Both work on every broker, the embedded one included, which
cannot broadcast Celery's own ping.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select, text

from registry import jobs
from registry.extensions import db
from registry.models import ScheduleRun
from registry.models.base import utcnow

WORKER_PING = "worker_ping"
BEAT_SEEN_WITHIN = dt.timedelta(hours=1)
CATALOG = Path(__file__).resolve().parents[1] / "translations" / "zh" / "LC_MESSAGES"
DEVELOPMENT_KEYS = ("dev-only-secret-key-not-for-production",)


class Problem(Exception):
    """A part that is not working: what is wrong, and the fix."""


@dataclass(frozen=True)
class Result:
    name: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_configuration(app: Flask) -> None:
    config = app.config
    missing = [name for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "CELERY_BROKER_URL")
               if not config.get(name)]
    if missing:
        raise Problem(f"{', '.join(missing)} not set: set them in the environment (README)")
    if config.get("YANZHEN_CONFIG") != "production":
        return
    if config["SECRET_KEY"] in DEVELOPMENT_KEYS:
        raise Problem("SECRET_KEY is the development key: set a long random SECRET_KEY")
    if not config.get("MAIL_SERVER"):
        raise Problem("MAIL_SERVER not set: invitations and password resets cannot be mailed")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        raise Problem("login limits kept in memory: set REDIS_URL so every web process shares "
                      "them")


def check_database(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_migrations(app: Flask) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    if current != heads:
        raise Problem(f"database at {', '.join(sorted(current)) or 'no revision'}, code at "
                      f"{', '.join(sorted(heads))}: run `flask --app registry db upgrade`")


def check_broker(app: Flask) -> None:
    with jobs.producer(app).connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=app.config["HEALTH_CHECK_TIMEOUT"])


def answer_ping(sent_at: str) -> None:
    """The `worker_ping` job: record that a worker ran the ping sent at `sent_at`."""
    db.session.add(ScheduleRun(name=WORKER_PING, due_at=dt.datetime.fromisoformat(sent_at)))
    db.session.commit()


def check_worker(app: Flask, timeout: float) -> None:
    sent_at = utcnow().replace(microsecond=0)
    with app.app_context():
        jobs.enqueue_after_commit(db.session, WORKER_PING, sent_at.isoformat())
        db.session.commit()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if db.session.scalar(select(ScheduleRun.id).where(ScheduleRun.name == WORKER_PING,
                                                              ScheduleRun.due_at == sent_at)):
                return
            db.session.rollback()  # a fresh snapshot for the next look
            time.sleep(0.5)
    raise Problem(f"no worker answered within {timeout:g} s: start one "
                  "(`celery -A workers.celery_app worker`), or see whether all are busy")


def check_catalogs(_app: Flask) -> None:
    compiled = CATALOG / "messages.mo"
    if not compiled.is_file():
        raise Problem("no compiled translations: run `python scripts/i18n.py build`")
    parts = list((CATALOG / "parts").glob("*.po"))
    if any(part.stat().st_mtime > compiled.stat().st_mtime for part in parts):
        raise Problem("translations changed since they were compiled: run "
                      "`python scripts/i18n.py build`")


def check_beat(app: Flask) -> None:
    scheduled = [name for name in app.config["SCAN_SCHEDULE"]]
    with app.app_context():
        last = db.session.scalar(select(func.max(ScheduleRun.started_at))
                                 .where(ScheduleRun.name.in_(scheduled)))
    if last is None or utcnow() - _aware(last) > BEAT_SEEN_WITHIN:
        raise Problem("no scheduled job ran in the last hour: start exactly one beat "
                      "(`celery -A workers.celery_app beat`) and a worker")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def run_checks(app: Flask | None = None, worker_timeout: float = 15.0) -> list[Result]:
    """Every check in order; a part after an unreachable database is reported as not checked."""
    app = app or current_app._get_current_object()
    checks = [("configuration", check_configuration), ("database", check_database),
              ("migrations", check_migrations), ("broker", check_broker),
              ("worker", lambda a: check_worker(a, worker_timeout)),
              ("catalogs", check_catalogs), ("beat", check_beat)]
    needs_database = {"migrations", "worker", "beat"}
    results: list[Result] = []
    for name, check in checks:
        broken = {result.name for result in results if not result.ok}
        if name in needs_database and broken & {"database", "migrations"} - {name}:
            results.append(Result(name, "not checked: the database is not ready"))
            continue
        if name == "worker" and "broker" in broken:
            results.append(Result(name, "not checked: the broker is unreachable"))
            continue
        try:
            check(app)
            results.append(Result(name, None))
        except Problem as problem:
            results.append(Result(name, str(problem)))
        except Exception as error:  # any failure of the part is reported, never raised
            results.append(Result(name, f"{type(error).__name__}: {error}"))
    return results

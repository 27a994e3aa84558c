"""Database setup: the SQLAlchemy extension, migrations and SQLite's concurrency settings."""
from __future__ import annotations

import logging
import time

from flask import Flask, has_request_context, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from config import BASE_DIR
from registry.extensions import db, migrate
from registry.security import is_api_request, problem_response, wants_json

log = logging.getLogger(__name__)


# Requests that change something: their transaction takes SQLite's write lock when it begins.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A request that still meets a locked database is run again this many times in all, after a
# short pause; then it is answered 503 with Retry-After, never 500.
LOCKED_ATTEMPTS = 3
LOCKED_PAUSE_SECONDS = 0.2
RETRY_AFTER_SECONDS = 5


def init_app(app: Flask) -> None:
    import registry.models  # noqa: F401  (the whole metadata, for Alembic)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"),
                     render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _take_over_sqlite_transactions(db.engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
            _retry_locked_requests(app)


def _take_over_sqlite_transactions(engine: Engine, busy_timeout_ms: int) -> None:
    """Let SQLAlchemy, not Python's sqlite3 module, issue BEGIN, so SAVEPOINTs work
    (the documented pysqlite recipe; Python 3.11's driver otherwise defers and drops them).

    A request that changes something begins IMMEDIATE: it waits its turn for the write lock
    (the busy timeout) before reading, instead of reading under a snapshot that a concurrent
    commit makes stale, which SQLite refuses at once with "database is locked" when the
    transaction then writes."""
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def _writing_request() -> bool:
    return has_request_context() and request.method in WRITE_METHODS


def is_locked(error: OperationalError) -> bool:
    """Whether SQLite refused for a lock (busy, locked), which a later attempt may pass."""
    message = str(getattr(error, "orig", error)).lower()
    return "database is locked" in message or "database is busy" in message


def _retry_locked_requests(app: Flask) -> None:
    """A request whose transaction still meets a lock (a read that became a write in a GET, a
    worker holding the lock past the busy timeout) is rolled back and run again; if the lock
    outlasts every attempt the reader gets a 503 page asking to retry, never a 500."""
    dispatch = app.dispatch_request

    def dispatch_retrying_locks():
        attempt = 1
        while True:
            try:
                return dispatch()
            except OperationalError as error:
                if not is_locked(error) or attempt >= LOCKED_ATTEMPTS:
                    raise
                db.session.rollback()
                time.sleep(LOCKED_PAUSE_SECONDS * attempt)
                attempt += 1

    app.dispatch_request = dispatch_retrying_locks
    app.register_error_handler(OperationalError, _busy_or_raise)


def _busy_or_raise(error: OperationalError):
    if not is_locked(error):
        raise error
    db.session.rollback()
    log.warning("database still locked after %s attempts: %s %s", LOCKED_ATTEMPTS,
                request.method, request.path)
    title = _l("The registry is busy. Nothing was saved: please try again in a moment.")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_request():
        return problem_response(503, title, headers=headers)
    if wants_json():
        return jsonify(error=str(title), status=503), 503, headers
    return render_template("errors/error.html", code=503, title=title), 503, headers


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    """Web, worker and beat share one SQLite file: WAL, a busy timeout (the app's own
    SQLITE_BUSY_TIMEOUT_MS replaces it on the app's engine) and foreign keys on."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

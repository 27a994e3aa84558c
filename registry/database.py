"""Database setup: the SQLAlchemy extension, migrations and SQLite's concurrency settings."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import BASE_DIR
from registry.extensions import db, migrate


def init_app(app: Flask) -> None:
    import registry.models  # noqa: F401  (the whole metadata, for Alembic)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"),
                     render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _take_over_sqlite_transactions(db.engine)


def _take_over_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not Python's sqlite3 module, issue BEGIN, so SAVEPOINTs work
    (the documented pysqlite recipe; Python 3.11's driver otherwise defers and drops them)."""
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    """Web, worker and beat share one SQLite file: WAL, a busy timeout and foreign keys on."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

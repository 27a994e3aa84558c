"""Shared fixtures.

The suite runs on SQLite; with TEST_DATABASE_URL set (make test does it from DATABASE_URL)
the database tests run again on PostgreSQL. The schema is built once per session by the
migrations, and each test runs inside a transaction rolled back at its end (savepoints let
the code under test commit). Tests that need a real service ask `require_service`, which
skips with a reason when its URL is missing, and fails instead when CI is set.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

REPO = Path(__file__).resolve().parents[1]
# The suite reads only the repository: the rule vectors are copied here from the specification
# (`../shared/domain/vectors/`), which one test compares them with when it is present.
VECTORS = REPO / "tests" / "data" / "vectors"
SHARED_VECTORS = REPO.parent / "shared" / "domain" / "vectors"

DB_FIXTURES = {"db_session", "app", "client"}

# What the app writes under its var/ folder (a development app's secret key, the embedded broker's
# file) goes to a folder of this run, removed at its end, never the checkout's var/. Set here, before
# anything imports config, which reads YANZHEN_VAR_DIR once.
_RUN_VAR = tempfile.TemporaryDirectory(prefix="yanzhen-test-var-")
os.environ.setdefault("YANZHEN_VAR_DIR", _RUN_VAR.name)


def pytest_collection_modifyitems(config, items):
    """Every test that touches the database is marked `db`, so the PostgreSQL pass finds it."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def require_service(env_name: str, what: str) -> str:
    """The URL of a real service for this test; skip (fail under CI) when it is not set."""
    url = os.environ.get(env_name)
    if not url:
        message = f"needs {what}: set {env_name}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must not skip it)")
        pytest.skip(message)
    return url


@contextmanager
def scratch_postgres(server_url: str, prefix: str, template: str = "template0"):
    """A PostgreSQL database of the test's own on the server of `server_url` (UTF-8, from
    `template`); yields its URL and drops it afterwards, connections and all."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from config import normalise_database_url
    server = make_url(normalise_database_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\''))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


@pytest.fixture(scope="session")
def _session_tmp():
    with tempfile.TemporaryDirectory(prefix="yanzhen-test-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def app(_session_tmp):
    from registry import create_app
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_normalised(
        test_database_url(_session_tmp)))
    with app.app_context():
        _reset_schema(app)
        upgrade(directory=str(REPO / "migrations"))
    return app


def _normalised(url: str) -> str:
    from config import normalise_database_url
    return normalise_database_url(url)


def _reset_schema(app) -> None:
    """Start the PostgreSQL test database from nothing (a SQLite file is new anyway)."""
    from sqlalchemy import text

    from registry.extensions import db
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


@pytest.fixture
def db_session(app):
    """A session whose work is rolled back after the test, commits included.

    The test itself runs outside any app context, so each request of the test client gets
    its own app context (and `g`, Flask-Login and Babel state) as in production; all
    sessions share one connection whose outer transaction is rolled back at the end.
    """
    from flask import has_app_context
    from flask.globals import app_ctx

    from registry.extensions import db
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    session = scoped_session(
        factory, scopefunc=lambda: id(app_ctx._get_current_object()) if has_app_context()
        else "test")
    original, db.session = db.session, session
    try:
        yield session
    finally:
        session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False

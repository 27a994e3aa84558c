"""Backups as docs/operations.md describes them: `pg_dump --format=custom` of a registry and
`pg_restore` into an empty database give the same rows in every table, the migration revision
included, and the restored database is at the code's migration head (`flask db check`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.conftest import REPO, require_service, scratch_postgres

pytestmark = pytest.mark.postgres_only


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return {table: connection.scalar(text(f'SELECT count(*) FROM "{table}"'))
                    for table in tables}
    finally:
        engine.dispose()


def _populate(url: str, tmp_path) -> None:
    env = dict(os.environ, DATABASE_URL=url, YANZHEN_VAR_DIR=str(tmp_path),
               YANZHEN_CONFIG="development")
    subprocess.run([sys.executable, "-m", "flask", "--app", "registry", "db", "upgrade"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "registry", "demo", "load",
                    "--firms", "120", "--seed", "3"],
                   cwd=REPO, env=env, check=True, capture_output=True)


def test_pg_dump_and_restore_keep_every_row(tmp_path):
    server = require_service("DATABASE_URL", "PostgreSQL")
    for tool in ("pg_dump", "pg_restore"):
        assert shutil.which(tool), f"{tool} is not installed"
    dump = tmp_path / "yanzhen.dump"
    with scratch_postgres(server, "yz_backup") as source:
        _populate(source, tmp_path)
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}",
                        _libpq(source)], check=True, capture_output=True)
        before = _row_counts(source)
    assert before["firms"] == 120 and before["users"] > 0 and before["filings"] > 0
    assert before["alembic_version"] == 1
    with scratch_postgres(server, "yz_restore") as target:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target)}",
                        str(dump)], check=True, capture_output=True)
        assert _row_counts(target) == before
        env = dict(os.environ, DATABASE_URL=target, YANZHEN_VAR_DIR=str(tmp_path),
                   YANZHEN_CONFIG="development")
        current = subprocess.run([sys.executable, "-m", "flask", "--app", "registry", "db",
                                  "check"], cwd=REPO, env=env, capture_output=True, text=True)
        assert current.returncode == 0, current.stdout + current.stderr

"""`flask db upgrade` builds the schema from nothing and `flask db check` sees no drift."""
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, require_service, scratch_postgres


def _flask(*args, database_url: str, tmp_path):
    env = dict(os.environ, DATABASE_URL=database_url, YANZHEN_VAR_DIR=str(tmp_path),
               YANZHEN_CONFIG="development")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "registry", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _upgrade_and_check(database_url, tmp_path):
    upgraded = _flask("db", "upgrade", database_url=database_url, tmp_path=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    checked = _flask("db", "check", database_url=database_url, tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr


def test_migrations_build_sqlite_from_nothing_without_drift(tmp_path):
    _upgrade_and_check(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)


@pytest.mark.postgres_only
def test_migrations_build_postgresql_from_nothing_without_drift(tmp_path):
    server = require_service("DATABASE_URL", "PostgreSQL")
    with scratch_postgres(server, "yanzhen_migr") as url:
        _upgrade_and_check(url, tmp_path)

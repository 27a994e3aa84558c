"""Demo tests load into databases of their own (the load commits), migrated from nothing."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from tests.conftest import REPO

AS_OF = dt.date(2026, 6, 30)
DIGESTED_TABLES = ("districts", "firms", "filings", "certificates")


def migrated_app(url: str):
    """An app on the database at `url`, its schema built by the migrations."""
    from registry import create_app
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
    return app


def demo(app, *args: str):
    """Run `flask demo ...` against `app`; returns click's Result."""
    return app.test_cli_runner().invoke(args=["demo", *args])


def load_args(firms: int = 300, seed: int = 7, as_of: dt.date = AS_OF) -> list[str]:
    return ["load", "--firms", str(firms), "--seed", str(seed), "--as-of", as_of.isoformat()]


def registry_digest(app) -> str:
    """A hash of every row of the demo's tables (as the models read them) and of the accounts
    (without their salted password hash and creation time)."""
    from registry.extensions import db
    from registry.models import Base, User
    digest = hashlib.sha256()
    with app.app_context():
        for name in DIGESTED_TABLES:
            table = Base.metadata.tables[name]
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(map(_in_utc, row))).encode())
        for user in db.session.scalars(select(User).order_by(User.id)):
            digest.update(repr((user.email, user.role, user.name, user.firm_id,
                                user.is_firm_admin, sorted(user.district_codes))).encode())
    return digest.hexdigest()


def _in_utc(value):
    """Timestamps compare as instants: PostgreSQL returns them in the session's time zone."""
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value


@pytest.fixture
def sqlite_app(tmp_path):
    """A factory of apps, each on a new migrated SQLite file."""
    def make(name: str = "demo"):
        return migrated_app(f"sqlite:///{tmp_path / name}.db")
    return make


@pytest.fixture(scope="module")
def loaded_app(tmp_path_factory):
    """One demo registry (300 firms) shared by the read-only tests of a module."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'loaded.db'}")
    result = demo(app, *load_args())
    assert result.exit_code == 0, result.output
    return app

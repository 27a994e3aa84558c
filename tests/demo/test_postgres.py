"""The COPY path on a PostgreSQL database of its own: rows, determinism, and a schema that ends
exactly as the migrations built it."""
from __future__ import annotations

import pytest
from flask_migrate import check
from sqlalchemy import func, select, text

from registry.extensions import db
from registry.models import Certificate, Filing, Firm
from tests.conftest import require_service, scratch_postgres
from tests.demo.conftest import AS_OF, demo, load_args, migrated_app, registry_digest

pytestmark = pytest.mark.postgres_only
FIRMS = 2000

SCHEMA = text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace "
    "UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")


@pytest.fixture
def postgres_url():
    with scratch_postgres(require_service("DATABASE_URL", "PostgreSQL"), "yz_demo_test") as url:
        yield url


def _schema(app) -> set:
    with app.app_context():
        return set(db.session.execute(SCHEMA).all())


def test_copy_load_is_deterministic_and_leaves_the_schema_as_migrated(postgres_url, sqlite_app):
    app = migrated_app(postgres_url)
    migrated = _schema(app)
    result = demo(app, *load_args(firms=FIRMS))
    assert result.exit_code == 0, result.output
    assert "into postgresql" in result.output
    assert _schema(app) == migrated
    with app.app_context():
        check()                                    # `flask db check`: exits non-zero on drift
        counts = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (Firm, Filing, Certificate)]
        assert counts[0] == FIRMS and counts[1] > 3 * FIRMS and counts[2] > FIRMS // 10
        # The sequences continue after the explicit ids.
        firm = Firm(name="新企业", district="haishu", founded=AS_OF,
                    credit_code=None, external_ref="after-demo")
        db.session.add(firm)
        db.session.flush()
        assert firm.id == FIRMS + 1
        db.session.rollback()
        db.engine.dispose()
    digest = registry_digest(app)

    again = demo(app, *load_args(firms=FIRMS), "--reset")
    assert again.exit_code == 0, again.output
    assert registry_digest(app) == digest
    assert _schema(app) == migrated

    # The same seed gives the same rows on SQLite as through COPY.
    lite = sqlite_app()
    assert demo(lite, *load_args(firms=FIRMS)).exit_code == 0
    assert registry_digest(lite) == digest
    with app.app_context():
        db.engine.dispose()

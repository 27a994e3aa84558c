"""What-if tests run on a demo registry of their own (SQLite file, migrated, loaded by `demo load`)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.conftest import require_service, scratch_postgres
from tests.demo.conftest import AS_OF, demo, load_args, migrated_app

__all__ = ["AS_OF"]


def demo_registry(url: str):
    """An app on a demo registry of 300 firms at `url`, scanned once so that live verdicts,
    candidates, flags and opportunities exist; three chunks per run."""
    app = migrated_app(url)
    app.config["SCAN_CHUNK_SIZE"] = 120
    result = demo(app, *load_args())
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=["scan", "run", "--inline", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    return app


@contextmanager
def demo_registry_on_postgres(database: str):
    """`demo_registry` in a scratch PostgreSQL database of its own (CI's server)."""
    with scratch_postgres(require_service("DATABASE_URL", "PostgreSQL"), database) as url:
        app = demo_registry(url)
        yield app
        from registry.extensions import db
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return demo_registry(f"sqlite:///{tmp_path_factory.mktemp('whatif') / 'demo.db'}")


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))

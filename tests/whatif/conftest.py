"""What-if tests run on a demo registry of their own (SQLite file, migrated, loaded by `demo load`)."""
from __future__ import annotations

import pytest

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


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return demo_registry(f"sqlite:///{tmp_path_factory.mktemp('whatif') / 'demo.db'}")


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))

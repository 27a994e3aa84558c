"""Monitoring on PostgreSQL with committed rows: the snapshot's fresh evaluation read on several
connections at once (services/readers.py) gives the figures of one read after another."""
from __future__ import annotations

import threading

import pytest

from tests.whatif.conftest import AS_OF, demo_registry_on_postgres

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def pg_app():
    with demo_registry_on_postgres("yz_readers_test") as app:
        yield app


def _figures(app, readers: int) -> dict:
    from registry.extensions import db
    from registry.services import indicators
    app.config["PARALLEL_READERS"] = readers
    with app.app_context():
        try:
            return {scope: figures.indicators()
                    for scope, figures in indicators.compute(db.session, AS_OF).items()}
        finally:
            db.session.rollback()


def test_the_tax_relief_read_on_several_connections_equals_one_read_after_another(pg_app, monkeypatch):
    from registry.services import readers
    threads, original = [], readers._read_on_own_connection

    def spied(*args):
        threads.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(readers, "_read_on_own_connection", spied)
    parallel = _figures(pg_app, readers=2)
    assert len(threads) == 3   # 300 firms in ranges of 120
    assert all(name.startswith("range-reader") for name in threads)
    threads.clear()
    serial = _figures(pg_app, readers=1)
    assert threads == []
    assert parallel == serial
    assert serial["city"]["tax_relief"]["firms"] > 0
    assert sum(scope["tax_relief"]["firms"] for code, scope in serial.items() if code != "city") == \
        serial["city"]["tax_relief"]["firms"]

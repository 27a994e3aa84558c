"""The audit trail is a hash chain: editing, deleting or slipping in an event shows, and
`flask --app registry audit verify` says where (issue 16, item 12)."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.orm import Session

from registry.models import AuditChain, AuditEvent
from registry.services import audit, audit_chain
from tests.conftest import REPO, require_service, scratch_postgres
from tests.factories import UserFactory


def _events(db_session, count=5):
    actor = UserFactory(admin=True)
    for number in range(count):
        audit.record(db_session, actor, "setting_changed", actor, key=f"k{number}",
                     note="改 “引号” <b>", remote_addr="10.0.0.1")
        db_session.commit()
    return list(db_session.scalars(select(AuditEvent).order_by(AuditEvent.chain_seq)))


def test_each_event_keeps_the_hash_of_the_one_before(db_session):
    events = _events(db_session)
    assert [event.chain_seq for event in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert len({event.hash for event in events}) == 5
    head = db_session.get(AuditChain, 1)
    assert (head.seq, head.last_hash) == (5, events[-1].hash)
    assert audit_chain.verify(db_session).intact


def test_editing_an_event_is_detected(db_session):
    events = _events(db_session)
    db_session.execute(update(AuditEvent).where(AuditEvent.id == events[2].id)
                       .values(details={"key": "k2", "note": "forged"}))
    report = audit_chain.verify(db_session)
    assert not report.intact
    assert report.breaks == [(f"event id {events[2].id} (position 3): its content does not "
                              "match its hash (edited)")]


def test_rehashing_an_edited_event_breaks_the_link_after_it(db_session):
    events = _events(db_session)
    db_session.execute(update(AuditEvent).where(AuditEvent.id == events[1].id)
                       .values(actor_id=None, hash="f" * 64))
    breaks = audit_chain.verify(db_session).breaks
    assert any(f"event id {events[1].id} (position 2): its content" in line for line in breaks)
    assert any(f"event id {events[2].id} (position 3): does not link" in line for line in breaks)


def test_deleting_an_event_is_detected(db_session):
    events = _events(db_session)
    db_session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    breaks = audit_chain.verify(db_session).breaks
    assert breaks == [(f"event id {events[2].id} (position 3): positions 2..2 are missing "
                       f"after event id {events[0].id} (events deleted)")]


def test_deleting_the_newest_event_is_detected(db_session):
    events = _events(db_session)
    db_session.execute(delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    assert audit_chain.verify(db_session).breaks == [
        "the chain ends at position 4 but its head says 5: the newest events were deleted"]


def test_events_inserted_in_bulk_are_chained_and_removing_a_user_keeps_the_chain(db_session):
    _events(db_session, 2)
    audit.record_rows(db_session, [{"action": "certificate_expire", "object_type": "certificate",
                                    "object_id": n, "details": {"tier": "hnte"}} for n in (1, 2)])
    db_session.commit()
    user = UserFactory(officer=True)
    audit.record(db_session, user, "login", user)
    db_session.commit()
    db_session.delete(user)
    db_session.commit()
    assert db_session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "login")) \
        == user.id
    report = audit_chain.verify(db_session)
    assert report.intact and report.events == 5


def test_a_rolled_back_transaction_leaves_no_gap(db_session):
    events = _events(db_session, 2)
    audit.record(db_session, None, "setting_changed", None, key="never")
    db_session.rollback()
    audit.record(db_session, None, "setting_changed", None, key="kept")
    db_session.commit()
    last = db_session.scalar(select(AuditEvent).order_by(AuditEvent.chain_seq.desc()).limit(1))
    assert last.chain_seq == 3 and last.prev_hash == events[-1].hash
    assert audit_chain.verify(db_session).intact


def _flask(*args, database_url, tmp_path):
    env = dict(os.environ, DATABASE_URL=database_url, YANZHEN_VAR_DIR=str(tmp_path),
               YANZHEN_CONFIG="development")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "registry", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_migration_chains_existing_events_and_verify_exits_non_zero_on_a_break(tmp_path):
    url = f"sqlite:///{tmp_path / 'chain.db'}"
    assert _flask("db", "upgrade", "5b7d2e9c1a40", database_url=url,
                  tmp_path=tmp_path).returncode == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        for number in range(3):
            connection.execute(text(
                "INSERT INTO audit_events (at, action, object_type, details) VALUES "
                "(:at, 'login', 'none', :details)"),
                {"at": f"2026-01-0{number + 1} 08:00:00.000000+00:00",
                 "details": f'{{"n": {number}}}'})
    assert _flask("db", "upgrade", database_url=url, tmp_path=tmp_path).returncode == 0
    intact = _flask("audit", "verify", database_url=url, tmp_path=tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 3 events" in intact.stdout
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET action = 'logout' WHERE id = 2"))
    broken = _flask("audit", "verify", database_url=url, tmp_path=tmp_path)
    assert broken.returncode == 1
    assert "event id 2 (position 2): its content does not match its hash" in broken.stderr
    engine.dispose()


@pytest.mark.postgres_only
def test_concurrent_writers_on_postgresql_keep_one_unbroken_chain(tmp_path):
    """Eight threads, each its own connection, commit events at once: every position is
    taken once and the chain verifies."""
    from registry import create_app
    from registry.extensions import db
    server = require_service("DATABASE_URL", "PostgreSQL")
    with scratch_postgres(server, "yanzhen_chain") as url:
        assert _flask("db", "upgrade", database_url=url, tmp_path=tmp_path).returncode == 0
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.replace(
            "postgresql://", "postgresql+psycopg://"))
        with app.app_context():
            engine = db.engine
        start = threading.Barrier(8)
        failures = []

        def writer(number):
            try:
                start.wait()
                for round_ in range(10):
                    with Session(engine) as session:
                        audit.record(session, None, "setting_changed", None,
                                     key=f"w{number}-{round_}")
                        audit.record(session, None, "setting_changed", None, key="second")
                        session.commit()
            except Exception as error:
                failures.append(error)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        with Session(engine) as session:
            seqs = session.scalars(select(AuditEvent.chain_seq).order_by(AuditEvent.chain_seq))
            assert list(seqs) == list(range(1, 161))
            report = audit_chain.verify(session)
        assert report.intact and report.events == 160
        engine.dispose()

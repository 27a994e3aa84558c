"""Work split in chunks of firm ids, with the database as the record of work (scans, what-if runs).

A job is a parent row (the columns of models.scan.ChunkedWork) and one chunk row per firm-id
range (those of models.scan.Chunk). A
chunk is worked and marked done in one transaction; its attempts are counted in a transaction of
their own, so a poison chunk is failed after SCAN_MAX_ATTEMPTS. A message the broker lost leaves
its chunk queued or running in the database, and `reconcile` sends it again. A parent whose
status leaves the active ones (a cancelled what-if run) is never touched again, and its queued
chunks are skipped.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from registry import jobs
from registry.extensions import db
from registry.models.base import utcnow

log = logging.getLogger(__name__)

DEFAULTS = {
    "SCAN_CHUNK_SIZE": 25_000,      # firms per chunk (one task, one transaction)
    "SCAN_MAX_ATTEMPTS": 5,         # a chunk failing this often is marked failed
    "SCAN_REQUEUE_AFTER": None,     # seconds before the reconciler re-sends a chunk not done
    "SCAN_CHUNK_PAUSE": 0,          # seconds a chunk holds its transaction (fault tests only)
}
LAST_FIRM_ID = 2**31 - 1
ACTIVE = ("queued", "running")


def setting(name: str):
    value = current_app.config.get(name, DEFAULTS[name])
    if name == "SCAN_REQUEUE_AFTER" and value is None:
        return current_app.config.get("CELERY_TASK_TIME_LIMIT", 900) + 60
    return value


@dataclass(frozen=True)
class ChunkedJob:
    """One kind of chunked work.

    `work(session, parent, first, last)` does a chunk's work (flushes, never commits) and returns
    (firms, increments of the parent's counters)."""
    parent: type
    chunk: type
    parent_key: str          # the chunk's column naming its parent: scan_id, run_id
    job: str                 # the task name that runs one chunk
    work: Callable[[Session, object, int, int], tuple[int, dict[str, int]]]

    @property
    def chunk_parent(self):
        return getattr(self.chunk, self.parent_key)


def chunk_ranges(session: Session, size: int, where: str = "", params: dict | None = None
                 ) -> list[tuple[int, int, int]]:
    """Consecutive firm-id ranges of about `size` firms (those matching `where`, SQL on firms)
    covering every id (new firms included)."""
    condition = f"WHERE {where}" if where else ""
    buckets = session.execute(text(
        "SELECT MIN(id), COUNT(*) FROM (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / :size AS bucket "
        f"FROM firms {condition}) AS numbered GROUP BY bucket ORDER BY 1"),
        {"size": int(size), **(params or {})}).all()
    starts = [0] + [first for first, _count in buckets[1:]]
    ends = [start - 1 for start in starts[1:]] + [LAST_FIRM_ID]
    return [(start, end, count) for start, end, (_first, count) in zip(starts, ends, buckets)]


def add_chunks(session: Session, kind: ChunkedJob, parent, ranges: list[tuple[int, int, int]],
               dispatch: bool) -> None:
    """Insert the parent's chunks (queued), set its totals, and send them after commit."""
    now = utcnow()
    if ranges:  # an empty registry has no chunk (an empty executemany would insert one blank row)
        session.execute(kind.chunk.__table__.insert(), [
            {kind.parent_key: parent.id, "index": index, "first_firm_id": first, "last_firm_id": last,
             "firms": firms, "status": "queued", "attempts": 0, "dispatched_at": now if dispatch else None}
            for index, (first, last, firms) in enumerate(ranges)])
    parent.firms_total = sum(firms for _first, _last, firms in ranges)
    parent.chunks_total = len(ranges)
    if not ranges:
        parent.status, parent.started_at, parent.finished_at = "done", now, now
    session.flush()
    if dispatch:
        for chunk_id in session.scalars(select(kind.chunk.id).where(kind.chunk_parent == parent.id)):
            jobs.enqueue_after_commit(session, kind.job, chunk_id)


def run_chunk(kind: ChunkedJob, chunk_id: int) -> None:
    """Work one chunk and mark it done, in one transaction.

    Safe to deliver twice: a chunk already done is skipped, and a second delivery while the first
    runs waits on the chunk's row lock and then finds it done. An error is recorded and raised
    (the task retries it); after SCAN_MAX_ATTEMPTS attempts the chunk is marked failed."""
    session = db.session
    claim = _claim(session, kind, chunk_id)
    if claim is None:
        return
    parent_id, first, last, attempts = claim
    if attempts > setting("SCAN_MAX_ATTEMPTS"):
        _fail_chunk(session, kind, chunk_id, parent_id, "too many attempts")
        return
    started = time.monotonic()
    Chunk = kind.chunk
    try:
        locked = session.execute(update(Chunk).where(Chunk.id == chunk_id, Chunk.status == "running")
                                 .values(status="running"))
        if locked.rowcount == 0:
            session.rollback()
            return
        parent = session.get(kind.parent, parent_id)
        if parent.status not in ACTIVE:   # cancelled meanwhile
            session.rollback()
            return
        firms, increments = kind.work(session, parent, first, last)
        if setting("SCAN_CHUNK_PAUSE"):
            time.sleep(setting("SCAN_CHUNK_PAUSE"))
        _complete(session, kind, chunk_id, parent_id, firms, increments, time.monotonic() - started)
        session.commit()
    except Exception as error:
        session.rollback()
        log.warning("%s %s chunk %s attempt %s failed: %r", kind.parent.__tablename__, parent_id, chunk_id,
                    attempts, error)
        if attempts >= setting("SCAN_MAX_ATTEMPTS"):
            _fail_chunk(session, kind, chunk_id, parent_id, repr(error))
            return
        session.execute(update(Chunk).where(Chunk.id == chunk_id).values(error=repr(error)[:2000]))
        session.commit()
        raise


def _claim(session: Session, kind: ChunkedJob, chunk_id: int) -> tuple[int, int, int, int] | None:
    """Count an attempt (committed, so it survives a crash) and mark the chunk and its parent running."""
    Chunk, Parent = kind.chunk, kind.parent
    now = utcnow()
    claimed = session.execute(
        update(Chunk).where(Chunk.id == chunk_id, Chunk.status.in_(ACTIVE))
        .values(status="running", attempts=Chunk.attempts + 1, started_at=now))
    if claimed.rowcount == 0:
        session.rollback()
        return None
    parent_id, first, last, attempts = session.execute(
        select(kind.chunk_parent, Chunk.first_firm_id, Chunk.last_firm_id, Chunk.attempts)
        .where(Chunk.id == chunk_id)).one()
    session.execute(update(Parent).where(Parent.id == parent_id, Parent.status == "queued")
                    .values(status="running", started_at=now))
    session.commit()
    return parent_id, first, last, attempts


def _complete(session: Session, kind: ChunkedJob, chunk_id: int, parent_id: int, firms: int,
              increments: dict[str, int], seconds: float) -> None:
    Chunk, Parent = kind.chunk, kind.parent
    session.execute(update(Chunk).where(Chunk.id == chunk_id).values(
        status="done", finished_at=utcnow(), seconds=seconds, firms=firms, error=None))
    session.execute(update(Parent).where(Parent.id == parent_id).values(
        firms_done=Parent.firms_done + firms, chunks_done=Parent.chunks_done + 1,
        **{name: getattr(Parent, name) + value for name, value in increments.items()}))
    _finish_if_complete(session, kind, parent_id)


def _fail_chunk(session: Session, kind: ChunkedJob, chunk_id: int, parent_id: int, error: str) -> None:
    session.execute(update(kind.chunk).where(kind.chunk.id == chunk_id).values(
        status="failed", finished_at=utcnow(), error=error[:2000]))
    session.execute(update(kind.parent).where(kind.parent.id == parent_id)
                    .values(error=f"chunk {chunk_id} failed: {error}"[:2000]))
    _finish_if_complete(session, kind, parent_id)
    session.commit()


def _finish_if_complete(session: Session, kind: ChunkedJob, parent_id: int) -> None:
    """Close the parent once no chunk is queued or running: done, or failed if a chunk failed."""
    counts = dict(session.execute(select(kind.chunk.status, func.count()).where(kind.chunk_parent == parent_id)
                                  .group_by(kind.chunk.status)).all())
    if counts.get("queued") or counts.get("running"):
        return
    session.execute(update(kind.parent).where(kind.parent.id == parent_id, kind.parent.status.in_(ACTIVE))
                    .values(status="failed" if counts.get("failed") else "done", finished_at=utcnow()))


def run_inline(session: Session, kind: ChunkedJob, parent_id: int):
    """Run a parent's unfinished chunks in this process (the code the workers run), retrying errors."""
    chunk_ids = session.scalars(select(kind.chunk.id).where(kind.chunk_parent == parent_id,
                                                            kind.chunk.status.in_(ACTIVE))
                                .order_by(kind.chunk.index)).all()
    session.commit()
    for chunk_id in chunk_ids:
        for _attempt in range(setting("SCAN_MAX_ATTEMPTS") + 1):
            try:
                run_chunk(kind, chunk_id)
                break
            except Exception:  # recorded on the chunk; try again like a worker would
                continue
    session.expire_all()
    return session.get(kind.parent, parent_id)


def reconcile(kind: ChunkedJob) -> int:
    """Re-send chunks of active parents that were not started, or not finished, in time; fail chunks
    out of attempts; close parents with nothing left. Returns the number of chunks re-sent."""
    session = db.session
    Chunk = kind.chunk
    now = utcnow()
    stale_before = now - dt.timedelta(seconds=setting("SCAN_REQUEUE_AFTER"))
    active = session.scalars(select(kind.parent.id).where(kind.parent.status.in_(ACTIVE))).all()
    resent = 0
    for parent_id in active:
        chunks = session.execute(select(Chunk.id, Chunk.status, Chunk.attempts, Chunk.dispatched_at,
                                        Chunk.started_at)
                                 .where(kind.chunk_parent == parent_id, Chunk.status.in_(ACTIVE))).all()
        for chunk_id, _status, attempts, dispatched_at, started_at in chunks:
            last_seen = max(filter(None, (dispatched_at, started_at)), default=None)
            if last_seen is not None and last_seen > stale_before:
                continue
            if attempts >= setting("SCAN_MAX_ATTEMPTS"):
                _fail_chunk(session, kind, chunk_id, parent_id, "out of attempts (reconciler)")
                continue
            session.execute(update(Chunk).where(Chunk.id == chunk_id).values(dispatched_at=now))
            jobs.enqueue_after_commit(session, kind.job, chunk_id)
            resent += 1
        _finish_if_complete(session, kind, parent_id)
    session.commit()
    if resent:
        log.info("reconciler re-sent %d %s chunk(s)", resent, kind.parent.__tablename__)
    return resent

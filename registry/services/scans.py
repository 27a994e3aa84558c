"""Scans: start a full scan, run its chunks (on workers or inline, the same code), reconcile, and
guard scheduled jobs so that two beat processes run each one once per due time.

The database is the record of work. A full scan is a `scans` row and one `scan_chunks` row per
firm-id range; a chunk is evaluated and marked done in one transaction, its attempts counted in
a transaction of their own so a poison chunk is failed after SCAN_MAX_ATTEMPTS. A message the
broker lost (a dead worker on the embedded broker, a Redis restart) leaves its chunk queued or
running in the database, and `reconcile` sends it again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import jobs
from registry.extensions import db
from registry.models import Scan, ScanChunk, ScheduleRun
from registry.models.base import utcnow
from registry.models.scan import ACTIVE_SCAN_STATUSES
from registry.rules import load_parameters, today_in_shanghai
from registry.rules.params import ParameterSet
from registry.scan.apply import Changes, Evaluation, describe_parameters, evaluate_range
from registry.services import audit, settings

log = logging.getLogger(__name__)

DEFAULTS = {
    "SCAN_CHUNK_SIZE": 25_000,      # firms per chunk (one task, one transaction)
    "SCAN_MAX_ATTEMPTS": 5,         # a chunk failing this often is marked failed
    "SCAN_REQUEUE_AFTER": None,     # seconds before the reconciler re-sends a chunk not done
    "SCAN_CHUNK_PAUSE": 0,          # seconds a chunk holds its transaction (fault tests only)
}
LAST_FIRM_ID = 2**31 - 1


def setting(name: str):
    value = current_app.config.get(name, DEFAULTS[name])
    if name == "SCAN_REQUEUE_AFTER" and value is None:
        return current_app.config.get("CELERY_TASK_TIME_LIMIT", 900) + 60
    return value


# ---- parameters -------------------------------------------------------------------------------

def parameters_for(as_of: dt.date, overrides: dict | None = None,
                   profiles: dict | None = None) -> tuple[ParameterSet, int]:
    """The parameter set of a scan and a 64-bit key naming it (stored with each verdict); the key
    names the tax year too (a scan row records the policy year, the tax year follows its as_of)."""
    params = load_parameters(as_of, profiles or current_app.config.get("RULE_PROFILES"), overrides or {})
    canonical = json.dumps({**describe_parameters(params), "tax_year": params.tax_year}, sort_keys=True)
    return params, int.from_bytes(hashlib.sha1(canonical.encode()).digest()[:8], "big", signed=True)


def current_parameters(session: Session, as_of: dt.date,
                       overrides: dict | None = None) -> tuple[ParameterSet, int]:
    """The parameter set with the rule profiles in force on `as_of` (the bureau's settings)."""
    profiles = settings.rule_profiles(session, as_of, current_app.config.get("RULE_PROFILES"))
    return parameters_for(as_of, overrides, profiles)


def scan_parameters(scan: Scan) -> tuple[ParameterSet, int]:
    """The parameter set a stored scan runs with, and its key."""
    return parameters_for(scan.as_of, scan.overrides, scan.profiles)


def evaluation_of(scan: Scan) -> Evaluation:
    params, key = scan_parameters(scan)
    return Evaluation(scan.as_of, params, key, scan.id, utcnow())


# ---- starting a scan --------------------------------------------------------------------------

def active_full_scan(session: Session) -> Scan | None:
    return session.scalar(select(Scan).where(Scan.kind == "full",
                                             Scan.status.in_(ACTIVE_SCAN_STATUSES)))


def start_full_scan(session: Session, actor=None, *, as_of: dt.date | None = None,
                    overrides: dict | None = None, schedule: str | None = None,
                    dispatch: bool = True) -> tuple[Scan, bool]:
    """Queue a full scan split into chunks; (scan, created). Only one full scan is queued or
    running at a time: asking for another meanwhile returns it. With `dispatch`, the chunks are
    sent to the workers after commit; otherwise the caller runs them (`run_inline`)."""
    existing = active_full_scan(session)
    if existing is not None:
        return existing, False
    as_of = as_of or today_in_shanghai()
    params, _key = current_parameters(session, as_of, overrides)
    scan = Scan(kind="full", as_of=as_of, **describe_parameters(params), status="queued", schedule=schedule,
                requested_by_id=getattr(actor, "id", None))
    try:
        with session.begin_nested():
            session.add(scan)
    except IntegrityError:  # another process queued one a moment ago
        return active_full_scan(session), False
    ranges = chunk_ranges(session, setting("SCAN_CHUNK_SIZE"))
    now = utcnow()
    if ranges:  # an empty registry has no chunk (an empty executemany would insert one blank row)
        session.execute(ScanChunk.__table__.insert(), [
            {"scan_id": scan.id, "index": index, "first_firm_id": first, "last_firm_id": last, "firms": firms,
             "status": "queued", "attempts": 0, "dispatched_at": now if dispatch else None}
            for index, (first, last, firms) in enumerate(ranges)])
    scan.firms_total = sum(firms for _first, _last, firms in ranges)
    scan.chunks_total = len(ranges)
    if not ranges:
        scan.status, scan.started_at, scan.finished_at = "done", now, now
    audit.record(session, actor, "scan.start", scan, as_of=as_of.isoformat(), chunks=len(ranges),
                 schedule=schedule)
    session.flush()
    if dispatch:
        for chunk_id in session.scalars(select(ScanChunk.id).where(ScanChunk.scan_id == scan.id)):
            jobs.enqueue_after_commit(session, "scan_chunk", chunk_id)
    return scan, True


def chunk_ranges(session: Session, size: int) -> list[tuple[int, int, int]]:
    """Consecutive firm-id ranges of about `size` firms covering every id (new firms included)."""
    buckets = session.execute(text(
        "SELECT MIN(id), COUNT(*) FROM (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / :size AS bucket "
        "FROM firms) AS numbered GROUP BY bucket ORDER BY 1"), {"size": int(size)}).all()
    starts = [0] + [first for first, _count in buckets[1:]]
    ends = [start - 1 for start in starts[1:]] + [LAST_FIRM_ID]
    return [(start, end, count) for start, end, (_first, count) in zip(starts, ends, buckets)]


# ---- running a chunk --------------------------------------------------------------------------

def run_chunk(chunk_id: int) -> None:
    """Evaluate one chunk and mark it done, in one transaction (the job target "scan_chunk").

    Safe to deliver twice: a chunk already done is skipped, and a second delivery while the first
    runs waits on the chunk's row lock and then finds it done. An error is recorded and raised
    (the task retries it); after SCAN_MAX_ATTEMPTS attempts the chunk is marked failed."""
    session = db.session
    claim = _claim(session, chunk_id)
    if claim is None:
        return
    scan_id, first, last, attempts = claim
    if attempts > setting("SCAN_MAX_ATTEMPTS"):
        _fail_chunk(session, chunk_id, scan_id, "too many attempts")
        return
    started = time.monotonic()
    try:
        locked = session.execute(update(ScanChunk).where(ScanChunk.id == chunk_id, ScanChunk.status == "running")
                                 .values(status="running"))
        if locked.rowcount == 0:
            session.rollback()
            return
        scan = session.get(Scan, scan_id)
        changes = evaluate_range(session, first, last, evaluation_of(scan))
        if setting("SCAN_CHUNK_PAUSE"):
            time.sleep(setting("SCAN_CHUNK_PAUSE"))
        _complete(session, chunk_id, scan_id, changes, time.monotonic() - started)
        session.commit()
    except Exception as error:
        session.rollback()
        log.warning("scan %s chunk %s attempt %s failed: %r", scan_id, chunk_id, attempts, error)
        if attempts >= setting("SCAN_MAX_ATTEMPTS"):
            _fail_chunk(session, chunk_id, scan_id, repr(error))
            return
        session.execute(update(ScanChunk).where(ScanChunk.id == chunk_id).values(error=repr(error)[:2000]))
        session.commit()
        raise


def _claim(session: Session, chunk_id: int) -> tuple[int, int, int, int] | None:
    """Count an attempt (committed, so it survives a crash) and mark the chunk and its scan running."""
    now = utcnow()
    claimed = session.execute(
        update(ScanChunk).where(ScanChunk.id == chunk_id, ScanChunk.status.in_(("queued", "running")))
        .values(status="running", attempts=ScanChunk.attempts + 1, started_at=now))
    if claimed.rowcount == 0:
        session.rollback()
        return None
    scan_id, first, last, attempts = session.execute(
        select(ScanChunk.scan_id, ScanChunk.first_firm_id, ScanChunk.last_firm_id, ScanChunk.attempts)
        .where(ScanChunk.id == chunk_id)).one()
    session.execute(update(Scan).where(Scan.id == scan_id, Scan.status == "queued")
                    .values(status="running", started_at=now))
    session.commit()
    return scan_id, first, last, attempts


def _complete(session: Session, chunk_id: int, scan_id: int, changes: Changes, seconds: float) -> None:
    session.execute(update(ScanChunk).where(ScanChunk.id == chunk_id).values(
        status="done", finished_at=utcnow(), seconds=seconds, firms=changes.firms, error=None))
    session.execute(update(Scan).where(Scan.id == scan_id).values(
        firms_done=Scan.firms_done + changes.firms, chunks_done=Scan.chunks_done + 1,
        opened=Scan.opened + changes.opened, closed=Scan.closed + changes.closed,
        flags=Scan.flags + changes.flags, verdicts_written=Scan.verdicts_written + changes.verdicts))
    _finish_if_complete(session, scan_id)


def _fail_chunk(session: Session, chunk_id: int, scan_id: int, error: str) -> None:
    session.execute(update(ScanChunk).where(ScanChunk.id == chunk_id).values(
        status="failed", finished_at=utcnow(), error=error[:2000]))
    session.execute(update(Scan).where(Scan.id == scan_id).values(error=f"chunk {chunk_id} failed: {error}"[:2000]))
    _finish_if_complete(session, scan_id)
    session.commit()


def _finish_if_complete(session: Session, scan_id: int) -> None:
    """Close the scan once no chunk is queued or running: done, or failed if a chunk failed."""
    counts = dict(session.execute(select(ScanChunk.status, func.count()).where(ScanChunk.scan_id == scan_id)
                                  .group_by(ScanChunk.status)).all())
    if counts.get("queued") or counts.get("running"):
        return
    session.execute(update(Scan).where(Scan.id == scan_id, Scan.status.in_(ACTIVE_SCAN_STATUSES)).values(
        status="failed" if counts.get("failed") else "done", finished_at=utcnow()))


def run_inline(session: Session, scan_id: int) -> Scan:
    """Run a scan's unfinished chunks in this process (the code the workers run), retrying errors."""
    chunk_ids = session.scalars(select(ScanChunk.id).where(ScanChunk.scan_id == scan_id,
                                                           ScanChunk.status.in_(("queued", "running")))
                                .order_by(ScanChunk.index)).all()
    session.commit()
    for chunk_id in chunk_ids:
        for _attempt in range(setting("SCAN_MAX_ATTEMPTS") + 1):
            try:
                run_chunk(chunk_id)
                break
            except Exception:  # recorded on the chunk; try again like a worker would
                continue
    session.expire_all()
    return session.get(Scan, scan_id)


# ---- reconciler -------------------------------------------------------------------------------

def reconcile() -> int:
    """Re-send chunks of active scans that were not started, or not finished, in time; fail chunks
    out of attempts; close scans with nothing left. The job target "scan_reconcile"; returns the
    number of chunks re-sent."""
    session = db.session
    now = utcnow()
    stale_before = now - dt.timedelta(seconds=setting("SCAN_REQUEUE_AFTER"))
    active = session.scalars(select(Scan.id).where(Scan.status.in_(ACTIVE_SCAN_STATUSES))).all()
    resent = 0
    for scan_id in active:
        chunks = session.execute(select(ScanChunk.id, ScanChunk.status, ScanChunk.attempts,
                                        ScanChunk.dispatched_at, ScanChunk.started_at)
                                 .where(ScanChunk.scan_id == scan_id,
                                        ScanChunk.status.in_(("queued", "running")))).all()
        for chunk_id, status, attempts, dispatched_at, started_at in chunks:
            last_seen = max(filter(None, (dispatched_at, started_at)), default=None)
            if last_seen is not None and last_seen > stale_before:
                continue
            if attempts >= setting("SCAN_MAX_ATTEMPTS"):
                _fail_chunk(session, chunk_id, scan_id, "out of attempts (reconciler)")
                continue
            session.execute(update(ScanChunk).where(ScanChunk.id == chunk_id).values(dispatched_at=now))
            jobs.enqueue_after_commit(session, "scan_chunk", chunk_id)
            resent += 1
        _finish_if_complete(session, scan_id)
    session.commit()
    if resent:
        log.info("reconciler re-sent %d chunk(s)", resent)
    return resent


# ---- scheduled jobs ---------------------------------------------------------------------------

def nightly_scan() -> int:
    """The job target "nightly_scan": queue a full scan of every firm as of today."""
    session = db.session
    scan, _created = start_full_scan(session, schedule="nightly_scan")
    session.commit()
    return scan.id


def due_time(spec: dict, now: dt.datetime, timezone: str) -> dt.datetime:
    """The latest due time <= now of a schedule: {"at": "HH:MM"} daily in `timezone`,
    {"at": "HH:MM", "day": N} monthly on day N, or {"every": seconds}."""
    if "every" in spec:
        period = int(spec["every"])
        return dt.datetime.fromtimestamp(int(now.timestamp()) // period * period, dt.UTC)
    hour, minute = (int(part) for part in spec["at"].split(":"))
    local = now.astimezone(ZoneInfo(timezone))
    due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if "day" in spec:
        due = due.replace(day=int(spec["day"]))
        if due > local:
            previous = due.replace(day=1) - dt.timedelta(days=1)
            due = due.replace(year=previous.year, month=previous.month)
    elif due > local:
        due -= dt.timedelta(days=1)
    return due.astimezone(dt.UTC)


def run_scheduled(name: str) -> bool:
    """Run scheduled job `name` once per due time (the job target "scheduled"); False if another
    beat's message already ran it."""
    session = db.session
    spec = current_app.config["SCAN_SCHEDULE"][name]
    due = due_time(spec, utcnow(), current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    session.execute(ScheduleRun.__table__.delete().where(ScheduleRun.due_at < due - dt.timedelta(days=30)))
    try:
        with session.begin_nested():
            session.add(ScheduleRun(name=name, due_at=due))
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    jobs.job_target(spec.get("job", name))()
    return True

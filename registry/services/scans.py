"""Scans: start a full scan, run its chunks (on workers or inline, the same code), reconcile, and
guard scheduled jobs so that two beat processes run each one once per due time.

The database is the record of work. A full scan is a `scans` row and one `scan_chunks` row per
firm-id range, run by the chunk machinery of services/chunks.py (shared with what-if runs): a
chunk is evaluated and marked done in one transaction, its attempts counted in a transaction of
their own so a poison chunk is failed after SCAN_MAX_ATTEMPTS. A message the broker lost (a dead
worker on the embedded broker, a Redis restart) leaves its chunk queued or running in the
database, and `reconcile` sends it again.

Scans write live records, so they run only with the parameter files and the bureau's profiles:
what-if parameters are for `services/whatif.py`, which writes only its own tables.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import jobs
from registry.extensions import db
from registry.models import Scan, ScanChunk, ScheduleRun
from registry.models.base import utcnow
from registry.models.scan import ACTIVE_SCAN_STATUSES
from registry.rules import load_parameters, today_in_shanghai
from registry.rules.params import ParameterSet
from registry.scan.apply import Evaluation, describe_parameters, evaluate_range
from registry.services import audit, chunks, settings

setting = chunks.setting


# ---- parameters -------------------------------------------------------------------------------

def parameters_for(as_of: dt.date, overrides: dict | None = None,
                   profiles: dict | None = None) -> tuple[ParameterSet, int]:
    """The parameter set of a scan and a 64-bit key naming it (stored with each verdict); the key
    names the tax year too (a scan row records the policy year, the tax year follows its as_of)."""
    params = load_parameters(as_of, profiles or current_app.config.get("RULE_PROFILES"), overrides or {})
    canonical = json.dumps({**describe_parameters(params), "tax_year": params.tax_year}, sort_keys=True)
    return params, int.from_bytes(hashlib.sha1(canonical.encode()).digest()[:8], "big", signed=True)


def current_parameters(session: Session, as_of: dt.date) -> tuple[ParameterSet, int]:
    """The parameter set with the rule profiles in force on `as_of` (the bureau's settings)."""
    profiles = settings.rule_profiles(session, as_of, current_app.config.get("RULE_PROFILES"))
    return parameters_for(as_of, None, profiles)


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
                    schedule: str | None = None,
                    dispatch: bool = True) -> tuple[Scan, bool]:
    """Queue a full scan split into chunks; (scan, created). Only one full scan is queued or
    running at a time: asking for another meanwhile returns it. With `dispatch`, the chunks are
    sent to the workers after commit; otherwise the caller runs them (`run_inline`)."""
    existing = active_full_scan(session)
    if existing is not None:
        return existing, False
    as_of = as_of or today_in_shanghai()
    params, _key = current_parameters(session, as_of)
    scan = Scan(kind="full", as_of=as_of, **describe_parameters(params), status="queued", schedule=schedule,
                requested_by_id=getattr(actor, "id", None))
    try:
        with session.begin_nested():
            session.add(scan)
    except IntegrityError:  # another process queued one a moment ago
        return active_full_scan(session), False
    ranges = chunks.chunk_ranges(session, setting("SCAN_CHUNK_SIZE"))
    chunks.add_chunks(session, SCANS, scan, ranges, dispatch)
    audit.record(session, actor, "scan.start", scan, as_of=as_of.isoformat(), chunks=len(ranges),
                 schedule=schedule)
    session.flush()
    return scan, True


# ---- running chunks ---------------------------------------------------------------------------

def _work(session: Session, scan: Scan, first: int, last: int) -> tuple[int, dict[str, int]]:
    changes = evaluate_range(session, first, last, evaluation_of(scan))
    return changes.firms, {"opened": changes.opened, "closed": changes.closed, "flags": changes.flags,
                           "verdicts_written": changes.verdicts}


SCANS = chunks.ChunkedJob(Scan, ScanChunk, "scan_id", "scan_chunk", _work)


def run_chunk(chunk_id: int) -> None:
    """Evaluate one chunk of a scan and mark it done, in one transaction that it commits (the
    job target "scan_chunk"; services/chunks.py run_chunk)."""
    chunks.run_chunk(SCANS, chunk_id)


def run_inline(session: Session, scan_id: int) -> Scan:
    """Run a scan's unfinished chunks in this process (the code the workers run), retrying errors."""
    return chunks.run_inline(session, SCANS, scan_id)


def reconcile() -> int:
    """Re-send scan chunks not started, or not finished, in time (the job target "scan_reconcile");
    commits and returns the number of chunks re-sent."""
    return chunks.reconcile(SCANS)


# ---- scheduled jobs ---------------------------------------------------------------------------

def nightly_scan() -> int:
    """The job target "nightly_scan": queue a full scan of every firm as of today. Commits."""
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
    """Run scheduled job `name` once per due time (the job target "scheduled"; commits its claim,
    the job commits its own work); False if another beat's message already ran it."""
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
    jobs.job_function(spec.get("job", name))()
    return True

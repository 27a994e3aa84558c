"""Monthly monitoring (月度监测): snapshots of every indicator of every scope.

Beat takes one on the 1st of each month (the "monthly_snapshot" schedule, claimed once per due
time like the other schedules); an admin takes one now; `indicators snapshot --as-of D`
backfills a past date from today's records (so a certificate revoked or a filing revised since
shows in it, and the snapshot says it was backfilled). A stored snapshot never changes: asking
again for a date that has one returns it.
"""
from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models import IndicatorSnapshot, IndicatorSnapshotScope
from registry.rules import today_in_shanghai
from registry.services import audit
from registry.services.indicators import compute


def take(session: Session, actor, as_of: dt.date, kind: str) -> tuple[IndicatorSnapshot, bool]:
    """The snapshot of `as_of`: taken now (True) or the one already stored (False)."""
    existing = snapshot_of(session, as_of)
    if existing is not None:
        return existing, False
    started = time.monotonic()
    figures = compute(session, as_of)
    snapshot = IndicatorSnapshot(as_of=as_of, kind=kind, taken_by_id=getattr(actor, "id", None),
                                 seconds=round(time.monotonic() - started, 3))
    snapshot.scopes = [IndicatorSnapshotScope(scope=scope, values=scope_values(values))
                       for scope, values in figures.items()]
    try:
        with session.begin_nested():
            session.add(snapshot)
    except IntegrityError:  # another process stored this date meanwhile: keep theirs
        return snapshot_of(session, as_of), False
    audit.record(session, actor, "snapshot.take", snapshot, as_of=as_of.isoformat(), kind=kind)
    return snapshot, True


def scope_values(figures) -> dict:
    """What a snapshot keeps of a scope: the indicators, the forecast and the funnel."""
    return {"indicators": figures.indicators(), "forecast": figures.forecast(),
            "funnel": figures.funnel()}


def snapshot_of(session: Session, as_of: dt.date) -> IndicatorSnapshot | None:
    return session.scalar(select(IndicatorSnapshot).where(IndicatorSnapshot.as_of == as_of))


def monthly_snapshot() -> int:
    """The job target "monthly_snapshot": the snapshot of today (the 1st), committed."""
    snapshot, _taken = take(db.session, None, today_in_shanghai(), "scheduled")
    db.session.commit()
    return snapshot.id

"""Recording audit events (chained when their transaction commits: `services/audit_chain.py`)."""
from __future__ import annotations

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from registry.models import AuditEvent
from registry.services import audit_chain


def record(session: Session, actor, action: str, obj=None, *, firm_id: int | None = None,
           remote_addr: str | None = None, **details) -> AuditEvent:
    """Add an audit event: `actor` did `action` to `obj` (a model instance or None)."""
    if obj is not None and obj.id is None:
        session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "none",
        object_id=getattr(obj, "id", None),
        firm_id=firm_id if firm_id is not None else _firm_of(obj),
        details=details,
        remote_addr=remote_addr,
    )
    session.add(event)
    mark_written(session)
    return event


def record_rows(session: Session, rows: list[dict]) -> None:
    """Insert many events at once (dicts of AuditEvent's columns), chained at commit."""
    if rows:
        session.execute(insert(AuditEvent), rows)
        mark_written(session)


def mark_written(session: Session) -> None:
    """This transaction added audit events: chain them before it commits."""
    session.info[audit_chain.PENDING_KEY] = True


@event.listens_for(Session, "before_commit")
def _chain_before_commit(session: Session) -> None:
    if session.info.pop(audit_chain.PENDING_KEY, False):
        audit_chain.chain_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_unchained(session: Session, _previous_transaction) -> None:
    session.info.pop(audit_chain.PENDING_KEY, None)


def _firm_of(obj) -> int | None:
    if obj is None:
        return None
    if type(obj).__name__ == "Firm":
        return obj.id
    return getattr(obj, "firm_id", None)

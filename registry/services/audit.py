"""Recording audit events."""
from __future__ import annotations

from sqlalchemy.orm import Session

from registry.models import AuditEvent


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
    return event


def _firm_of(obj) -> int | None:
    if obj is None:
        return None
    if type(obj).__name__ == "Firm":
        return obj.id
    return getattr(obj, "firm_id", None)

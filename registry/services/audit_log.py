"""Reading the audit trail (`/admin/audit`): filtered, within the reader's scope, a page at a time
or whole for the export."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.scope import firm_scope
from registry.models import AuditEvent, Firm, User
from registry.services.directory import keyset_page

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None        # part of the actor's e-mail
    action: str | None = None
    object_type: str | None = None
    firm_id: int | None = None
    since: dt.date | None = None    # Shanghai dates, both inclusive
    until: dt.date | None = None


def _shanghai_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def events_query(user, filters: AuditFilters):
    """The events `user` may read, filtered: an admin reads all; a manager or an officer reads
    the events of firms within their scope (events about no firm are the admins')."""
    query = select(AuditEvent).outerjoin(User, AuditEvent.actor_id == User.id)
    if user.role != "admin":
        query = query.join(Firm, AuditEvent.firm_id == Firm.id).where(firm_scope(user))
    if filters.actor:
        query = query.where(User.email.contains(filters.actor.lower(), autoescape=True))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.firm_id:
        query = query.where(AuditEvent.firm_id == filters.firm_id)
    if filters.since:
        query = query.where(AuditEvent.at >= _shanghai_midnight(filters.since))
    if filters.until:
        query = query.where(AuditEvent.at < _shanghai_midnight(filters.until + dt.timedelta(days=1)))
    return query


def events_page(session: Session, user, filters: AuditFilters, after: str | None,
                size: int = 50):
    """Newest first, a page at a time (keyset on the id: stable while events are added)."""
    page = keyset_page(session, events_query(user, filters), (AuditEvent.id,), True, after, size)
    page.rows = [row[0] for row in page.rows]
    return page


def all_events(session: Session, user, filters: AuditFilters, limit: int = 100_000):
    """Every matching event, newest first (the export), at most `limit`."""
    return session.scalars(events_query(user, filters).order_by(AuditEvent.id.desc()).limit(limit))


def known_values(session: Session) -> tuple[list[str], list[str]]:
    """(actions, object types) recorded so far, for the filters."""
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = session.scalars(select(AuditEvent.object_type).distinct()
                            .order_by(AuditEvent.object_type))
    return list(actions), list(types)

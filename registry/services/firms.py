"""A firm's own facts: profile updates with a change history, and its users.

Every changed fact is kept as a FirmFactChange (who, when, old, new); a change of a fact the
rules read asks for the firm's re-evaluation once the transaction commits.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.permissions import Permission, has_permission
from registry.auth.scope import may_see_firm
from registry.figures import figure_json
from registry.models import Firm, FirmFactChange, User
from registry.models.firm import FACT_FIELDS
from registry.services import ServiceError, audit

# What a firm edits itself: every fact but its district (the bureau's assignment, which
# decides which officers see it); the credit code is not a fact and never changes.
PROFILE_FIELDS = tuple(name for name in FACT_FIELDS if name != "district")
# Contact details do not change any verdict.
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")


class ProfileError(ServiceError):
    """A profile change that cannot happen."""


def update_profile(session: Session, firm: Firm, actor, values: dict) -> list[FirmFactChange]:
    """Set the given profile facts; record each change; return the changes (maybe none)."""
    if not _may_edit(actor, firm):
        raise ProfileError(_l("You may not change this firm's profile."))
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ProfileError(_l("These facts cannot be changed here: %(fields)s",
                              fields=", ".join(sorted(unknown))))
    changes = []
    for name in PROFILE_FIELDS:
        if name not in values:
            continue
        old, new = getattr(firm, name), values[name]
        if old == new and (old is None) == (new is None):
            continue
        setattr(firm, name, new)
        changes.append(FirmFactChange(firm_id=firm.id, actor_id=actor.id, field=name,
                                      old_value=fact_json(old), new_value=fact_json(new)))
    if not changes:
        return []
    session.add_all(changes)
    session.flush()
    audit.record(session, actor, "firm_profile_updated", firm,
                 fields=[change.field for change in changes])
    if any(change.field not in CONTACT_FIELDS for change in changes):
        from registry.services.evaluation import request_evaluation
        request_evaluation(session, firm.id)
    return changes


def _may_edit(actor, firm: Firm) -> bool:
    if actor.role == "firm":
        return may_see_firm(actor, firm) and firm.status == "active"
    return has_permission(actor, Permission.FIRMS_MANAGE) and may_see_firm(actor, firm)


def fact_json(value):
    """A fact as JSON: dates ISO, decimals as strings, the rest as is."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return figure_json(value)
    return value


def fact_history(session: Session, firm: Firm, limit: int = 200) -> list[tuple]:
    """The latest changes of the firm's facts with the name of who made them."""
    return list(session.execute(
        select(FirmFactChange, User.name, User.email)
        .outerjoin(User, FirmFactChange.actor_id == User.id)
        .where(FirmFactChange.firm_id == firm.id)
        .order_by(FirmFactChange.id.desc()).limit(limit)))


def firm_users(session: Session, firm: Firm) -> list[User]:
    return list(session.scalars(select(User).where(User.firm_id == firm.id).order_by(User.id)))

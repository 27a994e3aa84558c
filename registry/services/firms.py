"""A firm's own facts: profile updates with a change history, its users, and the bureau's
changes to the firm itself: deregistration (注销) and a move to another district.

Every changed fact is kept as a FirmFactChange (who, when, old, new); a change of a fact the
rules read asks for the firm's re-evaluation once the transaction commits. Which firms count on
a day is one rule, `registry.models.firm.active_on`.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.auth.permissions import Permission, has_permission, roles_with
from registry.auth.scope import district_workers, may_see_firm
from registry.figures import figure_json
from registry.models import Candidate, Firm, FirmFactChange, User
from registry.models.firm import FACT_FIELDS
from registry.services import ServiceError, audit

# What a firm edits itself: every fact but its district (the bureau's assignment, which
# decides which officers see it); the credit code is not a fact and never changes.
PROFILE_FIELDS = tuple(name for name in FACT_FIELDS if name != "district")
# Contact details (and where awards are paid) do not change any verdict.
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "bank_name", "bank_account")


class ProfileError(ServiceError):
    """A change to a firm that cannot happen; `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


DECIDERS = roles_with(Permission.CANDIDATES_DECIDE)


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
    # A firm awaiting approval prepares its profile; it is evaluated once approved.
    if firm.status == "active" and any(change.field not in CONTACT_FIELDS for change in changes):
        from registry.services.evaluation import request_evaluation
        request_evaluation(session, firm.id)
    return changes


def _may_edit(actor, firm: Firm) -> bool:
    if actor.role == "firm":
        return may_see_firm(actor, firm) and firm.status in ("active", "pending")
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


# --- Deregistration (注销) and district moves: the bureau's changes to the firm itself ----------

def _check_manager_of(actor, firm: Firm) -> None:
    if not (has_permission(actor, Permission.FIRMS_MANAGE) and may_see_firm(actor, firm)):
        raise ProfileError(_l("You may not change this firm."))


def _record_change(session: Session, firm: Firm, actor, field: str, old, new) -> None:
    session.add(FirmFactChange(firm_id=firm.id, actor_id=getattr(actor, "id", None), field=field,
                               old_value=fact_json(old), new_value=fact_json(new)))


def deregister(session: Session, actor, firm: Firm, *, on: dt.date, reason: str,
               today: dt.date) -> None:
    """The firm ceased to exist on `on` (not after today, not before it was founded): it is kept
    with its history and leaves queues, lists, programs, indicators, scans and `facts export`
    from that day (`models.firm.active_on`)."""
    _check_manager_of(actor, firm)
    reason = (reason or "").strip()
    if firm.deregistered_on is not None:
        raise ProfileError(_l("This firm is already deregistered."))
    if on > today:
        raise ProfileError(_l("A deregistration is recorded once it has happened: the date "
                              "cannot be in the future."), field="on")
    if on < firm.founded:
        raise ProfileError(_l("The firm was founded on %(day)s: it cannot be deregistered "
                              "before.", day=firm.founded.isoformat()), field="on")
    if not reason:
        raise ProfileError(_l("Say why (for example the business licence's cancellation)."),
                           field="reason")
    _record_change(session, firm, actor, "deregistered_on", None, on)
    firm.deregistered_on = on
    session.flush()
    audit.record(session, actor, "firm_deregistered", firm, on=on.isoformat(), reason=reason)


def reinstate(session: Session, actor, firm: Firm, *, reason: str) -> None:
    """Undo a deregistration recorded by mistake (audited; the history keeps both)."""
    _check_manager_of(actor, firm)
    reason = (reason or "").strip()
    if firm.deregistered_on is None:
        raise ProfileError(_l("This firm is not deregistered."))
    if not reason:
        raise ProfileError(_l("Say why the deregistration was wrong."), field="reason")
    _record_change(session, firm, actor, "deregistered_on", firm.deregistered_on, None)
    was, firm.deregistered_on = firm.deregistered_on, None
    session.flush()
    audit.record(session, actor, "firm_reinstated", firm, was=was.isoformat(), reason=reason)
    from registry.services.evaluation import request_evaluation
    request_evaluation(session, firm.id)


def move(session: Session, actor, firm: Firm, *, district: str, active_districts) -> bool:
    """The firm now belongs to `district` (one of `active_districts`): scope, queues and
    indicators follow its current district (the database moves its candidates along); its
    history keeps the old one. An officer who does not work in the new district no longer has
    the firm's candidates. False if it is already there."""
    _check_manager_of(actor, firm)
    if district not in active_districts:
        raise ProfileError(_l("Choose one of the bureau's active districts."), field="district")
    old = firm.district
    if district == old:
        return False
    _record_change(session, firm, actor, "district", old, district)
    firm.district = district
    session.flush()
    session.execute(update(Candidate).where(Candidate.firm_id == firm.id,
                                            Candidate.assigned_to_id.is_not(None),
                                            Candidate.assigned_to_id.not_in(
                                                select(User.id).where(
                                                    district_workers(district, DECIDERS))))
                    .values(assigned_to_id=None).execution_options(synchronize_session=False))
    audit.record(session, actor, "firm_moved", firm, from_district=old, to_district=district)
    return True

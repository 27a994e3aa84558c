"""The annual filing's state machine: draft -> submitted -> accepted, or submitted -> returned
-> submitted, each step an audited revision carrying its diff.

Firm users save and submit their own firm's filings; officers return or accept filings of firms
in their districts. Every function checks its actor, flushes and never commits. Verdicts read
only submitted or accepted filings, so submitting (and returning) asks for re-evaluation.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from registry.auth.permissions import Permission, has_permission
from registry.auth.scope import may_see_firm
from registry.figures import (
    FIGURE_SPECS,
    ORDERED,
    cross_field_errors,
    figure_json,
    missing_for_submission,
    not_asked_errors,
    plausibility_warnings,
)
from registry.models import Filing, FilingRevision, Firm
from registry.models.base import utcnow
from registry.rules import today_in_shanghai
from registry.services import ServiceError, audit, review

EDITABLE_STATUSES = ("draft", "returned")


class FilingError(ServiceError):
    """A filing action that cannot happen; `message` tells the person why."""

    message = _l("This filing cannot be changed now.")


class NotAllowed(FilingError):
    message = _l("You may not change this filing.")


class WrongStatus(FilingError):
    message = _l("This filing is not in a state that allows this action.")


class StaleRevision(FilingError):
    message = _l("This filing was changed in another window or by a colleague. "
                 "Reload it to see the latest figures.")


class InvalidFigures(FilingError):
    """Figures that break a field or cross-field rule (the form reports them first)."""

    message = _l("Some figures are not valid.")

    def __init__(self, errors: dict):
        super().__init__()
        self.errors = errors


class UnconfirmedWarnings(FilingError):
    message = _l("Please confirm the warnings below, or correct the figures.")

    def __init__(self, warnings: list[dict]):
        super().__init__()
        self.warnings = warnings


# --- Reading ---------------------------------------------------------------------------------

def today() -> dt.date:
    """Today in Asia/Shanghai, the day the rules evaluate on."""
    return today_in_shanghai()


def fiscal_years(firm: Firm, as_of: dt.date | None = None) -> range:
    """The years a firm can file: from its founding year to last year (Y-1)."""
    last = (as_of or today()).year - 1
    return range(firm.founded.year, last + 1)


def filings_by_year(session: Session, firm: Firm) -> dict[int, Filing]:
    rows = session.scalars(select(Filing).where(Filing.firm_id == firm.id))
    return {filing.fiscal_year: filing for filing in rows}


def get_filing(session: Session, firm: Firm, year: int, *, lock: bool = False) -> Filing | None:
    """The firm's filing for `year`, locked for update when about to change it."""
    query = select(Filing).where(Filing.firm_id == firm.id, Filing.fiscal_year == year)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def new_filing(session: Session, firm: Firm, year: int) -> Filing:
    """An unsaved draft for `year`, pre-filled with last year's headcounts (never money)."""
    filing = Filing(firm_id=firm.id, fiscal_year=year, status="draft", revision=0)
    # Known without the backref, which would queue it in the session before it is saved.
    set_committed_value(filing, "firm", firm)
    previous = get_filing(session, firm, year - 1)
    if previous is not None:
        for name in ORDERED:
            if FIGURE_SPECS[name].prefill:
                setattr(filing, name, getattr(previous, name))
    return filing


def previous_figures(session: Session, filing: Filing) -> dict | None:
    """The figures of the firm's filing for the year before, if it has one."""
    row = get_filing(session, filing.firm, filing.fiscal_year - 1)
    return row.figures() if row is not None else None


def warnings_for(session: Session, filing: Filing, figures: dict) -> list[dict]:
    """Plausibility warnings of `figures` for this filing (R&D share, revenue change)."""
    return plausibility_warnings(figures, previous_figures(session, filing))


def revision_history(session: Session, filing: Filing) -> list[FilingRevision]:
    if filing.id is None:
        return []
    return list(session.scalars(select(FilingRevision)
                                .where(FilingRevision.filing_id == filing.id)
                                .order_by(FilingRevision.number.desc())))


def get_revision(session: Session, firm_id: int, revision_id: int) -> FilingRevision | None:
    """A revision of one of this firm's filings (None for another firm's)."""
    return session.scalar(select(FilingRevision).join(Filing)
                          .where(FilingRevision.id == revision_id, Filing.firm_id == firm_id))


# --- The firm's actions ------------------------------------------------------------------------

def save_draft(session: Session, filing: Filing, actor, figures: dict, *, action: str = "save",
               expected_revision: int | None = None) -> FilingRevision | None:
    """Save figures into an editable filing; a new revision records what changed.

    Returns None when nothing changed (an autosave of the same values adds no revision).
    """
    _check_firm_actor(filing, actor)
    _check_editable(filing, expected_revision)
    _check_figures(filing, figures)
    changes = _apply(filing, figures)
    if not changes and filing.id is not None:
        return None
    warnings = warnings_for(session, filing, filing.figures())
    return _record(session, filing, actor, action, changes, warnings=warnings)


def submit(session: Session, filing: Filing, actor, figures: dict, *, confirmed=(),
           expected_revision: int | None = None) -> FilingRevision:
    """Submit the figures: complete and consistent, every warning confirmed.

    The filing becomes read-only until an officer returns it; the firm is re-evaluated once
    this transaction commits. A second submit of the same revision is refused (WrongStatus).
    """
    _check_firm_actor(filing, actor)
    _check_editable(filing, expected_revision)
    _check_figures(filing, figures, submitting=True)
    warnings = warnings_for(session, filing, {**filing.figures(), **figures})
    unconfirmed = [w for w in warnings if w["id"] not in set(confirmed)]
    if unconfirmed:
        raise UnconfirmedWarnings(warnings)
    changes = _apply(filing, figures)
    resubmission = filing.status == "returned"
    filing.status = "submitted"
    filing.submitted_at = utcnow()
    filing.officer_comment = None
    filing.confirmed_warnings = [w["id"] for w in warnings]
    revision = _record(session, filing, actor, "submit", changes, warnings=warnings)
    if resubmission:  # a candidate returned to the firm goes back to review at once
        review.resume_returned(session, filing.firm_id, actor)
    _reevaluate(session, filing)
    return revision


# --- The officer's actions ---------------------------------------------------------------------

def return_filing(session: Session, filing: Filing, officer, comment: str) -> FilingRevision:
    """Return a submitted filing to the firm with a comment; it stops counting for verdicts."""
    _check_officer(filing, officer)
    comment = (comment or "").strip()
    if not comment:
        raise FilingError(_l("Say what the firm must correct."))
    _check_status(filing, ("submitted",))
    filing.status = "returned"
    filing.officer_comment = comment
    revision = _record(session, filing, officer, "return", {}, comment=comment)
    _reevaluate(session, filing)
    return revision


def accept(session: Session, filing: Filing, officer) -> FilingRevision:
    """Accept a submitted filing (its figures keep counting, now confirmed by the bureau)."""
    _check_officer(filing, officer)
    _check_status(filing, ("submitted",))
    filing.status = "accepted"
    filing.accepted_at = utcnow()
    return _record(session, filing, officer, "accept", {})


# --- Checks and records -----------------------------------------------------------------------

def _check_firm_actor(filing: Filing, actor) -> None:
    firm = filing.firm
    if (getattr(actor, "role", None) != "firm" or actor.firm_id != firm.id or not actor.active
            or firm.status != "active"):
        raise NotAllowed()
    if filing.fiscal_year not in fiscal_years(firm):
        raise NotAllowed(_l("Filings cover the years from the founding year to last year."))


def _check_officer(filing: Filing, officer) -> None:
    if not (has_permission(officer, Permission.FILINGS_REVIEW)
            and may_see_firm(officer, filing.firm)):
        raise NotAllowed()


def _check_status(filing: Filing, allowed: tuple[str, ...]) -> None:
    if filing.status not in allowed:
        raise WrongStatus()


def _check_editable(filing: Filing, expected_revision: int | None) -> None:
    _check_status(filing, EDITABLE_STATUSES)
    if expected_revision is not None and expected_revision != filing.revision:
        raise StaleRevision()


def _check_figures(filing: Filing, figures: dict, *, submitting: bool = False) -> None:
    """The form checks first; this guards every other caller (imports, scripts)."""
    errors = {**cross_field_errors(figures), **not_asked_errors(figures, filing.fiscal_year)}
    for name, value in figures.items():
        if name not in FIGURE_SPECS:
            errors[name] = _l("Unknown figure.")
        elif value is not None and value < 0 and not FIGURE_SPECS[name].signed:
            errors[name] = _l("Cannot be negative.")
    if submitting:
        merged = {**filing.figures(), **figures}
        errors.update({name: _l("Required to submit.")
                       for name in missing_for_submission(merged)})
    if errors:
        raise InvalidFigures(errors)


def _apply(filing: Filing, figures: dict) -> dict:
    """Set the figures; return {field: [old, new]} as decimal strings for what changed.

    A new filing changes from nothing, so its first revision lists every figure it holds
    (pre-filled headcounts included)."""
    changes = {}
    for name in ORDERED:
        if name not in figures and filing.id is not None:
            continue
        new = figures.get(name, getattr(filing, name))
        old = getattr(filing, name) if filing.id is not None else None
        if not _same(old, new):
            changes[name] = [figure_json(old), figure_json(new)]
        setattr(filing, name, new)
    return changes


def _same(old: Decimal | None, new: Decimal | None) -> bool:
    return old == new if old is not None and new is not None else old is new


def _record(session: Session, filing: Filing, actor, action: str, changes: dict, *,
            warnings: list | None = None, comment: str | None = None) -> FilingRevision:
    filing.revision = (filing.revision or 0) + 1
    try:
        with session.begin_nested():
            session.add(filing)
            session.flush()  # a new filing gets its id; its (firm, year) key is checked
            revision = FilingRevision(filing_id=filing.id, number=filing.revision, action=action,
                                      actor_id=actor.id, status=filing.status, changes=changes,
                                      warnings=warnings, comment=comment)
            session.add(revision)
    except IntegrityError:
        # Another request created this year's filing or revision first (a double click).
        raise StaleRevision() from None
    set_committed_value(revision, "filing", filing)
    audit.record(session, actor, f"filing_{action}", filing, fiscal_year=filing.fiscal_year,
                 revision=filing.revision, status=filing.status, fields=sorted(changes))
    return revision


def _reevaluate(session: Session, filing: Filing) -> None:
    from registry.services.evaluation import request_evaluation
    request_evaluation(session, filing.firm_id)

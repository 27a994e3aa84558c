"""The annual filing's state machine: draft -> submitted -> accepted, or submitted -> returned
-> submitted, each step an audited revision carrying its diff.

Firm users save and submit their own firm's filings; officers return or accept filings of firms
in their districts. Every function checks its actor, flushes and never commits. Verdicts read
only submitted or accepted filings, so submitting (and returning) asks for re-evaluation.

An accepted filing is corrected through a `FilingCorrection`: the firm asks with a reason and
an officer reopens it (accepted -> returned) or declines; an officer may also reopen it on their
own. The firm corrects and submits again, an officer accepts again, and the correction is
complete. Every return and reopening tells the firm in its inbox (and by mail); every request and
resubmission of a correction mails the district's officers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from registry.auth.permissions import Permission, has_permission
from registry.auth.scope import district_workers, firm_scope, may_see_firm
from registry.figures import (
    FIGURE_SPECS,
    ORDERED,
    cross_field_errors,
    figure_json,
    missing_for_submission,
    not_asked_errors,
    plausibility_warnings,
)
from registry.models import Filing, FilingCorrection, FilingReminder, FilingRevision, Firm, User
from registry.models.base import utcnow
from registry.models.filing import OPEN_CORRECTION_STATUSES
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
    _check_firm_actor(filing, actor, submitting=True)
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
        correction = open_correction(session, filing)
        if correction is not None:
            _mail_officers(session, filing, "portal/mail/correction_resubmitted.txt",
                           correction=correction)
    _reevaluate(session, filing)
    return revision


# --- The officer's actions ---------------------------------------------------------------------

def return_filing(session: Session, filing: Filing, officer, comment: str, *,
                  candidate=None) -> FilingRevision:
    """Return a submitted filing to the firm with a comment; it stops counting for verdicts.

    The firm gets one inbox message (and mail) linking to the filing, whether the return comes
    from a candidate (`candidate`, whose tier the message names) or from the firm file."""
    _check_officer(filing, officer)
    comment = _required(comment, _l("Say what the firm must correct."))
    _check_status(filing, ("submitted",))
    filing.status = "returned"
    filing.officer_comment = comment
    revision = _record(session, filing, officer, "return", {}, comment=comment)
    review.notify(session, filing.firm_id, "returned", candidate=candidate,
                  link=_filing_link(filing.fiscal_year), fiscal_year=filing.fiscal_year, reason=comment,
                  tier=getattr(candidate, "tier", None))
    _reevaluate(session, filing)
    return revision


def accept(session: Session, filing: Filing, officer) -> FilingRevision:
    """Accept a submitted filing (its figures keep counting, now confirmed by the bureau); a
    corrected filing's correction is then complete."""
    _check_officer(filing, officer)
    _check_status(filing, ("submitted",))
    filing.status = "accepted"
    filing.accepted_at = utcnow()
    revision = _record(session, filing, officer, "accept", {})
    correction = open_correction(session, filing)
    if correction is not None and correction.status == "reopened":
        correction.status = "completed"
        audit.record(session, officer, "filing_correction_complete", correction,
                     fiscal_year=filing.fiscal_year)
        review.notify(session, filing.firm_id, "correction_accepted", link=_filing_link(filing.fiscal_year),
                      fiscal_year=filing.fiscal_year)
    return revision


# --- Corrections of accepted filings ------------------------------------------------------------

def _open_corrections(*where):
    """Corrections still being worked on: the firm asked, or the filing is back with the firm."""
    return select(FilingCorrection).where(FilingCorrection.status.in_(OPEN_CORRECTION_STATUSES),
                                          *where)


def open_correction(session: Session, filing: Filing) -> FilingCorrection | None:
    """The filing's correction still being worked on (requested or reopened), if any."""
    if filing.id is None:
        return None
    return session.scalar(_open_corrections(FilingCorrection.filing_id == filing.id)
                          .order_by(FilingCorrection.id.desc()))


def open_corrections_of_firm(session: Session, firm_id: int) -> dict[int, FilingCorrection]:
    """{filing id: its correction still being worked on} of one firm."""
    return {correction.filing_id: correction for correction in session.scalars(
        _open_corrections(FilingCorrection.firm_id == firm_id).order_by(FilingCorrection.id))}


def open_corrections(session: Session, officer) -> list[tuple[FilingCorrection, Firm]]:
    """The corrections still being worked on in the firms `officer` sees, with their firm: the
    firms' requests to decide first, then the reopened filings until they are accepted again,
    oldest first."""
    return list(session.execute(
        _open_corrections(firm_scope(officer)).add_columns(Firm)
        .join(Firm, Firm.id == FilingCorrection.firm_id)
        .order_by(FilingCorrection.status.desc(), FilingCorrection.requested_at)).all())


def corrections_to_decide(session: Session, officer) -> int:
    """How many firms' correction requests in the firms `officer` sees await a decision."""
    return session.scalar(
        select(func.count()).select_from(FilingCorrection)
        .join(Firm, Firm.id == FilingCorrection.firm_id)
        .where(FilingCorrection.status == "requested", firm_scope(officer)))


def corrections_of(session: Session, filing: Filing) -> list[FilingCorrection]:
    """Every correction of the filing, newest first."""
    if filing.id is None:
        return []
    return list(session.scalars(select(FilingCorrection).where(
        FilingCorrection.filing_id == filing.id).order_by(FilingCorrection.id.desc())))


def request_correction(session: Session, filing: Filing, actor, reason: str) -> FilingCorrection:
    """The firm asks to correct an accepted filing, saying why; the district's officers are
    mailed and see it in their corrections list."""
    _check_firm_actor(filing, actor)
    reason = _required(reason, _l("Say what you need to correct and why."))
    _check_status(filing, ("accepted",))
    if open_correction(session, filing) is not None:
        raise WrongStatus(_l("A correction of this filing is already requested."))
    correction = FilingCorrection(filing_id=filing.id, firm_id=filing.firm_id, status="requested",
                                  reason=reason, requested_by_id=actor.id)
    session.add(correction)
    session.flush()
    audit.record(session, actor, "filing_correction_request", correction,
                 fiscal_year=filing.fiscal_year, reason=reason)
    _mail_officers(session, filing, "portal/mail/correction_requested.txt", correction=correction)
    return correction


def reopen(session: Session, filing: Filing, officer, reason: str) -> FilingCorrection:
    """Reopen an accepted filing for correction (accepted -> returned): the firm's request, if
    there is one, is granted; otherwise the officer opens a correction on their own. The filing
    keeps its revisions and stops counting until it is submitted again."""
    _check_officer(filing, officer)
    reason = _required(reason, _l("Say what the firm must correct."))
    _check_status(filing, ("accepted",))
    correction = open_correction(session, filing)
    if correction is None:
        correction = FilingCorrection(filing_id=filing.id, firm_id=filing.firm_id,
                                      status="reopened", reason=reason,
                                      requested_by_id=officer.id)
        session.add(correction)
    correction.status = "reopened"
    correction.decided_by_id, correction.decided_at = officer.id, utcnow()
    correction.decision_comment = reason
    filing.status = "returned"
    filing.officer_comment = reason
    _record(session, filing, officer, "reopen", {}, comment=reason)
    audit.record(session, officer, "filing_correction_reopen", correction,
                 fiscal_year=filing.fiscal_year, reason=reason)
    review.notify(session, filing.firm_id, "reopened", link=_filing_link(filing.fiscal_year),
                  fiscal_year=filing.fiscal_year, reason=reason)
    _reevaluate(session, filing)
    return correction


def decline_correction(session: Session, correction: FilingCorrection, officer,
                       reason: str) -> None:
    """Decline a firm's request: the accepted filing stays as it is; the firm reads why."""
    filing = correction.filing
    _check_officer(filing, officer)
    reason = _required(reason, _l("Say why the filing stays as accepted."))
    if correction.status != "requested":
        raise WrongStatus(_l("This correction has been decided already."))
    correction.status = "declined"
    correction.decided_by_id, correction.decided_at = officer.id, utcnow()
    correction.decision_comment = reason
    audit.record(session, officer, "filing_correction_decline", correction,
                 fiscal_year=filing.fiscal_year, reason=reason)
    review.notify(session, filing.firm_id, "correction_declined", link=_filing_link(filing.fiscal_year),
                  fiscal_year=filing.fiscal_year, reason=reason)


def _required(text: str | None, message) -> str:
    text = (text or "").strip()
    if not text:
        raise FilingError(message)
    return text


def _filing_link(fiscal_year: int) -> str | None:
    """The firm's page of its filing for `fiscal_year`, for inbox messages and mails (None
    outside a request)."""
    if not has_request_context():
        return None
    return url_for("portal.filing", year=fiscal_year, _external=True)


def _mail_officers(session: Session, filing: Filing, template: str, **context) -> None:
    """Mail the active officers of the firm's district (only when SMTP is configured: they read
    the corrections list in the workspace otherwise)."""
    from registry.services import mail
    if not mail.smtp_configured():
        return
    link = (url_for("officer.firm_file", firm_id=filing.firm_id, _external=True, _anchor="filings")
            if has_request_context() else None)
    officers = session.scalars(select(User).where(district_workers(filing.firm.district)))
    for officer in officers:
        mail.send(session, officer.email, template, filing=filing, firm=filing.firm, link=link,
                  **context)


# --- Checks and records -----------------------------------------------------------------------

def _check_firm_actor(filing: Filing, actor, *, submitting: bool = False) -> None:
    """The firm's own active user; a firm awaiting approval prepares drafts but submits only
    once approved."""
    firm = filing.firm
    if (getattr(actor, "role", None) != "firm" or actor.firm_id != firm.id or not actor.active
            or firm.status not in ("active", "pending")):
        raise NotAllowed()
    if submitting and firm.status != "active":
        raise NotAllowed(_l("Your registration awaits the bureau's approval: save your figures "
                            "as a draft now and submit them once it is approved."))
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


# --- 催报: reminding firms that have not filed ----------------------------------------------------

def remind(session: Session, officer, firms: list[Firm], fiscal_year: int,
           deadline: dt.date) -> int:
    """Remind each of `firms` (already scoped to the officer) to file `fiscal_year`: one inbox
    message linking to the filing (and mail to its active users when SMTP is set), recorded per
    firm with how many users it reached, audited. Returns the number of firms reminded."""
    if not firms:
        raise FilingError(_l("Choose the firms to remind."))
    # Every firm's active users in one query, not one a firm.
    emails: dict[int, list[str]] = {firm.id: [] for firm in firms}
    for firm_id, email in session.execute(select(User.firm_id, User.email).where(
            User.firm_id.in_(emails), User.active.is_(True)).order_by(User.id)):
        emails[firm_id].append(email)
    link = _filing_link(fiscal_year)
    for firm in firms:
        reached = len(emails[firm.id])
        session.add(FilingReminder(firm_id=firm.id, fiscal_year=fiscal_year, recipients=reached,
                                   sent_by_id=officer.id))
        review.notify(session, firm.id, "reminder", recipients=emails[firm.id], link=link,
                      fiscal_year=fiscal_year, deadline=deadline.isoformat())
        audit.record(session, officer, "filing_reminder", firm, fiscal_year=fiscal_year,
                     recipients=reached)
    session.flush()
    return len(firms)


def last_reminders(session: Session, firm_ids: list[int], fiscal_year: int) -> dict:
    """{firm id: when it was last reminded to file `fiscal_year`}."""
    if not firm_ids:
        return {}
    return dict(session.execute(
        select(FilingReminder.firm_id, func.max(FilingReminder.sent_at))
        .where(FilingReminder.firm_id.in_(firm_ids), FilingReminder.fiscal_year == fiscal_year)
        .group_by(FilingReminder.firm_id)).all())


# --- What a firm has left to file --------------------------------------------------------------

@dataclass(frozen=True)
class ChecklistYear:
    """A fiscal year the ladder reads: the firm's filing of it (or None) and the figures a
    submission still needs (names of registry.figures), empty once it counts."""
    year: int
    filing: Filing | None
    missing: list[str]


def checklist(session: Session, firm: Firm, as_of: dt.date) -> list[ChecklistYear]:
    """The years the verdicts read (the fiscal years of the HNTE window of the rules in force,
    since the founding year) that have no counting filing yet, latest first, each with the figures
    still missing. A returned filing is not listed: the ladder asks for its correction."""
    from registry.services.scans import current_parameters
    window = current_parameters(session, as_of)[0].tier("hnte").section("rd_ratio").integer("window")
    years = [year for year in fiscal_years(firm, as_of) if year >= as_of.year - window]
    filed = {filing.fiscal_year: filing for filing in session.scalars(
        select(Filing).where(Filing.firm_id == firm.id, Filing.fiscal_year.in_(years)))}
    items = []
    for year in sorted(years, reverse=True):
        filing = filed.get(year)
        if filing is not None and (filing.counts or filing.status == "returned"):
            continue
        values = filing.figures() if filing is not None else {}
        items.append(ChecklistYear(year, filing, [
            name for name in missing_for_submission(values) if FIGURE_SPECS[name].asked_for(year)]))
    return items

"""The review of candidates as an explicit state machine, and the certificates it leads to.

`CANDIDATE_TRANSITIONS` and `CERTIFICATE_TRANSITIONS` are the whole of what may happen, as data:
each transition names the statuses it leaves, the status it reaches, who performs it and
whether a reason is required. Every function below performs one transition (or a few, in
order), checks the table first, records one audit event per transition (actor, time, reason,
from and to) and tells the firm in its inbox. Nothing else changes these statuses, except the
scan, which only moves `open <-> closed`.

    open ──start_review──▶ in_review ──approve──▶ approved ──withdraw (objection upheld)──▶ rejected
      ▲                      │  │  └──reject──▶ rejected
      │                      │  └──return──▶ returned ──resubmitted──▶ in_review
      └──reopen (date)── deferred ◀──defer──┘

Approval starts a public notice (公示) of N working days with the certificate in status
`public_notice`; the daily pass (`registry.services.certificates`) makes it valid.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from registry.auth.permissions import Permission, has_permission
from registry.auth.scope import district_workers, may_see_district
from registry.models import (
    AuditEvent,
    Candidate,
    Certificate,
    Filing,
    NoticeBatch,
    Notification,
    Objection,
    PublicNotice,
    User,
)
from registry.models.base import utcnow
from registry.params import month_day
from registry.rules import SHANGHAI, today_in_shanghai
from registry.rules.facts import add_years
from registry.services import ServiceError, audit, settings
from registry.services.calendar import WorkingDays


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    actor: str                 # officer, firm (resubmission), system (daily pass) or scan
    reason_required: bool = False
    label: object = None       # what the officer's button says


CANDIDATE_TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("start_review", ("open",), "in_review", "officer", label=_l("Start review")),
    Transition("approve", ("in_review",), "approved", "officer",
               label=_l("Approve into public notice")),
    Transition("reject", ("in_review",), "rejected", "officer", True, _l("Reject")),
    Transition("return", ("in_review",), "returned", "officer", True, _l("Return to the firm")),
    Transition("defer", ("in_review",), "deferred", "officer", label=_l("Defer")),
    Transition("resubmitted", ("returned",), "in_review", "firm"),
    Transition("reopen", ("deferred",), "open", "system"),
    Transition("withdraw", ("approved",), "rejected", "officer", True),
    Transition("close", ("open",), "closed", "scan"),
)}
# The transitions an officer chooses on a candidate's page, in the order of its buttons.
OFFICER_DECISIONS = ("start_review", "approve", "reject", "return", "defer")

CERTIFICATE_TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("validate", ("public_notice",), "valid", "system"),
    Transition("withdraw", ("public_notice",), "withdrawn", "officer", True),
    Transition("expire", ("valid",), "expired", "system"),
    Transition("revoke", ("valid",), "revoked", "officer", True, _l("Revoke")),
)}


class ReviewError(ServiceError):
    """An action the review refuses; `message` says why, in the reader's language."""


def allowed(candidate: Candidate, name: str) -> bool:
    return candidate.status in CANDIDATE_TRANSITIONS[name].sources


def officer_choices(candidate: Candidate) -> list[Transition]:
    """The decisions open to an officer on this candidate now."""
    return [CANDIDATE_TRANSITIONS[name] for name in OFFICER_DECISIONS if allowed(candidate, name)]


# --- Candidate transitions ---------------------------------------------------------------------

def start_review(session: Session, candidate: Candidate, officer) -> None:
    """open -> in_review: the officer takes the candidate up (and is assigned if nobody is)."""
    _refuse_barred(session, candidate)
    _move(session, candidate, "start_review", officer)
    if candidate.assigned_to_id is None:
        candidate.assigned_to_id = officer.id


def approve(session: Session, candidate: Candidate, officer, *, today: dt.date,
            valid_until: dt.date | None = None, reason: str | None = None) -> PublicNotice:
    """in_review -> approved: the certificate enters a public notice of N working days.

    The notice starts the working day after `today`; the certificate's issue date is the day
    after the notice ends. HNTE certificates expire issue + 3 years - 1 day; tiers without a
    fixed validity (tech-SME registration) take `valid_until` (default: the bureau's month-day
    of the issue year).
    """
    _refuse_barred(session, candidate)
    calendar = WorkingDays(session)
    days = int(settings.bureau(session)["public_notice"]["working_days"])
    first_day, last_day = calendar.period(today, days)
    issued = last_day + dt.timedelta(days=1)
    expires = expiry_date(session, candidate.tier, issued, valid_until)
    _move(session, candidate, "approve", officer, reason,
          notice_first_day=first_day.isoformat(), notice_last_day=last_day.isoformat())
    certificate = Certificate(firm_id=candidate.firm_id, tier=candidate.tier, issued=issued,
                              expires=expires, status="public_notice")
    session.add(certificate)
    session.flush()
    batch = notice_batch(session, candidate.tier, candidate.cycle, first_day, last_day)
    notice = PublicNotice(candidate_id=candidate.id, certificate_id=certificate.id,
                          firm_id=candidate.firm_id, first_day=first_day, last_day=last_day,
                          working_days=days, calendar_missing_years=sorted(calendar.missing_years),
                          created_by_id=officer.id, batch_id=batch.id)
    session.add(notice)
    notify(session, candidate.firm_id, "approved", candidate=candidate, certificate=certificate,
           tier=candidate.tier, first_day=first_day.isoformat(), last_day=last_day.isoformat())
    return notice


def notice_batch(session: Session, tier: str, cycle: int, first_day: dt.date,
                 last_day: dt.date) -> NoticeBatch:
    """The notice batch that approvals of `tier` and `cycle` starting on `first_day` join (made
    with the next 文号 of the first day's year when it is the first of them)."""
    batch = session.scalar(select(NoticeBatch).where(
        NoticeBatch.tier == tier, NoticeBatch.cycle == cycle, NoticeBatch.first_day == first_day))
    if batch is None:
        year = first_day.year
        earlier = session.scalar(select(func.count()).select_from(NoticeBatch).where(
            NoticeBatch.first_day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))
        template = settings.bureau(session)["public_notice"]["number_format"]
        batch = NoticeBatch(number=template.format(year=year, seq=earlier + 1), tier=tier,
                            cycle=cycle, first_day=first_day, last_day=last_day)
        session.add(batch)
        session.flush()
    batch.last_day = max(batch.last_day, last_day)
    return batch


def expiry_date(session: Session, tier: str, issued: dt.date,
                valid_until: dt.date | None = None) -> dt.date:
    """The inclusive last valid day of a certificate of `tier` issued on `issued`."""
    rules = settings.bureau(session)["certificates"][tier]
    if "validity_years" in rules:
        years = int(rules["validity_years"])
        return add_years(issued, years) - dt.timedelta(days=1)
    end = valid_until or month_day(rules["valid_until"], issued.year)
    if end < issued:
        raise ReviewError(_l("The end date %(end)s is before the issue date %(issued)s.",
                             end=end.isoformat(), issued=issued.isoformat()))
    return end


def has_fixed_validity(session: Session, tier: str) -> bool:
    return "validity_years" in settings.bureau(session)["certificates"][tier]


def reject(session: Session, candidate: Candidate, officer, reason: str) -> None:
    """in_review -> rejected, with the reason the firm reads."""
    _move(session, candidate, "reject", officer, reason)
    notify(session, candidate.firm_id, "rejected", candidate=candidate, tier=candidate.tier,
           reason=reason.strip())


def returnable_filings(session: Session, candidate: Candidate) -> list[Filing]:
    """The firm's filings an officer may send back (submitted ones), latest year first."""
    return list(session.scalars(
        select(Filing).where(Filing.firm_id == candidate.firm_id, Filing.status == "submitted")
        .order_by(Filing.fiscal_year.desc())))


def return_to_firm(session: Session, candidate: Candidate, officer, reason: str,
                   filing: Filing) -> None:
    """in_review -> returned: the filing goes back to the firm with the comment; the firm's
    resubmission brings the candidate back to review (`resume_returned`)."""
    from registry.services import filings
    if filing.firm_id != candidate.firm_id:
        raise ReviewError(_l("This filing belongs to another firm."))
    _move(session, candidate, "return", officer, reason, fiscal_year=filing.fiscal_year)
    try:  # the firm's one message about it comes from the filing's return
        filings.return_filing(session, filing, officer, reason, candidate=candidate)
    except filings.FilingError as error:
        raise ReviewError(error.message) from None


def resume_returned(session: Session, firm_id: int, actor) -> list[Candidate]:
    """returned -> in_review for the firm's returned candidates, once it files again.

    Called when the firm resubmits a filing; returns the candidates that came back."""
    resumed = list(session.scalars(select(Candidate).where(Candidate.firm_id == firm_id,
                                                           Candidate.status == "returned")))
    for candidate in resumed:
        _move(session, candidate, "resubmitted", actor)
    return resumed


def resume_resubmitted(session: Session) -> int:
    """returned -> in_review for candidates whose firm has submitted a filing since the return
    (the daily pass: a safety net for a resubmission no caller reported)."""
    resubmitted = (select(Filing.id).where(Filing.firm_id == Candidate.firm_id,
                                           Filing.status == "submitted",
                                           Filing.submitted_at >= Candidate.updated_at)
                   .exists())
    due = list(session.scalars(select(Candidate).where(Candidate.status == "returned",
                                                       resubmitted)))
    for candidate in due:
        _move(session, candidate, "resubmitted", None)
    return len(due)


def defer(session: Session, candidate: Candidate, officer, until: dt.date, *, today: dt.date,
          reason: str | None = None) -> None:
    """in_review -> deferred until a later date, when the daily pass opens it again."""
    if until is None or until <= today:
        raise ReviewError(_l("Choose a date after today."))
    _move(session, candidate, "defer", officer, reason, until=until.isoformat())
    candidate.deferred_until = until
    notify(session, candidate.firm_id, "deferred", candidate=candidate, tier=candidate.tier,
           until=until.isoformat(), reason=(reason or "").strip())


def decide(session: Session, candidate: Candidate, officer, name: str, *, today: dt.date,
           reason: str | None = None, valid_until: dt.date | None = None,
           until: dt.date | None = None, filing_year: int | None = None):
    """The officer's decision `name` (one of OFFICER_DECISIONS) with what it takes: the candidate
    page and the API both decide through here."""
    if name == "start_review":
        return start_review(session, candidate, officer)
    if name == "approve":
        return approve(session, candidate, officer, today=today, valid_until=valid_until,
                       reason=reason)
    if name == "reject":
        return reject(session, candidate, officer, reason)
    if name == "return":
        filing = next((f for f in returnable_filings(session, candidate)
                       if f.fiscal_year == filing_year), None)
        if filing is None:
            raise ReviewError(_l("Choose a submitted filing of this firm to return."))
        return return_to_firm(session, candidate, officer, reason, filing)
    if name == "defer":
        return defer(session, candidate, officer, until, today=today, reason=reason)
    raise ReviewError(_l("This decision does not exist."))


def reopen_due(session: Session, today: dt.date) -> int:
    """deferred -> open for the candidates whose date has come (the daily pass)."""
    due = list(session.scalars(select(Candidate).where(Candidate.status == "deferred",
                                                       Candidate.deferred_until <= today)))
    for candidate in due:
        until, candidate.deferred_until = candidate.deferred_until, None
        _move(session, candidate, "reopen", None, until=until.isoformat())
    return len(due)


def assign(session: Session, candidate: Candidate, officer, assignee: User | None) -> bool:
    """Assign the candidate to an officer who may take it (None: unassign), audited; returns
    whether it changed."""
    if assignee is not None and not may_take(assignee, candidate.district):
        raise ReviewError(_l("%(name)s does not work in this candidate's district.",
                             name=assignee.name or assignee.email))
    new_id = assignee.id if assignee is not None else None
    if candidate.assigned_to_id == new_id:
        return False
    audit.record(session, officer, "candidate_assign", candidate,
                 from_officer=candidate.assigned_to_id, to_officer=new_id)
    candidate.assigned_to_id = new_id
    return True


def may_take(user: User, district: str | None) -> bool:
    """Whether `user` may be given a candidate of `district`: one who decides, and sees it."""
    return has_permission(user, Permission.CANDIDATES_DECIDE) and may_see_district(user, district)


def assignable_officers(session: Session, districts) -> list[User]:
    """The active officers who work in any of `districts` (a candidate's district, or those a
    queue shows), by name: whom a candidate is offered to."""
    who = [district_workers(code) for code in districts]
    if not who:
        return []
    return list(session.scalars(select(User).where(or_(*who)).order_by(User.name, User.id)))


# --- Public notices and objections -------------------------------------------------------------

def record_objection(session: Session, notice: PublicNotice, officer, *, received_on: dt.date,
                     objector: str, summary: str) -> Objection:
    """Record an objection received during a running public notice."""
    if notice.status != "running":
        raise ReviewError(_l("This public notice is no longer running."))
    if not notice.first_day <= received_on <= notice.last_day:
        raise ReviewError(_l("Objections are received from %(first)s to %(last)s.",
                             first=notice.first_day.isoformat(), last=notice.last_day.isoformat()))
    if not (summary or "").strip():
        raise ReviewError(_l("Say what the objection is about."))
    objection = Objection(notice=notice, received_on=received_on, objector=(objector or "").strip(),
                          summary=summary.strip(), recorded_by_id=officer.id)
    session.add(objection)
    session.flush()
    audit.record(session, officer, "objection_record", objection, firm_id=notice.firm_id,
                 notice_id=notice.id, received_on=received_on.isoformat())
    return objection


def uphold_objection(session: Session, objection: Objection, officer, reason: str) -> None:
    """An upheld objection withdraws the approval: the certificate and the notice are withdrawn
    and the candidate ends rejected."""
    notice = objection.notice
    _decide_objection(session, objection, officer, "upheld", reason)
    move_certificate(session, notice.certificate, "withdraw", officer, reason)
    notice.status = "withdrawn"
    notice.concluded_on = today_in_shanghai()
    _move(session, notice.candidate, "withdraw", officer, reason, objection_id=objection.id)
    notify(session, notice.firm_id, "withdrawn", candidate=notice.candidate,
           certificate=notice.certificate, tier=notice.certificate.tier, reason=reason.strip())


def dismiss_objection(session: Session, objection: Objection, officer, reason: str) -> None:
    """The objection is unfounded: the notice runs on (and concludes if nothing else is open)."""
    _decide_objection(session, objection, officer, "dismissed", reason)


def _decide_objection(session: Session, objection: Objection, officer, outcome: str,
                      reason: str) -> None:
    if objection.status != "recorded":
        raise ReviewError(_l("This objection has been decided already."))
    if objection.notice.status != "running":
        raise ReviewError(_l("This public notice is no longer running."))
    _require_reason(reason)
    objection.status = outcome
    objection.decision_reason = reason.strip()
    objection.decided_by_id = officer.id
    objection.decided_at = utcnow()
    action = {"upheld": "objection_uphold", "dismissed": "objection_dismiss"}[outcome]
    audit.record(session, officer, action, objection, firm_id=objection.notice.firm_id,
                 reason=reason.strip())


# --- Certificates -----------------------------------------------------------------------------

def revoke(session: Session, certificate: Certificate, officer, reason: str) -> None:
    """valid -> revoked, with a reason; the firm may not re-apply for the tier this year."""
    move_certificate(session, certificate, "revoke", officer, reason,
                      year=today_in_shanghai().year)
    notify(session, certificate.firm_id, "revoked", certificate=certificate,
           tier=certificate.tier, reason=reason.strip())


def is_barred(session: Session, firm_id: int, tier: str, year: int) -> bool:
    """Whether the firm's `tier` certificate was revoked in calendar `year` (Shanghai time)."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    revoked = (select(AuditEvent.id)
               .join(Certificate, Certificate.id == AuditEvent.object_id)
               .where(AuditEvent.action == "certificate_revoke",
                      AuditEvent.object_type == "certificate", AuditEvent.firm_id == firm_id,
                      Certificate.tier == tier, AuditEvent.at >= start, AuditEvent.at < end))
    return session.scalar(revoked.limit(1)) is not None


def _refuse_barred(session: Session, candidate: Candidate) -> None:
    year = today_in_shanghai().year
    if is_barred(session, candidate.firm_id, candidate.tier, year):
        raise ReviewError(_l("This firm's certificate for this tier was revoked in %(year)s: "
                             "it may not apply again before next year.", year=year))


def move_certificate(session: Session, certificate: Certificate, name: str, actor,
                      reason: str | None = None, **details) -> None:
    transition = CERTIFICATE_TRANSITIONS[name]
    if certificate.status not in transition.sources:
        raise ReviewError(_l("A certificate that is %(status)s cannot be changed this way.",
                             status=certificate.status))
    if transition.reason_required:
        _require_reason(reason)
        certificate.reason = reason.strip()
    audit.record(session, actor, f"certificate_{name}", certificate,
                 from_status=certificate.status, to_status=transition.target,
                 tier=certificate.tier, reason=(reason or "").strip() or None, **details)
    certificate.status = transition.target


# --- The one way a candidate's status changes ----------------------------------------------------

def _move(session: Session, candidate: Candidate, name: str, actor, reason: str | None = None,
          **details) -> None:
    """Apply one transition of the table: checked, guarded against a concurrent change, audited."""
    transition = CANDIDATE_TRANSITIONS[name]
    source = candidate.status
    if source not in transition.sources:
        raise ReviewError(_l("A candidate that is %(status)s cannot be moved this way "
                             "(%(transition)s needs %(sources)s).", status=source,
                             transition=name, sources=" / ".join(transition.sources)))
    if transition.reason_required:
        _require_reason(reason)
    # Only if nobody (another officer, the scan) moved it meanwhile.
    result = session.execute(update(Candidate)
                             .where(Candidate.id == candidate.id, Candidate.status == source)
                             .values(status=transition.target)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(candidate)
        raise ReviewError(_l("This candidate was changed meanwhile (it is now %(status)s). "
                             "Reload the page.", status=candidate.status))
    candidate.status = transition.target
    session.flush()
    audit.record(session, actor, f"candidate_{name}", candidate, from_status=source,
                 to_status=transition.target, tier=candidate.tier, cycle=candidate.cycle,
                 reason=(reason or "").strip() or None, **details)


def _require_reason(reason: str | None) -> None:
    if not (reason or "").strip():
        raise ReviewError(_l("A reason is required."))


# --- The firm's inbox --------------------------------------------------------------------------

def notify(session: Session, firm_id: int, kind: str, *, candidate: Candidate | None = None,
           certificate: Certificate | None = None, link: str | None = None,
           recipients: list[str] | None = None, **details) -> Notification:
    """Tell the firm about a decision: its inbox, and e-mail to its users when SMTP is set up.

    The mail links to `link` (the page the decision is about), else to the inbox. It goes to
    `recipients` when the caller has read them (a batch reads every firm's at once), else to the
    firm's active users."""
    from registry.services import mail
    notification = Notification(firm_id=firm_id, kind=kind,
                                candidate_id=getattr(candidate, "id", None),
                                certificate_id=getattr(certificate, "id", None), details=details)
    session.add(notification)
    session.flush()
    if mail.smtp_configured():
        # The daily pass runs outside any request: its mails carry no link.
        to_inbox = link is None
        if to_inbox and has_request_context():
            link = url_for("inbox.index", _external=True)
        if recipients is None:
            recipients = session.scalars(select(User.email).where(
                User.firm_id == firm_id, User.active.is_(True))).all()
        for email in recipients:
            mail.send(session, email, "inbox/mail.txt", notification=notification, link=link,
                      to_inbox=to_inbox)
    return notification


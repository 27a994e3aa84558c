"""The firm file for officers: profile, filings over the years with charts, tier history,
current verdicts explained, flags, incentives and the audit history; accepting and returning
filings, revoking certificates; deregistering the firm (注销) and moving it to another
district."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from registry.auth.permissions import Permission, has_permission, requires
from registry.auth.scope import may_see_firm
from registry.extensions import db
from registry.forms.officer import (
    ActionForm,
    DeregisterForm,
    MoveFirmForm,
    ReasonForm,
    ReturnFilingForm,
)
from registry.forms.portal import TECH_FIELD_LABELS
from registry.i18n import current_locale
from registry.models import (
    AuditEvent,
    Candidate,
    Certificate,
    Filing,
    FirmFlag,
    IncentiveOpportunity,
    PublicNotice,
    User,
)
from registry.models.certificate import TIERS
from registry.rules import ParameterError, load_parameters, today_in_shanghai
from registry.rules.params import first_policy_year
from registry.services import evaluation, filings, firms, official, outreach, review, settings
from registry.views.officer import ID, YEAR, bp, district_names, firm_or_404

AUDIT_LIMIT = 200


def hnte_band(fiscal_year: int, revenue: Decimal | None) -> Decimal | None:
    """The HNTE R&D-ratio band a firm with this year's revenue must reach (rules.md §2),
    from the parameters in force when the year is the latest data year (the earliest set for
    years before it: the bands date from 2016 and have not changed)."""
    if revenue is None:
        return None
    policy_year = max(fiscal_year + 1, first_policy_year())
    try:
        bands = load_parameters(policy_year).tier("hnte").section("rd_ratio").get("bands")
    except ParameterError:
        return None
    for band in bands:
        if "up_to" not in band or revenue <= Decimal(band["up_to"]):
            return Decimal(band["min"])
    return None


def chart_data(rows: list[Filing]) -> dict:
    """Revenue, R&D and the R&D ratio against its band line, per fiscal year (JSON-ready)."""
    def number(value):
        return float(value) if value is not None else None
    ratio = [number(f.rd_expense / f.revenue * 100) if f.revenue and f.rd_expense is not None
             else None for f in rows]
    bands = [hnte_band(f.fiscal_year, f.revenue) for f in rows]
    band = [number(value * 100) if value is not None else None for value in bands]
    return {"years": [f.fiscal_year for f in rows],
            "revenue": [number(f.revenue) for f in rows],
            "rd": [number(f.rd_expense) for f in rows], "ratio": ratio, "band": band}


def tier_timeline(certificates: list[Certificate], candidates: list[Candidate], today) -> dict:
    """Per tier, the certificates as spans and the candidacies as points, placed in percent of
    the whole years around everything the firm holds (and today)."""
    days = [today] + [c.issued for c in certificates] + [c.expires for c in certificates] + \
        [c.opened_at.date() for c in candidates]
    first, last = min(days).replace(month=1, day=1), max(days).replace(month=12, day=31)
    span = (last - first).days + 1

    def left(day) -> float:
        return round((day - first).days / span * 100, 2)

    rows = []
    for tier in TIERS:
        spans = [{"certificate": c, "left": left(c.issued),
                  "width": round(((c.expires - c.issued).days + 1) / span * 100, 2)}
                 for c in certificates if c.tier == tier]
        points = [{"candidate": c, "left": left(c.opened_at.date())}
                  for c in candidates if c.tier == tier]
        if spans or points:
            rows.append({"tier": tier, "spans": spans, "points": points})
    return {"rows": rows, "years": list(range(first.year, last.year + 1)), "today": left(today)}


@bp.get(f"/firms/<{ID}:firm_id>")
@requires(Permission.FIRMS_VIEW)
def firm_file(firm_id: int):
    return render_firm(firm_or_404(firm_id))


def _move_form(firm, form=None) -> MoveFirmForm:
    form = form or MoveFirmForm()
    form.district.choices = [SelectChoice(code, name) for code, name in district_choices()
                             if code != firm.district]
    return form


def render_firm(firm, *, deregister_form=None, reinstate_form=None, move_form=None, status=200):
    session, today = db.session, today_in_shanghai()
    firm_filings = list(session.scalars(select(Filing).where(Filing.firm_id == firm.id)
                                        .order_by(Filing.fiscal_year)))
    certificates = list(session.scalars(select(Certificate).where(Certificate.firm_id == firm.id)
                                        .order_by(Certificate.issued)))
    candidates = list(session.scalars(select(Candidate).where(Candidate.firm_id == firm.id)
                                      .order_by(Candidate.cycle, Candidate.tier)))
    flags = session.scalars(select(FirmFlag).where(FirmFlag.firm_id == firm.id,
                                                   FirmFlag.status == "open")
                            .order_by(FirmFlag.cycle.desc(), FirmFlag.flag)).all()
    flagged = {(flag.cycle, flag.flag) for flag in flags}
    incentives = [item for item in session.scalars(select(IncentiveOpportunity).where(
        IncentiveOpportunity.firm_id == firm.id, IncentiveOpportunity.status == "open")
        .order_by(IncentiveOpportunity.cycle.desc()))
        if outreach.offered(item.incentive, {f for cycle, f in flagged if cycle == item.cycle})]
    notices = {n.certificate_id: n for n in session.scalars(
        select(PublicNotice).where(PublicNotice.firm_id == firm.id))}
    corrections = filings.open_corrections_of_firm(session, firm.id)
    from registry.views.audit_events import EventText, action_label  # imports this package
    history = []
    if has_permission(current_user, Permission.AUDIT_VIEW):
        history = session.execute(
            select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.firm_id == firm.id).order_by(AuditEvent.id.desc())
            .limit(AUDIT_LIMIT)).all()
    return render_template(
        "officer/firm.html", firm=firm, district=district_names().get(firm.district, firm.district),
        filings=firm_filings, chart=chart_data(firm_filings), certificates=certificates,
        notices=notices, corrections=corrections, candidates=candidates,
        timeline=tier_timeline(certificates, candidates, today), flags=flags,
        incentives=incentives, state=evaluation.ladder(session, firm.id, current_locale()),
        history=history, sentence=EventText(session, [event for event, _actor in history]).sentence,
        action_label=action_label, tech_fields=TECH_FIELD_LABELS, action_form=ActionForm(),
        return_form=ReturnFilingForm(),
        revoke_form=ReasonForm(), audit_limit=AUDIT_LIMIT, today=today,
        deregister_form=deregister_form or DeregisterForm(formdata=None),
        reinstate_form=reinstate_form or ReasonForm(formdata=None),
        move_form=_move_form(firm, move_form),
        sources=official.provenance(session, firm.id, firm_filings),
        survey_labels=SURVEY_LABELS), status


SURVEY_LABELS = {"confirmed": _l("yes, confirmed by the statistics bureau"),
                 "unverified": _l("yes, self-declared (unverified)"), "declared_no": _l("no")}


def district_choices() -> list[tuple[str, str]]:
    """The bureau's active districts, named in the reader's language."""
    return list(settings.district_names(db.session, current_locale(), active_only=True).items())


def _firm_change(firm, action, done: str, **forms):
    """Run a change of the firm itself: commit and say so, or show the page again with the
    reason next to the field (409)."""
    try:
        action()
    except firms.ProfileError as error:
        db.session.rollback()
        form = next(iter(forms.values()))
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "danger")
        return render_firm(firm, status=409, **forms)
    db.session.commit()
    flash(done, "success")
    if not may_see_firm(current_user, firm):  # moved out of the officer's districts
        return redirect(url_for("officer.directory"))
    return redirect(url_for("officer.firm_file", firm_id=firm.id, _anchor="standing"))


@bp.post(f"/firms/<{ID}:firm_id>/deregister")
@requires(Permission.FIRMS_MANAGE)
def deregister_firm(firm_id: int):
    firm = firm_or_404(firm_id)
    form = DeregisterForm()
    if not form.validate_on_submit():
        return render_firm(firm, deregister_form=form, status=400)
    return _firm_change(
        firm, lambda: firms.deregister(db.session, current_user, firm, on=form.on.data,
                                       reason=form.reason.data, today=today_in_shanghai()),
        _("%(firm)s is deregistered from %(day)s.", firm=firm.name, day=form.on.data),
        deregister_form=form)


@bp.post(f"/firms/<{ID}:firm_id>/reinstate")
@requires(Permission.FIRMS_MANAGE)
def reinstate_firm(firm_id: int):
    firm = firm_or_404(firm_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_firm(firm, reinstate_form=form, status=400)
    return _firm_change(
        firm, lambda: firms.reinstate(db.session, current_user, firm, reason=form.reason.data),
        _("The deregistration of %(firm)s is undone.", firm=firm.name), reinstate_form=form)


@bp.post(f"/firms/<{ID}:firm_id>/move")
@requires(Permission.FIRMS_MANAGE)
def move_firm(firm_id: int):
    firm = firm_or_404(firm_id)
    form = _move_form(firm, MoveFirmForm())
    if not form.validate_on_submit():
        return render_firm(firm, move_form=form, status=400)
    active = dict(district_choices())
    return _firm_change(
        firm, lambda: firms.move(db.session, current_user, firm, district=form.district.data,
                                 active_districts=active),
        _("%(firm)s now belongs to %(district)s.", firm=firm.name,
          district=active.get(form.district.data, form.district.data)), move_form=form)


def _filing_or_404(firm_id: int, year: int) -> Filing:
    firm = firm_or_404(firm_id)
    filing = filings.get_filing(db.session, firm, year, lock=True)
    if filing is None:
        abort(404)
    return filing


@bp.post(f"/firms/<{ID}:firm_id>/filings/<{YEAR}:year>/accept")
@requires(Permission.FILINGS_REVIEW)
def accept_filing(firm_id: int, year: int):
    filing = _filing_or_404(firm_id, year)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _filing_action(lambda: filings.accept(db.session, filing, current_user), firm_id,
                          _("The filing for %(year)s is accepted.", year=year))


@bp.post(f"/firms/<{ID}:firm_id>/filings/<{YEAR}:year>/return")
@requires(Permission.FILINGS_REVIEW)
def return_filing(firm_id: int, year: int):
    return _back_to_firm(firm_id, year, filings.return_filing,
                         _("The filing for %(year)s went back to the firm.", year=year))


@bp.post(f"/firms/<{ID}:firm_id>/filings/<{YEAR}:year>/reopen")
@requires(Permission.FILINGS_REVIEW)
def reopen_filing(firm_id: int, year: int):
    """Reopen an accepted filing for correction (the firm's request, or the officer's own)."""
    return _back_to_firm(firm_id, year, filings.reopen,
                         _("The filing for %(year)s is reopened: the firm can correct it.",
                           year=year))


def _back_to_firm(firm_id: int, year: int, transition, done: str):
    """Send a filing back to the firm with what it must correct (`transition`: the filings
    service's return or reopening)."""
    filing = _filing_or_404(firm_id, year)
    form = ReturnFilingForm()
    if not form.validate_on_submit():
        flash(_("Say what the firm must correct."), "danger")
        return redirect(url_for("officer.firm_file", firm_id=firm_id, _anchor="filings"))
    return _filing_action(
        lambda: transition(db.session, filing, current_user, form.comment.data), firm_id, done)


@bp.post(f"/firms/<{ID}:firm_id>/filings/<{YEAR}:year>/decline-correction")
@requires(Permission.FILINGS_REVIEW)
def decline_correction(firm_id: int, year: int):
    filing = _filing_or_404(firm_id, year)
    correction = filings.open_correction(db.session, filing)
    if correction is None:
        abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("A reason is required."), "danger")
        return redirect(url_for("officer.firm_file", firm_id=firm_id, _anchor="filings"))
    return _filing_action(
        lambda: filings.decline_correction(db.session, correction, current_user,
                                           form.reason.data),
        firm_id, _("The correction request for %(year)s is declined.", year=year))


@bp.get("/corrections")
@requires(Permission.FILINGS_REVIEW)
def corrections():
    """Corrections of accepted filings still being worked on in the officer's districts: the
    firms' requests to decide, and the reopened filings until they are accepted again."""
    return render_template("officer/corrections.html",
                           rows=filings.open_corrections(db.session, current_user))


def requested_corrections() -> int:
    """How many firms' correction requests in the officer's districts await a decision."""
    return filings.corrections_to_decide(db.session, current_user)


def _filing_action(action, firm_id: int, done: str):
    """Run one of the portal's filing transitions: commit and say so, or roll back and say why."""
    try:
        action()
    except filings.FilingError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("officer.firm_file", firm_id=firm_id, _anchor="filings"))


@bp.post(f"/certificates/<{ID}:certificate_id>/revoke")
@requires(Permission.CERTIFICATES_MANAGE)
def revoke_certificate(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    firm_or_404(certificate.firm_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("A reason is required."), "danger")
        return redirect(url_for("officer.firm_file", firm_id=certificate.firm_id,
                                _anchor="certificates"))
    try:
        review.revoke(db.session, certificate, current_user, form.reason.data)
    except review.ReviewError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("officer.firm_file", firm_id=certificate.firm_id))
    db.session.commit()
    flash(_("The certificate is revoked."), "success")
    return redirect(url_for("officer.firm_file", firm_id=certificate.firm_id,
                            _anchor="certificates"))

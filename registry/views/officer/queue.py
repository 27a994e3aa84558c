"""The candidate queue, a candidate's page with its explanation and decisions, bulk actions."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from registry.auth.permissions import Permission, requires, roles_with
from registry.extensions import db
from registry.forms.officer import AssignForm, BulkForm, DecisionForm
from registry.i18n import current_locale
from registry.models import AuditEvent, Firm, PublicNotice, Scan, User
from registry.models.candidate import CANDIDATE_STATUSES
from registry.models.certificate import TIERS
from registry.rules import today_in_shanghai
from registry.services import directory, evaluation, review
from registry.services.directory import INDUSTRY_SECTIONS, QUEUE_SORTS, QueueFilters
from registry.views import as_id
from registry.views.officer import FLAG_LABELS, ID, bp, visible_districts

MAX_BULK = 500


def _filters_from_request(cycles: list[int]) -> QueueFilters:
    args = request.args
    districts = visible_districts()
    status = args.get("status", "open")
    cycle = args.get("cycle", type=int)
    return QueueFilters(
        cycle=cycle if cycle in cycles else (cycles[0] if cycles else None),
        status=status if status in CANDIDATE_STATUSES else None,
        tier=args.get("tier") if args.get("tier") in TIERS else None,
        district=args.get("district") if args.get("district") in districts else None,
        industry=(args.get("industry") or "").strip()[:8] or None,
        flag=args.get("flag") if args.get("flag") in FLAG_LABELS else None,
        scan=args.get("scan", type=as_id),
        assigned=args.get("assigned") if args.get("assigned") in ("me", "none") else None,
        q=(args.get("q") or "").strip()[:100] or None,
        sort=args.get("sort") if args.get("sort") in QUEUE_SORTS else "newest")


def query_args(filters: QueueFilters, **changes) -> dict:
    """The query string of `filters` with `changes` (None removes a filter)."""
    values = {"cycle": filters.cycle, "status": filters.status or "all", "tier": filters.tier,
              "district": filters.district, "industry": filters.industry, "flag": filters.flag,
              "scan": filters.scan, "assigned": filters.assigned, "q": filters.q,
              "sort": filters.sort}
    values.update(changes)
    if values.get("status") is None:
        values["status"] = "all"
    return {key: value for key, value in values.items() if value not in (None, "")}


@bp.get("/queue")
@requires(Permission.CANDIDATES_VIEW)
def queue():
    """The list answers at once; the counts per filter come from `queue_counts` (fetched by the
    page), so counting 100,000 candidates never holds the list up."""
    cycles = directory.cycles(db.session)
    filters = _filters_from_request(cycles)
    page = directory.queue_page(db.session, current_user, filters, request.args.get("after"))
    scans = db.session.scalars(select(Scan).where(Scan.kind == "full")
                               .order_by(Scan.id.desc()).limit(10)).all()
    return render_template(
        "officer/queue.html", filters=filters, page=page, districts=visible_districts(),
        cycles=cycles, statuses=CANDIDATE_STATUSES, tiers=TIERS, sections=INDUSTRY_SECTIONS,
        section_label=lambda letter: f"{letter} · {INDUSTRY_SECTIONS[letter]}", scans=scans,
        query_args=query_args, bulk_form=BulkForm(),
        assignees=_assignees([filters.district] if filters.district else visible_districts()))


@bp.get("/queue/counts")
@requires(Permission.CANDIDATES_VIEW)
def queue_counts():
    """{"total": n, "counts": {facet: {value: n}}} for the filters of the query string."""
    filters = _filters_from_request(directory.cycles(db.session))
    counts = directory.queue_counts(db.session, current_user, filters)
    return jsonify(total=counts.pop("total")["all"],
                   counts={facet: {str(value): n for value, n in values.items()}
                           for facet, values in counts.items()})


def _assignees(districts) -> list[User]:
    return review.assignable_officers(db.session, districts)


def _candidate_or_404(candidate_id: int):
    candidate = directory.scoped_candidate_or_none(db.session, current_user, candidate_id)
    if candidate is None:
        abort(404)
    return candidate


def _decision_form(candidate) -> DecisionForm:
    form = DecisionForm()
    form.filing_year.choices = [SelectChoice(str(f.fiscal_year))
                                for f in review.returnable_filings(db.session, candidate)]
    return form


def render_candidate(candidate, *, form=None, problem=None, status=200):
    firm = db.session.get(Firm, candidate.firm_id)
    history = db.session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "candidate", AuditEvent.object_id == candidate.id)
        .order_by(AuditEvent.id)).all()
    notice = db.session.scalar(select(PublicNotice)
                               .where(PublicNotice.candidate_id == candidate.id))
    assign_form = AssignForm()
    assign_form.assignee.choices = [SelectChoice("", _("Nobody"))] + [
        SelectChoice(str(user.id), user.name or user.email)
        for user in _assignees([candidate.district] if candidate.district else [])]
    assign_form.assignee.data = str(candidate.assigned_to_id or "")
    year = today_in_shanghai().year
    # The verdict the candidate was opened (or frozen) with and the figures behind it.
    evidence = evaluation.candidate_evidence(db.session, candidate, firm, current_locale())
    return render_template(
        "officer/candidate.html", candidate=candidate, firm=firm, evidence=evidence,
        explanation=evidence["result"] if evidence else None, history=history, notice=notice,
        choices=review.officer_choices(candidate), form=form or _decision_form(candidate),
        assign_form=assign_form, problem=problem,
        barred=review.is_barred(db.session, candidate.firm_id, candidate.tier, year),
        fixed_validity=review.has_fixed_validity(db.session, candidate.tier),
        assigned=db.session.get(User, candidate.assigned_to_id) if candidate.assigned_to_id
        else None), status


@bp.get(f"/candidates/<{ID}:candidate_id>")
@requires(Permission.CANDIDATES_VIEW)
def candidate(candidate_id: int):
    return render_candidate(_candidate_or_404(candidate_id))


@bp.post(f"/candidates/<{ID}:candidate_id>/<name>")
@requires(Permission.CANDIDATES_DECIDE)
def decide(candidate_id: int, name: str):
    if name not in review.OFFICER_DECISIONS:
        abort(404)
    candidate = _candidate_or_404(candidate_id)
    form = _decision_form(candidate)
    if not form.validate_on_submit():
        return render_candidate(candidate, form=form, status=400,
                                problem=_("Please correct the fields below."))
    try:
        _apply_decision(candidate, name, form)
    except review.ReviewError as error:
        db.session.rollback()
        return render_candidate(_candidate_or_404(candidate_id), form=form, status=409,
                                problem=error.message)
    db.session.commit()
    flash(_("Done: %(decision)s.", decision=review.CANDIDATE_TRANSITIONS[name].label), "success")
    return redirect(url_for("officer.candidate", candidate_id=candidate_id))


def _apply_decision(candidate, name: str, form: DecisionForm) -> None:
    review.decide(db.session, candidate, current_user, name, today=today_in_shanghai(),
                  reason=form.reason.data, valid_until=form.valid_until.data,
                  until=form.until.data, filing_year=form.filing_year.data)


@bp.post(f"/candidates/<{ID}:candidate_id>/assign")
@requires(Permission.CANDIDATES_DECIDE)
def assign(candidate_id: int):
    candidate = _candidate_or_404(candidate_id)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    assignee = _assignee_or_none(form.assignee.data)
    try:
        review.assign(db.session, candidate, current_user, assignee)
    except review.ReviewError as error:
        db.session.rollback()
        return render_candidate(candidate, status=409, problem=error.message)
    db.session.commit()
    flash(_("Assignment saved."), "success")
    return redirect(url_for("officer.candidate", candidate_id=candidate_id))


def _assignee_or_none(value: str | None) -> User | None:
    if not value:
        return None
    try:
        user = db.session.get(User, as_id(value))
    except ValueError:
        user = None
    if user is None or user.role not in roles_with(Permission.CANDIDATES_DECIDE):
        abort(400)
    return user


# --- Bulk actions: a confirmation page, then a summary of what changed --------------------------

@bp.post("/queue/bulk")
@requires(Permission.CANDIDATES_DECIDE)
def bulk():
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids = sorted(set(request.form.getlist("ids", type=as_id)))
    if not ids:
        flash(_("Select candidates first."), "warning")
        return redirect(request.referrer or url_for("officer.queue"))
    if len(ids) > MAX_BULK:
        flash(_("At most %(count)s candidates at once.", count=MAX_BULK), "warning")
        return redirect(url_for("officer.queue"))
    candidates = directory.scoped_candidates(db.session, current_user, ids)
    assignee = _assignee_or_none(form.assignee.data) if form.action.data == "assign" else None
    # Each candidate named by its firm (read now: the commit below expires the candidates).
    firms = {c.id: (c.firm.name, c.firm.credit_code or c.firm.external_ref) for c in candidates}
    if form.confirm.data != "yes":
        return render_template("officer/bulk_confirm.html", form=form, candidates=candidates,
                               plan=[(c, _bulk_plan(c, form.action.data, assignee))
                                     for c in candidates], assignee=assignee, firms=firms)
    outcomes = [(c, _bulk_apply(c, form.action.data, assignee)) for c in candidates]
    db.session.commit()
    return render_template("officer/bulk_summary.html", form=form, outcomes=outcomes,
                           assignee=assignee, firms=firms)


def _bulk_plan(candidate, action: str, assignee) -> tuple[bool, str]:
    """(will change, what) without changing anything."""
    if action == "assign":
        if assignee is not None and not review.may_take(assignee, candidate.district):
            return False, _("not in the officer's districts")
        same = candidate.assigned_to_id == getattr(assignee, "id", None)
        return (not same), (_("already assigned") if same else _("will be assigned"))
    if candidate.status in ("open", "in_review"):
        return True, _("will be approved into public notice")
    return False, _("cannot be approved: it is %(status)s",
                    status=candidate.status)


def _bulk_apply(candidate, action: str, assignee) -> tuple[bool, str]:
    """Apply one candidate's part in its own savepoint; a refusal leaves the others going."""
    changed, message = _bulk_plan(candidate, action, assignee)
    if not changed:
        return False, message
    try:
        with db.session.begin_nested():
            if action == "assign":
                review.assign(db.session, candidate, current_user, assignee)
                return True, _("assigned")
            if candidate.status == "open":
                review.start_review(db.session, candidate, current_user)
            notice = review.approve(db.session, candidate, current_user,
                                    today=today_in_shanghai())
            return True, _("approved; public notice until %(day)s",
                           day=notice.last_day.isoformat())
    except review.ReviewError as error:
        db.session.refresh(candidate)
        return False, str(error.message)

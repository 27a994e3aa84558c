"""Public notices and their objections, and imports of certificate lists from the province."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.auth.permissions import Permission, requires
from registry.auth.scope import firm_scope
from registry.extensions import db
from registry.forms.officer import ActionForm, CertificateImportForm, ObjectionForm, ReasonForm
from registry.models import CertificateImport, Firm, NoticeBatch, Objection, PublicNotice
from registry.models.review import NOTICE_STATUSES
from registry.rules import today_in_shanghai
from registry.services import certificates, review
from registry.services.calendar import missing_calendar_warnings
from registry.views.officer import ID, bp, district_names, tier_label, uploaded_bytes
from registry.views.officer.export import table_response

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _notice_or_404(notice_id: int) -> PublicNotice:
    notice = db.session.scalar(select(PublicNotice).join(Firm, Firm.id == PublicNotice.firm_id)
                               .where(PublicNotice.id == notice_id, firm_scope(current_user)))
    if notice is None:
        abort(404)
    return notice


@bp.get("/notices", endpoint="notices")
@requires(Permission.CERTIFICATES_VIEW)
def notice_list():
    status = request.args.get("status", "running")
    query = (select(PublicNotice).join(Firm, Firm.id == PublicNotice.firm_id)
             .where(firm_scope(current_user)).order_by(PublicNotice.last_day, PublicNotice.id))
    if status in NOTICE_STATUSES:
        query = query.where(PublicNotice.status == status)
    notices = db.session.scalars(query.limit(500)).all()
    return render_template("officer/notices.html", notices=notices, status=status,
                           today=today_in_shanghai())


def render_notice(notice: PublicNotice, *, form=None, problem=None, status=200):
    return render_template(
        "officer/notice.html", notice=notice, form=form or ObjectionForm(),
        decision_form=ReasonForm(), problem=problem, today=today_in_shanghai(),
        calendar_warnings=missing_calendar_warnings(notice.calendar_missing_years)), status


@bp.get(f"/notices/<{ID}:notice_id>")
@requires(Permission.CERTIFICATES_VIEW)
def notice(notice_id: int):
    return render_notice(_notice_or_404(notice_id))


@bp.post(f"/notices/<{ID}:notice_id>/objections")
@requires(Permission.CERTIFICATES_MANAGE)
def record_objection(notice_id: int):
    notice = _notice_or_404(notice_id)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return render_notice(notice, form=form, status=400,
                             problem=_("Please correct the fields below."))
    try:
        review.record_objection(db.session, notice, current_user,
                                received_on=form.received_on.data, objector=form.objector.data,
                                summary=form.summary.data)
    except review.ReviewError as error:
        db.session.rollback()
        return render_notice(_notice_or_404(notice_id), form=form, status=409,
                             problem=error.message)
    db.session.commit()
    flash(_("The objection is recorded; the certificate waits for your decision."), "success")
    return redirect(url_for("officer.notice", notice_id=notice_id))


@bp.post(f"/objections/<{ID}:objection_id>/<outcome>")
@requires(Permission.CERTIFICATES_MANAGE)
def decide_objection(objection_id: int, outcome: str):
    decide = {"uphold": review.uphold_objection, "dismiss": review.dismiss_objection}.get(outcome)
    objection = db.session.get(Objection, objection_id)
    if decide is None or objection is None:
        abort(404)
    notice = _notice_or_404(objection.notice_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_notice(notice, status=400, problem=_("A reason is required."))
    try:
        decide(db.session, objection, current_user, form.reason.data)
    except review.ReviewError as error:
        db.session.rollback()
        return render_notice(_notice_or_404(notice.id), status=409, problem=error.message)
    db.session.commit()
    flash(_("The objection is upheld: the approval is withdrawn.") if outcome == "uphold"
          else _("The objection is dismissed."), "success")
    return redirect(url_for("officer.notice", notice_id=notice.id))


# --- Notice batches (文号): what the bureau publishes -------------------------------------------

def _batch_or_404(batch_id: int) -> tuple[NoticeBatch, list[PublicNotice]]:
    """A batch with at least one notice the user may see (another district's batch: 404)."""
    batch = db.session.get(NoticeBatch, batch_id)
    notices = (certificates.batch_notices(db.session, current_user, batch_id)
               if batch is not None else [])
    if not notices:
        abort(404)
    return batch, notices


@bp.get("/notice-batches")
@requires(Permission.CERTIFICATES_VIEW)
def notice_batches():
    """Notice batches with a notice in the user's districts, newest first, with counts."""
    rows = certificates.notice_batches(db.session, current_user)
    return render_template("officer/notice_batches.html", rows=rows, today=today_in_shanghai())


@bp.get(f"/notice-batches/<{ID}:notice_batch_id>")
@requires(Permission.CERTIFICATES_VIEW)
def notice_batch(notice_batch_id: int):
    """The printable list of a batch, as the bureau publishes it."""
    batch, notices = _batch_or_404(notice_batch_id)
    return render_template("officer/notice_batch.html", batch=batch, notices=notices,
                           districts=district_names(), today=today_in_shanghai(),
                           form=ActionForm())


@bp.get(f"/notice-batches/<{ID}:notice_batch_id>/export.<fmt>")
@requires(Permission.CERTIFICATES_VIEW)
def notice_batch_export(notice_batch_id: int, fmt: str):
    """The batch's list as CSV or XLSX, to publish on the bureau's website."""
    batch, notices = _batch_or_404(notice_batch_id)
    districts = district_names()
    headers = [_("No."), _("Firm"), _("Credit code"), _("District"), _("Tier"),
               _("Notice from"), _("Notice to"), _("Certificate number"), _("Notice number")]
    rows = ([n, notice.firm.name, notice.firm.credit_code,
             districts.get(notice.firm.district, notice.firm.district),
             tier_label(batch.tier), notice.first_day, notice.last_day,
             notice.certificate.number or "", batch.number]
            for n, notice in enumerate(notices, 1))
    # Named by the notice's first day (the year kept), never by the batch's internal id.
    return table_response(f"notice-{batch.first_day.isoformat()}", headers, rows, fmt)


@bp.post(f"/notice-batches/<{ID}:notice_batch_id>/end")
@requires(Permission.CERTIFICATES_MANAGE)
def end_notice_batch(notice_batch_id: int):
    """End the batch's notices now that their period is over, and issue the certificates."""
    batch, notices = _batch_or_404(notice_batch_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        issued = certificates.end_notice_batch(db.session, batch, notices, current_user,
                                               today_in_shanghai())
    except review.ReviewError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The notice is ended: %(count)s certificates issued.", count=issued), "success")
    return redirect(url_for("officer.notice_batch", notice_batch_id=notice_batch_id))


# --- Certificate lists granted by the province --------------------------------------------------

def _imports_visible():
    query = select(CertificateImport).order_by(CertificateImport.id.desc())
    if current_user.role != "admin":
        query = query.where(CertificateImport.uploaded_by_id == current_user.id)
    return query


@bp.route("/certificates/import", methods=["GET", "POST"])
@requires(Permission.CERTIFICATES_MANAGE)
def certificate_import():
    form = CertificateImportForm()
    if form.validate_on_submit():
        data = uploaded_bytes(form.file, MAX_UPLOAD_BYTES)
        if data is not None:
            batch = certificates.import_certificates(db.session, current_user,
                                                     form.file.data.filename or "upload", data,
                                                     firm_scope(current_user))
            db.session.commit()
            return redirect(url_for("officer.certificate_import_report", batch_id=batch.id))
    recent = db.session.scalars(_imports_visible().limit(20)).all()
    return render_template("officer/certificate_import.html", form=form, recent=recent,
                           columns=certificates.HEADER_ALIASES), 400 if form.errors else 200


@bp.get(f"/certificates/imports/<{ID}:batch_id>")
@requires(Permission.CERTIFICATES_MANAGE)
def certificate_import_report(batch_id: int):
    batch = db.session.scalar(_imports_visible().where(CertificateImport.id == batch_id))
    if batch is None:
        abort(404)
    return render_template("officer/certificate_import_report.html", batch=batch)

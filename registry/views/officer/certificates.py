"""Public notices and their objections, and imports of certificate lists from the province."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.auth.permissions import Permission, requires
from registry.auth.scope import firm_scope
from registry.extensions import db
from registry.forms.officer import CertificateImportForm, ObjectionForm, ReasonForm
from registry.models import CertificateImport, Firm, Objection, PublicNotice
from registry.models.review import NOTICE_STATUSES
from registry.rules import today_in_shanghai
from registry.services import certificates, review
from registry.services.calendar import missing_calendar_warnings
from registry.views.officer import ID, bp

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
        upload = form.file.data
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            form.file.errors.append(_("The file is larger than 5 MB."))
        else:
            batch = certificates.import_certificates(db.session, current_user,
                                                     upload.filename or "upload", data,
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

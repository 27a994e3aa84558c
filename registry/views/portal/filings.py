"""Annual filings: the list of years, the form (save, autosave, submit), revisions with their
diffs, the receipt, and the Excel template round trip."""
from __future__ import annotations

import io

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.figures import (
    FIGURE_SPECS,
    ORDERED,
    SECTIONS,
    WARNING_FIELDS,
    figure_from_json,
    plausibility_warnings,
    warning_message,
)
from registry.forms.filing import CorrectionRequestForm, FilingForm
from registry.services import export, filings, xlsx
from registry.services.filings import EDITABLE_STATUSES, FilingError
from registry.views.keep import EXPIRED_NOTICE, csrf_expired, keeps_input, restore_input
from registry.views.portal import bp, current_firm


def _filing_or_new(year: int, *, lock: bool = False):
    """This firm's filing for `year` (or a new draft); 404 outside founding year..last year."""
    firm = current_firm()
    if year not in filings.fiscal_years(firm):
        abort(404)
    return (filings.get_filing(db.session, firm, year, lock=lock)
            or filings.new_filing(db.session, firm, year))


@bp.get("/filings")
@requires(Permission.PORTAL_USE)
def filing_list():
    firm = current_firm()
    by_year = filings.filings_by_year(db.session, firm)
    years = sorted(filings.fiscal_years(firm), reverse=True)
    return render_template("portal/filing_list.html", firm=firm, years=years, by_year=by_year)


@bp.route("/filings/<int(min=1, max=9999):year>", methods=["GET", "POST"])
@requires(Permission.PORTAL_USE)
@keeps_input
def filing(year: int):
    record = _filing_or_new(year, lock=request.method == "POST")
    if record.status not in EDITABLE_STATUSES:
        if request.method == "POST":
            flash(_("This filing has been submitted and is read-only until an officer returns "
                    "it."), "warning")
            return redirect(url_for(".filing", year=year))
        return _render_read_only(record)
    kept = restore_input() if request.method == "GET" else None
    if kept is not None:
        flash(str(EXPIRED_NOTICE), "warning")
    form = FilingForm(formdata=kept, obj=record) if kept is not None else FilingForm(obj=record)
    if not form.is_submitted():
        form.confirm.data = list(record.confirmed_warnings or [])
    problem = warnings = None
    if form.validate_on_submit():
        try:
            return _save_or_submit(record, form)
        except filings.UnconfirmedWarnings as error:
            warnings, problem = error.warnings, error.message
        except filings.InvalidFigures as error:
            _show_errors(form, error.errors)
            problem = error.message
        except FilingError as error:
            problem = error.message
        db.session.rollback()
    elif csrf_expired(form):
        problem = EXPIRED_NOTICE
    elif form.is_submitted():
        problem = _("Nothing was saved: correct the figures marked in red.")
    return _render_form(record, form, problem=problem, warnings=warnings)


def _save_or_submit(record, form: FilingForm):
    expected = form.expected_revision()
    if form.submitting:
        revision = filings.submit(db.session, record, current_user, form.figures(),
                                  confirmed=form.confirm.data or (), expected_revision=expected)
        db.session.commit()
        flash(_("Filing for %(year)s submitted (revision %(number)s).", year=record.fiscal_year,
                number=revision.number), "success")
        return redirect(url_for(".receipt", revision_id=revision.id))
    revision = filings.save_draft(db.session, record, current_user, form.figures(),
                                  expected_revision=expected)
    db.session.commit()
    if revision is None:
        flash(_("Nothing changed since the last save."), "info")
    else:
        flash(_("Draft saved (revision %(number)s).", number=revision.number), "success")
    return redirect(url_for(".filing", year=record.fiscal_year))


def _show_errors(form: FilingForm, errors: dict) -> None:
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]


def _render_form(record, form: FilingForm, *, problem=None, warnings=None, status: int = 200):
    previous = filings.previous_figures(db.session, record)
    if warnings is None:
        warnings = plausibility_warnings(form.figures(), previous)
    page = render_template(
        "portal/filing_form.html", filing=record, form=form, sections=SECTIONS,
        previous=previous, warnings=_shown(warnings), problem=problem,
        confirmed=set(form.confirm.data or ()),
        prefilled=record.id is None and any(getattr(record, name) is not None for name in ORDERED))
    return page, status


def _shown(warnings: list[dict]) -> list[dict]:
    return [{"id": w["id"], "field": WARNING_FIELDS.get(w["id"]), "message": warning_message(w)}
            for w in warnings]


def _render_read_only(record, correction_form=None, status: int = 200):
    page = render_template(
        "portal/filing_view.html", filing=record, sections=SECTIONS, specs=FIGURE_SPECS,
        warnings=_shown(filings.warnings_for(db.session, record, record.figures())),
        correction=filings.open_correction(db.session, record),
        corrections=filings.corrections_of(db.session, record),
        correction_form=correction_form or CorrectionRequestForm())
    return page, status


@bp.post("/filings/<int(min=1, max=9999):year>/correction")
@requires(Permission.PORTAL_USE)
def request_correction(year: int):
    """Ask the bureau to reopen an accepted filing for correction."""
    record = _filing_or_new(year, lock=True)
    if record.id is None:
        abort(404)
    form = CorrectionRequestForm()
    if not form.validate_on_submit():
        return _render_read_only(record, form, 422)
    try:
        filings.request_correction(db.session, record, current_user, form.reason.data)
    except FilingError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for(".filing", year=year))
    db.session.commit()
    flash(_("Your correction request is sent to the bureau. You will read its answer in your "
            "inbox."), "success")
    return redirect(url_for(".filing", year=year))


@bp.post("/filings/<int(min=1, max=9999):year>/autosave")
@requires(Permission.PORTAL_USE)
def autosave(year: int):
    """Save the draft while the firm types (fetch with the CSRF header); answers JSON."""
    record = _filing_or_new(year, lock=True)
    form = FilingForm()
    form.action.data = "save"  # an autosave never submits
    if not form.validate():
        errors = {field.name: [str(message) for message in field.errors]
                  for field in form.figure_fields() if field.errors}
        return jsonify(ok=False, errors=errors), 422
    # Only what was sent changes: a partial autosave leaves the other figures alone.
    sent = {name: value for name, value in form.figures().items() if name in request.form}
    try:
        revision = filings.save_draft(db.session, record, current_user, sent,
                                      action="autosave",
                                      expected_revision=form.expected_revision())
    except FilingError as error:
        db.session.rollback()
        return jsonify(ok=False, message=str(error.message)), 409
    db.session.commit()
    warnings = filings.warnings_for(db.session, record, record.figures())
    return jsonify(ok=True, saved=revision is not None, revision=record.revision,
                   warnings=_shown(warnings))


@bp.get("/filings/<int(min=1, max=9999):year>/revisions")
@requires(Permission.PORTAL_USE)
def revisions(year: int):
    record = _filing_or_new(year)
    return render_template("portal/revisions.html", filing=record, specs=FIGURE_SPECS,
                           revisions=filings.revision_history(db.session, record),
                           warning_message=warning_message)


@bp.get("/receipts/<int(min=1, max=2147483647):revision_id>")
@requires(Permission.PORTAL_USE)
def receipt(revision_id: int):
    """A printable receipt of a submission, for the firm to stamp."""
    firm = current_firm()
    revision = filings.get_revision(db.session, firm.id, revision_id)
    if revision is None or revision.action != "submit":
        abort(404)
    return render_template("portal/receipt.html", firm=firm, filing=revision.filing,
                           revision=revision, figures=revision_figures(revision),
                           specs=FIGURE_SPECS, sections=SECTIONS,
                           warning_message=warning_message)


def revision_figures(revision) -> dict:
    """The figures as they were right after `revision` (the working copy minus later changes)."""
    filing = revision.filing
    figures = filing.figures()
    for later in filings.revision_history(db.session, filing):
        if later.number <= revision.number:
            break
        for name, (old, _new) in (later.changes or {}).items():
            figures[name] = figure_from_json(old)
    return figures


@bp.get("/filings/<int(min=1, max=9999):year>/template.xlsx")
@requires(Permission.PORTAL_USE)
def download_template(year: int):
    record = _filing_or_new(year)
    firm = current_firm()
    data = xlsx.build_template(firm, record)
    return send_file(io.BytesIO(data), mimetype=export.XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"filing-{firm.identifier}-{year}.xlsx")


@bp.post("/filings/<int(min=1, max=9999):year>/upload")
@requires(Permission.PORTAL_USE)
def upload(year: int):
    """Apply an uploaded template whole, or report every bad cell (nothing applied)."""
    record = _filing_or_new(year, lock=True)
    firm = current_firm()
    file = request.files.get("file")
    if file is None or not file.filename:
        return _upload_report(record, [xlsx.CellError(None, None, _("Choose a file to upload."))])
    upload = xlsx.read_upload(file.read(xlsx.MAX_UPLOAD_BYTES + 1), firm, year)
    if upload.errors:
        return _upload_report(record, upload.errors)
    form = FilingForm(formdata=_as_formdata(upload.values), meta={"csrf": False})
    if not form.validate():
        return _upload_report(record, xlsx.cell_errors(upload, {f.name: f.errors
                                                                for f in form.figure_fields()}))
    try:
        revision = filings.save_draft(db.session, record, current_user, form.figures(),
                                      action="import")
    except FilingError as error:
        db.session.rollback()
        return _upload_report(record, [xlsx.CellError(None, None, error.message)])
    db.session.commit()
    if revision is None:
        flash(_("The workbook holds the figures already saved: nothing changed."), "info")
    else:
        flash(_("Workbook imported as revision %(number)s. Check the figures, then submit.",
                number=revision.number), "success")
    return redirect(url_for(".filing", year=year))


def _as_formdata(values: dict) -> MultiDict:
    return MultiDict([(name, "" if value is None else value) for name, value in values.items()])


def _upload_report(record, errors: list):
    return render_template("portal/upload_report.html", filing=record, errors=errors,
                           specs=FIGURE_SPECS), 422

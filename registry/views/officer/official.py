"""Official data imports for officers and administrators (issue 14): the statistics bureau's R&D
survey and the tax bureau's super-deduction declarations run as a background job whose progress
the page follows; the firm roster is checked and applied at once (its invitations are mailed
links). Each import has a row report, also as a download."""
from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.officer import OfficialImportForm
from registry.models import OfficialImport
from registry.rules import SHANGHAI
from registry.services import official, roster
from registry.views.officer import ID, bp, uploaded_bytes
from registry.views.officer.export import table_response


def _import_or_404(import_id: int) -> OfficialImport:
    record = db.session.scalar(official.visible_imports(current_user)
                               .where(OfficialImport.id == import_id))
    if record is None:
        abort(404)
    return record


@bp.route("/official", methods=["GET", "POST"])
@requires(Permission.OFFICIAL_IMPORT)
def official_import():
    form = OfficialImportForm()
    if form.validate_on_submit():
        data = uploaded_bytes(form.file, official.MAX_FILE_BYTES)
        if data is not None:
            name = form.file.data.filename or "upload"
            if form.kind.data == "roster":
                record = roster.import_roster(db.session, current_user, name, data,
                                              locale=current_user.locale)
            else:
                record = official.queue_import(db.session, current_user, form.kind.data, name, data)
            db.session.commit()
            return redirect(url_for("officer.official_import_report", import_id=record.id))
    recent = db.session.scalars(official.visible_imports(current_user).limit(20)).all()
    return render_template("officer/official_import.html", form=form, recent=recent,
                           headers=official.HEADERS, roster_columns=roster.COLUMNS), \
        400 if form.errors else 200


@bp.get(f"/official/imports/<{ID}:import_id>")
@requires(Permission.OFFICIAL_IMPORT)
def official_import_report(import_id: int):
    return render_template("officer/official_import_report.html", record=_import_or_404(import_id))


@bp.get(f"/official/imports/<{ID}:import_id>/progress")
@requires(Permission.OFFICIAL_IMPORT)
def official_import_progress(import_id: int):
    record = _import_or_404(import_id)
    return jsonify(status=record.status, rows=record.rows, checked=record.checked,
                   created=record.created, updated=record.updated, unchanged=record.unchanged,
                   errors=len(record.report or []))


@bp.get(f"/official/imports/<{ID}:import_id>/report.<fmt>")
@requires(Permission.OFFICIAL_IMPORT)
def official_import_download(import_id: int, fmt: str):
    record = _import_or_404(import_id)
    headers = [_("Row"), _("Credit code"), _("Errors")]
    rows = [[entry["row"] or "", entry.get("credit_code", ""), "; ".join(entry["errors"])]
            for entry in record.report or []]
    # Named by the uploaded file and its day, not by the import's row id.
    day = record.uploaded_at.astimezone(SHANGHAI).date().isoformat()
    return table_response(f"import-report-{day}", headers, rows, fmt,
                          title=f"{_('Import report')} {record.filename}")

"""The whole registry: the firm directory, and the firms that have not filed a fiscal year."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from registry.auth.contacts import contact_cells
from registry.auth.permissions import Permission, requires
from registry.auth.scope import firm_scope
from registry.extensions import db
from registry.forms.officer import ActionForm
from registry.models import Firm
from registry.models.certificate import TIERS
from registry.models.firm import FIRM_STATUSES
from registry.rules import today_in_shanghai
from registry.services import directory, filings
from registry.services.directory import (
    DIRECTORY_SORTS,
    INDUSTRY_SECTIONS,
    DirectoryFilters,
    NotFiledFilters,
)
from registry.views.officer import bp, visible_districts
from registry.views.officer.export import contact_table_response


def _text_arg(name: str, length: int) -> str | None:
    return (request.args.get(name) or "").strip()[:length] or None


def _directory_filters() -> DirectoryFilters:
    args = request.args
    return DirectoryFilters(
        district=args.get("district") if args.get("district") in visible_districts() else None,
        industry=_text_arg("industry", 8),
        status=args.get("status") if args.get("status") in FIRM_STATUSES else None,
        holds=args.get("holds") if args.get("holds") in TIERS else None,
        q=_text_arg("q", 100),
        sort=args.get("sort") if args.get("sort") in DIRECTORY_SORTS else "name")


@bp.get("/firms", endpoint="directory")
@requires(Permission.FIRMS_VIEW)
def directory_view():
    filters, today = _directory_filters(), today_in_shanghai()
    page = directory.directory_page(db.session, current_user, filters, today,
                                    request.args.get("after"))
    total = directory.directory_total(db.session, current_user, filters, today)
    return render_template("officer/directory.html", filters=filters, page=page, total=total,
                           districts=visible_districts(), sections=INDUSTRY_SECTIONS,
                           tiers=TIERS, statuses=FIRM_STATUSES)


@bp.get("/firms/export.<fmt>")
@requires(Permission.FIRMS_VIEW)
def directory_export(fmt: str):
    """Every firm the directory's filters select, not only the page shown."""
    filters, today = _directory_filters(), today_in_shanghai()
    names = visible_districts()
    headers = [_("Firm"), _("Credit code"), _("District"), _("Industry"), _("Founded"),
               _("Status"), _("Contact"), _("Phone"), _("E-mail")]
    statuses = {"active": _("Onboarded"), "pending": _("Awaiting approval")}
    rows = ([firm.name, firm.credit_code or firm.external_ref, names.get(firm.district, firm.district),
             firm.industry_code, firm.founded, statuses.get(firm.status, firm.status),
             *contact_cells(current_user, firm)]
            for firm in directory.directory_rows(db.session, current_user, filters, today))
    return contact_table_response(f"firms-{today.isoformat()}", headers, rows, fmt,
                                  export_name="directory")


def _fiscal_year(values) -> int:
    """The fiscal year asked for (2000 to last year), else last year."""
    last_year = today_in_shanghai().year - 1
    year = values.get("year", type=int)
    return year if year and 2000 <= year <= last_year else last_year


def _not_filed_filters() -> NotFiledFilters:
    return NotFiledFilters(
        fiscal_year=_fiscal_year(request.args),
        district=(request.args.get("district")
                  if request.args.get("district") in visible_districts() else None),
        industry=_text_arg("industry", 8), q=_text_arg("q", 100))


@bp.get("/not-filed")
@requires(Permission.FIRMS_VIEW)
def not_filed():
    filters = _not_filed_filters()
    page = directory.not_filed_page(db.session, current_user, filters, request.args.get("after"))
    today = today_in_shanghai()
    deadline = directory.filing_deadline(db.session, filters.fiscal_year)
    reminded = filings.last_reminders(db.session, [row[0].id for row in page.rows],
                                      filters.fiscal_year)
    return render_template("officer/not_filed.html", filters=filters, page=page, today=today,
                           deadline=deadline, days_left=(deadline - today).days,
                           reminded=reminded, form=ActionForm(),
                           districts=visible_districts(), sections=INDUSTRY_SECTIONS,
                           years=range(today.year - 1, today.year - 6, -1))


@bp.post("/not-filed/remind")
@requires(Permission.FILINGS_REVIEW)
def not_filed_remind():
    """催报: remind the selected firms (within the officer's districts) to file the year."""
    if not ActionForm().validate_on_submit():
        abort(400)
    year = _fiscal_year(request.form)
    ids = [int(value) for value in request.form.getlist("firm") if value.isdigit()][:1000]
    firms = db.session.scalars(select(Firm).where(Firm.id.in_(ids), firm_scope(current_user))
                               .order_by(Firm.name)).all()
    try:
        count = filings.remind(db.session, current_user, list(firms), year,
                               directory.filing_deadline(db.session, year))
    except filings.FilingError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Reminder sent to %(count)s firms: %(names)s.", count=count,
                names="、".join(firm.name for firm in firms)), "success")
    return redirect(url_for("officer.not_filed", year=year))


# A not-filed firm's filing of the year, as the page's badge names it (portal/_macros.html).
FILING_STATUS_LABELS = {"draft": _l("Draft"), "returned": _l("Returned"), None: _l("Not started")}


@bp.get("/not-filed/export.<fmt>")
@requires(Permission.FIRMS_VIEW)
def not_filed_export(fmt: str):
    filters = _not_filed_filters()
    names = visible_districts()
    headers = [_("Credit code"), _("Firm"), _("District"), _("Industry"), _("Contact"),
               _("Phone"), _("E-mail"), _("Fiscal year"), _("Deadline"), _("Filing")]
    deadline = directory.filing_deadline(db.session, filters.fiscal_year)
    rows = ([firm.credit_code, firm.name, names.get(firm.district, firm.district),
             firm.industry_code, *contact_cells(current_user, firm), filters.fiscal_year, deadline,
             str(FILING_STATUS_LABELS[status])]
            for firm, status in directory.not_filed_rows(db.session, current_user, filters))
    return contact_table_response(f"not-filed-{filters.fiscal_year}", headers, rows, fmt,
                                  export_name="not_filed")

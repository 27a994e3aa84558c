"""Outreach lists per flag and incentive: work them firm by firm, export them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.contacts import contact_cells
from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.officer import OutreachForm
from registry.models.review import OUTREACH_STATUSES
from registry.rules import today_in_shanghai
from registry.services import outreach
from registry.services.directory import INDUSTRY_SECTIONS
from registry.services.export import Column
from registry.services.outreach import OUTREACH_LISTS, STATUS_LABELS, OutreachFilters
from registry.views.display import flag_detail
from registry.views.officer import ID, YEAR, bp, district_names, firm_or_404, visible_districts
from registry.views.officer.export import contact_table_response


def _cycle(cycles: list[int]) -> int:
    chosen = request.args.get("cycle", type=int)
    if chosen in cycles:
        return chosen
    return cycles[0] if cycles else today_in_shanghai().year


def _filters(list_key: str) -> tuple[OutreachFilters, list[int]]:
    """The list's filters from the query string, and the cycles the list has."""
    if list_key not in OUTREACH_LISTS:
        abort(404)
    cycles = outreach.cycles(db.session, list_key)
    args = request.args
    return OutreachFilters(
        list_key=list_key, cycle=_cycle(cycles),
        district=args.get("district") if args.get("district") in visible_districts() else None,
        industry=(args.get("industry") or "").strip()[:8] or None,
        status=args.get("status") if args.get("status") in OUTREACH_STATUSES else None,
        q=(args.get("q") or "").strip()[:100] or None,
        sort=args.get("sort") if args.get("sort") in outreach.sorts(list_key)
        else outreach.sorts(list_key)[0]), cycles


@bp.get("/outreach", endpoint="outreach_index")
@requires(Permission.OUTREACH_VIEW)
def outreach_index():
    return render_template("officer/outreach_index.html", lists=OUTREACH_LISTS.values(),
                           summaries=outreach.summaries(db.session, current_user))


@bp.get("/outreach/<list_key>")
@requires(Permission.OUTREACH_VIEW)
def outreach_list(list_key: str):
    filters, cycles = _filters(list_key)
    page = outreach.list_page(db.session, current_user, filters, request.args.get("after"))
    return render_template("officer/outreach_list.html", item=OUTREACH_LISTS[list_key],
                           filters=filters, page=page, districts=visible_districts(),
                           sections=INDUSTRY_SECTIONS, status_labels=STATUS_LABELS,
                           cycles=cycles, form=OutreachForm())


@bp.post(f"/outreach/<list_key>/<{YEAR}:cycle>/firms/<{ID}:firm_id>")
@requires(Permission.OUTREACH_WORK)
def outreach_update(list_key: str, cycle: int, firm_id: int):
    if list_key not in OUTREACH_LISTS:
        abort(404)
    firm = firm_or_404(firm_id)
    form = OutreachForm()
    if not form.validate_on_submit():
        flash(_("Choose a status."), "danger")
    else:
        outreach.update_entry(db.session, current_user, firm, list_key, cycle,
                              status=form.status.data, notes=form.notes.data)
        db.session.commit()
        flash(_("Saved for %(firm)s.", firm=firm.name), "success")
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith(
        "/officer/outreach/") else url_for("officer.outreach_list", list_key=list_key))


@bp.get("/outreach/<list_key>/export.<fmt>")
@requires(Permission.OUTREACH_VIEW)
def outreach_export(list_key: str, fmt: str):
    filters, _cycles = _filters(list_key)
    item = OUTREACH_LISTS[list_key]
    names = district_names()
    detail_header = (Column(_("Estimated saving (10k yuan)"), total=True) if item.source == "incentive"
                     else _("Detail"))
    headers = [_("Credit code"), _("Firm"), _("District"), _("Industry"), _("Contact"),
               _("Phone"), _("E-mail"), detail_header, _("Status"), _("Notes")]

    def rows():
        for source, firm, entry, status in outreach.list_rows(db.session, current_user, filters):
            detail = source.saving if item.source == "incentive" else flag_detail(source.detail)
            yield [firm.credit_code, firm.name, names.get(firm.district, firm.district),
                   firm.industry_code, *contact_cells(current_user, firm),
                   detail, str(STATUS_LABELS[status]), entry.notes if entry else ""]
    return contact_table_response(f"outreach-{list_key}-{filters.cycle}", headers, rows(), fmt,
                                  export_name="outreach", title=f"{item.title} {filters.cycle}")

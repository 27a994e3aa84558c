"""`/admin/audit`: the audit trail, filtered, newest first a page at a time, and as CSV. Admins read
everything; managers and officers the events of firms within their scope."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.contacts import person_label
from registry.auth.permissions import Permission, has_permission, requires
from registry.extensions import db
from registry.services import audit_log
from registry.services.audit_log import AuditFilters
from registry.views.admin import bp
from registry.views.audit_events import EventText, action_label, object_label
from registry.views.officer.export import table_response


def object_link(event) -> str | None:
    """Where the event's object is read: its own page, else its firm's file."""
    pages = {"user": ("admin.user_detail", "user_id", Permission.USERS_ADMIN),
             "candidate": ("officer.candidate", "candidate_id", Permission.CANDIDATES_VIEW),
             "scan": ("scans.detail", "scan_id", Permission.SCANS_VIEW),
             "firm": ("officer.firm_file", "firm_id", Permission.FIRMS_VIEW),
             "publicnotice": ("officer.notice", "notice_id", Permission.CERTIFICATES_VIEW),
             "spotcheck": ("officer.spot_check", "check_id", Permission.CERTIFICATES_VIEW)}
    page = pages.get(event.object_type)
    if page and event.object_id and has_permission(current_user, page[2]):
        return url_for(page[0], **{page[1]: event.object_id})
    if event.firm_id and has_permission(current_user, Permission.FIRMS_VIEW):
        return url_for("officer.firm_file", firm_id=event.firm_id)
    return None


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


def _filters() -> AuditFilters:
    args = request.args
    return AuditFilters(actor=(args.get("actor") or "").strip()[:254] or None,
                        action=(args.get("action") or "")[:64] or None,
                        object_type=(args.get("object_type") or "")[:32] or None,
                        firm_id=args.get("firm", type=int) if (args.get("firm") or "").isdigit()
                        and len(args["firm"]) < 10 else None,
                        since=_date_arg("since"), until=_date_arg("until"))


def _args(filters: AuditFilters) -> dict:
    return {"actor": filters.actor, "action": filters.action, "object_type": filters.object_type,
            "firm": filters.firm_id, "since": filters.since, "until": filters.until}


@bp.get("/audit")
@requires(Permission.AUDIT_VIEW)
def audit():
    filters = _filters()
    page = audit_log.events_page(db.session, current_user, filters, request.args.get("after"))
    actions, types = audit_log.known_values(db.session)
    return render_template("admin/audit.html", page=page, filters=filters, args=_args(filters),
                           actions=actions, types=types, action_label=action_label,
                           object_label=object_label, object_link=object_link,
                           sentence=EventText(db.session, page.rows).sentence)


@bp.get("/audit/export.csv")
@requires(Permission.AUDIT_VIEW)
def audit_export():
    filters = _filters()
    events = list(audit_log.all_events(db.session, current_user, filters))
    text = EventText(db.session, events)
    rows = [[format_datetime(event.at, "yyyy-MM-dd HH:mm:ss"),
             person_label(current_user, event.actor, email=True), action_label(event.action),
             object_label(event.object_type), event.firm.name if event.firm else "",
             text.sentence(event), event.remote_addr or ""] for event in events]
    headers = [_("When"), _("Who"), _("Action"), _("Object"), _("Firm"), _("Details"),
               _("Address")]
    return table_response("audit", headers, rows, "csv")

"""The officer workspace: the candidate queue and review, firm files, outreach, spot checks, the
registry's directory, the firms that have not filed and certificate imports.

Every object reached by an id is looked up within the officer's districts (an admin's: all), so
an id from another district answers 404 exactly like one that does not exist.
"""
from __future__ import annotations

from flask import Blueprint, abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.auth.permissions import Permission
from registry.auth.scope import scoped_firm_or_404, visible_district_codes
from registry.extensions import db
from registry.i18n import current_locale
from registry.navigation import add_nav
from registry.rules.i18n import translate
from registry.services import settings
from registry.views import MAX_ID

bp = Blueprint("officer", __name__, url_prefix="/officer")
# URL parts: ids within the database's integer range (an absurd id is a 404, never a 500).
ID = f"int(min=1, max={MAX_ID})"
YEAR = "int(min=1, max=9999)"

CANDIDATE_STATUS_LABELS = {
    "open": _l("Open"), "in_review": _l("In review"), "approved": _l("Approved"),
    "rejected": _l("Rejected"), "returned": _l("Returned to the firm"), "deferred": _l("Deferred"),
    "closed": _l("Closed"),
}
CANDIDATE_STATUS_STYLES = {
    "open": "primary", "in_review": "info", "approved": "success", "rejected": "danger",
    "returned": "warning", "deferred": "secondary", "closed": "light",
}
CERTIFICATE_STATUS_LABELS = {
    "public_notice": _l("Public notice"), "valid": _l("Valid"), "expired": _l("Expired"),
    "revoked": _l("Revoked"), "withdrawn": _l("Withdrawn"),
}
NOTICE_STATUS_LABELS = {"running": _l("Running"), "concluded": _l("Concluded"),
                        "withdrawn": _l("Withdrawn")}
OBJECTION_STATUS_LABELS = {"recorded": _l("Awaiting decision"), "upheld": _l("Upheld"),
                           "dismissed": _l("Dismissed")}
FLAG_LABELS = {
    "hnte_zero_rd": _l("HNTE with zero R&D"), "guishang_zero_rd": _l("Large industrial, no R&D"),
    "hnte_renewal_due": _l("HNTE renewal due"), "hnte_at_risk": _l("HNTE at risk"),
    "hnte_near_miss": _l("HNTE near miss"), "rd_mismatch": _l("R&D differs from statistics"),
}


def tier_label(tier: str | None) -> str:
    """A tier's name from the rules' own catalog, in the reader's language."""
    return translate(f"tier.{tier}", None, current_locale()) if tier else "—"


def district_names() -> dict[str, str]:
    """Every district, code -> name in the reader's language (read once per request: a page asks
    for it several times, for its filters, its choices and the officer's scope)."""
    if "officer_district_names" not in g:
        g.officer_district_names = settings.district_names(db.session, current_locale())
    return dict(g.officer_district_names)


def visible_districts() -> dict[str, str]:
    """The districts the current user sees (`auth.scope`), code -> name."""
    names = district_names()
    codes = visible_district_codes(current_user, names)
    return {code: name for code, name in names.items() if code in codes}


def district_or_404(code: str) -> str:
    if code not in visible_districts():
        abort(404)
    return code


def uploaded_bytes(field, limit: int) -> bytes | None:
    """The uploaded file of a form's FileField, or None (the error set beside the field) when it
    is larger than `limit` bytes; nothing past the limit is read."""
    data = field.data.read(limit + 1)
    if len(data) > limit:
        field.errors.append(_l("The file is larger than %(size)s MB.", size=limit // (1024 * 1024)))
        return None
    return data


def firm_or_404(firm_id: int):
    return scoped_firm_or_404(current_user, firm_id)


@bp.app_context_processor
def _labels():
    return {"tier_label": tier_label,
            "candidate_status_labels": CANDIDATE_STATUS_LABELS,
            "candidate_status_styles": CANDIDATE_STATUS_STYLES,
            "certificate_status_labels": CERTIFICATE_STATUS_LABELS,
            "notice_status_labels": NOTICE_STATUS_LABELS,
            "objection_status_labels": OBJECTION_STATUS_LABELS, "flag_labels": FLAG_LABELS}


@bp.record_once
def _officers_start_at_the_queue(state) -> None:
    homes = dict(state.app.config.get("HOME_ENDPOINTS") or {})
    homes.setdefault("officer", ("officer.queue",))
    homes.setdefault("manager", ("officer.queue",))
    homes.setdefault("admin", ("officer.queue",))
    state.app.config["HOME_ENDPOINTS"] = homes


# The pages register their routes on `bp`.
from registry.views.officer import (  # noqa: F401
    certificates,
    directory,
    firms,
    official,
    outreach,
    programs,
    queue,
    spotchecks,
)

add_nav("officer.queue", _l("Candidates"), Permission.CANDIDATES_VIEW, order=20)
add_nav("officer.notices", _l("Notices"), Permission.CERTIFICATES_VIEW, order=21)
add_nav("officer.outreach_index", _l("Outreach"), Permission.OUTREACH_VIEW, order=22)
add_nav("officer.directory", _l("Directory"), Permission.FIRMS_VIEW, order=23)
add_nav("officer.not_filed", _l("Not filed"), Permission.FIRMS_VIEW, order=24)
add_nav("officer.corrections", _l("Corrections"), Permission.FILINGS_REVIEW, order=24,
        badge=firms.requested_corrections)
add_nav("officer.spot_checks", _l("Spot checks"), Permission.CERTIFICATES_VIEW, order=25)
add_nav("officer.programs_index", _l("Programs"), Permission.PROGRAMS_VIEW, order=27)
add_nav("officer.certificate_import", _l("Import certificates"), Permission.CERTIFICATES_MANAGE,
        order=26, group="admin")
add_nav("officer.official_import", _l("Official data"), Permission.OFFICIAL_IMPORT, order=26,
        group="admin")

"""The firm portal: a firm's own profile, annual filings, colleagues and place on the ladder.

Every page reads the current user's firm only (there is no firm id in any portal URL), and
every object reached by an id (a revision, an invitation) is looked up within that firm, so
another firm's ids answer 404. A firm whose registration awaits approval sees nothing else.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.auth.permissions import Permission
from registry.figures import display_value, figure_from_json
from registry.navigation import add_nav
from registry.views.keep import init_blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")
init_blueprint(bp)


@bp.record_once
def _firm_users_start_in_the_portal(state) -> None:
    homes = dict(state.app.config.get("HOME_ENDPOINTS") or {})
    homes.setdefault("firm", ("portal.ladder",))
    state.app.config["HOME_ENDPOINTS"] = homes


# What a firm awaiting approval may use: its profile and draft filings (submitting waits for
# the approval, services.filings); every other page says the registration awaits approval.
PENDING_ENDPOINTS = frozenset({
    "portal.profile", "portal.filing_list", "portal.filing", "portal.autosave",
    "portal.revisions", "portal.download_template", "portal.upload"})


@bp.before_request
def _only_approved_firms():
    if getattr(current_user, "role", None) == "firm" and current_user.firm.status != "active":
        if current_user.firm.status == "pending" and request.endpoint in PENDING_ENDPOINTS:
            return None
        return render_template("portal/pending.html", firm=current_user.firm)
    return None


@bp.app_template_filter("figure")
def _figure_filter(value, kind: str | None = None) -> str:
    """A figure for reading (thousands separators, yes/no; money as 万元 with two decimals when
    `kind` is "money"); accepts Decimal, a decimal string, a boolean or None."""
    return display_value(figure_from_json(value), kind)


def current_firm():
    """The current user's firm (the `requires` check has made sure it is a firm user)."""
    firm = current_user.firm
    if firm is None:  # pragma: no cover - the users table forbids a firm user without a firm
        abort(404)
    return firm


from registry.views.portal import colleagues, filings, ladder, profile  # noqa: F401

add_nav("portal.ladder", _l("My ladder"), Permission.PORTAL_USE, order=10)
add_nav("portal.filing_list", _l("Annual filings"), Permission.PORTAL_USE, order=11)
add_nav("portal.profile", _l("Firm profile"), Permission.PORTAL_USE, order=12)
add_nav("portal.colleagues", _l("Colleagues"), Permission.PORTAL_ADMIN, order=13)

"""Bureau administration: users (`/admin/users`), settings (`/admin/settings`) and the audit log
(`/admin/audit`). Each view is form -> one service call -> commit -> redirect."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from registry.auth.permissions import Permission
from registry.navigation import add_nav
from registry.services.users import ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")
ID = "int(min=1, max=2147483647)"


@bp.app_context_processor
def _labels():
    return {"role_labels": ROLE_LABELS}


# The pages register their routes on `bp`.
from registry.views.admin import audit, settings, users  # noqa: F401

add_nav("admin.users_index", _l("Users"), Permission.USERS_ADMIN, order=80, group="admin")
add_nav("admin.settings_index", _l("Settings"), Permission.USERS_ADMIN, order=81, group="admin")
add_nav("admin.audit", _l("Audit log"), Permission.AUDIT_VIEW, order=82, group="admin")

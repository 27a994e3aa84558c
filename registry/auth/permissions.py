"""Permissions as data: each role maps to `resource:action` permissions.

Views declare the permission they need (`@requires(Permission.X)`); object-level scope
(a firm's own data, the districts a user sees) is enforced by `registry.auth.scope`.
"""
from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


class Permission(StrEnum):
    PORTAL_USE = "portal:use"            # a firm's own profile, filings and ladder
    PORTAL_ADMIN = "portal:admin"        # a firm admin invites colleagues
    FIRMS_VIEW = "firms:view"            # the registry and firm files, within the user's districts
    FIRMS_INVITE = "firms:invite"        # invite or approve firms
    FIRMS_MANAGE = "firms:manage"        # correct a firm's facts, deregister it, move its district
    FILINGS_REVIEW = "filings:review"    # accept or return filings
    CANDIDATES_VIEW = "candidates:view"
    CANDIDATES_DECIDE = "candidates:decide"
    CERTIFICATES_VIEW = "certificates:view"  # public notices and spot checks, read only
    CERTIFICATES_MANAGE = "certificates:manage"
    OUTREACH_VIEW = "outreach:view"      # the outreach lists and their exports
    OUTREACH_WORK = "outreach:work"
    SCANS_VIEW = "scans:view"
    SCANS_RUN = "scans:run"
    WHATIF_VIEW = "whatif:view"          # what-if scenarios' results, lists and exports
    WHATIF_RUN = "whatif:run"            # save, copy, delete, run and cancel what-if scenarios
    USERS_ADMIN = "users:admin"
    PROGRAMS_VIEW = "programs:view"        # program lists and their exports
    PROGRAMS_WORK = "programs:work"        # compute program lists, exclude firms, mark paid
    PROGRAMS_APPROVE = "programs:approve"  # approve a reward list, publish a ranking
    AUDIT_VIEW = "audit:view"
    # Firms' contact persons (names, phones, e-mails) in full, on pages and in exports (each
    # export audited); without it they show masked (registry/auth/contacts.py).
    CONTACTS_VIEW = "contacts:view"
    OFFICIAL_IMPORT = "official:import"    # statistics and tax figures, the firm roster


# A manager (a bureau leader) reads and exports within their districts but decides nothing, and
# sees firms' contact persons masked: they do not call firms. Officers (within their districts)
# and administrators see them in full.
_MANAGER = {
    Permission.FIRMS_VIEW, Permission.CANDIDATES_VIEW, Permission.CERTIFICATES_VIEW,
    Permission.OUTREACH_VIEW, Permission.SCANS_VIEW, Permission.AUDIT_VIEW, Permission.WHATIF_VIEW,
    Permission.PROGRAMS_VIEW,
}
_OFFICER = _MANAGER | {
    Permission.FIRMS_INVITE, Permission.FIRMS_MANAGE, Permission.FILINGS_REVIEW,
    Permission.CANDIDATES_DECIDE,
    Permission.CERTIFICATES_MANAGE, Permission.OUTREACH_WORK, Permission.WHATIF_RUN,
    Permission.PROGRAMS_WORK, Permission.CONTACTS_VIEW, Permission.OFFICIAL_IMPORT,
}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "firm": frozenset({Permission.PORTAL_USE}),
    "manager": frozenset(_MANAGER),
    "officer": frozenset(_OFFICER),
    # A full scan evaluates the whole city: only an administrator starts one by hand (a district
    # officer's firms are re-evaluated when they file, and every night).
    "admin": frozenset(_OFFICER | {Permission.USERS_ADMIN, Permission.PROGRAMS_APPROVE,
                                   Permission.SCANS_RUN}),
}


def has_permission(user, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return False
    if permission is Permission.PORTAL_ADMIN:
        return user.role == "firm" and user.is_firm_admin
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def roles_with(permission: Permission) -> tuple[str, ...]:
    """The roles granted `permission`, for queries over users."""
    return tuple(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def requires(permission: Permission):
    """Log in first (login page or 401), then 403 without the permission."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_permission = permission
        return wrapped
    return decorator

"""Who sees which district: the one home of the rule (services, views and queries ask here).

- Nobody inactive sees anything (a deactivated account keeps its districts for the record).
- An admin sees the whole city.
- A manager sees their districts, or the whole city when they have none (a bureau leader).
- An officer sees their districts; an officer without districts sees nothing.
- A firm user sees only their own firm, and no district's lists.

Every query for firm-owned data goes through `firm_scope` (or `district_scope` on a table that
copies the firm's district); objects outside it answer 404, so their existence is not revealed.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import false, select, true

from registry.extensions import db
from registry.models import Firm, User

# Roles that work on districts' lists, and those that see the whole city without districts.
DISTRICT_ROLES = frozenset({"officer", "manager", "admin"})
CITY_WIDE_WITHOUT_DISTRICTS = frozenset({"manager"})


def sees_every_district(user) -> bool:
    if not getattr(user, "active", False):
        return False
    return user.role == "admin" or (user.role in CITY_WIDE_WITHOUT_DISTRICTS
                                    and not user.district_codes)


def visible_district_codes(user, all_codes) -> set[str]:
    """The codes among `all_codes` that `user` sees."""
    if sees_every_district(user):
        return set(all_codes)
    if not getattr(user, "active", False) or user.role not in DISTRICT_ROLES:
        return set()
    return user.district_codes & set(all_codes)


def may_see_district(user, district: str | None) -> bool:
    if sees_every_district(user):
        return True
    return (getattr(user, "active", False) and user.role in DISTRICT_ROLES
            and district is not None and district in user.district_codes)


def district_scope(column, user):
    """A WHERE clause on a district `column` (firms', candidates', spot checks', ...) limiting it
    to the districts `user` sees; a firm user sees no district's lists."""
    if sees_every_district(user):
        return true()
    if not getattr(user, "active", False) or user.role not in DISTRICT_ROLES:
        return false()
    codes = user.district_codes
    return column.in_(codes) if codes else false()


def firm_scope(user):
    """A WHERE clause on Firm limiting it to what `user` may see."""
    if getattr(user, "role", None) == "firm":
        return Firm.id == user.firm_id if user.active else false()
    return district_scope(Firm.district, user)


def may_see_firm(user, firm: Firm) -> bool:
    if getattr(user, "role", None) == "firm":
        return bool(user.active) and user.firm_id == firm.id
    return may_see_district(user, firm.district)


def district_workers(district: str, roles=("officer",)):
    """A WHERE clause on User: the active users of `roles` who work in `district` (an admin
    among `roles` works in every district)."""
    works_there = User.districts.any(code=district)
    if "admin" in roles:
        works_there = works_there | (User.role == "admin")
    return User.active.is_(True) & User.role.in_(roles) & works_there


def scoped_firm_or_404(user, firm_id: int) -> Firm:
    firm = db.session.scalar(select(Firm).where(Firm.id == firm_id, firm_scope(user)))
    if firm is None:
        abort(404)
    return firm

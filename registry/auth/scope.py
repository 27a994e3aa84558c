"""Object scope: a firm user sees only their firm, an officer only their districts.

Every query for firm-owned data goes through `firm_scope`; objects outside it answer 404,
so their existence is not revealed.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import false, select

from registry.extensions import db
from registry.models import Firm


def firm_scope(user):
    """A WHERE clause on Firm limiting it to what `user` may see."""
    if user.role == "admin":
        return Firm.id.is_not(None)
    if user.role == "officer":
        codes = user.district_codes
        return Firm.district.in_(codes) if codes else false()
    return Firm.id == user.firm_id


def scoped_firm_or_404(user, firm_id: int) -> Firm:
    firm = db.session.scalar(select(Firm).where(Firm.id == firm_id, firm_scope(user)))
    if firm is None:
        abort(404)
    return firm

"""The bureau's targets (programs.md §I): set, remove and read them.

A target names an indicator or one of its parts (`TARGET_INDICATORS`), a year, the city
(`district=None`) or one district, a value, a direction and its source sentence. Ratios are
fractions (4.0% is `Decimal("0.04")`), money 万元, counts whole numbers. Setting a target for
an indicator, year and scope that has one replaces its value; every change is audited.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import District, Target
from registry.models.monitoring import DIRECTIONS, TARGET_INDICATORS, TARGET_PLACES
from registry.services import ServiceError, audit

MAX_VALUE = Decimal(10) ** 12


def set_target(session: Session, actor, *, indicator: str, year: int, value,
               district: str | None = None, direction: str = "at_least",
               source: str = "") -> Target:
    """Create or replace the target of `indicator` for `year` and the scope."""
    value = _checked_value(indicator, value)
    if direction not in DIRECTIONS:
        raise ServiceError(_l("Choose whether the target is a minimum or a maximum."))
    if not 2000 <= int(year) <= 2100:
        raise ServiceError(_l("Enter a year between 2000 and 2100."))
    if district is not None and session.get(District, district) is None:
        raise ServiceError(_l("Choose one of the bureau's districts."))
    target = target_for(session, indicator, int(year), district)
    old = None
    if target is None:
        target = Target(indicator=indicator, year=int(year), district=district)
        session.add(target)
    else:
        old = {"value": str(target.value), "direction": target.direction}
    target.value, target.direction = value, direction
    target.source = (source or "").strip()
    target.updated_by_id = getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor, "target.set", target, indicator=indicator, year=int(year),
                 district=district, value=str(value), direction=direction, previous=old)
    return target


def delete_target(session: Session, actor, target: Target) -> None:
    audit.record(session, actor, "target.delete", target, indicator=target.indicator,
                 year=target.year, district=target.district, value=str(target.value))
    session.delete(target)
    session.flush()


def target_for(session: Session, indicator: str, year: int, district: str | None) -> Target | None:
    scope = Target.district.is_(None) if district is None else Target.district == district
    return session.scalar(select(Target).where(Target.indicator == indicator,
                                               Target.year == year, scope))


def targets_of_year(session: Session, year: int) -> list[Target]:
    """Every target of `year`, the city's first, then by district and indicator."""
    return list(session.scalars(select(Target).where(Target.year == year).order_by(
        Target.district.is_not(None), Target.district, Target.indicator)))


def _checked_value(indicator: str, value) -> Decimal:
    kind = TARGET_INDICATORS.get(indicator)
    if kind is None:
        raise ServiceError(_l("Choose one of the indicators."))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("Enter the target as a number.")) from None
    if not number.is_finite() or number < 0 or number >= MAX_VALUE:
        raise ServiceError(_l("Enter the target as a number of zero or more, below a trillion."))
    if kind == "count" and number != number.to_integral_value():
        raise ServiceError(_l("A number of firms is a whole number."))
    if kind == "ratio" and number > 1:
        raise ServiceError(_l("Enter a share as a fraction between 0 and 1 (4.0% is 0.04)."))
    if number.as_tuple().exponent < -TARGET_PLACES:
        raise ServiceError(_l("Enter at most six decimal places."))
    return number

"""Targets: one per indicator, year and scope; checked values; every change audited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.models import AuditEvent, Target
from registry.services import ServiceError, targets
from tests.factories import DistrictFactory, UserFactory


@pytest.fixture
def admin(db_session):
    DistrictFactory(code="haishu")
    return UserFactory(admin=True)


def test_setting_a_target_again_replaces_its_value(db_session, admin):
    first = targets.set_target(db_session, admin, indicator="hnte_valid", year=2026, value="10000",
                               source="宁波2025：有效高新技术企业超过10000家")
    again = targets.set_target(db_session, admin, indicator="hnte_valid", year=2026, value=10500)
    assert again.id == first.id and again.value == Decimal(10500)
    district = targets.set_target(db_session, admin, indicator="hnte_valid", year=2026,
                                  value=900, district="haishu")
    assert district.id != first.id
    assert [t.district for t in targets.targets_of_year(db_session, 2026)] == [None, "haishu"]
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "target")).all()
    assert actions == ["target.set"] * 3


def test_parts_and_kinds_of_values(db_session, admin):
    firms = targets.set_target(db_session, admin, indicator="tax_relief.firms", year=2026,
                               value="12,000")
    ratio = targets.set_target(db_session, admin, indicator="guishang_rd_ratio", year=2026,
                               value="0.04")
    assert (firms.kind, firms.value) == ("count", Decimal(12000))
    assert (ratio.kind, ratio.value) == ("ratio", Decimal("0.04"))
    assert ratio.met_by(Decimal("0.041")) and not ratio.met_by(Decimal("0.039"))


@pytest.mark.parametrize("changes", [
    {"indicator": "hnte_bogus"}, {"value": "abc"}, {"value": "-1"}, {"value": "10.5"},
    {"indicator": "guishang_rd_ratio", "value": "4"}, {"direction": "sideways"},
    {"district": "nowhere"}, {"year": 1900}, {"value": "1e13"},
    {"indicator": "tax_relief", "value": "1.0000001"},
])
def test_bad_values_are_refused(db_session, admin, changes):
    fields = {"indicator": "hnte_valid", "year": 2026, "value": "100"} | changes
    with pytest.raises(ServiceError):
        targets.set_target(db_session, admin, **fields)


def test_the_database_keeps_one_city_target_per_indicator_and_year(db_session, admin):
    db_session.add(Target(indicator="hnte_valid", year=2026, value=Decimal(1), source=""))
    db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(Target(indicator="hnte_valid", year=2026, value=Decimal(2), source=""))
        db_session.flush()


def test_delete_is_audited(db_session, admin):
    target = targets.set_target(db_session, admin, indicator="hnte_new", year=2026, value=1)
    targets.delete_target(db_session, admin, target)
    assert targets.target_for(db_session, "hnte_new", 2026, None) is None
    assert db_session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == \
        "target.delete"

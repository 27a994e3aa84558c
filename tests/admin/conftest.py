"""Fixtures of the bureau administration tests: two districts, an admin, an officer in each."""
from __future__ import annotations

import pytest

from tests.factories import DistrictFactory, UserFactory


@pytest.fixture
def districts(db_session):
    return DistrictFactory(code="haishu"), DistrictFactory(code="jiangbei")


@pytest.fixture
def admin(db_session, districts):
    return UserFactory(admin=True, email="admin@bureau.example", name="管理员")


@pytest.fixture
def officer(db_session, districts):
    return UserFactory(officer=True, email="officer@bureau.example", name="王科长",
                       districts=[districts[0]])

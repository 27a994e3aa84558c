"""Fixtures of the officer workspace tests: two districts, an officer in each, an admin, a firm
with a user in each district; and helpers to log in and read CSRF tokens."""
from __future__ import annotations

import re
import time

import pytest

from tests.factories import (
    CandidateFactory,
    DistrictFactory,
    FilingFactory,
    FirmFactory,
    UserFactory,
)


@pytest.fixture
def districts(db_session):
    return DistrictFactory(code="haishu"), DistrictFactory(code="jiangbei")


@pytest.fixture
def officer(db_session, districts):
    return UserFactory(officer=True, email="officer@bureau.example", name="王科长",
                       districts=[districts[0]])


@pytest.fixture
def other_officer(db_session, districts):
    return UserFactory(officer=True, email="other@bureau.example", name="李科员",
                       districts=[districts[1]])


@pytest.fixture
def admin(db_session, districts):
    return UserFactory(admin=True, email="admin@bureau.example", name="Admin")


@pytest.fixture
def firm(db_session, districts):
    return FirmFactory(name="甬江智能科技有限公司", district="haishu", industry_code="C39",
                       contact_email="contact@yongjiang.example")


@pytest.fixture
def firm_user(db_session, firm):
    return UserFactory(firm=firm, email="clerk@yongjiang.example", is_firm_admin=True)


@pytest.fixture
def other_firm(db_session, districts):
    return FirmFactory(name="江北精工有限公司", district="jiangbei", industry_code="C34")


@pytest.fixture
def candidate(db_session, firm):
    FilingFactory(firm=firm, fiscal_year=2024)
    return CandidateFactory(firm=firm, tier="hnte", cycle=2025)


@pytest.fixture
def in_request(app, db_session):
    """Services run in a request's context (db.session, current_app, the language); the
    test's objects are made in the same one. Messages come in English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield db_session


def login(client, user) -> None:
    """Log `user` in without the password round trip (the session keys of
    registry/auth/sessions.py); the pages answer in English, so the tests read the messages'
    source text."""
    from registry.auth import sessions
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[sessions.LOGIN_AT] = now
        session[sessions.SEEN_AT] = now
        session["lang"] = "en"


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

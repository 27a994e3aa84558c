"""Fixtures of the API tests: two districts, an officer of each, a manager, an admin, a firm
with a user in each district, and tokens made through the service (as the pages and the CLI
make them)."""
from __future__ import annotations

import pytest

from registry.services import tokens
from tests.factories import UserFactory
from tests.officer.conftest import (  # noqa: F401 (fixtures shared with the officer tests)
    admin,
    districts,
    firm,
    firm_user,
    manager,
    officer,
    other_firm,
    other_officer,
)


@pytest.fixture
def other_firm_user(db_session, other_firm):  # noqa: F811 (the imported fixture)
    return UserFactory(firm=other_firm, email="clerk@jiangbei.example")


@pytest.fixture
def make_token(db_session):
    """make_token(user, "read", "decide", days=30, service=False) -> the secret."""
    def make(user, *scopes, days=30, service=False, name="test"):
        _, secret = tokens.create(db_session, user, user, scopes=scopes or ("read",), days=days,
                                  name=name, service=service, max_days=365)
        db_session.flush()
        return secret
    return make


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}

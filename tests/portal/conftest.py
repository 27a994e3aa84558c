"""Fixtures of the firm portal tests: an approved firm with an admin user, logged in."""
from __future__ import annotations

import re

import pytest

from registry.rules import today_in_shanghai
from tests.factories import PASSWORD, DistrictFactory, FirmFactory, UserFactory

# The latest year a firm can file (FY Y-1) and the one before.
LAST_YEAR = today_in_shanghai().year - 1
YEAR_BEFORE = LAST_YEAR - 1


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Rate-limit counters live in the app's memory storage: each test starts from zero."""
    from registry.extensions import limiter
    limiter.reset()


@pytest.fixture
def district(db_session):
    return DistrictFactory(code="haishu")


@pytest.fixture
def firm(db_session, district):
    return FirmFactory(name="甬江科技有限公司", district="haishu")


@pytest.fixture
def firm_user(db_session, firm):
    return UserFactory(firm=firm, email="clerk@firm.example", is_firm_admin=True)


def login(client, user, password: str = PASSWORD) -> None:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"',
                      client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def logged_in(client, firm_user):
    login(client, firm_user)
    return client


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def figures(**overrides) -> dict:
    """A complete, plausible set of figures as form strings."""
    values = {"total_income": "1000", "revenue": "950", "hightech_income": "700",
              "rd_expense": "60", "rd_domestic": "55", "employees": "50", "st_staff": "12",
              "total_cost": "900", "total_assets": "1500", "net_assets": "800",
              "taxable_income": "100", "input_vat": ""}
    values.update(overrides)
    return values


def field_errors(page: str) -> dict[str, str]:
    """{field: error text} of the form fields shown with an error on the page."""
    found = re.findall(r'class="invalid-feedback" data-field="([^"]+)">(.*?)</div>', page, re.DOTALL)
    return {name: text.strip() for name, text in found if text.strip()}

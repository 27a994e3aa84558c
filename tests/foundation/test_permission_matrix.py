"""Every endpoint declares who may use it, and each role gets exactly that (design.md)."""
import pytest

from registry.auth.permissions import ROLE_PERMISSIONS, has_permission
from registry.models.user import ROLES
from tests.factories import PASSWORD, DistrictFactory, FirmFactory, UserFactory

# Reachable without logging in: signing in (its second step too), registration, password reset,
# health, assets.
PUBLIC = {"public.login", "public.second_factor", "public.enrol_second_factor",
          "public.set_language", "health.healthz", "static",
          "account.accept_invitation", "account.register", "account.request_reset",
          "account.reset_password", "account.confirm_email",
          "api-docs.openapi_json", "api_docs.docs"}
# Logged in, any role.
ANY_ROLE = {"public.home", "public.logout", "account.me", "tokens.own", "tokens.revoke_own"}


def _api_operation(app, rule) -> bool:
    """An API operation: Bearer tokens only, its scope declared (tests/api checks each one)."""
    return getattr(app.view_functions[rule.endpoint], "required_scope", None) is not None


def _plain_get_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and rule.endpoint not in PUBLIC
            and not _api_operation(app, rule)]


def test_every_endpoint_declares_its_access(app):
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules()
                  if rule.endpoint not in PUBLIC | ANY_ROLE and not _api_operation(app, rule)
                  and getattr(app.view_functions[rule.endpoint], "required_permission", None) is None]
    assert undeclared == []


def test_every_role_has_a_declared_permission_set():
    assert set(ROLE_PERMISSIONS) == set(ROLES) == {"firm", "manager", "officer", "admin"}
    assert ROLE_PERMISSIONS["manager"] < ROLE_PERMISSIONS["officer"] < ROLE_PERMISSIONS["admin"]


def test_a_manager_reads_and_never_acts():
    """A manager holds only the permissions that read (a view, a list, an export)."""
    assert {p.value.split(":")[1] for p in ROLE_PERMISSIONS["manager"]} == {"view"}
    assert {p.value.split(":")[0] for p in ROLE_PERMISSIONS["manager"]} == {
        "firms", "candidates", "certificates", "outreach", "scans", "audit", "whatif",
        "programs"}


@pytest.fixture
def users(db_session):
    DistrictFactory(code="haishu")
    firm = FirmFactory(district="haishu")
    return {
        "firm": UserFactory(email="clerk@example.com", firm=firm),
        "firm_admin": UserFactory(email="boss@example.com", firm=firm, is_firm_admin=True),
        "officer": UserFactory(email="officer@example.com", officer=True),
        "manager": UserFactory(email="manager@example.com", role="manager", firm=None),
        "admin": UserFactory(email="admin@example.com", admin=True),
    }


def test_anonymous_gets_the_login_page_or_401(app, client, users):
    for rule in _plain_get_rules(app):
        page = client.get(rule.rule)
        assert page.status_code == 302 and "/login" in page.headers["Location"], rule.rule
        api = client.get(rule.rule, headers={"Accept": "application/json"})
        assert api.status_code == 401 and api.get_json()["error"] == "unauthorized", rule.rule


@pytest.mark.parametrize("role", ["firm", "firm_admin", "manager", "officer", "admin"])
def test_each_role_gets_exactly_its_pages(app, client, users, role):
    user = users[role]
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    for rule in _plain_get_rules(app):
        permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        status = client.get(rule.rule).status_code
        if permission is None or has_permission(user, permission):
            assert status in (200, 302), (role, rule.rule, status)
        else:
            assert status == 403, (role, rule.rule, status)

"""`flask users ...`: the first administrator from the command line (weak passwords refused with
the reason), the list as text and JSON, deactivation and a new password, each ending the user's
open sessions at once, and audited."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from registry.auth.passwords import password_problem
from registry.models import AuditEvent, User
from tests.factories import PASSWORD, DistrictFactory, UserFactory

STRONG = "lantern harbour 27"


@pytest.fixture
def cli(app, db_session):
    runner = app.test_cli_runner()

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(args=list(args), input=stdin)
    return invoke


def _log_in(client, email: str, password: str) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def _logged_in(client) -> bool:
    return not client.get("/").headers.get("Location", "").startswith("/login")


def test_create_admin_on_an_empty_system_then_log_in(cli, client, db_session):
    result = cli("users", "create-admin", "--email", "A@Bureau.cn", "--name", "管理员",
                 "--password-stdin", stdin=STRONG + "\n")
    assert result.exit_code == 0, result.output
    admin = db_session.scalar(select(User).where(User.email == "a@bureau.cn"))
    assert (admin.role, admin.name, admin.active) == ("admin", "管理员", True)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
    assert event.object_id == admin.id and event.details == {"role": "admin", "via": "cli"}
    _log_in(client, "a@bureau.cn", STRONG)
    assert client.get("/officer/queue").status_code == 200


@pytest.mark.parametrize("password, reason", [
    ("short1", "at least 10 characters"),
    ("aaaaabbbbbaaaa", "at least 5 different characters"),
    ("Password2024!", "most common"),
    ("wang.xiaoming.2025", "must not contain the e-mail address"),
])
def test_a_weak_password_is_refused_with_the_reason(cli, db_session, password, reason):
    result = cli("users", "create-admin", "--email", "wang.xiaoming@bureau.cn",
                 "--password-stdin", stdin=password + "\n")
    assert result.exit_code == 1 and reason in result.output, result.output
    assert db_session.scalar(select(User.id)) is None


def test_without_a_terminal_the_password_must_come_from_stdin(cli, db_session):
    result = cli("users", "create-admin", "--email", "a@bureau.cn", stdin="")
    assert result.exit_code == 2 and "--password-stdin" in result.output


def test_an_address_that_has_an_account_is_refused(cli, db_session):
    UserFactory(admin=True, email="a@bureau.cn")
    result = cli("users", "create-admin", "--email", "a@bureau.cn", "--password-stdin",
                 stdin=STRONG)
    assert result.exit_code == 1 and "already has an account" in result.output


def test_list_as_json_and_text(cli, db_session):
    haishu = DistrictFactory(code="haishu")
    UserFactory(officer=True, email="o@bureau.cn", name="王科长", districts=[haishu])
    UserFactory(admin=True, email="a@bureau.cn", name="Admin", active=False)
    UserFactory(email="clerk@firm.cn")
    rows = json.loads(cli("users", "list", "--json").output)
    assert {"email": "o@bureau.cn", "name": "王科长", "role": "officer", "districts": ["haishu"],
            "active": True} in rows
    assert {"email": "a@bureau.cn", "name": "Admin", "role": "admin", "districts": [],
            "active": False} in rows
    assert [row["email"] for row in json.loads(cli("users", "list", "--role", "officer",
                                                   "--json").output)] == ["o@bureau.cn"]
    text = cli("users", "list", "--role", "admin").output
    assert text.strip() == "a@bureau.cn\tAdmin\tadmin\t-\tinactive"
    assert cli("users", "list", "--role", "boss").exit_code == 2


def test_deactivate_ends_the_open_session_at_once(cli, client, db_session):
    UserFactory(admin=True, email="a@bureau.cn")
    UserFactory(officer=True, email="o@bureau.cn")
    _log_in(client, "o@bureau.cn", PASSWORD)
    assert _logged_in(client)
    result = cli("users", "deactivate", "O@bureau.cn")
    assert result.exit_code == 0 and "deactivated" in result.output
    assert not _logged_in(client)
    assert client.post("/login", data={"email": "o@bureau.cn", "password": PASSWORD}
                       ).status_code != 302
    assert db_session.scalar(select(AuditEvent.details)
                             .where(AuditEvent.action == "user_deactivated")) == {"via": "cli"}
    assert "already inactive" in cli("users", "deactivate", "o@bureau.cn").output


def test_the_last_active_admin_is_not_deactivated(cli, db_session):
    UserFactory(admin=True, email="a@bureau.cn")
    UserFactory(admin=True, email="gone@bureau.cn", active=False)
    result = cli("users", "deactivate", "a@bureau.cn")
    assert result.exit_code == 1 and "last active administrator" in result.output
    assert db_session.scalar(select(User.active).where(User.email == "a@bureau.cn")) is True


def test_an_unknown_address_is_an_error(cli, db_session):
    for command in (("users", "deactivate", "x@bureau.cn"),
                    ("users", "set-password", "x@bureau.cn", "--password-stdin")):
        result = cli(*command, stdin=STRONG)
        assert result.exit_code == 1 and "no account" in result.output


def test_set_password_replaces_it_and_ends_the_sessions(cli, client, db_session):
    UserFactory(officer=True, email="o@bureau.cn")
    _log_in(client, "o@bureau.cn", PASSWORD)
    assert cli("users", "set-password", "o@bureau.cn", "--password-stdin",
               stdin="12345\n").exit_code == 1
    assert _logged_in(client)
    result = cli("users", "set-password", "o@bureau.cn", "--password-stdin", stdin=STRONG)
    assert result.exit_code == 0, result.output
    assert not _logged_in(client)
    _log_in(client, "o@bureau.cn", STRONG)
    assert client.post("/logout").status_code == 302
    assert client.post("/login", data={"email": "o@bureau.cn", "password": PASSWORD}
                       ).status_code != 302


def test_the_web_forms_use_the_same_rule(app, client, db_session):
    with app.test_request_context():
        assert password_problem(PASSWORD) is None
    DistrictFactory(code="haishu")
    response = client.post("/account/register", headers={"Accept-Language": "en"}, data={
        "credit_code": "91330200MA2AAAAA0X", "firm_name": "弱口令测试有限公司",
        "district": "haishu", "founded": "2020-01-02", "name": "王会计",
        "email": "wang@example.com", "password": "qwertyuiop1", "confirm": "qwertyuiop1"})
    assert "This password is among the most common ones" in response.get_data(as_text=True)
    assert db_session.scalar(select(User.id)) is None

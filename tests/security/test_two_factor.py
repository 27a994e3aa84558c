"""Two-factor login for officers and administrators (issue 16, item 12): enrolment with a QR
code and a confirming code, a code after the password, one-time hashed recovery codes, an
administrator's audited reset, rate limits, and the production default."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from config import load_config
from registry.auth import sessions
from registry.extensions import limiter
from registry.models import AuditEvent, RecoveryCode
from tests.factories import PASSWORD, DistrictFactory, FirmFactory, UserFactory
from tests.foundation.test_config import PRODUCTION_ENV
from tests.officer.conftest import login


@pytest.fixture
def two_factor(app):
    """The production setting: officers and administrators use a second factor."""
    app.config["TWO_FACTOR_ROLES"] = ("officer", "admin")
    limiter.reset()
    yield
    app.config["TWO_FACTOR_ROLES"] = ()
    limiter.reset()


@pytest.fixture
def officer(db_session):
    return UserFactory(officer=True, email="officer@bureau.example",
                       districts=[DistrictFactory(code="haishu")])


def _enrolled(db_session, user) -> pyotp.TOTP:
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = user.created_at
    db_session.commit()
    return pyotp.TOTP(user.totp_secret)


def _password(client, user, **extra):
    return client.post("/login?next=/account/me",
                       data={"email": user.email, "password": PASSWORD, **extra})


def _logged_in(client) -> bool:
    return client.get("/account/me").status_code == 200


def _actions(db_session, user) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user.id,
                                                                   AuditEvent.object_type == "user")
                                   .order_by(AuditEvent.id)))


def _previous_code(totp: pyotp.TOTP) -> str:
    return totp.at(time.time() - 30)


def test_production_and_the_default_configuration_require_it_of_officers_and_admins():
    assert set(load_config("production", env=PRODUCTION_ENV)["TWO_FACTOR_ROLES"]) \
        == {"officer", "admin"}
    from config import BaseConfig
    assert set(BaseConfig.TWO_FACTOR_ROLES) == {"officer", "admin"}


def test_an_officer_without_a_second_factor_enrols_at_the_next_login(two_factor, client,
                                                                      db_session, officer):
    response = _password(client, officer)
    assert response.status_code == 302 and response.headers["Location"] == "/login/enrol"
    assert not _logged_in(client)  # the password alone opens nothing
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0] \
        .replace("http://www.w3.org/2000/svg", "")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    db_session.refresh(officer)
    assert secret == officer.totp_secret
    wrong = client.post("/login/enrol", data={"code": "000000"}).get_data(as_text=True)
    assert 'data-field="code"' in wrong and not _logged_in(client)
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    page = done.get_data(as_text=True)
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", page)
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    stored = set(db_session.scalars(select(RecoveryCode.code_hash)
                                    .where(RecoveryCode.user_id == officer.id)))
    assert len(stored) == 10 and not stored & {code.replace("-", "") for code in codes}
    assert _logged_in(client)
    db_session.refresh(officer)
    assert officer.two_factor_enrolled
    assert _actions(db_session, officer)[-4:] == ["password_accepted", "second_factor_failed",
                                                  "two_factor_enrolled", "login"]


def test_the_login_asks_the_code_after_the_password(two_factor, client, db_session, officer):
    totp = _enrolled(db_session, officer)
    response = _password(client, officer)
    assert response.headers["Location"] == "/login/code"
    assert not _logged_in(client)
    wrong = client.post("/login/code", data={"code": "123456" if totp.now() != "123456"
                                             else "654321"})
    assert wrong.status_code == 200 and 'data-field="code"' in wrong.get_data(as_text=True)
    response = client.post("/login/code", data={"code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/account/me"
    assert _logged_in(client)
    assert _actions(db_session, officer)[-3:] == ["password_accepted", "second_factor_failed",
                                                  "login"]


def test_a_code_is_accepted_once(two_factor, app, db_session, officer):
    totp = _enrolled(db_session, officer)
    code = totp.now()
    first, second = app.test_client(), app.test_client()
    _password(first, officer)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    _password(second, officer)
    assert second.post("/login/code", data={"code": code}).status_code == 200
    assert not _logged_in(second)


def test_a_recovery_code_logs_in_once(two_factor, app, client, db_session, officer):
    from registry.services import two_factor as service
    _enrolled(db_session, officer)
    codes = service.new_recovery_codes(db_session, officer)
    db_session.commit()
    _password(client, officer)
    response = client.post("/login/code", data={"code": codes[3].upper()})
    assert response.status_code == 302 and _logged_in(client)
    again = app.test_client()
    _password(again, officer)
    assert again.post("/login/code", data={"code": codes[3]}).status_code == 200
    assert not _logged_in(again)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "login")
                              .order_by(AuditEvent.id.desc()).limit(1))
    assert event.details == {"method": "recovery_code", "left": 9}


def test_too_many_wrong_codes_ask_for_the_password_again(two_factor, client, db_session, officer):
    totp = _enrolled(db_session, officer)
    _password(client, officer)
    bad = "000000" if totp.now() != "000000" else "111111"
    answers = [client.post("/login/code", data={"code": bad}) for _ in range(sessions.MAX_CODE_ATTEMPTS)]
    assert answers[-1].status_code == 302 and answers[-1].headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": totp.now()}).headers["Location"] == "/login"
    assert not _logged_in(client)


def test_the_code_step_is_rate_limited_like_logins(two_factor, app, client, db_session, officer):
    totp = _enrolled(db_session, officer)
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    try:
        codes = []
        for _attempt in range(2):  # a new pending login each time: the per-login count resets
            _password(client, officer)
            codes += [client.post("/login/code", data={"code": "000000"}).status_code
                      for _ in range(2)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        _password(client, officer)
        assert client.post("/login/code", data={"code": totp.now()}).status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1000 per minute"


def test_a_session_without_the_second_factor_ends_and_firms_are_not_asked(two_factor, app,
                                                                           client, db_session,
                                                                           officer):
    now = int(time.time())
    with client.session_transaction() as session:  # a session from before it was required
        session.update({"_user_id": officer.get_id(), "_fresh": True,
                        sessions.LOGIN_AT: now, sessions.SEEN_AT: now})
    assert not _logged_in(client)
    firm_user = UserFactory(firm=FirmFactory(district="haishu"))
    other = app.test_client()
    response = _password(other, firm_user)
    assert response.headers["Location"] == "/account/me" and _logged_in(other)


def test_remember_me_without_the_second_factor_is_not_honoured(two_factor, app, db_session,
                                                               officer):
    totp = _enrolled(db_session, officer)
    client = app.test_client()
    _password(client, officer, remember="y")
    client.post("/login/code", data={"code": totp.now()})
    remembered = client.get_cookie(sessions.REMEMBER_COOKIE).value
    fresh = app.test_client()
    fresh.set_cookie(sessions.REMEMBER_COOKIE, remembered)
    assert _logged_in(fresh)  # issued after the code: honoured
    with app.test_request_context():
        forged = sessions._serializer().dumps({"u": officer.id, "v": officer.session_version,
                                               "n": "x"})
    other = app.test_client()
    other.set_cookie(sessions.REMEMBER_COOKIE, forged)
    assert not _logged_in(other)


def test_an_admin_resets_a_users_second_factor_and_it_is_audited(two_factor, client, db_session,
                                                                 officer):
    admin = UserFactory(admin=True)
    _enrolled(db_session, officer)
    version = officer.session_version
    login(client, admin)
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert 'id="two-factor-reset"' in page and "recovery codes left" in page
    response = client.post(f"/admin/users/{officer.id}/two-factor-reset")
    assert response.status_code == 302
    db_session.refresh(officer)
    assert officer.totp_secret is None and not officer.two_factor_enrolled
    assert officer.session_version == version + 1
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "two_factor_reset"))
    assert event.actor_id == admin.id and event.object_id == officer.id
    assert _password(client.application.test_client(), officer).headers["Location"] \
        == "/login/enrol"


def test_only_an_admin_resets_it(two_factor, client, db_session, officer):
    colleague = UserFactory(officer=True, districts=officer.districts)
    _enrolled(db_session, colleague)
    login(client, officer)
    assert client.post(f"/admin/users/{colleague.id}/two-factor-reset").status_code == 403
    db_session.refresh(colleague)
    assert colleague.two_factor_enrolled


def test_the_command_line_resets_it_when_no_admin_can_log_in(app, db_session, officer):
    _enrolled(db_session, officer)
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", officer.email])
    assert result.exit_code == 0, result.output
    db_session.refresh(officer)
    assert officer.totp_secret is None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "two_factor_reset"))
    assert event.actor_id is None and event.details == {"via": "cli"}

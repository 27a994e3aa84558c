"""Sessions end: on logout, a new password, deactivation, idle and absolute timeouts; login
starts a new one; remember-me is random, bounded and void after logout (issue 16, item 4)."""
from __future__ import annotations

import time

import pytest

from registry.auth import sessions
from registry.services import accounts
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def user(db_session):
    return UserFactory(email="clerk@example.com")


def _log_in(client, remember=False):
    data = {"email": "clerk@example.com", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _logged_in(client) -> bool:
    response = client.get("/")
    return not response.headers.get("Location", "").startswith("/login")


def _session_cookie(client):
    return client.get_cookie("session").value


def _remember_cookie(client):
    cookie = client.get_cookie(sessions.REMEMBER_COOKIE)
    return cookie.value if cookie else None


def test_a_session_cookie_saved_before_logout_no_longer_works(app, client, user):
    _log_in(client)
    saved = _session_cookie(client)
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert not _logged_in(thief)


def test_logout_ends_the_users_sessions_on_other_browsers(app, client, user):
    _log_in(client)
    other = app.test_client()
    _log_in(other)
    client.post("/logout")
    assert not _logged_in(other)


def test_a_password_reset_ends_every_session(client, db_session, user):
    from registry.models import PasswordResetToken
    from registry.services import onboarding
    _log_in(client)
    _token, digest = onboarding.new_token()
    reset = PasswordResetToken(user=user, token_hash=digest,
                               expires_at=user.created_at.replace(year=2100))
    db_session.add(reset)
    db_session.flush()
    onboarding.reset_password(db_session, reset, "a-brand-new-password")
    db_session.commit()
    assert not _logged_in(client)


def test_end_all_sessions_ends_them(client, db_session, user):
    _log_in(client)
    assert _logged_in(client)
    accounts.end_all_sessions(db_session, user)
    db_session.commit()
    assert not _logged_in(client)


def test_an_inactive_users_session_ends(client, db_session, user):
    _log_in(client)
    user.active = False
    db_session.commit()
    assert not _logged_in(client)


def test_login_rotates_the_session(client, user):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "en"
    _log_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
        assert session["_user_id"] == user.get_id()


def _age_session(client, *, login_ago: int, seen_ago: int):
    now = int(time.time())
    with client.session_transaction() as session:
        session[sessions.LOGIN_AT] = now - login_ago
        session[sessions.SEEN_AT] = now - seen_ago


def test_idle_timeout(app, client, user):
    _log_in(client)
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    assert idle == 2 * 3600
    _age_session(client, login_ago=idle - 60, seen_ago=idle - 60)
    assert _logged_in(client)  # the request refreshes the last-seen time
    _age_session(client, login_ago=idle + 60, seen_ago=idle + 60)
    assert not _logged_in(client)


def test_absolute_timeout(app, client, user):
    _log_in(client)
    absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"]
    assert absolute == 12 * 3600
    _age_session(client, login_ago=absolute + 60, seen_ago=10)
    assert not _logged_in(client)


def test_a_session_without_its_times_is_not_accepted(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert not _logged_in(client)


def test_a_bare_user_id_is_not_accepted(client, user):
    """The form Flask-Login wrote before session versions (and its remember cookie)."""
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session[sessions.LOGIN_AT] = now
        session[sessions.SEEN_AT] = now
    assert not _logged_in(client)


def test_every_cookie_is_samesite_lax(client, user):
    response = _log_in(client, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    assert all("SameSite=Lax" in cookie and "HttpOnly" in cookie for cookie in cookies)


def test_remember_me_is_random_lasts_14_days_and_survives_the_session(app, client, user):
    response = _log_in(client, remember=True)
    first = _remember_cookie(client)
    remember_header = next(c for c in response.headers.getlist("Set-Cookie")
                           if c.startswith(sessions.REMEMBER_COOKIE))
    assert "Max-Age=1209600" in remember_header
    second_browser = app.test_client()
    _log_in(second_browser, remember=True)
    assert _remember_cookie(second_browser) != first  # not deterministic
    # The browser closed (no session cookie): remember-me starts a new session.
    fresh = app.test_client()
    fresh.set_cookie(sessions.REMEMBER_COOKIE, first)
    assert _logged_in(fresh)


def test_remember_me_is_refused_after_its_lifetime(app, client, user, monkeypatch):
    _log_in(client, remember=True)
    cookie = _remember_cookie(client)
    later = time.time() + app.config["REMEMBER_ME_LIFETIME"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    fresh = app.test_client()
    fresh.set_cookie(sessions.REMEMBER_COOKIE, cookie)
    assert not _logged_in(fresh)


def test_remember_me_does_not_survive_logout_or_password_reset(app, client, db_session, user):
    _log_in(client, remember=True)
    saved = _remember_cookie(client)
    client.post("/logout")
    assert _remember_cookie(client) is None
    thief = app.test_client()
    thief.set_cookie(sessions.REMEMBER_COOKIE, saved)
    assert not _logged_in(thief)

"""After an expired session or CSRF token the form comes back with everything typed."""
from __future__ import annotations

from registry.auth import sessions
from registry.models import Filing
from tests.factories import PASSWORD, UserFactory
from tests.portal.conftest import LAST_YEAR, csrf_token, figures, login


def test_a_missing_csrf_token_re_renders_the_filing_with_the_typed_values(
        csrf_app, logged_in, db_session):
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}",
                              data={**figures(revenue="4321.5"), "revision": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="4321.5"' in page and 'value="1500"' in page
    assert 'id="form-problem"' in page
    assert 'name="csrf_token" type="hidden" value="' in page  # a fresh token to send again
    assert db_session.query(Filing).count() == 0


def test_with_the_fresh_token_the_same_values_save(csrf_app, logged_in, db_session):
    path = f"/portal/filings/{LAST_YEAR}"
    token = csrf_token(logged_in, path)
    response = logged_in.post(path, data={**figures(), "revision": "0", "csrf_token": token})
    assert response.status_code == 302
    assert db_session.query(Filing).count() == 1


SAME_ORIGIN = {"Origin": "http://localhost"}


def _expire(client) -> None:
    """The session of the logged-in client outlives its idle timeout."""
    with client.session_transaction() as session:
        session[sessions.SEEN_AT] -= 3 * 3600


def test_an_expired_session_keeps_the_values_through_the_login(client, firm_user, db_session):
    path = f"/portal/filings/{LAST_YEAR}"
    login(client, firm_user)
    _expire(client)
    response = client.post(path, data={**figures(revenue="8765"), "revision": "0"},
                           headers=SAME_ORIGIN)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    login(client, firm_user)
    page = client.get(path).get_data(as_text=True)
    assert 'value="8765"' in page and 'value="1500"' in page
    # Restored once: a later visit shows what is saved (nothing yet).
    assert 'value="8765"' not in client.get(path).get_data(as_text=True)
    assert db_session.query(Filing).count() == 0


def test_expired_session_and_csrf_token_together(csrf_app, client, firm_user, db_session):
    """An expired session with a stale CSRF token: still nothing typed is lost."""
    path = f"/portal/filings/{LAST_YEAR}"
    login(client, firm_user)
    _expire(client)
    response = client.post(path, data={**figures(revenue="2468"), "revision": "0",
                                       "csrf_token": "stale"}, headers=SAME_ORIGIN)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": firm_user.email, "password": PASSWORD,
                                "csrf_token": token})
    assert 'value="2468"' in client.get(path).get_data(as_text=True)


# Issue 16, item 5: a cross-site POST neither logs anyone out nor plants values.

def test_a_cross_site_post_does_not_touch_the_session_cookie(csrf_app, client, firm_user,
                                                             db_session):
    path = f"/portal/filings/{LAST_YEAR}"
    # The browser holds a live session, but a cross-site POST does not carry it (SameSite=Lax).
    attacker = csrf_app.test_client()
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}):
        response = attacker.post(path, data={**figures(revenue="6666"), "revision": "0"},
                                 headers=headers)
        assert response.status_code in (302, 400)
        assert "Set-Cookie" not in response.headers, headers


def test_kept_input_is_not_restored_for_another_user(client, firm_user, firm, db_session):
    path = f"/portal/filings/{LAST_YEAR}"
    login(client, firm_user)
    _expire(client)
    client.post(path, data={**figures(revenue="7777"), "revision": "0"}, headers=SAME_ORIGIN)
    colleague = UserFactory(firm=firm, email="colleague@firm.example")
    login(client, colleague)
    assert 'value="7777"' not in client.get(path).get_data(as_text=True)


def test_a_post_without_an_expired_session_keeps_nothing(client, firm_user, db_session):
    """No session had expired (a forged or blind POST): nothing to restore after login."""
    path = f"/portal/filings/{LAST_YEAR}"
    client.post(path, data={**figures(revenue="5555"), "revision": "0"}, headers=SAME_ORIGIN)
    login(client, firm_user)
    assert 'value="5555"' not in client.get(path).get_data(as_text=True)


def test_a_missing_token_on_the_profile_keeps_the_values(csrf_app, logged_in, db_session, firm):
    response = logged_in.post("/portal/profile", data={"name": "新名称有限公司",
                                                       "founded": "2015-03-01"})
    assert response.status_code == 400
    assert 'value="新名称有限公司"' in response.get_data(as_text=True)
    db_session.refresh(firm)
    assert firm.name == "甬江科技有限公司"


def test_autosave_without_the_csrf_header_answers_json_400(csrf_app, logged_in, db_session):
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}/autosave",
                              data={**figures(), "revision": "0"},
                              headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"] == "csrf"
    assert db_session.query(Filing).count() == 0


def test_autosave_with_the_csrf_header_saves(csrf_app, logged_in, db_session):
    token = csrf_token(logged_in, f"/portal/filings/{LAST_YEAR}")
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}/autosave",
                              data={**figures(), "revision": "0"},
                              headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 200 and response.json["ok"]


def test_autosave_when_logged_out_answers_401_json(client, firm_user, db_session):
    response = client.post(f"/portal/filings/{LAST_YEAR}/autosave",
                           data={**figures(), "revision": "0"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_public_forms_keep_their_values_after_a_csrf_error(csrf_app, client, db_session,
                                                           district):
    response = client.post("/account/register", data={
        "credit_code": "91330200MA2AAAAA0X", "firm_name": "保留测试有限公司",
        "district": "haishu", "founded": "2020-01-02", "name": "王会计",
        "email": "wang@example.com", "password": "long enough pw", "confirm": "long enough pw"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="form-expired"' in page
    assert 'value="保留测试有限公司"' in page and 'value="wang@example.com"' in page
    assert 'long enough pw' not in page  # passwords are never echoed back

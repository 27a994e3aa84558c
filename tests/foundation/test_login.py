import re

from registry.models import AuditEvent
from tests.factories import PASSWORD, UserFactory


def _csrf_token(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_not_logged_in_goes_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_with_the_right_password(client, db_session):
    user = UserFactory(email="Clerk@Example.com")
    response = client.post("/login", data={"email": "clerk@example.COM ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True)  # each role starts on its own page
    assert home.status_code == 200
    assert "clerk@example.com" in home.get_data(as_text=True)
    actions = [e.action for e in db_session.query(AuditEvent).filter_by(actor_id=user.id)]
    assert actions == ["login"]


def test_login_with_a_wrong_password_is_refused_and_audited(client, db_session):
    UserFactory(email="clerk@example.com")
    response = client.post("/login", data={"email": "clerk@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "Wrong e-mail or password" in response.get_data(as_text=True) or \
        "电子邮箱或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db_session.query(AuditEvent).filter_by(action="login_failed").count() == 1


def test_unknown_account_gets_the_same_answer(client, db_session):
    response = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_400(csrf_app, client, db_session):
    UserFactory(email="clerk@example.com")
    response = client.post("/login", data={"email": "clerk@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_login_with_csrf_token_works(csrf_app, client, db_session):
    UserFactory(email="clerk@example.com")
    token = _csrf_token(client)
    response = client.post("/login", data={"email": "clerk@example.com", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_logout_needs_post_and_ends_the_session(client, db_session):
    UserFactory(email="clerk@example.com")
    client.post("/login", data={"email": "clerk@example.com", "password": PASSWORD})
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_failed_logins_are_rate_limited_per_account(app, client, db_session):
    UserFactory(email="clerk@example.com")
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    try:
        codes = [client.post("/login", data={"email": "clerk@example.com", "password": "bad"},
                             environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
                 for i in range(5)]
        # Another account behind the same address is not locked out.
        other = client.post("/login", data={"email": "other@example.com", "password": "bad"},
                            environ_base={"REMOTE_ADDR": "10.0.0.1"})
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1000 per minute"
        from registry.extensions import limiter
        limiter.reset()
    assert codes == [200, 200, 200, 429, 429]
    assert other.status_code == 200


def test_language_switch(client, db_session):
    page = client.get("/lang/en?next=/login", follow_redirects=True).get_data(as_text=True)
    assert "Log in" in page
    page = client.get("/lang/zh?next=/login", follow_redirects=True).get_data(as_text=True)
    assert "登录" in page


def test_open_redirect_is_refused(client, db_session):
    UserFactory(email="clerk@example.com")
    response = client.post("/login?next=//evil.example/x",
                           data={"email": "clerk@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/"

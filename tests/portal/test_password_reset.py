"""Password reset: single-use tokens valid one hour, the same answer for unknown addresses,
rate limits per account and address, and the mail outbox."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from registry.auth.passwords import verify_password
from registry.models import OutboxMail, PasswordResetToken
from registry.models.base import utcnow
from registry.services.onboarding import hash_token
from tests.factories import UserFactory
from tests.portal.conftest import login


@pytest.fixture(autouse=True)
def _jobs_run_after_the_request(app, monkeypatch):
    """The reset request's work is a job (the same for known and unknown addresses)."""
    monkeypatch.setitem(app.config, "JOBS_MODE", "inline")


def _ask(client, email, address="10.1.1.1"):
    return client.post("/account/reset", data={"email": email},
                       environ_base={"REMOTE_ADDR": address})


def _reset_link(db_session, email) -> str:
    mail = db_session.query(OutboxMail).filter_by(recipient=email).one()
    return re.search(r"http://localhost(/account/reset/[A-Za-z0-9_-]+)", mail.body).group(1)


def test_known_and_unknown_addresses_get_the_same_answer(client, db_session, firm_user):
    known = _ask(client, firm_user.email)
    unknown = _ask(client, "nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 200

    def strip_address(response, address):
        return response.get_data(as_text=True).replace(address, "ADDRESS")
    assert strip_address(known, firm_user.email) == strip_address(unknown,
                                                                   "nobody@nowhere.example")
    assert db_session.query(OutboxMail).count() == 1  # only the real account is mailed


def test_the_reset_link_sets_a_new_password_once(client, db_session, firm_user):
    _ask(client, firm_user.email)
    link = _reset_link(db_session, firm_user.email)
    token = db_session.query(PasswordResetToken).one()
    assert token.token_hash == hash_token(link.rsplit("/", 1)[1])
    assert token.expires_at - token.created_at == dt.timedelta(hours=1)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "brand new secret",
                                       "confirm": "brand new secret"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db_session.refresh(firm_user)
    assert verify_password(firm_user.password_hash, "brand new secret")
    login(client, firm_user, "brand new secret")
    client.post("/logout")
    assert client.get(link).status_code == 404
    again = client.post(link, data={"password": "yet another one", "confirm": "yet another one"})
    assert again.status_code == 404


def test_an_expired_reset_link_does_not_work(client, db_session, firm_user):
    _ask(client, firm_user.email)
    link = _reset_link(db_session, firm_user.email)
    token = db_session.query(PasswordResetToken).one()
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.flush()
    assert client.get(link).status_code == 404


def test_using_one_link_voids_the_others(client, db_session, firm_user):
    _ask(client, firm_user.email)
    _ask(client, firm_user.email)
    links = [re.search(r"(/account/reset/[A-Za-z0-9_-]+)", mail.body).group(1)
             for mail in db_session.query(OutboxMail).order_by(OutboxMail.id)]
    client.post(links[1], data={"password": "brand new secret", "confirm": "brand new secret"})
    assert client.get(links[0]).status_code == 404


def test_mismatched_passwords_come_back_beside_the_field(client, db_session, firm_user):
    _ask(client, firm_user.email)
    link = _reset_link(db_session, firm_user.email)
    page = client.post(link, data={"password": "brand new secret", "confirm": "other"})
    assert page.status_code == 200 and 'data-field="confirm"' in page.get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert 'data-field="password"' in short.get_data(as_text=True)


def test_reset_requests_are_limited_per_account(app, client, db_session, firm_user, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    codes = [_ask(client, firm_user.email, f"10.2.0.{i}").status_code for i in range(5)]
    other = _ask(client, "another@firm.example", "10.2.0.1").status_code
    assert codes == [200, 200, 200, 429, 429] and other == 200
    assert db_session.query(OutboxMail).count() == 3


def test_reset_requests_are_limited_per_address(app, client, db_session, firm_user, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_LIMIT_PER_ADDRESS", "3 per hour")
    codes = [_ask(client, f"person{i}@firm.example", "10.3.0.1").status_code for i in range(5)]
    elsewhere = _ask(client, "person9@firm.example", "10.3.0.2").status_code
    assert codes == [200, 200, 200, 429, 429] and elsewhere == 200


def test_the_dev_outbox_shows_the_mails_unless_smtp_is_configured(app, client, db_session,
                                                                   firm_user, monkeypatch):
    _ask(client, firm_user.email)
    # Not to anyone: a firm user (or nobody logged in) must not read others' reset links.
    assert client.get("/account/dev-outbox").status_code == 302
    login(client, firm_user)
    assert client.get("/account/dev-outbox").status_code == 403
    client.post("/logout")
    login(client, UserFactory(admin=True, email="admin@bureau.example"))
    page = client.get("/account/dev-outbox").get_data(as_text=True)
    assert firm_user.email in page and "/account/reset/" in page
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example")
    assert client.get("/account/dev-outbox").status_code == 404


def test_the_login_page_links_to_reset_and_registration(client, db_session):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/account/reset"' in page and 'href="/account/register"' in page


def test_the_request_does_the_same_work_for_known_and_unknown_addresses(app, client, db_session,
                                                                       firm_user, monkeypatch):
    """Issue 16, item 8: the request only queues one job either way (no timing difference);
    the job finds the account."""
    from registry.jobs import sent_jobs
    monkeypatch.setitem(app.config, "JOBS_MODE", "record")
    with app.app_context():
        sent_jobs().clear()
    _ask(client, firm_user.email)
    _ask(client, "nobody@nowhere.example")
    with app.app_context():
        jobs = list(sent_jobs())
    assert [name for name, _args in jobs] == ["password_reset", "password_reset"]
    assert db_session.query(OutboxMail).count() == 0  # nothing done in the request

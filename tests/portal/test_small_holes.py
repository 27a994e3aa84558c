"""Issue 16, item 8: bad input answers 400, not 500; a partial autosave changes only what it
sent; the 429 after a lockout offers the reset link; the 500 page survives a failed
transaction; behind a trusted proxy each client keeps its own address."""
from __future__ import annotations

from decimal import Decimal

import pytest

from registry.models import Filing
from tests.factories import UserFactory
from tests.officer.conftest import login as login_as
from tests.portal.conftest import LAST_YEAR, figures


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null", "{broken"])
def test_autosave_with_a_json_body_that_is_not_an_object_is_400(logged_in, body):
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}/autosave", data=body,
                              content_type="application/json",
                              headers={"Accept": "application/json"})
    assert response.status_code == 400


def test_a_partial_autosave_changes_only_what_it_sent(logged_in, db_session):
    path = f"/portal/filings/{LAST_YEAR}/autosave"
    assert logged_in.post(path, data={**figures(revenue="900"), "revision": "0"}).json["ok"]
    filing = db_session.query(Filing).one()
    before = dict(filing.figures())
    response = logged_in.post(path, data={"revenue": "950", "revision": str(filing.revision)})
    assert response.status_code == 200 and response.json["ok"]
    db_session.refresh(filing)
    after = dict(filing.figures())
    assert after.pop("revenue") == Decimal(950)
    before.pop("revenue")
    assert after == before and any(value is not None for value in after.values())


@pytest.mark.parametrize("url", ["/scans/?before=9223372036854775808",
                                 "/scans/progress.json?id=99999999999999999999",
                                 "/scans/?before=-1", "/scans/?before=x"])
def test_ids_beyond_64_bits_are_a_bad_request(client, db_session, url):
    login_as(client, UserFactory(admin=True, email="admin@bureau.example"))
    assert client.get(url).status_code == 400


def test_a_directory_cursor_beyond_64_bits_is_not_a_crash(client, db_session):
    import base64
    import json
    login_as(client, UserFactory(admin=True, email="admin@bureau.example"))
    cursor = base64.urlsafe_b64encode(json.dumps(["a", 2**70]).encode()).decode()
    assert client.get(f"/officer/firms?after={cursor}").status_code == 200


def test_the_429_after_a_lockout_offers_the_reset_link(app, client, firm_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per minute")
    try:
        codes = [client.post("/login", data={"email": firm_user.email, "password": "bad"})
                 for _ in range(3)]
    finally:
        from registry.extensions import limiter
        limiter.reset()
    assert codes[-1].status_code == 429
    assert 'href="/account/reset"' in codes[-1].get_data(as_text=True)


def _fresh_app(**settings):
    """An app of its own (routes can be added) on the test's database session."""
    from registry import create_app
    return create_app("testing", **settings)


def test_the_500_page_renders_after_a_failed_transaction(firm_user, db_session):
    """A view that leaves the session needing a rollback: the error page still renders."""
    from sqlalchemy.exc import IntegrityError

    from registry.extensions import db
    app = _fresh_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/_test_broken_transaction")
    def _broken():
        db.session.add(UserFactory.build(email=firm_user.email, firm=firm_user.firm))
        try:
            db.session.flush()
        except IntegrityError:
            pass  # the session now needs a rollback; the page below would fail with it
        raise RuntimeError("boom")

    client = app.test_client()
    login_as(client, firm_user)
    response = client.get("/_test_broken_transaction")
    assert response.status_code == 500
    assert firm_user.email in response.get_data(as_text=True)  # the layout read the user


def test_behind_a_trusted_proxy_each_client_has_its_own_address(db_session):
    app = _fresh_app(TRUSTED_PROXIES=1)
    seen = []

    @app.get("/_test_address")
    def _address():
        from flask import request
        seen.append(request.remote_addr)
        return ""

    client = app.test_client()
    for address in ("203.0.113.7", "198.51.100.9"):
        client.get("/_test_address", headers={"X-Forwarded-For": address},
                   environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == ["203.0.113.7", "198.51.100.9"]


def test_without_a_trusted_proxy_the_header_is_ignored(db_session):
    app = _fresh_app()
    seen = []

    @app.get("/_test_address")
    def _address():
        from flask import request
        seen.append(request.remote_addr)
        return ""

    app.test_client().get("/_test_address", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == ["10.0.0.2"]

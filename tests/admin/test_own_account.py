"""Everyone changes their own password and e-mail (confirmed from the new address); a firm's
administrator deactivates, reactivates or removes a colleague and passes the role on."""
from __future__ import annotations

import re

from sqlalchemy import select

from registry.auth.passwords import verify_password
from registry.models import FirmFactChange, OutboxMail, User
from tests.factories import PASSWORD, FirmFactory, UserFactory
from tests.officer.conftest import login

NEW_PASSWORD = "a much longer secret 42"


def test_a_user_changes_their_password_and_other_sessions_end(app, db_session, officer):
    browser, other = app.test_client(), app.test_client()
    login(browser, officer)
    login(other, officer)
    page = browser.post("/account/me", data={"pw-current": "wrong", "pw-password": NEW_PASSWORD,
                                             "pw-confirm": NEW_PASSWORD}).get_data(as_text=True)
    assert "This is not your current password." in page
    response = browser.post("/account/me", data={"pw-current": PASSWORD, "pw-password": NEW_PASSWORD,
                                                 "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 302
    db_session.refresh(officer)
    assert verify_password(officer.password_hash, NEW_PASSWORD)
    assert browser.get("/account/me").status_code == 200      # this browser goes on
    assert other.get("/account/me").status_code == 302        # the other session ended


def test_a_new_address_counts_once_confirmed_from_it(client, db_session, officer, admin):
    login(client, officer)
    page = client.post("/account/me", data={"em-email": admin.email, "em-current": PASSWORD})
    assert "This address already has an account." in page.get_data(as_text=True)
    client.post("/account/me", data={"em-email": "New.Me@bureau.example", "em-current": PASSWORD})
    db_session.refresh(officer)
    assert officer.email == "officer@bureau.example"  # not yet
    notice = db_session.scalar(select(OutboxMail).where(OutboxMail.recipient == officer.email))
    assert "new.me@bureau.example" in notice.body
    body = db_session.scalar(select(OutboxMail.body)
                             .where(OutboxMail.recipient == "new.me@bureau.example"))
    link = re.search(r"http://localhost(/account/email/\S+)", body).group(1)
    assert client.get(link).status_code == 302
    db_session.refresh(officer)
    assert officer.email == "new.me@bureau.example"
    assert client.get(link).status_code == 404  # once


def test_a_firm_admin_manages_colleagues(app, db_session, districts):
    firm = FirmFactory(district="haishu")
    boss = UserFactory(firm=firm, is_firm_admin=True, email="boss@firm.example")
    clerk = UserFactory(firm=firm, email="clerk@firm.example")
    editor = UserFactory(firm=firm, email="editor@firm.example")
    stranger = UserFactory(firm=FirmFactory(district="haishu"))
    db_session.add(FirmFactChange(firm_id=firm.id, actor_id=editor.id, field="name"))
    db_session.flush()
    clerk_browser, client = app.test_client(), app.test_client()
    login(clerk_browser, clerk)
    login(client, boss)
    assert client.post(f"/portal/colleagues/{stranger.id}/deactivate").status_code == 404

    client.post(f"/portal/colleagues/{clerk.id}/deactivate")
    db_session.refresh(clerk)
    assert clerk.active is False
    assert clerk_browser.get("/portal/").status_code == 302
    client.post(f"/portal/colleagues/{clerk.id}/reactivate")
    db_session.refresh(clerk)
    assert clerk.active is True

    page = client.post(f"/portal/colleagues/{editor.id}/remove", follow_redirects=True)
    assert "deactivate them instead" in page.get_data(as_text=True)
    client.post(f"/portal/colleagues/{clerk.id}/remove")
    assert db_session.scalar(select(User.id).where(User.email == "clerk@firm.example")) is None

    client.post(f"/portal/colleagues/{editor.id}/make-admin")
    db_session.refresh(boss)
    db_session.refresh(editor)
    assert (editor.is_firm_admin, boss.is_firm_admin) == (True, False)
    assert client.post(f"/portal/colleagues/{editor.id}/deactivate").status_code == 403

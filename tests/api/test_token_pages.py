"""The token pages: a person's own tokens and the administrators' service tokens (created with
chosen scopes and lifetime, shown once, listed, revoked, audited), in Chinese and English."""
from __future__ import annotations

import re

from sqlalchemy import select

from registry.models import ApiToken, AuditEvent
from tests.api.conftest import bearer
from tests.officer.conftest import login


def _secret(page: str) -> str:
    return re.search(r'id="token-secret">(yz_[^<]+)<', page).group(1)


def test_firm_user_creates_lists_and_revokes_a_token(client, db_session, firm_user):
    login(client, firm_user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="file"' in page and 'value="decide"' not in page
    response = client.post("/account/tokens", data={"name": "ERP", "scopes": ["read", "file"],
                                                     "days": "30"})
    assert response.status_code == 200
    secret = _secret(response.get_data(as_text=True))
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["scopes"] == ["file", "read"]
    # Shown once: the list has the prefix only.
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing and secret[:10] in listing and "ERP" in listing
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == firm_user.id))
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_a_scope_the_role_cannot_hold_is_refused_beside_the_field(client, db_session, manager):
    login(client, manager)
    response = client.post("/account/tokens", data={"scopes": ["decide"], "days": "30"})
    assert response.status_code == 422
    assert 'data-field="scopes"' in response.get_data(as_text=True)
    assert db_session.scalar(select(ApiToken)) is None


def test_someone_elses_token_cannot_be_revoked(client, db_session, officer, other_officer,
                                                make_token):
    make_token(other_officer, "read")
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == other_officer.id))
    login(client, officer)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 403


def test_admin_service_tokens(client, db_session, admin, officer):
    login(client, officer)
    assert client.get("/admin/tokens").status_code == 403
    login(client, admin)
    response = client.post("/admin/tokens", data={"name": "科技大脑", "scopes": ["read"],
                                                   "days": "365"})
    secret = _secret(response.get_data(as_text=True))
    token = db_session.scalar(select(ApiToken).where(ApiToken.service.is_(True)))
    assert token.user_id == admin.id and token.name == "科技大脑"
    body = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert body["service"] is True and body["role"] == "admin"
    assert "科技大脑" in client.get("/admin/tokens").get_data(as_text=True)
    # A service token is not among the admin's own tokens.
    assert "科技大脑" not in client.get("/account/tokens").get_data(as_text=True)
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Created the service token “科技大脑”" in audit
    assert "Revoked the service token “科技大脑”" in audit
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "token_revoked"))


def test_token_page_in_chinese(client, db_session, officer):
    login(client, officer)
    with client.session_transaction() as session:
        session["lang"] = "zh"
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "我的 API 令牌" in page and "My API tokens" not in page

"""The API's foundation: Bearer tokens acting as their user, scopes, problem responses, the
OpenAPI 3.1 document, rate limits, no cookies and no CSRF hole."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.models import ApiToken, AuditEvent
from registry.services import tokens
from registry.services.tokens import TokenError
from tests.api.conftest import bearer

PROBLEM = "application/problem+json"


def test_openapi_document_is_3_1_and_generated(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/me" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": ["read"]}]
    # Every error is documented as a problem.
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == [PROBLEM]


def test_docs_page_uses_vendored_swagger_ui_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in html
    assert "/static/js/api-docs.js" in html
    assert "http://" not in html.split("<body>")[1].replace("http://localhost", "")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert client.get("/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js").status_code == 200


def test_token_acts_as_its_user(client, officer, make_token):
    secret = make_token(officer, "read", "decide")
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["email"] == officer.email and body["role"] == "officer"
    assert body["districts"] == ["haishu"] and body["scopes"] == ["decide", "read"]
    # The API sets no cookie and keeps no session.
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc",
                                    "Bearer yz_" + "x" * 43, "Bearer yz_\u00e9\u00e9"])
def test_missing_or_bad_token_is_401_problem(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_and_deactivated_tokens_stop_working(client, db_session, officer, admin,
                                                              make_token):
    secret = make_token(officer, "read")
    token = db_session.scalar(select(ApiToken).where(ApiToken.digest == tokens.digest(secret)))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db_session.flush()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    token.expires_at = None
    tokens.revoke(db_session, officer, token)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401

    second = make_token(officer, "read")
    officer.active = False
    db_session.flush()
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 401


def test_token_stored_hashed_and_last_use_noted(client, db_session, officer, make_token):
    secret = make_token(officer, "read")
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == officer.id))
    assert secret not in (token.digest, token.prefix) and secret.startswith(token.prefix)
    assert token.digest == tokens.digest(secret) and len(token.digest) == 64
    assert token.last_used_at is None
    client.get("/api/v1/me", headers=bearer(secret))
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).last_used_at is not None


def test_scopes_a_role_may_hold(db_session, officer, manager, firm_user, admin):
    assert tokens.allowed_scopes(firm_user) == ("read", "file")
    assert tokens.allowed_scopes(officer) == ("read", "decide")
    assert tokens.allowed_scopes(manager) == ("read",)
    assert tokens.allowed_scopes(admin) == ("read", "decide")
    with pytest.raises(TokenError):
        tokens.create(db_session, manager, manager, scopes=["decide"], days=30, max_days=365)
    with pytest.raises(TokenError):
        tokens.create(db_session, officer, officer, scopes=["file"], days=30, max_days=365)
    with pytest.raises(TokenError):
        tokens.create(db_session, officer, officer, scopes=["read"], days=400, max_days=365)
    with pytest.raises(TokenError):
        tokens.create(db_session, officer, officer, scopes=[], days=30, max_days=365)
    with pytest.raises(TokenError):  # a service token belongs to an administrator
        tokens.create(db_session, officer, officer, scopes=["read"], days=30, max_days=365,
                      service=True)


def test_token_without_the_scope_gets_403(client, officer, make_token):
    secret = make_token(officer, "decide")
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 403 and response.mimetype == PROBLEM
    assert "read" in response.get_json()["detail"]


def test_unknown_routes_and_methods_are_problems(client, officer, make_token):
    secret = make_token(officer, "read")
    response = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert response.status_code == 404 and response.mimetype == PROBLEM
    response = client.delete("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 405 and response.mimetype == PROBLEM
    # The pages keep their HTML errors.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_malformed_json_is_400_problem(client, officer, make_token):
    secret = make_token(officer, "read")
    response = client.post("/api/v1/me", headers=bearer(secret), data="{not json",
                           content_type="application/json")
    assert response.status_code == 400 and response.mimetype == PROBLEM


def test_rate_limit_per_token_is_429_problem(app, client, officer, firm_user, make_token):
    secret, other = make_token(officer, "read"), make_token(firm_user, "read")
    limit = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/api/v1/me", headers=bearer(secret))
        assert response.mimetype == PROBLEM and int(response.headers["Retry-After"]) > 0
        # Another token has its own allowance.
        assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = limit
        from registry.extensions import limiter
        limiter.reset()


def test_csrf_is_off_only_for_bearer_requests(csrf_app, db_session, officer, make_token):
    """A cookie session never authenticates an API request, so the API needs no CSRF token;
    the pages still do."""
    client = csrf_app.test_client()
    secret = make_token(officer, "read")
    with client.session_transaction() as session:
        session["_user_id"] = officer.get_id()
    # Cookie only: 401.
    assert client.get("/api/v1/me").status_code == 401
    # The same POST to a page is refused for its missing CSRF token.
    assert client.post("/account/tokens", data={"scopes": "read", "days": "30"}).status_code == 400
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_cli_prints_the_token_alone(app, db_session, officer):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "--email", officer.email, "--scope", "read",
                                 "--scope", "decide", "--days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n" and secret.startswith("yz_")
    token = db_session.scalar(select(ApiToken).where(ApiToken.digest == tokens.digest(secret)))
    assert token.scope_set == {"read", "decide"} and token.user_id == officer.id
    assert dt.timedelta(days=6) < token.expires_at - token.created_at <= dt.timedelta(days=7)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["email"] == officer.email

    refused = runner.invoke(args=["tokens", "create", "--email", officer.email, "--scope", "file"])
    assert refused.exit_code != 0 and "yz_" not in refused.stdout
    unknown = runner.invoke(args=["tokens", "create", "--email", "nobody@x.example", "--scope",
                                  "read"])
    assert unknown.exit_code != 0


def test_audit_records_creation_and_revocation(db_session, officer, make_token):
    make_token(officer, "read", name="finance tool")
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == officer.id))
    tokens.revoke(db_session, officer, token)
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "apitoken").order_by(AuditEvent.id)).all()
    assert actions == ["token_created", "token_revoked"]


def test_every_operation_documents_its_scope(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = [(path, method, operation) for path, item in spec["paths"].items()
                  for method, operation in item.items() if method in ("get", "put", "post")]
    assert len(operations) >= 13
    for path, method, operation in operations:
        (requirement,) = operation["security"]
        assert requirement["bearerAuth"][0] in ("read", "file", "decide"), (method, path)
        assert "default" in operation["responses"], (method, path)


def test_a_busy_database_is_a_503_problem(app, client, officer, make_token, monkeypatch):
    """SQLite's lock outlasting every retry answers 503 with Retry-After, as a problem (the
    lock handling exists on SQLite only: registry/database.py)."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from registry.extensions import db
    from registry.views.api import core
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's lock handling")

    def locked(session, secret):
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
    secret = make_token(officer, "read")
    monkeypatch.setattr(core.tokens, "authenticate", locked)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 503 and response.mimetype == PROBLEM
    assert int(response.headers["Retry-After"]) > 0


def test_cli_revokes_by_prefix_and_the_audit_names_the_token(app, client, db_session, officer,
                                                            admin):
    from tests.officer.conftest import login
    runner = app.test_cli_runner()
    secret = runner.invoke(args=["tokens", "create", "--email", officer.email, "--scope", "read",
                                 "--name", "district system"]).stdout.strip()
    token = db_session.scalar(select(ApiToken).where(ApiToken.digest == tokens.digest(secret)))
    result = runner.invoke(args=["tokens", "revoke", token.prefix])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", "yz_nothing"]).exit_code != 0
    login(client, admin)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Created an API token “district system” for 王科长" in audit
    assert "Revoked the API token “district system” of 王科长" in audit

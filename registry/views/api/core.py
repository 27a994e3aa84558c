"""What every API operation shares: Bearer authentication acting as the token's user, scope
checks, RFC 9457 problem responses, keyset pages and ETags.

The API reads no cookie: a request is authenticated by its `Authorization: Bearer` token alone
(so CSRF, a defence of cookie sessions, is off for the API's blueprints and nowhere else), and
acts exactly as the token's owner: the owner's role and its permissions
(`registry.auth.permissions`), the owner's districts or firm (`registry.auth.scope`), narrowed by
the token's scopes.
"""
from __future__ import annotations

import hashlib
from functools import wraps

import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.exceptions import HTTPException

from registry.auth.permissions import Permission, has_permission
from registry.extensions import db, limiter
from registry.security import problem_response
from registry.services import tokens
from registry.services.directory import decode_cursor, keyset_page

PREFIX = "/api/v1"
DEFAULT_LIMIT, MAX_LIMIT = 50, 500


# --- Problems (RFC 9457) -------------------------------------------------------------------------

class ApiProblem(HTTPException):
    """An error answered as application/problem+json; `errors` lists field errors."""

    def __init__(self, status: int, detail: str | None = None, errors: list | None = None,
                 headers: dict | None = None):
        self.code = status
        self.description = detail
        self.errors = errors
        self.extra_headers = headers or {}
        super().__init__(detail)


def problem(status: int, detail: str | None = None, errors: list | None = None):
    raise ApiProblem(status, detail, errors)


def field_errors(messages, location: str | None = None) -> list[dict]:
    """webargs' nested messages ({location: {field: [text]}}) as a flat list of
    {"in", "field", "detail"}."""
    errors: list[dict] = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, (list, tuple)) and node and all(isinstance(m, str) for m in node):
            for text in node:
                errors.append({"in": location or (path[0] if path else "body"),
                               "field": ".".join(path[0 if location else 1:]) or None,
                               "detail": text})
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                walk(value, [*path, str(index)])
        else:
            errors.append({"in": location or "body", "field": ".".join(path) or None,
                           "detail": str(node)})

    walk(messages, [])
    return errors


def handle_http_error(error: HTTPException):
    """An API request's HTTP error as a problem (webargs' 422 and 400 carry field errors)."""
    status = error.code or 500
    if isinstance(error, ApiProblem):
        return problem_response(status, error.description, error.errors, error.extra_headers)
    data = getattr(error, "data", None) or {}
    errors = field_errors(data["messages"]) if "messages" in data else None
    detail = error.description if status != 422 else "The request's values are not valid."
    if status == 400 and data.get("messages", {}).get("json") is not None and errors:
        detail = "The body is not valid JSON."
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(current_app.config.get("API_RETRY_AFTER_SECONDS", 60))
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(status, detail, errors, headers)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation of every error response)."""

    type = ma.fields.String(metadata={"description": "A URI reference naming the problem type"})
    title = ma.fields.String(metadata={"description": "The status code's phrase"})
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    instance = ma.fields.String(metadata={"description": "The request's path"})
    errors = ma.fields.List(ma.fields.Dict(), metadata={
        "description": 'Field errors: {"in": body|query|path, "field": name, "detail": text}'})


# --- Authentication ------------------------------------------------------------------------------

def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def rate_key() -> str:
    """The rate limit's key: the token (by a digest, never the secret), else the address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode("utf-8", "surrogateescape")) \
            .hexdigest()[:32]
    return "api-address:" + (request.remote_addr or "unknown")


def authenticate():
    """Before every API operation: the Bearer token's user becomes the current user, or 401."""
    secret = bearer_secret()
    token = tokens.authenticate(db.session, secret) if secret else None
    if token is None:
        raise ApiProblem(401, "Send a valid API token: Authorization: Bearer <token>.",
                         headers={"WWW-Authenticate": 'Bearer realm="yanzhen"'})
    if db.session.dirty:
        db.session.commit()  # the last use, written at most once a minute
        token = tokens.authenticate(db.session, secret)
    g.api_token = token
    g._login_user = token.user  # Flask-Login's current_user for this request only


def current_token():
    return g.api_token


def needs(scope: str, permission: Permission | None = None):
    """The operation needs the token's `scope` and its user's `permission`: 403 otherwise.
    Documented as the operation's security requirement."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = g.api_token
            if scope not in token.scope_set:
                raise ApiProblem(403, f"This token lacks the scope '{scope}'.")
            if permission is not None and not has_permission(token.user, permission):
                raise ApiProblem(403, "The token's user may not do this.")
            return view(*args, **kwargs)
        wrapped.required_scope = scope
        wrapped.required_permission_api = permission
        apidoc = getattr(wrapped, "_apidoc", {})
        apidoc.setdefault("manual_doc", {})["security"] = [{"bearerAuth": [scope]}]
        wrapped._apidoc = apidoc
        return wrapped
    return decorator


class Blueprint(SmorestBlueprint):
    """An API resource's blueprint: Bearer authentication before each operation, the token's
    rate limit, no CSRF (no cookie is read)."""

    def __init__(self, name, import_name, **kwargs):
        kwargs.setdefault("url_prefix", PREFIX)
        super().__init__(name, import_name, **kwargs)
        self.before_request(authenticate)


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


def limit_blueprint(blp):
    limiter.limit(rate_limit, key_func=rate_key, scope="api-token")(blp)


# --- Keyset pages --------------------------------------------------------------------------------

class PageArgs(ma.Schema):
    cursor = ma.fields.String(metadata={"description": "The `next_cursor` of the previous page"},
                              validate=ma.validate.Length(max=1000))
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT,
                              validate=ma.validate.Range(min=1, max=MAX_LIMIT),
                              metadata={"description": f"Items per page, at most {MAX_LIMIT}"})


class FirmRowSchema(ma.Schema):
    """The firm a list's row is about."""
    firm_id = ma.fields.Integer(required=True)
    credit_code = ma.fields.String(allow_none=True, required=True)
    name = ma.fields.String(required=True)
    district = ma.fields.String(required=True)


def page_schema(item_schema, name: str):
    """A page's schema: its items and the cursor of the next page (null on the last one)."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "next_cursor": ma.fields.String(allow_none=True, required=True),
    }, name=name)


def checked_cursor(cursor: str | None, width: int):
    """A cursor as given (None for the first page); 400 when it is not one of ours."""
    if cursor and decode_cursor(cursor, width) is None:
        raise ApiProblem(400, "The cursor is not valid: pass the next_cursor of a page as it is.",
                         [{"in": "query", "field": "cursor", "detail": "Not a valid cursor."}])
    return cursor or None


def keyset(query, keys: tuple, descending: bool, args: dict):
    """One page of `query` in `keys` order after the request's cursor: (rows, next_cursor)."""
    after = checked_cursor(args.get("cursor"), len(keys))
    page = keyset_page(db.session, query, keys, descending, after, args.get("limit", DEFAULT_LIMIT))
    return page.rows, page.next_cursor


# --- Exports (CSV/XLSX through the formula-safe writer) -------------------------------------------

EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "contentEncoding": "binary"}},
}


class ExportArgs(ma.Schema):
    format = ma.fields.String(required=True, validate=ma.validate.OneOf(("csv", "xlsx")),
                              metadata={"description": "csv (UTF-8 with BOM) or xlsx"})


def list_args(filters, name: str):
    """The query schemas of a list and of its export: `filters` with the page's arguments, and
    `filters` with the file's format."""
    return (type(f"{name}ListArgs", (filters, PageArgs), {}),
            type(f"{name}ExportArgs", (filters, ExportArgs), {}))


def export_doc(blp):
    """Document an export operation's two file types."""
    return blp.doc(responses={"200": {"description": "The list as a file",
                                      "content": EXPORT_CONTENT}})


def export_response(name: str, columns: tuple[str, ...], rows, fmt: str):
    """`rows` as name.csv or name.xlsx, headed by the JSON field names (stable for scripts),
    written by the formula-safe writer (registry/services/export.py)."""
    from registry.views.officer.export import table_response
    return table_response(name, list(columns), rows, fmt)

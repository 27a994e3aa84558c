"""Login sessions, CSRF, rate limits and error pages."""
from __future__ import annotations

import secrets
from http import HTTPStatus

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from config import is_local_host
from registry.auth import contacts, sessions
from registry.extensions import csrf, db, limiter, login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "public.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # "strong" logs users out when their address changes, which happens behind a bureau's NAT.
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.user_from_id)
    login_manager.unauthorized_handler(_unauthorized)

    app.session_interface = sessions.SessionInterface()
    app.before_request(sessions.check_request)
    if app.config.get("YANZHEN_CONFIG") == "development":
        app.before_request(_development_is_local)

    if app.config.get("TRUSTED_PROXIES"):
        # Behind N reverse proxies: the client's address (rate limits, audit) and scheme come
        # from the X-Forwarded-* headers those proxies set, and only from them.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(_json_bodies_are_objects)

    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    _register_error_pages(app)

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["firm_contact"] = lambda firm: contacts.contact_of(current_user, firm)
    app.jinja_env.globals["person"] = lambda user: contacts.person_label(current_user, user)
    app.after_request(_security_headers)


def csp_nonce() -> str:
    """This response's nonce: every inline <script> and <style> carries it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    # Style attributes (progress bars, the timeline's positions) stay allowed; scripts come
    # from our static files or carry the nonce.
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ))


def _security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    # Pages and files of a logged-in person stay out of every cache (and the back button of
    # a shared computer after logout); so do files handed out as attachments.
    if request.endpoint != "static" and current_user.is_authenticated \
            or "attachment" in headers.get("Content-Disposition", ""):
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("YANZHEN_CONFIG") == "production":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers.pop("Server", None)
    return response


def _development_is_local():
    """Development answers only on this machine, however its server was started (the
    command-line check is config.refuse_public_development)."""
    if not is_local_host(request.environ.get("SERVER_NAME", "")):
        abort(403)


def _json_bodies_are_objects():
    """A JSON body is a form's fields by name (Flask-WTF reads it as form data): an array, a
    string, a number or broken JSON is a bad request, not a crash."""
    if request.method in ("POST", "PUT", "PATCH") and request.is_json \
            and not isinstance(request.get_json(silent=True), dict):
        abort(400)


PROBLEM_MIMETYPE = "application/problem+json"


def is_api_request() -> bool:
    """A request to the REST API (under /api/): its errors are problems, never pages."""
    return request.path.startswith("/api/")


def problem_response(status: int, detail=None, errors=None, headers=None):
    """An RFC 9457 problem (the API's every error): type, title (the status's phrase), status,
    detail, instance (the path) and, for invalid input, `errors` naming each field."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = str(detail)
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_json() -> bool:
    return is_api_request() or request.accept_mimetypes.best == "application/json"


def _unauthorized():
    if wants_json():
        return jsonify(error="unauthorized", message="Log in first."), 401
    return redirect(url_for("public.login", next=request.full_path.rstrip("?")))


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts; please wait and try again"),
    500: _l("Something went wrong on our side"),
}


def render_error(error, code: int):
    """The error page in the layout, or a JSON body for API clients."""
    if code == 500:
        # The failed request's transaction may be unusable (PendingRollbackError): the page
        # itself reads the database (the user, the menu), so start clean.
        db.session.rollback()
    if wants_json():
        return jsonify(error=str(ERROR_TITLES.get(code, code)), status=code), code
    return render_template("errors/error.html", code=code, title=ERROR_TITLES.get(code, ""),
                           description=getattr(error, "description", ""),
                           offer_reset=code == 429 and request.endpoint == "public.login"), code


def csrf_error(error: CSRFError):
    """A missing or expired CSRF token: 400. (Form views that keep what was typed re-render
    themselves instead: registry/views/keep.py.)"""
    if wants_json():
        return jsonify(error="csrf", message=str(_l(
            "The page has expired: reload it and try again."))), 400
    return render_error(error, 400)


def _register_error_pages(app: Flask) -> None:
    for code in ERROR_TITLES:
        app.register_error_handler(code, lambda error, code=code: render_error(error, code))
    app.register_error_handler(CSRFError, csrf_error)

"""The REST API under /api/v1: resources as flask-smorest blueprints, its OpenAPI 3.1 document
generated from them at /api/v1/openapi.json, and the docs page (Swagger UI, vendored) at
/api/v1/docs. Every error under /api/ is an RFC 9457 problem (`core.handle_http_error`).
"""
from __future__ import annotations

import http

from flask import Blueprint, Flask, render_template
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from registry import security
from registry.extensions import csrf
from registry.views.api import core

API_INFO = {
    "description": (
        "The registry's REST API. Authenticate with a token (Authorization: Bearer). A token acts "
        "as its user (role, districts or firm), limited to its scopes: read (every GET), file "
        "(a firm's drafts), decide (officers' decisions). Lists are keyset-paginated (cursor, "
        "limit up to 500); errors are RFC 9457 problem details (application/problem+json). "
        "See docs/api.md."),
}


class Api(SmorestApi):
    """flask-smorest's Api whose error responses are problem details, documented as such; the
    app's own error handlers stay in charge outside /api/."""

    ERROR_SCHEMA = core.ProblemSchema

    def _register_error_handlers(self):
        pass  # init_app below registers problem handlers for API paths only

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, security.PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (RFC 9457 problem details)",
                    "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, security.PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = Api()
docs_bp = Blueprint("api_docs", __name__, url_prefix=core.PREFIX)


@docs_bp.get("/docs")
def docs():
    """The API's reference, read from /api/v1/openapi.json by the vendored Swagger UI."""
    return render_template("api/docs.html")


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Yanzhen registry API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", core.PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": API_INFO,
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "A token from 'My API tokens' or `flask tokens create`."}}},
        "security": [{"bearerAuth": []}],
    })
    api.init_app(app)
    app.register_blueprint(docs_bp)
    _register_problem_handlers(app)

    from registry.views.api import resources
    for blp in resources.BLUEPRINTS:
        core.limit_blueprint(blp)
        csrf.exempt(blp)
        api.register_blueprint(blp)


def _register_problem_handlers(app: Flask) -> None:
    """Under /api/ every HTTP error is a problem; elsewhere the app's pages answer as before
    (a CSRF error keeps its own handler: Flask prefers the most specific class)."""

    def handle(error: HTTPException):
        if security.is_api_request():
            return core.handle_http_error(error)
        if error.code in security.ERROR_TITLES:
            return security.render_error(error, error.code)
        return error

    def handle_500(error):
        if security.is_api_request():
            return security.problem_response(500, "Something went wrong on our side.")
        return security.render_error(error, 500)

    for code in security.ERROR_TITLES:
        if code != 500:
            app.register_error_handler(code, handle)
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(500, handle_500)

"""API token pages: everyone's own tokens (/account/tokens) and the administrators' service
tokens for integrations (/admin/tokens). A new token's secret is shown once, in the answer to
the form that created it, and never again."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.tokens import SCOPE_LABELS, SCOPE_NAMES, ServiceTokenForm, TokenForm
from registry.models.token import TOKEN_SCOPES
from registry.services import tokens
from registry.services.tokens import TokenError

bp = Blueprint("tokens", __name__)


def _form(form_class, scopes):
    form = form_class()
    form.set_choices(scopes, current_app.config["API_TOKEN_MAX_DAYS"])
    return form


def _create(form, *, owner, service: bool):
    """The secret of the token the form asks for, or None (errors beside the fields)."""
    if not form.validate_on_submit():
        return None
    try:
        _, secret = tokens.create(
            db.session, current_user, owner, scopes=form.scopes.data, days=form.days.data,
            name=form.name.data or "", service=service,
            max_days=current_app.config["API_TOKEN_MAX_DAYS"], remote_addr=request.remote_addr)
    except TokenError as error:
        db.session.rollback()
        form[error.field if error.field in ("scopes", "days", "name") else "scopes"] \
            .errors.append(error.message)
        return None
    db.session.commit()
    return secret


def _token_page(form_class, *, service: bool):
    """The page of `current_user`'s own tokens or of the service tokens: the creation form, the
    new secret once after it, the list."""
    form = _form(form_class, tokens.allowed_scopes(current_user))
    secret = _create(form, owner=current_user, service=service) \
        if request.method == "POST" else None
    status = 422 if request.method == "POST" and secret is None else 200
    if secret:
        form = _form(form_class, tokens.allowed_scopes(current_user))
    rows = tokens.service_tokens(db.session) if service \
        else tokens.own_tokens(db.session, current_user)
    return render_template("tokens/index.html", form=form, rows=rows, secret=secret,
                           service=service, status_of=tokens.status, scope_labels=SCOPE_LABELS,
                           scope_names=SCOPE_NAMES, scope_order=TOKEN_SCOPES), status


def _revoke(token, endpoint: str):
    if token is None:
        abort(404)
    tokens.revoke(db.session, current_user, token, remote_addr=request.remote_addr)
    db.session.commit()
    flash(_("The token %(prefix)s… is revoked.", prefix=token.prefix), "success")
    return redirect(url_for(endpoint))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def own():
    """My API tokens: create one with chosen scopes and lifetime (shown once), list, revoke."""
    return _token_page(TokenForm, service=False)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_own(token_id: int):
    return _revoke(tokens.own_token(db.session, current_user, token_id), "tokens.own")


@bp.route("/admin/tokens", methods=["GET", "POST"])
@requires(Permission.USERS_ADMIN)
def service():
    """Service tokens for integrations, owned by the administrator who creates them."""
    return _token_page(ServiceTokenForm, service=True)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@requires(Permission.USERS_ADMIN)
def revoke_service(token_id: int):
    return _revoke(tokens.service_token(db.session, token_id), "tokens.service")

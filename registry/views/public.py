"""Login, logout, the language switch and the role-dependent home page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth import sessions
from registry.extensions import db, limiter
from registry.forms.auth import LoginForm
from registry.models.user import normalise_email
from registry.services import accounts

bp = Blueprint("public", __name__)


def _account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


def _address_key() -> str:
    return "login-address:" + (request.remote_addr or "unknown")


def _failed(response) -> bool:
    """Only failed attempts count against the limits (a success redirects)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed, scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=_address_key,
               methods=["POST"], deduct_when=_failed, scope="login-address")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data,
                                     request.remote_addr)
        db.session.commit()
        if user is not None:
            sessions.log_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong e-mail or password."), "danger")
    return render_template("public/login.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only follow `next` within this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("public.home")


@bp.post("/logout")
@login_required
def logout():
    accounts.end_all_sessions(db.session, current_user)
    db.session.commit()
    sessions.log_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.login"))


@bp.route("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.args.get("next") or request.referrer and
                               urlsplit(request.referrer).path))


@bp.route("/")
@login_required
def home():
    """Each role starts where its work is; until those areas exist, a dashboard."""
    for endpoint in current_app.config.get("HOME_ENDPOINTS", {}).get(current_user.role, ()):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("public/home.html")

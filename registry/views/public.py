"""Login, logout, the language switch and the role-dependent home page."""
from __future__ import annotations

from urllib.parse import urlsplit

import segno
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
from markupsafe import Markup

from registry.auth import sessions
from registry.extensions import db, limiter
from registry.forms.auth import LoginForm, SecondFactorForm
from registry.models.user import normalise_email
from registry.services import accounts, settings, two_factor
from registry.services.two_factor import TwoFactorError

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
        if user is not None and sessions.second_factor_required(user):
            sessions.begin_second_factor(user, remember=form.remember.data,
                                         next_url=_safe_next(request.args.get("next")))
            return redirect(url_for("public.second_factor" if user.two_factor_enrolled
                                    else "public.enrol_second_factor"))
        if user is not None:
            sessions.log_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong e-mail or password."), "danger")
    return render_template("public/login.html", form=form)


# --- The second step of a login (registry/services/two_factor.py) --------------------------------

def _pending_key() -> str:
    pending = session.get(sessions.PENDING_LOGIN)
    user = pending.get("u") if isinstance(pending, dict) else None
    return "login-code-account:" + str(user).partition(":")[0]


def _pending_or_login():
    pending = sessions.pending_login()
    if pending is None:
        flash(_("Log in with your e-mail and password first."), "info")
    return pending


def _code_limits(view):
    """The code step is limited like the password step: per account and per address,
    failed attempts only."""
    view = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
                         key_func=_address_key, methods=["POST"], deduct_when=_failed,
                         scope="login-code-address")(view)
    return limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
                         key_func=_pending_key, methods=["POST"], deduct_when=_failed,
                         scope="login-code-account")(view)


@bp.route("/login/code", methods=["GET", "POST"])
@_code_limits
def second_factor():
    """After the password: a code of the authenticator app or a recovery code."""
    pending = _pending_or_login()
    if pending is None:
        return redirect(url_for(".login"))
    user, remember, next_url = pending
    if not user.two_factor_enrolled:
        return redirect(url_for(".enrol_second_factor"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            method = two_factor.check_code(db.session, user, form.code.data, request.remote_addr)
        except TwoFactorError as error:
            db.session.commit()  # the failed attempt stays in the audit trail
            if not sessions.wrong_code():
                flash(_("Too many wrong codes: log in again."), "danger")
                return redirect(url_for(".login"))
            form.code.errors.append(error.message)
        else:
            left = two_factor.recovery_codes_left(db.session, user)
            db.session.commit()
            sessions.log_in(user, remember=remember, second_factor=True)
            if method == "recovery_code":
                flash(_("You used a recovery code; %(count)s are left. Ask an administrator to "
                        "reset your two-step login if you lost your phone.", count=left),
                      "warning")
            return redirect(next_url)
    return render_template("public/second_factor.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@_code_limits
def enrol_second_factor():
    """A first login that must use a second factor: link an authenticator app (QR code),
    confirm with its first code, then see the recovery codes once."""
    pending = _pending_or_login()
    if pending is None:
        return redirect(url_for(".login"))
    user, remember, next_url = pending
    if user.two_factor_enrolled:
        return redirect(url_for(".second_factor"))
    form = SecondFactorForm()
    secret = two_factor.start_enrolment(db.session, user)
    db.session.commit()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(db.session, user, form.code.data,
                                                 request.remote_addr)
        except TwoFactorError as error:
            db.session.commit()
            form.code.errors.append(error.message)
        else:
            db.session.commit()
            sessions.log_in(user, remember=remember, second_factor=True)
            return render_template("public/recovery_codes.html", codes=codes, next_url=next_url)
    uri = two_factor.provisioning_uri(user, settings.bureau_name(db.session) or "Yanzhen")
    return render_template("public/enrol_second_factor.html", form=form,
                           qr_svg=Markup(segno.make(uri, error="m").svg_inline(scale=4)),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))


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

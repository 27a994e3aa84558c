"""Account pages for people not logged in: registering a firm, accepting an invitation,
resetting a forgotten password, and (in development) the outbox of mails not really sent; and
for everyone logged in, their own password and e-mail address."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from registry.auth import sessions
from registry.auth.permissions import Permission, requires
from registry.extensions import db, limiter
from registry.forms.account import (
    AcceptInvitationForm,
    RegisterFirmForm,
    RequestResetForm,
    ResetPasswordForm,
)
from registry.forms.admin import ChangeEmailForm, ChangePasswordForm
from registry.i18n import current_locale
from registry.models.user import normalise_email
from registry.navigation import add_login_link, add_nav
from registry.services import mail, onboarding, own_account, settings
from registry.services.onboarding import OnboardingError
from registry.services.own_account import OwnAccountError
from registry.views.keep import init_blueprint, keeps_input

bp = Blueprint("account", __name__, url_prefix="/account")
init_blueprint(bp)


def district_choices() -> list[SelectChoice]:
    """The active districts (a deactivated one takes no new firms), named in the reader's
    language."""
    names = settings.district_names(db.session, current_locale(), active_only=True)
    return [SelectChoice(code, label) for code, label in names.items()]


def _limit(setting: str, default: str):
    return lambda: current_app.config.get(setting, default)


def _reset_account_key() -> str:
    return "reset-account:" + normalise_email(request.form.get("email", ""))


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_LIMIT_PER_ADDRESS", "20 per hour"), key_func=_address_key,
               methods=["POST"], scope="register-address")
@keeps_input
def register():
    """A firm registers with its credit code and name; an officer approves it."""
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegisterFirmForm()
    # No district is chosen for the registrant: the first one would be, silently.
    form.district.choices = [SelectChoice("", _("Choose your district"))] + district_choices()
    if form.validate_on_submit():
        try:
            onboarding.register_firm(
                db.session, credit_code=form.credit_code.data, name=form.firm_name.data,
                district=form.district.data, founded=form.founded.data, user_name=form.name.data,
                email=form.email.data, password=form.password.data,
                remote_addr=request.remote_addr)
        except OnboardingError as error:
            db.session.rollback()
            form[error.field or "credit_code"].errors.append(error.message)
        else:
            db.session.commit()
            return render_template("account/registered.html")
    return render_template("account/register.html", form=form)


def _invalid_link():
    return render_template("account/link_invalid.html"), 404


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@keeps_input
def accept_invitation(token: str):
    """Accept an invitation: choose a name and password; the link then stops working."""
    invitation = onboarding.find_open_invitation(db.session, token)
    if invitation is None:
        return _invalid_link()
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = onboarding.accept_invitation(db.session, invitation, name=form.name.data,
                                                password=form.password.data)
        except OnboardingError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
            return _invalid_link()
        db.session.commit()
        sessions.log_in(user)
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        return redirect(url_for("public.home"))
    return render_template("account/accept_invitation.html", form=form, invitation=invitation,
                           bureau_name=settings.bureau_name(db.session))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT", "5 per hour"), key_func=_reset_account_key,
               methods=["POST"], scope="reset-account")
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS", "30 per hour"), key_func=_address_key,
               methods=["POST"], scope="reset-address")
@keeps_input
def request_reset():
    """Ask for a reset link; the answer is the same whether or not the address exists."""
    form = RequestResetForm()
    if form.validate_on_submit():
        onboarding.request_password_reset(db.session, form.email.data, request.remote_addr)
        db.session.commit()
        return render_template("account/reset_sent.html", email=form.email.data)
    return render_template("account/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS", "30 per hour"), key_func=_address_key,
               methods=["POST"], scope="reset-token-address")
@keeps_input
def reset_password(token: str):
    reset = onboarding.find_reset_token(db.session, token)
    if reset is None:
        return _invalid_link()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            onboarding.reset_password(db.session, reset, form.password.data, request.remote_addr)
        except OnboardingError:
            db.session.rollback()
            return _invalid_link()
        db.session.commit()
        flash(_("Your password has been changed. Log in with the new one."), "success")
        return redirect(url_for("public.login"))
    return render_template("account/reset_password.html", form=form)


@bp.get("/dev-outbox")
@requires(Permission.USERS_ADMIN)
def dev_outbox():
    """Development only, for administrators: the mails the app would have sent, reset and
    invitation links included (404 once SMTP is configured)."""
    if not mail.dev_outbox_enabled():
        abort(404)
    return render_template("account/dev_outbox.html", mails=mail.latest(db.session))


add_login_link("account.request_reset", _l("Forgot your password?"), order=10)
add_login_link("account.register", _l("Register your firm"), order=20)


# --- One's own account (logged in) ----------------------------------------------------------------

@bp.route("/me", methods=["GET", "POST"])
@login_required
def me():
    """Change one's password (then a fresh session) or e-mail (confirmed from the new address)."""
    password_form = ChangePasswordForm(prefix="pw")
    email_form = ChangeEmailForm(prefix="em")
    if "pw-current" in request.form and password_form.validate_on_submit():
        try:
            own_account.change_password(db.session, current_user, current=password_form.current.data,
                                        new=password_form.password.data)
        except OwnAccountError as error:
            db.session.rollback()
            password_form[error.field or "current"].errors.append(error.message)
        else:
            db.session.commit()
            sessions.log_in(current_user._get_current_object())
            flash(_("Your password has been changed; your other sessions have ended."), "success")
            return redirect(url_for(".me"))
    elif "em-current" in request.form and email_form.validate_on_submit():
        try:
            new_email = own_account.request_email_change(
                db.session, current_user, current=email_form.current.data,
                new_email=email_form.email.data)
        except OwnAccountError as error:
            db.session.rollback()
            email_form[error.field or "current"].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("We sent a link to %(email)s: open it to confirm the new address.",
                    email=new_email), "success")
            return redirect(url_for(".me"))
    return render_template("account/me.html", password_form=password_form, email_form=email_form)


@bp.get("/email/<token>")
def confirm_email(token: str):
    try:
        user = own_account.confirm_email_change(db.session, token)
    except OwnAccountError:
        db.session.rollback()
        return _invalid_link()
    db.session.commit()
    flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("public.home"))


add_nav("account.me", _l("My account"), order=90, group="account")

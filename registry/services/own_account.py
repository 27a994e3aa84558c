"""What every user does to their own account while logged in (a new password, a new e-mail
address confirmed from that address), and what a firm's administrator does to colleagues
(deactivate, reactivate, remove, pass the administrator role on)."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from registry.auth.passwords import verify_password
from registry.models import FilingRevision, FirmFactChange, User
from registry.models.user import normalise_email
from registry.services import ServiceError, accounts, audit, mail, onboarding

EMAIL_CHANGE_LIFETIME = 24 * 3600  # seconds a confirmation link works


class OwnAccountError(ServiceError):
    """A change to one's account (or a colleague's) that cannot happen; `field` names the field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_current(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise OwnAccountError(_l("This is not your current password."), "current")


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """A new password after the current one; every session of the user ends (the caller starts
    a fresh one for this browser)."""
    _check_current(user, current)
    try:
        accounts.set_password(session, user, user, new)
    except accounts.AccountError as error:
        raise OwnAccountError(error.message, "password") from None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="yanzhen-email-change")


def request_email_change(session: Session, user: User, *, current: str, new_email: str) -> str:
    """Mail a confirmation link to the new address (the old one is told); nothing changes until
    the link is opened. Returns the new address."""
    _check_current(user, current)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise OwnAccountError(_l("This is already your address."), "email")
    if onboarding.email_taken(session, new_email):
        raise OwnAccountError(_l("This address already has an account."), "email")
    token = _serializer().dumps({"u": user.id, "old": user.email, "new": new_email})
    mail.send(session, new_email, "account/mail/email_change.txt", new_email=new_email,
              link=url_for("account.confirm_email", token=token, _external=True))
    mail.send(session, user.email, "account/mail/email_change_notice.txt", user=user,
              new_email=new_email)
    audit.record(session, user, "email_change_requested", user, new_email=new_email)
    return new_email


def confirm_email_change(session: Session, token: str) -> User:
    """The address of the link's account becomes the new one (once: the link names the old
    address, which no longer matches afterwards)."""
    try:
        data = _serializer().loads(token or "", max_age=EMAIL_CHANGE_LIFETIME)
    except BadSignature:
        raise OwnAccountError(_l("This link is not valid (any more).")) from None
    user = session.get(User, data.get("u"))
    if user is None or not user.active or user.email != data.get("old"):
        raise OwnAccountError(_l("This link is not valid (any more)."))
    if onboarding.email_taken(session, data["new"]):
        raise OwnAccountError(_l("This address already has an account."))
    old, user.email = user.email, data["new"]
    audit.record(session, user, "email_changed", user, old=old, new=user.email)
    return user


# --- A firm's administrator and their colleagues -------------------------------------------------

def _colleague(actor: User, colleague: User) -> None:
    if not (actor.role == "firm" and actor.is_firm_admin and actor.active
            and colleague.firm_id == actor.firm_id and colleague.role == "firm"):
        raise OwnAccountError(_l("You may not manage this account."))
    if colleague.id == actor.id:
        raise OwnAccountError(_l("Pass the administrator role on first, or ask the bureau."))


def set_colleague_active(session: Session, actor: User, colleague: User, active: bool) -> None:
    """Deactivate (their sessions end at once) or reactivate a colleague."""
    _colleague(actor, colleague)
    if colleague.active == active:
        return
    colleague.active = active
    if not active:
        accounts.end_all_sessions(session, colleague)
    audit.record(session, actor, "colleague_activated" if active else "colleague_deactivated",
                 colleague)


def remove_colleague(session: Session, actor: User, colleague: User) -> None:
    """Remove a colleague who never changed the firm's data (else deactivate them: their
    changes keep naming them)."""
    _colleague(actor, colleague)
    has_history = session.scalar(select(
        exists().where(FilingRevision.actor_id == colleague.id)
        | exists().where(FirmFactChange.actor_id == colleague.id)))
    if has_history:
        raise OwnAccountError(_l("This colleague changed the firm's data: deactivate them "
                                 "instead."))
    audit.record(session, actor, "colleague_removed", None, firm_id=actor.firm_id,
                 email=colleague.email)
    session.delete(colleague)
    session.flush()


def pass_admin_role(session: Session, actor: User, colleague: User) -> None:
    """The colleague becomes the firm's administrator and the actor an ordinary user."""
    _colleague(actor, colleague)
    if not colleague.active:
        raise OwnAccountError(_l("Reactivate this colleague first."))
    colleague.is_firm_admin, actor.is_firm_admin = True, False
    audit.record(session, actor, "firm_admin_passed", colleague)

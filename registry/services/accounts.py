"""User accounts: authentication, creation and passwords.

The bureau's own accounts are also managed from the command line (`flask users ...`, with no
acting user: the audit trail says `via="cli"`); a new password ends the user's sessions at once.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.passwords import DUMMY_HASH, hash_password, password_problem, verify_password
from registry.auth.sessions import second_factor_required
from registry.models import User
from registry.models.base import utcnow
from registry.models.user import ROLES, normalise_email
from registry.services import ServiceError, audit


class AccountError(ServiceError):
    """An account change that cannot happen; `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def authenticate(session: Session, email: str, password: str, remote_addr: str | None = None):
    """Return the active user with these credentials, or None; every attempt is audited.
    For a role that logs in with a second factor the password is only the first step
    (`services.two_factor.check_code` records the login)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    valid = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        audit.record(session, user, "login_failed", user, remote_addr=remote_addr,
                     email=normalise_email(email))
        return None
    if second_factor_required(user):
        audit.record(session, user, "password_accepted", user, remote_addr=remote_addr)
        return user
    user.last_login_at = utcnow()
    audit.record(session, user, "login", user, remote_addr=remote_addr)
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """End every login session and remember-me cookie of `user`, on every device.

    Sessions carry the user's session version; raising it makes each of them fail its check
    on its next request. The one way to log a person out everywhere: logout, a changed or
    reset password and deactivation call it.
    """
    user.session_version = (user.session_version or 1) + 1
    session.flush()


def create_user(session: Session, *, email: str, password: str, role: str, name: str = "",
                firm=None, districts=(), is_firm_admin: bool = False,
                password_hash: str | None = None) -> User:
    user = User(email=normalise_email(email), name=name, role=role, firm=firm,
                password_hash=password_hash or hash_password(password),
                is_firm_admin=is_firm_admin)
    user.districts = list(districts)
    session.add(user)
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_admin(session: Session, actor, *, email: str, password: str, name: str = "",
                 via: str = "web") -> User:
    """A bureau administrator: on an empty system the first one, later another."""
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError(_l("Enter an e-mail address."), field="email")
    if find_user(session, email) is not None:
        raise AccountError(_l("This address already has an account."), field="email")
    problem = password_problem(password, email)
    if problem is not None:
        raise AccountError(problem, field="password")
    user = create_user(session, email=email, password=password, role="admin", name=name.strip())
    session.flush()
    audit.record(session, actor, "user_created", user, role="admin", via=via)
    return user


def users(session: Session, role: str | None = None) -> list[User]:
    """Every account (of `role`), by e-mail address."""
    if role is not None and role not in ROLES:
        raise AccountError(_l("No such role."), field="role")
    query = select(User).order_by(User.email)
    if role is not None:
        query = query.where(User.role == role)
    return list(session.scalars(query))


def set_password(session: Session, actor, user: User, password: str, *,
                 via: str = "web") -> None:
    """A new password, checked by the one rule; every open session of the user ends."""
    problem = password_problem(password, user.email)
    if problem is not None:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(password)
    end_all_sessions(session, user)
    audit.record(session, actor, "password_set", user, via=via)

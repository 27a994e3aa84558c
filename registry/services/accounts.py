"""User accounts: authentication and creation."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.passwords import DUMMY_HASH, hash_password, verify_password
from registry.models import User
from registry.models.base import utcnow
from registry.models.user import normalise_email
from registry.services import audit


def authenticate(session: Session, email: str, password: str, remote_addr: str | None = None):
    """Return the active user with these credentials, or None; every attempt is audited."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    valid = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        audit.record(session, user, "login_failed", user, remote_addr=remote_addr,
                     email=normalise_email(email))
        return None
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

"""Two-factor login (TOTP, RFC 6238) for the roles in TWO_FACTOR_ROLES (officers and
administrators by default; `registry/auth/sessions.py` enforces it).

Enrolment: a secret is made (`start_enrolment`) and shown as a QR code; the first code from the
person's authenticator app confirms it (`confirm_enrolment`), which also makes ten one-time
recovery codes, shown once and kept only as SHA-256 hashes. A person who must use a second
factor and has none enrols at their next login, before any page opens. Each later login asks a
code after the password (`check_code`): a code of the app (the current 30 s step or one either
side, never a step already used) or an unused recovery code. An administrator resets a
person's second factor (`services.users.reset_two_factor`); they enrol again at their next login.
"""
from __future__ import annotations

import hashlib
import secrets

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from registry.models import RecoveryCode, User
from registry.models.base import utcnow
from registry.services import ServiceError, audit

RECOVERY_CODE_COUNT = 10
# Codes of the step before and after the current one are accepted (clocks drift).
VALID_WINDOW = 1


class TwoFactorError(ServiceError):
    pass


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def start_enrolment(session: Session, user: User) -> str:
    """The secret being enrolled (made once, kept until confirmed or reset)."""
    if user.two_factor_enrolled:
        raise TwoFactorError(_l("Two-step login is already set up for this account."))
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        session.flush()
    return user.totp_secret


def provisioning_uri(user: User, issuer: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return _totp(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _step(user: User, code: str) -> int | None:
    """The time step `code` is valid for (within the window), or None."""
    if not (len(code) == 6 and code.isdigit()) or user.totp_secret is None:
        return None
    totp = _totp(user.totp_secret)
    current = totp.timecode(utcnow())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten fresh recovery codes (the old ones stop working), to show once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _number in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    session.flush()
    return codes


def confirm_enrolment(session: Session, user: User, code: str,
                      remote_addr: str | None = None) -> list[str]:
    """The first code confirms the secret and completes the login; returns the recovery
    codes to show once."""
    if user.two_factor_enrolled or user.totp_secret is None:
        raise TwoFactorError(_l("Start the set-up again."))
    step = _step(user, _normalise(code))
    if step is None:
        audit.record(session, user, "second_factor_failed", user, remote_addr=remote_addr,
                     during="enrolment")
        raise TwoFactorError(_l("This code is not valid: check the time on your phone and "
                                "type the code shown now."))
    user.totp_confirmed_at = user.last_login_at = utcnow()
    user.totp_last_step = step
    codes = new_recovery_codes(session, user)
    audit.record(session, user, "two_factor_enrolled", user, remote_addr=remote_addr)
    audit.record(session, user, "login", user, remote_addr=remote_addr, method="enrolment")
    return codes


def check_code(session: Session, user: User, code: str, remote_addr: str | None = None) -> str:
    """Accept a code of the app or a recovery code for the second step of a login: returns
    how ("totp" or "recovery_code"); raises TwoFactorError (audited) otherwise."""
    normalised = _normalise(code)
    method = None
    step = _step(user, normalised) if user.two_factor_enrolled else None
    if step is not None and step > (user.totp_last_step or -1):
        user.totp_last_step = step
        method = "totp"
    elif len(normalised) == 10:
        recovery = session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(normalised),
            RecoveryCode.used_at.is_(None)))
        if recovery is not None:
            recovery.used_at = utcnow()
            method = "recovery_code"
    if method is None:
        audit.record(session, user, "second_factor_failed", user, remote_addr=remote_addr)
        raise TwoFactorError(_l("This code is not valid."))
    user.last_login_at = utcnow()
    details = {"method": method}
    if method == "recovery_code":
        details["left"] = recovery_codes_left(session, user)
    audit.record(session, user, "login", user, remote_addr=remote_addr, **details)
    return method


def recovery_codes_left(session: Session, user: User) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def clear(session: Session, user: User) -> None:
    """Forget the user's second factor and recovery codes (they enrol again)."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()

"""API tokens: created for oneself (or, by an administrator, as a service token for an
integration), shown once, stored as a digest, revoked, and checked on every API request.

A token acts as its owner: the owner's role and districts or firm (`registry.auth.scope`) and
the role's permissions, narrowed by the token's scopes. Which scopes a role may hold: `read`
for everybody; `file` for firm users (their own drafts); `decide` for the roles that decide
candidates.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.permissions import Permission, has_permission
from registry.models import ApiToken, User
from registry.models.base import utcnow
from registry.models.token import TOKEN_SCOPES
from registry.services import ServiceError, audit

SECRET_PREFIX = "yz_"
SHOWN_PREFIX = 10  # characters of the secret kept to recognise a token in a list
# How often the last use is written back: a busy integration does not write on every call.
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(ServiceError):
    """A token that cannot be made or changed; `field` names the form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def allowed_scopes(user: User) -> tuple[str, ...]:
    """The scopes `user`'s tokens may carry, in TOKEN_SCOPES order."""
    allowed = {"read"}
    if user.role == "firm":
        allowed.add("file")
    if has_permission(user, Permission.CANDIDATES_DECIDE):
        allowed.add("decide")
    return tuple(scope for scope in TOKEN_SCOPES if scope in allowed)


def create(session: Session, actor: User | None, owner: User, *, scopes, days: int | None,
           name: str = "", service: bool = False, max_days: int,
           remote_addr: str | None = None) -> tuple[ApiToken, str]:
    """A new token for `owner` (the actor themselves, or for a service token an administrator);
    returns the row and the secret, which is never readable again."""
    chosen = {scope for scope in scopes or ()}
    if not chosen:
        raise TokenError(_l("Choose at least one scope."), "scopes")
    unknown = chosen - set(TOKEN_SCOPES)
    if unknown:
        raise TokenError(_l("Unknown scope: %(scope)s.", scope=", ".join(sorted(unknown))),
                         "scopes")
    if not owner.active:
        raise TokenError(_l("This account is deactivated."), "email")
    refused = chosen - set(allowed_scopes(owner))
    if refused:
        raise TokenError(_l("This account's role cannot hold the scope %(scope)s.",
                            scope=", ".join(sorted(refused))), "scopes")
    if service and owner.role != "admin":
        raise TokenError(_l("Only an administrator owns service tokens."), "email")
    if days is not None and not 1 <= days <= max_days:
        raise TokenError(_l("A token lasts from 1 to %(days)s days.", days=max_days), "days")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=owner.id, name=(name or "").strip()[:100], prefix=secret[:SHOWN_PREFIX],
        digest=digest(secret), scopes=" ".join(s for s in TOKEN_SCOPES if s in chosen),
        service=service, created_at=now, created_by=actor.id if actor else None,
        expires_at=now + dt.timedelta(days=days) if days else None)
    session.add(token)
    session.flush()
    audit.record(session, actor, "token_created", token, remote_addr=remote_addr,
                 owner=owner.id, scopes=token.scopes, service=service,
                 days=days, name=token.name)
    return token, secret


def revoke(session: Session, actor: User | None, token: ApiToken, *,
           remote_addr: str | None = None) -> None:
    """End a token at once (revoking a revoked token changes nothing)."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    token.revoked_by = actor.id if actor else None
    session.flush()
    audit.record(session, actor, "token_revoked", token, remote_addr=remote_addr,
                 owner=token.user_id, name=token.name, service=token.service)


def own_tokens(session: Session, user: User) -> list[ApiToken]:
    """`user`'s personal tokens, newest first (service tokens are listed to administrators)."""
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.service.is_(False)).order_by(ApiToken.id.desc())))


def service_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.service.is_(True))
                                .order_by(ApiToken.id.desc())))


def own_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.service.is_(False)))


def service_token(session: Session, token_id: int) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(
        ApiToken.id == token_id, ApiToken.service.is_(True)))


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The usable token whose secret this is, with an active owner, or None; notes its use."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
    now = utcnow()
    if token is None or not token.usable_at(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        token.last_used_at = now
    return token


def status(token: ApiToken, now: dt.datetime | None = None) -> str:
    """active, expired or revoked."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and now >= token.expires_at:
        return "expired"
    return "active"

"""Onboarding: invitations, self-registration with an officer's approval, password resets.

Tokens are random (256 bits), mailed as links and stored only as SHA-256 hashes. An invitation
is single-use and valid 7 days; a reset token single-use and valid 1 hour. Asking for a reset
answers the same whether or not the address has an account.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from registry.auth.passwords import hash_password
from registry.auth.permissions import Permission, has_permission
from registry.auth.scope import district_workers, firm_scope, may_see_district, may_see_firm
from registry.extensions import db
from registry.jobs import enqueue_after_commit
from registry.models import District, Firm, Invitation, PasswordResetToken, User
from registry.models.base import utcnow
from registry.models.onboarding import INVITATION_LIFETIME, RESET_TOKEN_LIFETIME
from registry.models.user import normalise_email
from registry.services import ServiceError, accounts, audit, firms, mail


class OnboardingError(ServiceError):
    """An onboarding step that cannot happen; `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def new_token() -> tuple[str, str]:
    """(token for the link, hash for the database)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None


# --- Invitations -------------------------------------------------------------------------------

def can_invite_to(actor, firm: Firm) -> bool:
    """Officers invite to firms in their districts (admins anywhere); firm admins to their own."""
    if actor.role == "firm":
        return actor.is_firm_admin and may_see_firm(actor, firm)
    return has_permission(actor, Permission.FIRMS_INVITE) and may_see_firm(actor, firm)


def invite(session: Session, firm: Firm, email: str, actor, *,
           is_firm_admin: bool = False) -> Invitation:
    """Invite `email` to become a user of `firm`; mails a single-use link valid 7 days.

    An earlier open invitation of the same address to the same firm is revoked."""
    if not can_invite_to(actor, firm):
        raise OnboardingError(_l("You may not invite users to this firm."))
    email = normalise_email(email)
    if email_taken(session, email):
        raise OnboardingError(_l("This address already has an account."), field="email")
    now = utcnow()
    session.execute(update(Invitation)
                    .where(Invitation.firm_id == firm.id, Invitation.email == email,
                           Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
                    .values(revoked_at=now))
    token, token_hash = new_token()
    invitation = Invitation(token_hash=token_hash, firm_id=firm.id, email=email,
                            is_firm_admin=is_firm_admin, invited_by_id=actor.id,
                            created_at=now, expires_at=now + INVITATION_LIFETIME)
    session.add(invitation)
    session.flush()
    audit.record(session, actor, "invitation_sent", invitation, firm_id=firm.id, email=email,
                 is_firm_admin=is_firm_admin)
    mail.send(session, email, "account/mail/invitation.txt", firm=firm, inviter=actor,
              link=url_for("account.accept_invitation", token=token, _external=True),
              expires_at=invitation.expires_at)
    return invitation


def invite_new_firm(session: Session, actor, *, credit_code: str, name: str, district: str,
                    founded: dt.date, email: str) -> Invitation:
    """Officer: invite the first user (a firm admin) of a firm, creating the firm if it is new."""
    if not has_permission(actor, Permission.FIRMS_INVITE):
        raise OnboardingError(_l("You may not invite firms."))
    firm = session.scalar(select(Firm).where(Firm.credit_code == credit_code))
    if firm is None:
        if not may_see_district(actor, district):
            raise OnboardingError(_l("Choose one of your districts."), field="district")
        firm = Firm(credit_code=credit_code, name=name.strip(), district=district,
                    founded=founded, status="active")
        session.add(firm)
        session.flush()
        audit.record(session, actor, "firm_created", firm, credit_code=credit_code, name=firm.name)
    elif not can_invite_to(actor, firm):
        raise OnboardingError(_l("This credit code belongs to a firm outside your districts."),
                              field="credit_code")
    elif firm.status != "active":
        raise OnboardingError(_l("This firm's registration awaits approval: approve it instead."),
                              field="credit_code")
    return invite(session, firm, email, actor, is_firm_admin=True)


def find_open_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation of this link if it is still open (not used, revoked or expired)."""
    invitation = session.scalar(select(Invitation)
                                .where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None or invitation.state(utcnow()) != "open":
        return None
    return invitation


def accept_invitation(session: Session, invitation: Invitation, *, name: str,
                      password: str) -> User:
    """Create the invited user (a firm's, or staff with the invitation's role and districts);
    the link cannot be used again."""
    # Claim the link atomically, so two clicks cannot create two users.
    claimed = session.execute(update(Invitation)
                              .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
                              .values(used_at=utcnow())).rowcount
    if claimed != 1 or email_taken(session, invitation.email):
        raise OnboardingError(_l("This invitation has already been used."))
    districts = list(session.scalars(select(District)
                                     .where(District.code.in_(invitation.districts or ()))))
    user = accounts.create_user(session, email=invitation.email, password=password,
                                role=invitation.role, name=name.strip(), firm=invitation.firm,
                                districts=districts, is_firm_admin=invitation.is_firm_admin)
    session.flush()
    invitation.user_id = user.id
    audit.record(session, user, "invitation_accepted", invitation, firm_id=invitation.firm_id)
    return user


def revoke_invitation(session: Session, invitation: Invitation, actor) -> None:
    if not can_invite_to(actor, invitation.firm):
        raise OnboardingError(_l("You may not revoke this invitation."))
    if invitation.state(utcnow()) == "open":
        invitation.revoked_at = utcnow()
        audit.record(session, actor, "invitation_revoked", invitation,
                     firm_id=invitation.firm_id, email=invitation.email)


def invitations_in_scope(session: Session, actor, limit: int = 50) -> list[Invitation]:
    """The latest invitations to firms the actor may see (officer districts or own firm)."""
    return list(session.scalars(select(Invitation).join(Firm, Invitation.firm_id == Firm.id)
                                .where(firm_scope(actor))
                                .order_by(Invitation.id.desc()).limit(limit)))


def scoped_invitation(session: Session, actor, invitation_id: int) -> Invitation | None:
    return session.scalar(select(Invitation).join(Firm, Invitation.firm_id == Firm.id)
                          .where(Invitation.id == invitation_id, firm_scope(actor)))


# --- Self-registration ---------------------------------------------------------------------------

def register_firm(session: Session, *, credit_code: str, name: str, district: str,
                  founded: dt.date, user_name: str, email: str, password: str,
                  remote_addr: str | None = None) -> User | None:
    """A firm registers itself: a pending firm and its admin user, until an officer approves.

    If the address already has an account nothing is created and that account's owner is told
    by mail, so the answer on screen never reveals which addresses exist (returns None)."""
    if session.scalar(select(Firm.id).where(Firm.credit_code == credit_code)) is not None:
        raise OnboardingError(_l("This credit code is already registered. Ask your firm's "
                                 "administrator or the bureau for an invitation."),
                              field="credit_code")
    email = normalise_email(email)
    if email_taken(session, email):
        mail.send(session, email, "account/mail/registration_address_taken.txt",
                  firm_name=name, login=url_for("public.login", _external=True),
                  reset=url_for("account.request_reset", _external=True))
        audit.record(session, None, "registration_address_taken", None, email=email,
                     credit_code=credit_code, remote_addr=remote_addr)
        return None
    firm = Firm(credit_code=credit_code, name=name.strip(), district=district, founded=founded,
                status="pending", contact_name=user_name.strip(), contact_email=email)
    session.add(firm)
    user = accounts.create_user(session, email=email, password=password, role="firm",
                                name=user_name.strip(), firm=firm, is_firm_admin=True)
    session.flush()
    audit.record(session, user, "firm_registered", firm, credit_code=credit_code,
                 remote_addr=remote_addr)
    mail.send(session, email, "account/mail/registration_received.txt", firm=firm,
              login=url_for("public.login", _external=True))
    for officer in _district_officers(session, district):
        mail.send(session, officer.email, "account/mail/registration_to_review.txt", firm=firm,
                  link=url_for("onboarding.index", _external=True))
    return user


def _district_officers(session: Session, district: str) -> list[User]:
    return list(session.scalars(select(User).where(district_workers(district))))


def pending_registrations(session: Session, officer) -> list[Firm]:
    return list(session.scalars(select(Firm).where(Firm.status == "pending", firm_scope(officer))
                                .order_by(Firm.created_at)))


def _check_registration(firm: Firm, officer) -> None:
    if firm.status != "pending":
        raise OnboardingError(_l("This registration has already been decided."))
    if not (has_permission(officer, Permission.FIRMS_INVITE) and may_see_firm(officer, firm)):
        raise OnboardingError(_l("You may not decide this registration."))


def approve_registration(session: Session, firm: Firm, officer) -> None:
    """The firm becomes active: its users now see their portal."""
    _check_registration(firm, officer)
    firm.status = "active"
    audit.record(session, officer, "registration_approved", firm)
    # Evaluated at once: the ladder then shows what to file instead of "not evaluated".
    from registry.services.evaluation import request_evaluation
    request_evaluation(session, firm.id)
    for user in firms.firm_users(session, firm):
        mail.send(session, user.email, "account/mail/registration_approved.txt", firm=firm,
                  link=url_for("public.login", _external=True))


def reject_registration(session: Session, firm: Firm, officer, reason: str) -> None:
    """Refuse a registration with a reason: the firm and its users are removed, the
    registrant is told why; the audit trail keeps what was refused."""
    _check_registration(firm, officer)
    reason = (reason or "").strip()
    if not reason:
        raise OnboardingError(_l("Give a reason."), field="reason")
    users = firms.firm_users(session, firm)
    audit.record(session, officer, "registration_rejected", None, reason=reason,
                 credit_code=firm.credit_code, name=firm.name, district=firm.district,
                 emails=[user.email for user in users])
    for user in users:
        mail.send(session, user.email, "account/mail/registration_rejected.txt",
                  firm_name=firm.name, reason=reason)
    # Its users and invitations go with it (ON DELETE CASCADE in the database).
    session.execute(delete(Firm).where(Firm.id == firm.id))
    for user in users:
        session.expunge(user)
    session.expunge(firm)


# --- Password reset ------------------------------------------------------------------------------

TOKEN_PLACEHOLDER = "__token__"


def request_password_reset(session: Session, email: str, remote_addr: str | None = None) -> None:
    """Queue the request: the same single job whether or not the address has an account, so
    the answer's timing tells nothing (the job looks the account up: `send_password_reset`)."""
    link = url_for("account.reset_password", token=TOKEN_PLACEHOLDER, _external=True)
    enqueue_after_commit(session, "password_reset", normalise_email(email)[:254], remote_addr,
                         link)


def send_password_reset(email: str, remote_addr: str | None, link: str) -> None:
    """The "password_reset" job: mail a reset link (`link` with the new token in place of
    TOKEN_PLACEHOLDER) if an active account has this address; audit either way. Commits."""
    session = db.session
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        audit.record(session, None, "password_reset_unknown", None,
                     email=normalise_email(email), remote_addr=remote_addr)
    else:
        now = utcnow()
        token, token_hash = new_token()
        session.add(PasswordResetToken(token_hash=token_hash, user_id=user.id, created_at=now,
                                       expires_at=now + RESET_TOKEN_LIFETIME))
        audit.record(session, user, "password_reset_requested", user, remote_addr=remote_addr)
        mail.send(session, user.email, "account/mail/password_reset.txt", user=user,
                  link=link.replace(TOKEN_PLACEHOLDER, token))
    session.commit()


def find_reset_token(session: Session, token: str) -> PasswordResetToken | None:
    """The token of this link if unused and unexpired."""
    row = session.scalar(select(PasswordResetToken)
                         .where(PasswordResetToken.token_hash == hash_token(token or "")))
    if row is None or row.used_at is not None or utcnow() >= row.expires_at \
            or not row.user.active:
        return None
    return row


def reset_password(session: Session, reset: PasswordResetToken, password: str,
                   remote_addr: str | None = None) -> User:
    """Set the new password; this and every other open reset link of the user stop working,
    and so does every session the user has."""
    now = utcnow()
    claimed = session.execute(update(PasswordResetToken)
                              .where(PasswordResetToken.user_id == reset.user_id,
                                     PasswordResetToken.used_at.is_(None))
                              .values(used_at=now)).rowcount
    if claimed < 1:
        raise OnboardingError(_l("This link has already been used."))
    user = reset.user
    user.password_hash = hash_password(password)
    accounts.end_all_sessions(session, user)
    audit.record(session, user, "password_reset", user, remote_addr=remote_addr)
    return user

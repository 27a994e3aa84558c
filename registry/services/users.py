"""Admins manage the bureau's users: invite staff, change roles and districts, deactivate and
reactivate (ending every session at once), hand a leaving officer's open work to a colleague,
send a password reset.

The bureau always keeps an active admin: nobody demotes or deactivates the last one, and an admin
never demotes or deactivates themselves.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from registry.auth.scope import district_scope, district_workers
from registry.models import (
    Candidate,
    District,
    Firm,
    Invitation,
    OutreachEntry,
    SpotCheck,
    SpotCheckItem,
    User,
)
from registry.models.base import utcnow
from registry.models.onboarding import INVITATION_LIFETIME
from registry.models.user import normalise_email
from registry.services import ServiceError, accounts, audit, mail, onboarding, settings, two_factor

# The roles an admin invites and assigns (every role of `models.user.ROLES` but a firm's user).
STAFF_ROLES = ("officer", "manager", "admin")
# Candidate statuses an officer still works on.
OPEN_CANDIDATE_STATUSES = ("open", "in_review", "returned", "deferred")
OPEN_OUTREACH_STATUSES = ("to_contact", "contacted")
PAGE_SIZE = 50
ROLE_LABELS = {"firm": _l("Firm user"), "officer": _l("Officer"), "manager": _l("Manager"),
               "admin": _l("Administrator")}


class UserAdminError(ServiceError):
    """A change to a user that cannot happen; `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def _require_admin(actor) -> None:
    if getattr(actor, "role", None) != "admin" or not actor.active:
        raise UserAdminError(_l("Only an administrator may manage users."))


# --- Listing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UserFilters:
    q: str | None = None
    role: str | None = None
    district: str | None = None
    status: str | None = None  # active | inactive


def users_page(session: Session, filters: UserFilters, after: int | None = None,
               size: int = PAGE_SIZE) -> tuple[list[User], int | None]:
    """(users ordered by id, the id to continue after or None): search by e-mail or name."""
    query = select(User).order_by(User.id).limit(size + 1)
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        query = query.where(or_(User.email.like(pattern), func.lower(User.name).like(pattern)))
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.district:
        query = query.where(User.districts.any(District.code == filters.district))
    if filters.status in ("active", "inactive"):
        query = query.where(User.active.is_(filters.status == "active"))
    if after:
        query = query.where(User.id > after)
    rows = list(session.scalars(query))
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more else None)


def open_staff_invitations(session: Session) -> list[Invitation]:
    now = utcnow()
    return list(session.scalars(
        select(Invitation).where(Invitation.role != "firm", Invitation.used_at.is_(None),
                                 Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.id.desc())))


# --- Invitations --------------------------------------------------------------------------------

def _checked_districts(session: Session, role: str, codes) -> list[District]:
    codes = sorted(set(codes or ()))
    found = list(session.scalars(select(District).where(District.code.in_(codes),
                                                        District.active.is_(True))))
    if len(found) != len(codes):
        raise UserAdminError(_l("Choose active districts."), "districts")
    if role == "officer" and not found:
        raise UserAdminError(_l("An officer works in at least one district."), "districts")
    if role == "admin":
        return []
    return found


def invite_staff(session: Session, actor, *, email: str, role: str, districts=()) -> Invitation:
    """Mail a single-use link, valid 7 days, that creates an officer, manager or admin."""
    _require_admin(actor)
    if role not in STAFF_ROLES:
        raise UserAdminError(_l("Choose a role."), "role")
    email = normalise_email(email)
    if onboarding.email_taken(session, email):
        raise UserAdminError(_l("This address already has an account."), "email")
    chosen = _checked_districts(session, role, districts)
    now = utcnow()
    session.execute(update(Invitation)
                    .where(Invitation.role != "firm", Invitation.email == email,
                           Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
                    .values(revoked_at=now))
    token, token_hash = onboarding.new_token()
    invitation = Invitation(token_hash=token_hash, firm_id=None, email=email, role=role,
                            districts=[d.code for d in chosen], invited_by_id=actor.id,
                            created_at=now, expires_at=now + INVITATION_LIFETIME)
    session.add(invitation)
    session.flush()
    audit.record(session, actor, "staff_invitation_sent", invitation, email=email, role=role,
                 districts=invitation.districts)
    mail.send(session, email, "account/mail/staff_invitation.txt", role_label=ROLE_LABELS[role],
              inviter=actor, bureau_name=settings.bureau_name(session), districts=chosen,
              link=url_for("account.accept_invitation", token=token, _external=True),
              expires_at=invitation.expires_at)
    return invitation


def revoke_staff_invitation(session: Session, actor, invitation: Invitation) -> None:
    _require_admin(actor)
    if invitation.role == "firm":
        raise UserAdminError(_l("This is a firm's invitation."))
    if invitation.state(utcnow()) == "open":
        invitation.revoked_at = utcnow()
        audit.record(session, actor, "invitation_revoked", invitation, email=invitation.email)


# --- Roles, districts, status -------------------------------------------------------------------

def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == "admin", User.active.is_(True))) or 0


def _refuse_losing_an_admin(session: Session, actor, user: User) -> None:
    """Neither oneself nor the last active admin loses admin rights."""
    if actor is not None and user.id == actor.id:
        raise UserAdminError(_l("You cannot demote or deactivate yourself."))
    if user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise UserAdminError(_l("This is the last active administrator."))


def change_role(session: Session, actor, user: User, *, role: str, districts=()) -> bool:
    """Set a staff user's role and districts; returns False when nothing changed."""
    _require_admin(actor)
    if user.role == "firm" or role not in STAFF_ROLES:
        raise UserAdminError(_l("Choose a role."), "role")
    chosen = _checked_districts(session, role, districts)
    old = {"role": user.role, "districts": sorted(user.district_codes)}
    new = {"role": role, "districts": sorted(d.code for d in chosen)}
    if old == new:
        return False
    if role != "admin" and user.role == "admin":
        _refuse_losing_an_admin(session, actor, user)
    user.role = role
    user.districts = chosen
    audit.record(session, actor, "user_role_changed", user, old=old, new=new)
    session.flush()
    return True


def deactivate(session: Session, actor, user: User, *, via: str = "web") -> bool:
    """The user can no longer log in; every open session of theirs ends at its next request.
    False if they were inactive already. `actor` None: the operator, from the command line."""
    if actor is not None or via != "cli":
        _require_admin(actor)
    if not user.active:
        return False
    _refuse_losing_an_admin(session, actor, user)
    user.active = False
    accounts.end_all_sessions(session, user)
    audit.record(session, actor, "user_deactivated", user,
                 **({"via": via} if via != "web" else {}))
    return True


def reset_two_factor(session: Session, actor, user: User, *, via: str = "web") -> None:
    """Forget a user's authenticator and recovery codes (a lost phone): every session of
    theirs ends and they set up two-step login again at their next login. `actor` None: the
    operator, from the command line."""
    if actor is not None or via != "cli":
        _require_admin(actor)
    if user.totp_secret is None:
        raise UserAdminError(_l("This user has not set up two-step login."))
    two_factor.clear(session, user)
    accounts.end_all_sessions(session, user)
    audit.record(session, actor, "two_factor_reset", user,
                 **({"via": via} if via != "web" else {}))


def reactivate(session: Session, actor, user: User) -> None:
    _require_admin(actor)
    if user.active:
        return
    user.active = True
    audit.record(session, actor, "user_reactivated", user)
    session.flush()


def send_password_reset(session: Session, actor, user: User) -> None:
    """Mail the user a reset link (valid an hour), as if they had asked for it."""
    _require_admin(actor)
    if not user.active:
        raise UserAdminError(_l("Reactivate the user first."))
    onboarding.request_password_reset(session, user.email)
    audit.record(session, actor, "password_reset_sent", user)


# --- A leaving officer's work -------------------------------------------------------------------

def _open_work():
    """Each kind of work an officer holds open: (model, its owner column, what makes a row open,
    the row's district). Counting and handing over read the same definitions."""
    return {
        "candidates": (Candidate, Candidate.assigned_to_id,
                       Candidate.status.in_(OPEN_CANDIDATE_STATUSES), Candidate.district),
        "outreach": (OutreachEntry, OutreachEntry.updated_by_id,
                     OutreachEntry.status.in_(OPEN_OUTREACH_STATUSES),
                     select(Firm.district).where(Firm.id == OutreachEntry.firm_id)
                     .scalar_subquery()),
        "spot_checks": (SpotCheckItem, SpotCheckItem.assigned_to_id,
                        SpotCheckItem.result == "pending",
                        select(SpotCheck.district).where(SpotCheck.id == SpotCheckItem.spot_check_id)
                        .scalar_subquery()),
    }


def open_work(session: Session, user: User) -> dict[str, int]:
    """How much open work is the user's: candidates assigned, outreach entries last worked,
    spot-check inspections whose result is still to record."""
    return {kind: session.scalar(select(func.count()).select_from(model)
                                 .where(owner == user.id, is_open)) or 0
            for kind, (model, owner, is_open, _district) in _open_work().items()}


def colleagues_for(session: Session, user: User) -> list[User]:
    """The other active officers of the user's districts, who may take over their work."""
    codes = user.district_codes
    if not codes:
        return []
    works_there = or_(*(district_workers(code) for code in sorted(codes)))
    return list(session.scalars(select(User).where(works_there, User.id != user.id)
                                .order_by(User.name, User.email)))


def reassign_open_work(session: Session, actor, user: User, to: User) -> dict[str, int]:
    """Hand the user's open work to `to` (an active officer of one of their districts); each row
    only if `to` sees its district (`auth.scope`)."""
    _require_admin(actor)
    if to.id not in {colleague.id for colleague in colleagues_for(session, user)}:
        raise UserAdminError(_l("Choose an active officer of the same district."), "to")
    moved = {kind: session.execute(
                 update(model).where(owner == user.id, is_open, district_scope(district, to))
                 .values({owner.key: to.id}).execution_options(synchronize_session=False)).rowcount
             for kind, (model, owner, is_open, district) in _open_work().items()}
    audit.record(session, actor, "user_work_reassigned", user, to_user_id=to.id, **moved)
    return moved

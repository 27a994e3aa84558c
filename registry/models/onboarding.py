"""Onboarding: invitations, password-reset tokens and the outgoing mail.

Tokens travel only in the links mailed to people; the database keeps their SHA-256 hashes,
so a copy of the database opens no account.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow

INVITATION_LIFETIME = dt.timedelta(days=7)
RESET_TOKEN_LIFETIME = dt.timedelta(hours=1)


class Invitation(Base):
    """A single-use link that creates a user: a firm user (sent by an officer or a firm admin)
    or bureau staff (an officer, manager or admin, sent by an admin, with their districts)."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_firm_id", "firm_id"),
                      CheckConstraint("role <> 'firm' OR firm_id IS NOT NULL",
                                      name="firm_invitation_has_firm"))

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="firm", server_default="firm")
    # Staff invitations: the district codes the new officer or manager works in.
    districts: Mapped[list | None] = mapped_column(JSON)
    email: Mapped[str] = mapped_column(String(254))
    # The first user of a firm administers it (and invites colleagues).
    is_firm_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    firm = relationship("Firm", lazy="joined")
    invited_by = relationship("User", foreign_keys=[invited_by_id], lazy="joined")

    def state(self, now: dt.datetime) -> str:
        """open, used, revoked or expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "open" if now < self.expires_at else "expired"


class PasswordResetToken(Base):
    """A single-use token for setting a new password, valid for an hour."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")


class OutboxMail(Base):
    """A mail the app sends: kept until delivered; in development it is the visible outbox.

    Once delivered over SMTP the body (which may carry a token) is cleared; without an SMTP
    server (development) the body stays so the dev outbox page can show it.
    """

    __tablename__ = "outbox_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[str | None] = mapped_column(String(16))  # smtp or console
    error: Mapped[str | None] = mapped_column(Text)

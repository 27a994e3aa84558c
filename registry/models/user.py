"""Users: firm staff, bureau managers and officers (scoped to districts) and administrators."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.models.base import Base, UTCDateTime, utcnow

ROLES = ("firm", "manager", "officer", "admin")

officer_districts = Table(
    "officer_districts",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("district", ForeignKey("districts.code", ondelete="CASCADE"), primary_key=True),
)


def normalise_email(email: str) -> str:
    """E-mail addresses are unique regardless of case: stored trimmed and lower-cased."""
    return (email or "").strip().lower()


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('firm', 'manager', 'officer', 'admin')", name="role"),
        CheckConstraint("role <> 'firm' OR firm_id IS NOT NULL", name="firm_user_has_firm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"),
                                                index=True)
    is_firm_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Every login session carries the version it began under; raising it ends them all
    # (services.accounts.end_all_sessions).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Two-factor login (services/two_factor.py): the TOTP secret (base32), set when enrolment
    # begins and in force once a first code confirmed it; the last time step a code was
    # accepted for, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    firm = relationship("Firm", lazy="joined")
    districts = relationship("District", secondary=officer_districts, lazy="selectin")

    @validates("email")
    def _normalise_email(self, _key, email: str) -> str:
        return normalise_email(email)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what a session keeps of its user
        return f"{self.id}:{self.session_version}"

    @property
    def district_codes(self) -> set[str]:
        return {district.code for district in self.districts}

    @property
    def two_factor_enrolled(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app: only its SHA-256 is kept
    (the code is random, 50 bits; shown once, at enrolment)."""
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

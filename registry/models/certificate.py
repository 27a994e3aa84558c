"""Certificates of the ladder's tiers (HNTE certificates, tech-SME registration numbers, ...)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow

TIERS = ("tech_sme", "hnte", "gazelle", "leader")
CERTIFICATE_STATUSES = ("public_notice", "valid", "expired", "revoked", "withdrawn")
# Statuses under which a certificate counts when as_of is within issued..expires (rules.md).
COUNTING_CERTIFICATE_STATUSES = ("valid", "expired")


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("issued <= expires", name="dates_ordered"),
        CheckConstraint("tier IN ('tech_sme', 'hnte', 'gazelle', 'leader')", name="tier"),
        CheckConstraint("status IN ('public_notice', 'valid', 'expired', 'revoked', 'withdrawn')",
                        name="status"),
        Index("ix_certificates_firm_tier", "firm_id", "tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    tier: Mapped[str] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(64))
    issued: Mapped[dt.date] = mapped_column(Date)
    # The inclusive last valid day; for a tech-SME registration number, its valid_until.
    expires: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    firm = relationship("Firm", back_populates="certificates")

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.status in COUNTING_CERTIFICATE_STATUSES
                and self.issued <= day <= self.expires)

    def standing_on(self, day: dt.date) -> str:
        """How the certificate stands on `day`, as a bureau says it: `valid`, `public_notice`
        (公示中, in force from `issued`), `not_yet` (recorded, in force from `issued`), `expired`
        (its last day passed), `revoked` or `withdrawn`."""
        if self.status in ("revoked", "withdrawn", "public_notice"):
            return self.status
        if day > self.expires:
            return "expired"
        return "not_yet" if day < self.issued else "valid"

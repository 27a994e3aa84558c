"""The officers' work records: public notices and objections, outreach, spot checks, the firm
inbox and certificate imports.

Candidate transitions themselves are audit events (`registry.services.review`); these tables
keep what a transition starts (a public notice) and the officers' other work.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow
from registry.models.candidate import Candidate
from registry.models.firm import Firm

NOTICE_STATUSES = ("running", "concluded", "withdrawn")
OBJECTION_STATUSES = ("recorded", "upheld", "dismissed")
OUTREACH_STATUSES = ("to_contact", "contacted", "applied", "declined")
SPOT_CHECK_RESULTS = ("pending", "compliant", "issues_found", "not_reachable")

# Indexes for the officers' lists at registry scale (docs/officer.md, bench/queue_pages.py).
# The queue's counts per filter: one index-only scan of a cycle's candidates (firm_id rides along
# on PostgreSQL: the counts leave out deregistered firms and join the firms' open flags by it).
Index("ix_candidates_facets", Candidate.cycle, Candidate.status, Candidate.tier,
      Candidate.district, Candidate.industry_code, postgresql_include=["firm_id"])
# A district officer's queue, newest first.
Index("ix_candidates_district_status", Candidate.district, Candidate.status, Candidate.id)
# Partial: scans insert candidates unassigned and not deferred, and these indexes skip them.
Index("ix_candidates_assigned_to_id", Candidate.assigned_to_id,
      postgresql_where=Candidate.assigned_to_id.is_not(None),
      sqlite_where=Candidate.assigned_to_id.is_not(None))
Index("ix_candidates_deferred_until", Candidate.deferred_until,
      postgresql_where=Candidate.deferred_until.is_not(None),
      sqlite_where=Candidate.deferred_until.is_not(None))
# Search by name: a trigram index on PostgreSQL (pg_trgm), a plain index on SQLite.
Index("ix_firms_name_trgm", Firm.name, postgresql_using="gin",
      postgresql_ops={"name": "gin_trgm_ops"})
# Search by the start of a credit code (LIKE 'prefix%' under any collation).
Index("ix_firms_credit_code_prefix", Firm.credit_code,
      postgresql_ops={"credit_code": "varchar_pattern_ops"})
# The directory sorted by name: by district for an officer, across districts for an admin.
Index("ix_firms_district_name", Firm.district, Firm.name, Firm.id)
Index("ix_firms_name_id", Firm.name, Firm.id)


class NoticeBatch(Base):
    """A public notice as the bureau publishes it: the approvals of one tier and cycle made
    public together under one document number (文号), with their dates. Approvals join the
    batch of their tier, cycle and first day; the batch ends when its notices end."""

    __tablename__ = "notice_batches"
    __table_args__ = (
        UniqueConstraint("tier", "cycle", "first_day"),
        CheckConstraint("first_day <= last_day", name="days_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    tier: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    notices = relationship("PublicNotice", back_populates="batch", lazy="raise_on_sql",
                           order_by="PublicNotice.id")
    ended_by = relationship("User", lazy="joined")

    def period_over(self, today: dt.date) -> bool:
        """Whether the notice period has passed, so the batch may be ended and its certificates
        issued at once (the daily pass would do it tonight)."""
        return self.last_day < today


class PublicNotice(Base):
    """公示: an approval made public for N working days, during which objections are recorded.

    The certificate exists from the approval in status `public_notice`; the daily pass makes it
    valid once the period has ended with no objection upheld or still undecided.
    """

    __tablename__ = "public_notices"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'concluded', 'withdrawn')", name="status"),
        CheckConstraint("first_day <= last_day", name="days_ordered"),
        Index("ix_public_notices_status_last_day", "status", "last_day"),
        Index("ix_public_notices_firm_id", "firm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"),
                                              unique=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    # Years the period crossed without an official calendar (counted Monday to Friday).
    calendar_missing_years: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="running")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("notice_batches.id",
                                                            ondelete="SET NULL"), index=True)
    concluded_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate = relationship("Candidate", lazy="joined")
    certificate = relationship("Certificate", lazy="joined")
    firm = relationship("Firm", lazy="joined")
    batch = relationship("NoticeBatch", back_populates="notices", lazy="joined")
    objections = relationship("Objection", back_populates="notice", lazy="selectin",
                              order_by="Objection.id")

    @property
    def undecided_objections(self) -> list[Objection]:
        return [objection for objection in self.objections if objection.status == "recorded"]


class Objection(Base):
    """An objection received during a public notice, and the officer's decision on it."""

    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint("status IN ('recorded', 'upheld', 'dismissed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("public_notices.id", ondelete="CASCADE"),
                                           index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    objector: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    notice = relationship("PublicNotice", back_populates="objections")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")


class OutreachEntry(Base):
    """An officer's work on one firm of one outreach list (a flag or an incentive) in a cycle."""

    __tablename__ = "outreach_entries"
    __table_args__ = (
        UniqueConstraint("firm_id", "list_key", "cycle"),
        CheckConstraint("status IN ('to_contact', 'contacted', 'applied', 'declined')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    list_key: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="to_contact")
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Inspector(Base):
    """A person on a district's roster of inspectors (执法检查人员名录) for spot checks."""

    __tablename__ = "inspectors"
    __table_args__ = (Index("ix_inspectors_district_active", "district", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district: Mapped[str] = mapped_column(ForeignKey("districts.code", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpotCheck(Base):
    """双随机: a random draw of certified firms of a district and of their inspectors.

    The seed, the population (firm ids) and the roster (inspector ids) are recorded, so anyone
    can replay the draw (`registry.services.spotchecks.draw`) and get the same sample.
    """

    __tablename__ = "spot_checks"
    __table_args__ = (Index("ix_spot_checks_district", "district", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district: Mapped[str] = mapped_column(ForeignKey("districts.code", ondelete="CASCADE"))
    tier: Mapped[str | None] = mapped_column(String(16))  # None: any certificate
    as_of: Mapped[dt.date] = mapped_column(Date)
    seed: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(32))
    sample_size: Mapped[int] = mapped_column(Integer)
    inspectors_per_firm: Mapped[int] = mapped_column(Integer)
    population: Mapped[list] = mapped_column(JSON)
    roster: Mapped[list] = mapped_column(JSON)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    items = relationship("SpotCheckItem", back_populates="spot_check", lazy="raise_on_sql",
                         order_by="SpotCheckItem.rank", cascade="all, delete-orphan")
    drawn_by = relationship("User", lazy="joined")


class SpotCheckItem(Base):
    """One sampled firm, its drawn inspectors and the recorded result."""

    __tablename__ = "spot_check_items"
    __table_args__ = (
        UniqueConstraint("spot_check_id", "firm_id"),
        CheckConstraint("result IN ('pending', 'compliant', 'issues_found', 'not_reachable')",
                        name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id", ondelete="CASCADE"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    inspector_ids: Mapped[list] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(String(16), default="pending")
    findings: Mapped[str] = mapped_column(Text, default="")
    # The officer who sees the inspection through and records its result: the one who drew the
    # check, until an admin hands the open items over (a deactivated officer's work).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    spot_check = relationship("SpotCheck", back_populates="items")
    firm = relationship("Firm", lazy="joined")
    assigned_to = relationship("User", lazy="joined", foreign_keys=[assigned_to_id])


class Notification(Base):
    """A decision about a firm, shown in the firm's inbox (and mailed when SMTP is configured).

    `kind` names the decision; `details` holds its data (tier, reason, dates), so the message is
    rendered in the reader's language.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_firm_id", "firm_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id",
                                                                ondelete="SET NULL"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id",
                                                                  ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CertificateImport(Base):
    """One upload of certificates granted by the province: applied whole or not at all."""

    __tablename__ = "certificate_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # applied or rejected
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # One entry per row: {"row", "credit_code", "number", "outcome", "errors": [...]}.
    report: Mapped[list] = mapped_column(JSON, default=list)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by = relationship("User", lazy="joined")

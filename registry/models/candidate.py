"""What scans open for officers: candidates for a tier, flags and incentive opportunities.

Each is unique per firm, subject and cycle (the year of the scan's as_of), so a scan delivered
twice or run again writes nothing twice. Scans open and close them; officers review candidates
(the review state machine lives with the officers' services).

Flags and opportunities are keyed by firm, subject and cycle, without an id: a full scan inserts
about one opportunity and a quarter of a flag per firm, and every index costs each insert
(docs/performance.md). Flags have one more index, for their outreach lists; an incentive's list
reads the cycle's opportunities in one pass (three firms in four have the R&D one).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, FixedPoint, UTCDateTime, utcnow

CANDIDATE_STATUSES = ("open", "in_review", "approved", "rejected", "returned", "deferred", "closed")
OPEN_CLOSED = ("open", "closed")
# Incentive savings are exact in 10^-8 万元 (rate products such as 1.2 x 15% of an amount in yuan).
SAVING_PLACES = 8
Saving = FixedPoint(SAVING_PLACES)


class Candidate(Base):
    """A firm eligible for a tier it holds no valid certificate for, in one cycle.

    `verdict` is the tier verdict with the parameters and the input snapshot it was opened (or
    last refreshed) with; frozen once the status is not `open`. `stale` marks an open candidate
    whose latest verdict is insufficient_data. Scans write candidates in bulk, so no foreign key
    is checked per row: a trigger on firms deletes a deleted firm's candidates (the cascade), and
    scan ids are provenance only.
    """

    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("firm_id", "tier", "cycle"),
        CheckConstraint("status IN ('open', 'in_review', 'approved', 'rejected', 'returned', "
                        "'deferred', 'closed')", name="status"),
        CheckConstraint("tier IN ('tech_sme', 'hnte', 'gazelle', 'leader')", name="tier"),
        # The officer queue: filter by status and tier, keyset-paginate by id.
        Index("ix_candidates_queue", "status", "tier", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    verdict: Mapped[dict] = mapped_column(JSON, default=dict)
    opened_scan_id: Mapped[int | None] = mapped_column(Integer)
    last_scan_id: Mapped[int | None] = mapped_column(Integer)
    closed_scan_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Review (the officers' migration; their indexes are in registry/models/review.py).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deferred_until: Mapped[dt.date | None] = mapped_column(Date)
    # Copies of the firm's, so the queue filters and counts without joining firms; a database
    # trigger fills them on insert when left NULL and follows the firm's changes.
    district: Mapped[str | None] = mapped_column(String(32), server_default=FetchedValue())
    industry_code: Mapped[str | None] = mapped_column(String(8), server_default=FetchedValue())

    firm = relationship("Firm", primaryjoin="foreign(Candidate.firm_id) == Firm.id", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Candidate {self.id} firm={self.firm_id} {self.tier} {self.cycle} {self.status}>"


class FirmFlag(Base):
    """Work for officers (rules.md §5), raised and cleared by scans (no per-row foreign key
    checks, like candidates)."""

    __tablename__ = "firm_flags"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        # An outreach list of a flag (a few hundred to a few thousand firms in a district).
        Index("ix_firm_flags_list", "flag", "cycle", "firm_id"),
        # The queue's counts join each listed candidate's open flags: one index-only probe each.
        Index("ix_firm_flags_open", "cycle", "firm_id", postgresql_include=["flag"],
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    firm_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    flag: Mapped[str] = mapped_column(String(32), primary_key=True)
    cycle: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Machine-readable detail: {"expires": date} or {"criterion", "gap", "unit"} for a near miss.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="open")
    raised_scan_id: Mapped[int | None] = mapped_column(Integer)
    cleared_scan_id: Mapped[int | None] = mapped_column(Integer)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class IncentiveOpportunity(Base):
    """A tax incentive a firm qualifies for (rules.md §6), for outreach; saving null when unknown.
    Written in bulk like flags (no per-row foreign key checks)."""

    __tablename__ = "incentive_opportunities"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)

    firm_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    incentive: Mapped[str] = mapped_column(String(32), primary_key=True)
    cycle: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    saving: Mapped[Decimal | None] = mapped_column(Saving)
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_scan_id: Mapped[int | None] = mapped_column(Integer)
    closed_scan_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

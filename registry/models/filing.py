"""Annual filings (rules.md §7 `years`) and their revision history."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, Headcount, Money, UTCDateTime, utcnow

# Every figure a firm reports per fiscal year, in the order of rules.md §7, then the facts of
# programs.md §H (rd_expense_q4 exists for FY 2022 only; manufacturer and rd_survey are yes/no).
MONEY_FIGURES = ("revenue", "rd_expense", "rd_domestic", "total_income", "hightech_income",
                 "total_cost", "total_assets", "net_assets", "taxable_income", "input_vat",
                 "rd_expense_q4")
HEADCOUNT_FIGURES = ("employees", "st_staff")
YES_NO_FIGURES = ("manufacturer", "rd_survey")
FIGURES = ("revenue", "rd_expense", "rd_domestic", "employees", "st_staff", "total_income",
           "hightech_income", "total_cost", "total_assets", "net_assets", "taxable_income",
           "input_vat", "rd_expense_q4", "manufacturer", "rd_survey")
# Figures that may be negative (a loss, negative equity); every other one is >= 0.
SIGNED_FIGURES = ("taxable_income", "net_assets")

FILING_STATUSES = ("draft", "submitted", "returned", "accepted")
# Statuses whose figures count for verdicts: drafts never do, a returned filing is missing.
COUNTING_STATUSES = ("submitted", "accepted")


class Filing(Base):
    """A firm's figures for one fiscal year; the row holds the working copy."""

    __tablename__ = "filings"
    __table_args__ = (
        UniqueConstraint("firm_id", "fiscal_year"),
        CheckConstraint("status IN ('draft', 'submitted', 'returned', 'accepted')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=0)

    revenue: Mapped[Decimal | None] = mapped_column(Money)
    rd_expense: Mapped[Decimal | None] = mapped_column(Money)
    rd_domestic: Mapped[Decimal | None] = mapped_column(Money)
    employees: Mapped[Decimal | None] = mapped_column(Headcount)
    st_staff: Mapped[Decimal | None] = mapped_column(Headcount)
    total_income: Mapped[Decimal | None] = mapped_column(Money)
    hightech_income: Mapped[Decimal | None] = mapped_column(Money)
    total_cost: Mapped[Decimal | None] = mapped_column(Money)
    total_assets: Mapped[Decimal | None] = mapped_column(Money)
    net_assets: Mapped[Decimal | None] = mapped_column(Money)
    taxable_income: Mapped[Decimal | None] = mapped_column(Money)
    input_vat: Mapped[Decimal | None] = mapped_column(Money)
    rd_expense_q4: Mapped[Decimal | None] = mapped_column(Money)
    manufacturer: Mapped[bool | None] = mapped_column(Boolean)
    rd_survey: Mapped[bool | None] = mapped_column(Boolean)

    # Plausibility warnings the firm confirmed for the current revision.
    confirmed_warnings: Mapped[list | None] = mapped_column(JSON)
    officer_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    firm = relationship("Firm", back_populates="filings")
    revisions = relationship("FilingRevision", back_populates="filing", lazy="raise_on_sql",
                             order_by="FilingRevision.number")

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def counts(self) -> bool:
        """Whether verdicts read this filing (submitted or accepted)."""
        return self.status in COUNTING_STATUSES


class FilingRevision(Base):
    """One change of a filing: who, when, what happened and every changed field (old, new)."""

    __tablename__ = "filing_revisions"
    __table_args__ = (UniqueConstraint("filing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # save, submit, return, accept, import
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))  # the filing's status after this revision
    # {field: [old, new]} with amounts as decimal strings.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    warnings: Mapped[list | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing = relationship("Filing", back_populates="revisions")


CORRECTION_STATUSES = ("requested", "reopened", "declined", "completed")
# A correction still being worked on: the firm asked, or the filing is back with the firm.
OPEN_CORRECTION_STATUSES = ("requested", "reopened")


class FilingCorrection(Base):
    """The correction of an accepted filing: the firm asks with a reason and an officer reopens
    (or declines) it, or an officer reopens it on their own; it completes when the corrected
    filing is accepted again. The filing keeps its revisions throughout."""

    __tablename__ = "filing_corrections"
    __table_args__ = (
        CheckConstraint("status IN ('requested', 'reopened', 'declined', 'completed')",
                        name="status"),
        Index("ix_filing_corrections_filing_id", "filing_id", "id"),
        Index("ix_filing_corrections_status_firm_id", "status", "firm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                   ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)

    filing = relationship("Filing", lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")


class FilingReminder(Base):
    """催报: a reminder to file a fiscal year, sent to a firm's users, one row per firm."""

    __tablename__ = "filing_reminders"
    __table_args__ = (Index("ix_filing_reminders_firm_id_year", "firm_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Bureau programs' lists (programs.md §R): a reward list or a top-N ranking per program year, and
its entries. A draft is recomputed from the registry; an approved reward list or a published
ranking is frozen (later filings change nothing)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, FixedPoint, Money, Share, UTCDateTime, utcnow

LIST_PROGRAMS = ("rd_reward", "rd_top")
# rd_reward: draft -> approved -> public_notice (payable once the notice has ended);
# rd_top: draft -> published.
LIST_STATUSES = ("draft", "approved", "public_notice", "published")
# Entitlements are rate x R&D: exact in 10^-8 万元 (an award without a budget equals it).
Fine = FixedPoint(8)


class ProgramList(Base):
    __tablename__ = "program_lists"
    __table_args__ = (
        UniqueConstraint("program", "year"),
        CheckConstraint("program IN ('rd_reward', 'rd_top')", name="program"),
        CheckConstraint("status IN ('draft', 'approved', 'public_notice', 'published')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    budget: Mapped[Decimal | None] = mapped_column(Money)
    # The numbers the list was computed with (bands, cap, weights...), as decimal strings.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    computed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)   # approved or published
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notice_start: Mapped[dt.date | None] = mapped_column(Date)
    notice_end: Mapped[dt.date | None] = mapped_column(Date)
    # A reward list's totals per district ({code: {"firms", "entitlement", "award", "paid"}}, money
    # as decimal text), kept whenever the list changes so its pages do not add them up.
    totals: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def frozen(self) -> bool:
        return self.status != "draft"


class ProgramEntry(Base):
    """One firm of a list: its FY P−1 inputs and the program's result when computed. A reward
    list keeps its eligible firms and those with unknown criteria; a ranking its eligible firms."""

    __tablename__ = "program_entries"
    __table_args__ = (
        # The reward list's pages: awarded (or excluded) firms by award, keyset-paged.
        Index("ix_program_entries_page", "list_id", "eligible", "excluded", "award", "firm_id"),
        # A ranking's first N entries, by rank; a district's entries (a ranking writes them
        # grouped by district, so they lie together).
        Index("ix_program_entries_rank", "list_id", "rank"),
        Index("ix_program_entries_district", "list_id", "district"),
    )

    list_id: Mapped[int] = mapped_column(ForeignKey("program_lists.id", ondelete="CASCADE"), primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    district: Mapped[str] = mapped_column(String(32))
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    rd_expense: Mapped[Decimal | None] = mapped_column(Money)
    rd_survey: Mapped[bool | None] = mapped_column(Boolean)
    # The survey is the statistics bureau's row, not only the firm's word (shown as unverified).
    survey_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    incidents: Mapped[bool | None] = mapped_column(Boolean)
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    failed: Mapped[list] = mapped_column(JSON, default=list)
    rate: Mapped[Decimal | None] = mapped_column(Share)
    entitlement: Mapped[Decimal | None] = mapped_column(Fine)
    award: Mapped[Decimal | None] = mapped_column(Fine)
    rank: Mapped[int | None] = mapped_column(Integer)
    amount_rank: Mapped[int | None] = mapped_column(Integer)
    intensity_rank: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[Decimal | None] = mapped_column(Share)
    last_rank: Mapped[int | None] = mapped_column(Integer)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    exclusion_reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

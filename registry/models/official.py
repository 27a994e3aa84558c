"""Figures from official sources (issue 14): the statistics bureau's R&D survey and the tax bureau's
super-deduction declarations, each row kept with the import it came from; and the imports
themselves (statistics, tax, and the firm roster), applied whole or not at all."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, Headcount, Money, UTCDateTime, utcnow


class OfficialImport(Base):
    """One uploaded file of official rows (or of the firm roster): queued, checked row by row, then
    applied whole or rejected whole. `report` lists the bad rows; the counts say what changed."""

    __tablename__ = "official_imports"
    __table_args__ = (
        CheckConstraint("kind IN ('statistics', 'tax', 'roster')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'applied', 'rejected')", name="status"),
        Index("ix_official_imports_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(64))        # sha256 of the file, hex
    status: Mapped[str] = mapped_column(String(16), default="queued")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    checked: Mapped[int] = mapped_column(Integer, default=0)   # progress: rows checked so far
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # The bad rows: [{"row", "credit_code", "errors": [...]}], or one file-level error (row 0).
    report: Mapped[list] = mapped_column(JSON, default=list)
    # The uploaded file, kept until the import has run (a queued web upload), then dropped.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    uploaded_by = relationship("User", lazy="joined")


class OfficialFigure(Base):
    """A firm's official figures of one fiscal (tax) year from one source, in 万元 and persons:
    statistics (R&D expense, revenue, R&D staff) or tax (the declared super-deduction base)."""

    __tablename__ = "official_figures"
    __table_args__ = (
        CheckConstraint("source IN ('statistics', 'tax')", name="source"),
    )

    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"),
                                         primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    rd_expense: Mapped[Decimal | None] = mapped_column(Money)
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    rd_staff: Mapped[Decimal | None] = mapped_column(Headcount)
    rd_deduction_base: Mapped[Decimal | None] = mapped_column(Money)
    import_id: Mapped[int] = mapped_column(ForeignKey("official_imports.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    origin = relationship("OfficialImport", lazy="joined")

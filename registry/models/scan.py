"""Scans (whole-registry or one-firm evaluations), their chunks, schedule guards and the
current verdict of every firm.

The database, not the broker, is the record of work: a scan's chunks carry their status and
attempt count, and a periodic reconciler re-queues any chunk not done (see services/scans.py).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Date, Float, ForeignKey, Index, Integer,
                        LargeBinary, SmallInteger, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow

SCAN_KINDS = ("full", "firm")
SCAN_STATUSES = ("queued", "running", "done", "failed")
ACTIVE_SCAN_STATUSES = ("queued", "running")
CHUNK_STATUSES = ("queued", "running", "done", "failed")

_ACTIVE_FULL = text("kind = 'full' AND status IN ('queued', 'running')")


class Scan(Base):
    """One evaluation run: its date, parameters, progress and what it changed."""

    __tablename__ = "scans"
    __table_args__ = (
        CheckConstraint("kind IN ('full', 'firm')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        # At most one full scan queued or running: asking for another returns it.
        Index("ux_scans_one_active_full", "kind", unique=True,
              postgresql_where=_ACTIVE_FULL, sqlite_where=_ACTIVE_FULL),
        Index("ix_scans_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="full")
    as_of: Mapped[dt.date] = mapped_column(Date)
    policy_year: Mapped[int] = mapped_column(Integer)
    profiles: Mapped[dict] = mapped_column(JSON, default=dict)
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    firms_total: Mapped[int] = mapped_column(Integer, default=0)
    firms_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    # What this scan changed: candidates opened and closed, flags raised.
    opened: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    verdicts_written: Mapped[int] = mapped_column(Integer, default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    schedule: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    chunks = relationship("ScanChunk", back_populates="scan", lazy="raise_on_sql",
                          order_by="ScanChunk.index", cascade="all, delete-orphan")

    @property
    def parameters(self) -> dict:
        return {"policy_year": self.policy_year, "profiles": self.profiles or {},
                "overrides": self.overrides or {}}

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return (end - self.started_at).total_seconds()

    @property
    def progress(self) -> float:
        """Share of firms evaluated, 0..1."""
        if self.status == "done":
            return 1.0
        return self.firms_done / self.firms_total if self.firms_total else 0.0

    def __repr__(self) -> str:
        return f"<Scan {self.id} {self.kind} {self.as_of} {self.status}>"


class ScanChunk(Base):
    """A range of firm ids evaluated in one transaction by one task."""

    __tablename__ = "scan_chunks"
    __table_args__ = (
        UniqueConstraint("scan_id", "index"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_scan_chunks_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    first_firm_id: Mapped[int] = mapped_column(Integer)
    last_firm_id: Mapped[int] = mapped_column(Integer)
    firms: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)

    scan = relationship("Scan", back_populates="chunks")


class ScheduleRun(Base):
    """One firing of a scheduled job: unique per schedule and due time, so two beats run it once."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("name", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FirmVerdict(Base):
    """A firm's current verdict: the status of each tier and the exact inputs it was decided on.

    `snapshot` holds the firm's engine input row (see services/scans.py `pack`), so the full
    criteria explanation is rebuilt exactly by evaluating it again at `as_of` with the recorded
    parameters. `inputs_digest` and `verdict_digest` let a scan write only what changed.
    """

    __tablename__ = "firm_verdicts"
    __table_args__ = (
        Index("ix_firm_verdicts_hnte", "status_hnte"),
        Index("ix_firm_verdicts_tech_sme", "status_tech_sme"),
    )

    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    params_key: Mapped[str | None] = mapped_column(String(40))
    evaluated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the firm's facts changed and an evaluation was queued (pending until evaluated).
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    inputs_digest: Mapped[int | None] = mapped_column(BigInteger)
    verdict_digest: Mapped[int | None] = mapped_column(BigInteger)
    # Tier statuses as the engine's codes: 1 eligible, 0 insufficient_data, -1 ineligible.
    status_tech_sme: Mapped[int | None] = mapped_column(SmallInteger)
    status_hnte: Mapped[int | None] = mapped_column(SmallInteger)
    status_gazelle: Mapped[int | None] = mapped_column(SmallInteger)
    status_leader: Mapped[int | None] = mapped_column(SmallInteger)
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def pending(self) -> bool:
        return self.requested_at is not None and (
            self.evaluated_at is None or self.requested_at > self.evaluated_at)

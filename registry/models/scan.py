"""Scans (whole-registry or one-firm evaluations), their chunks, schedule guards and the
current verdict of every firm.

The database, not the broker, is the record of work: a scan's chunks carry their status and
attempt count, and a periodic reconciler re-queues any chunk not done (see services/scans.py).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow

SCAN_KINDS = ("full", "firm")
SCAN_STATUSES = ("queued", "running", "done", "failed")
ACTIVE_SCAN_STATUSES = ("queued", "running")
CHUNK_STATUSES = ("queued", "running", "done", "failed")

_ACTIVE_FULL = text("kind = 'full' AND status IN ('queued', 'running')")


class ChunkedWork:
    """The progress columns of work split in chunks of firm ids (a scan, a what-if run), which
    services/chunks.py reads and advances. `STATUS_LENGTH` is the width of the status column."""

    STATUS_LENGTH = 8

    @declared_attr
    def status(cls) -> Mapped[str]:
        return mapped_column(String(cls.STATUS_LENGTH), default="queued")

    firms_total: Mapped[int] = mapped_column(Integer, default=0)
    firms_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

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


class Chunk:
    """The columns of a chunk: a range of firm ids worked in one transaction by one task, with its
    attempts (services/chunks.py). The class adds the key to its parent; `STATUS_LENGTH` is the
    width of the status column."""

    STATUS_LENGTH = 8

    id: Mapped[int] = mapped_column(primary_key=True)
    index: Mapped[int] = mapped_column(Integer)
    first_firm_id: Mapped[int] = mapped_column(Integer)
    last_firm_id: Mapped[int] = mapped_column(Integer)
    firms: Mapped[int] = mapped_column(Integer, default=0)

    @declared_attr
    def status(cls) -> Mapped[str]:
        return mapped_column(String(cls.STATUS_LENGTH), default="queued")

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)


class Scan(ChunkedWork, Base):
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
    # What this scan changed: candidates opened and closed, flags raised.
    opened: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    verdicts_written: Mapped[int] = mapped_column(Integer, default=0)
    schedule: Mapped[str | None] = mapped_column(String(64))

    chunks = relationship("ScanChunk", back_populates="scan", lazy="raise_on_sql",
                          order_by="ScanChunk.index", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Scan {self.id} {self.kind} {self.as_of} {self.status}>"


class ScanChunk(Chunk, Base):
    """A range of firm ids of a scan, evaluated in one transaction by one task."""

    __tablename__ = "scan_chunks"
    __table_args__ = (
        UniqueConstraint("scan_id", "index"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_scan_chunks_status", "status"),
    )

    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))

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
    """A firm's current verdict: each tier's status and failed criteria, and digests of the inputs
    and of the whole verdict.

    No copy of the inputs is kept: the full explanation is rebuilt by evaluating the firm's
    current facts at `as_of` with the scan's parameters, exact while their digest is
    `inputs_digest` (otherwise the firm changed and is pending re-evaluation). The digests let a
    scan write only what changed. Written in bulk by scans, so no foreign keys are checked per
    row: a trigger on firms deletes a deleted firm's row, and scan ids are provenance only.
    """

    __tablename__ = "firm_verdicts"

    firm_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    scan_id: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    # 64 bits of the parameter set's hash (services/scans.py parameters_for).
    params_key: Mapped[int | None] = mapped_column(BigInteger)
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
    # The tier's failed criteria as bits (registry/scan/snapshot.py failed_ids).
    failed_tech_sme: Mapped[int | None] = mapped_column(Integer)
    failed_hnte: Mapped[int | None] = mapped_column(Integer)
    failed_gazelle: Mapped[int | None] = mapped_column(Integer)
    failed_leader: Mapped[int | None] = mapped_column(Integer)

    @property
    def pending(self) -> bool:
        return self.requested_at is not None and (
            self.evaluated_at is None or self.requested_at > self.evaluated_at)

"""The audit trail: who did what to which object, when; chained so that tampering shows.

Each event keeps its place in the chain (`chain_seq`), the hash of the event before it
(`prev_hash`) and its own hash over a canonical serialisation of its fields and that previous
hash (`registry/services/audit_chain.py`). `audit_chain` is the single row that holds the
chain's head; the transaction that adds events locks it just before committing.

`actor_id` and `firm_id` are plain integers, not foreign keys: removing a user or a firm (a
rejected registration, a removed colleague) must not rewrite the events that name them, which
would break the chain.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_firm_id", "firm_id"),
        Index("ix_audit_events_chain_seq", "chain_seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    # The firm concerned, so a firm's and a district's history can be shown and scoped.
    firm_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # Set when the transaction that added the event commits (NULL until then).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor = relationship("User", lazy="joined", viewonly=True,
                         primaryjoin="foreign(AuditEvent.actor_id) == User.id")
    firm = relationship("Firm", lazy="joined", viewonly=True,
                        primaryjoin="foreign(AuditEvent.firm_id) == Firm.id")


class AuditChain(Base):
    """The head of the audit chain: one row (id 1), the last position and hash."""
    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)

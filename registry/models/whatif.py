"""What-if scenarios, their runs and the runs' own result tables (issue 13).

A scenario names a policy change to try: a base date, a scope (the city, or districts) and its
changes (numeric parameters by dotted path, profile switches). A run evaluates the scope's firms
twice from the same facts, with the parameters it recorded, and writes only these tables:
per-chunk aggregates by district (tiers, incentives) and the firms that change status
(winners and losers), never verdicts, candidates, flags, opportunities or anything else live.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, Money, UTCDateTime, utcnow
from registry.models.scan import Chunk, ChunkedWork

WINNER, LOSER = 1, -1


class Scenario(Base):
    """A saved policy change to try on the registry."""

    __tablename__ = "whatif_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    as_of: Mapped[dt.date] = mapped_column(Date)
    # District codes of the scope; empty: the whole city.
    districts: Mapped[list] = mapped_column(JSON, default=list)
    # Dotted parameter path -> decimal text (the `--set` of `rules check`).
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    # Tier -> profile name (gazelle, leader) replacing the bureau's.
    profiles: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User", lazy="joined")
    runs = relationship("WhatifRun", back_populates="scenario", lazy="raise_on_sql",
                        cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Scenario {self.id} {self.name!r}>"


class WhatifRun(ChunkedWork, Base):
    """One evaluation of a scenario against its base, with the parameters it used.

    `base_parameters` and `scenario_parameters` are the whole parameter sets (JSON with exact
    decimals), so running them again on unchanged records gives the same numbers even after the
    parameter files or the bureau's profiles change."""

    __tablename__ = "whatif_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="status"),
        Index("ix_whatif_runs_scenario_id", "scenario_id"),
    )
    STATUS_LENGTH = 10

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("whatif_scenarios.id", ondelete="CASCADE"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    districts: Mapped[list] = mapped_column(JSON, default=list)
    policy_year: Mapped[int] = mapped_column(Integer)
    base_profiles: Mapped[dict] = mapped_column(JSON, default=dict)
    profiles: Mapped[dict] = mapped_column(JSON, default=dict)
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    base_parameters: Mapped[str] = mapped_column(Text)
    scenario_parameters: Mapped[str] = mapped_column(Text)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    # The R&D reward budget (万元) of the scope under the base (the bureau's) and the scenario;
    # None: no budget (every entitlement paid in full).
    base_budget: Mapped[Decimal | None] = mapped_column(Money)
    scenario_budget: Mapped[Decimal | None] = mapped_column(Money)

    scenario = relationship("Scenario", back_populates="runs")
    requested_by = relationship("User", lazy="joined")

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


class WhatifChunk(Chunk, Base):
    """A range of firm ids of a run, evaluated in one transaction by one task."""

    __tablename__ = "whatif_chunks"
    __table_args__ = (
        UniqueConstraint("run_id", "index"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="status"),
    )
    STATUS_LENGTH = 10

    run_id: Mapped[int] = mapped_column(ForeignKey("whatif_runs.id", ondelete="CASCADE"))


class WhatifTierCount(Base):
    """One chunk's firms of a district and tier: eligible under the base and the scenario, and
    how many became eligible (winners) or stopped being eligible (losers)."""

    __tablename__ = "whatif_tier_counts"

    run_id: Mapped[int] = mapped_column(ForeignKey("whatif_runs.id", ondelete="CASCADE"), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(32), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    firms: Mapped[int] = mapped_column(Integer, default=0)
    base: Mapped[int] = mapped_column(Integer, default=0)
    scenario: Mapped[int] = mapped_column(Integer, default=0)
    winners: Mapped[int] = mapped_column(Integer, default=0)
    losers: Mapped[int] = mapped_column(Integer, default=0)


class WhatifIncentiveTotal(Base):
    """One chunk's estimated tax relief of a district and incentive under base and scenario, in
    10^-8 万元 (the engine's saving unit), with the firms it applies to and those whose saving
    is unknown."""

    __tablename__ = "whatif_incentive_totals"

    run_id: Mapped[int] = mapped_column(ForeignKey("whatif_runs.id", ondelete="CASCADE"), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(32), primary_key=True)
    incentive: Mapped[str] = mapped_column(String(32), primary_key=True)
    base_firms: Mapped[int] = mapped_column(Integer, default=0)
    scenario_firms: Mapped[int] = mapped_column(Integer, default=0)
    base_unknown: Mapped[int] = mapped_column(Integer, default=0)
    scenario_unknown: Mapped[int] = mapped_column(Integer, default=0)
    base_saving: Mapped[int] = mapped_column(BigInteger, default=0)
    scenario_saving: Mapped[int] = mapped_column(BigInteger, default=0)


class WhatifDistrictTotal(Base):
    """One chunk's figures of a district that are not per tier or incentive, under base and
    scenario: the bureau programs of the run's year (R&D reward eligible and unknown firms and
    their entitlements in 10^-8 万元, the priority list, the top-N eligible firms) and the firms
    with at least one known tax saving above zero (the `tax_relief.firms` indicator)."""

    __tablename__ = "whatif_district_totals"

    run_id: Mapped[int] = mapped_column(ForeignKey("whatif_runs.id", ondelete="CASCADE"), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(32), primary_key=True)
    base_reward_firms: Mapped[int] = mapped_column(Integer, default=0)
    scenario_reward_firms: Mapped[int] = mapped_column(Integer, default=0)
    base_reward_unknown: Mapped[int] = mapped_column(Integer, default=0)
    scenario_reward_unknown: Mapped[int] = mapped_column(Integer, default=0)
    base_entitlement: Mapped[int] = mapped_column(BigInteger, default=0)
    scenario_entitlement: Mapped[int] = mapped_column(BigInteger, default=0)
    base_priority: Mapped[int] = mapped_column(Integer, default=0)
    scenario_priority: Mapped[int] = mapped_column(Integer, default=0)
    base_top: Mapped[int] = mapped_column(Integer, default=0)
    scenario_top: Mapped[int] = mapped_column(Integer, default=0)
    base_tax_firms: Mapped[int] = mapped_column(Integer, default=0)
    scenario_tax_firms: Mapped[int] = mapped_column(Integer, default=0)


class WhatifChange(Base):
    """A firm whose tier status the scenario changes to or from eligible: the criterion that made
    the difference, the firm's figure and both requirements (as the rules report them)."""

    __tablename__ = "whatif_changes"
    __table_args__ = (
        Index("ix_whatif_changes_list", "run_id", "tier", "change", "district"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("whatif_runs.id", ondelete="CASCADE"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    firm_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    change: Mapped[int] = mapped_column(SmallInteger)          # WINNER or LOSER
    district: Mapped[str] = mapped_column(String(32))
    base_status: Mapped[int] = mapped_column(SmallInteger)     # engine codes: 1, 0, -1
    scenario_status: Mapped[int] = mapped_column(SmallInteger)
    criterion: Mapped[str | None] = mapped_column(String(48))
    # How the figures read (the criterion's value kind: 万元, ratio, factor, ...); None before it was kept.
    kind: Mapped[str | None] = mapped_column(String(16))
    actual: Mapped[str | None] = mapped_column(String(64))
    base_required: Mapped[str | None] = mapped_column(String(64))
    scenario_required: Mapped[str | None] = mapped_column(String(64))

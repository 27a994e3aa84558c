"""Monitoring (programs.md §I): the bureau's targets and the monthly snapshots of its indicators.

A target names an indicator or one of its parts (`hnte_valid`, `tax_relief.firms`), a year, the
city (district NULL) or one district, a value, a direction and the sentence of the plan it comes
from. Ratios are kept as fractions (4.0% is 0.04), money in 万元, counts as whole numbers.

A snapshot is every indicator of every scope at one date, stored once and never changed: the
trends read them, so a past month does not move when records do. `kind` says how it was taken
(the 1st-of-month schedule, an admin's "snapshot now", or backfilled from later records).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, FixedPoint, UTCDateTime, utcnow

# Indicator ids and their parts a target may name, with the kind of number each is.
TARGET_INDICATORS: dict[str, str] = {
    "hnte_valid": "count",
    "hnte_new": "count",
    "hnte_new.first": "count",
    "hnte_new.renewed": "count",
    "hnte_net": "count",
    "hnte_expiring": "count",
    "tech_sme_registered": "count",
    "tech_sme_valid": "count",
    "gazelle_valid": "count",
    "leader_valid": "count",
    "guishang_rd_ratio": "ratio",
    "guishang_rd_active": "ratio",
    "rd_institution_rate": "ratio",
    "tax_relief": "money",
    "tax_relief.firms": "count",
}
DIRECTIONS = ("at_least", "at_most")
SNAPSHOT_KINDS = ("scheduled", "manual", "backfilled")
CITY_SCOPE = "city"
# A target's value: counts, 万元 and fractions, exact to 6 places.
TARGET_PLACES = 6

_CITY = text("district IS NULL")


class Target(Base):
    """One target of the bureau's plan for a year, for the city or one district."""

    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint("direction IN ('at_least', 'at_most')", name="direction"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        # One target per indicator, year and scope (the city's row has no district).
        Index("ux_targets_city", "indicator", "year", unique=True,
              postgresql_where=_CITY, sqlite_where=_CITY),
        Index("ux_targets_district", "indicator", "year", "district", unique=True,
              postgresql_where=text("district IS NOT NULL"),
              sqlite_where=text("district IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    district: Mapped[str | None] = mapped_column(
        ForeignKey("districts.code", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(FixedPoint(TARGET_PLACES))
    direction: Mapped[str] = mapped_column(String(8), default="at_least")
    # The plan's sentence the target comes from (document, clause), shown on its card.
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def kind(self) -> str:
        return TARGET_INDICATORS[self.indicator]

    def met_by(self, value: Decimal) -> bool:
        return value >= self.value if self.direction == "at_least" else value <= self.value

    def __repr__(self) -> str:
        return f"<Target {self.indicator} {self.year} {self.district or CITY_SCOPE}>"


class IndicatorSnapshot(Base):
    """Every indicator of every scope as of one date, taken once."""

    __tablename__ = "indicator_snapshots"
    __table_args__ = (
        CheckConstraint("kind IN ('scheduled', 'manual', 'backfilled')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    seconds: Mapped[float | None] = mapped_column(Float)

    scopes = relationship("IndicatorSnapshotScope", back_populates="snapshot", lazy="raise_on_sql",
                          cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<IndicatorSnapshot {self.as_of} {self.kind}>"


class IndicatorSnapshotScope(Base):
    """One scope's indicators in a snapshot: `city` or a district code, and the values as the
    `indicators show` CLI prints them (with the forecast of `hnte_valid`)."""

    __tablename__ = "indicator_snapshot_scopes"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_snapshots.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    values: Mapped[dict] = mapped_column(JSON)

    snapshot = relationship("IndicatorSnapshot", back_populates="scopes")

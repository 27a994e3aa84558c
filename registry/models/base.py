"""Declarative base, constraint naming convention and the fixed-point column type."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC timestamps")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class FixedPoint(TypeDecorator):
    """An exact decimal kept as a scaled integer, identical on SQLite and PostgreSQL.

    SQLite has no decimal type (Numeric becomes REAL there), so amounts are stored as
    integers: `FixedPoint(4)` keeps 万元 with 4 places, i.e. whole yuan. Binding a value
    with more places than the column keeps is an error, never a silent rounding.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int):
        super().__init__()
        self.places = places

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)


# 万元 with 4 decimals = whole yuan.
MONEY_PLACES = 4
Money = FixedPoint(MONEY_PLACES)
# Headcounts may be yearly averages, kept to the same precision as the rules engine.
HEADCOUNT_PLACES = 4
Headcount = FixedPoint(HEADCOUNT_PLACES)
# Shares between 0 and 1 (e.g. core products' share of sales).
SHARE_PLACES = 4
Share = FixedPoint(SHARE_PLACES)

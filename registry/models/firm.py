"""Firms and the history of their current facts (rules.md §7, firm level)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, Headcount, Share, UTCDateTime, utcnow

TECH_FIELDS = (
    "electronic_information", "biomedicine", "aerospace", "new_materials",
    "hightech_services", "new_energy", "resources_environment", "advanced_manufacturing",
    "other",
)
DIRECT_ROUTES = ("national_award", "provincial_rd_institution", "led_standard")
FIRM_STATUSES = ("active", "pending")

# The firm-level facts the rules read, in the order of rules.md §7; history tracks these.
FACT_FIELDS = (
    "name", "district", "industry_code", "industrial", "founded", "tech_field", "resident",
    "industry_excluded", "incidents", "ip_class1", "ip_class2", "route_national_award",
    "route_provincial_rd_institution", "route_led_standard", "rd_staff_fulltime",
    "core_product_share", "ic_or_mother_machine", "advanced_manufacturing_list", "rd_institution",
    "contact_name", "contact_phone", "contact_email", "bank_name", "bank_account",
)


class Firm(Base):
    __tablename__ = "firms"
    __table_args__ = (
        CheckConstraint("credit_code IS NOT NULL OR external_ref IS NOT NULL", name="identified"),
        CheckConstraint("ip_class1 IS NULL OR ip_class1 >= 0", name="ip_class1_nonneg"),
        CheckConstraint("ip_class2 IS NULL OR ip_class2 >= 0", name="ip_class2_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(32), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(8))  # GB/T 4754
    status: Mapped[str] = mapped_column(String(16), default="active")
    founded: Mapped[dt.date] = mapped_column(Date)
    industrial: Mapped[bool | None] = mapped_column(Boolean)
    tech_field: Mapped[str | None] = mapped_column(String(32))
    resident: Mapped[bool | None] = mapped_column(Boolean)
    industry_excluded: Mapped[bool | None] = mapped_column(Boolean)
    incidents: Mapped[bool | None] = mapped_column(Boolean)
    ip_class1: Mapped[int | None] = mapped_column(Integer)
    ip_class2: Mapped[int | None] = mapped_column(Integer)
    # Direct routes to the tech-SME list (rules.md §1): a column each, so scans stay set-based.
    route_national_award: Mapped[bool] = mapped_column(Boolean, default=False)
    route_provincial_rd_institution: Mapped[bool] = mapped_column(Boolean, default=False)
    route_led_standard: Mapped[bool] = mapped_column(Boolean, default=False)
    rd_staff_fulltime: Mapped[Decimal | None] = mapped_column(Headcount)
    core_product_share: Mapped[Decimal | None] = mapped_column(Share)
    ic_or_mother_machine: Mapped[bool | None] = mapped_column(Boolean)
    advanced_manufacturing_list: Mapped[bool | None] = mapped_column(Boolean)
    # Has at least one R&D institution (研发机构); monitoring's rd_institution_rate reads it.
    rd_institution: Mapped[bool | None] = mapped_column(Boolean)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # 注销: the day the firm ceased to exist; it is kept with its history and counts nowhere from
    # that day on (`active_on` below).
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # Where a program's award is paid (the bureau's payment export).
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    filings = relationship("Filing", back_populates="firm", lazy="raise_on_sql",
                           order_by="Filing.fiscal_year")
    certificates = relationship("Certificate", back_populates="firm", lazy="raise_on_sql",
                                order_by="Certificate.issued")

    @property
    def identifier(self) -> str:
        """The id used in rules documents: the credit code, else the external reference."""
        return self.credit_code or self.external_ref

    @property
    def direct_routes(self) -> list[str]:
        return [route for route in DIRECT_ROUTES if getattr(self, f"route_{route}")]

    def is_active_on(self, day: dt.date) -> bool:
        """`active_on` for one firm in hand."""
        return self.deregistered_on is None or self.deregistered_on > day

    def __repr__(self) -> str:
        return f"<Firm {self.id} {self.identifier}>"


# --- Which firms count on a day: the one rule ----------------------------------------------------
# A firm deregistered (注销) on D is out of queues, lists, programs, indicators, scans and
# `facts export` from D on; it stays in the registry with its history (its file still opens).

def active_on(day: dt.date):
    """A WHERE clause on Firm: the firms not deregistered on or before `day`."""
    return or_(Firm.deregistered_on.is_(None), Firm.deregistered_on > day)


def firm_active_on(firm_id_column, day: dt.date):
    """The same rule on a table that carries a firm id (candidates, flags, opportunities):
    its firm is not among the few deregistered by `day` (an indexed lookup, no join)."""
    return firm_id_column.not_in(select(Firm.id).where(Firm.deregistered_on <= day))


class FirmFactChange(Base):
    """One changed fact of a firm: who, when, old and new value (as JSON-able text)."""

    __tablename__ = "firm_fact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(JSON)
    new_value: Mapped[str | None] = mapped_column(JSON)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class District(Base):
    """A district the bureau works in (Ningbo: 海曙, 江北, ...); officers are assigned to them."""

    __tablename__ = "districts"
    __table_args__ = (UniqueConstraint("name_zh"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    # A district with firms is never deleted, only deactivated: it leaves the choices offered
    # for new firms and officers, and keeps its firms and history.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

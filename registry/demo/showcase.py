"""The showcase firms: the first firms of every demo registry, each telling one story.

The demo firm accounts (firm1..firm5@demo.yanzhen.cn) belong to them, so a visitor logs in to a
firm whose verdicts are known in advance. Figures are in 万元 for FY Y-4..Y-1 and dates are
relative to as_of, so the stories hold whatever the year.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from registry.rules.facts import add_years


@dataclass(frozen=True)
class Showcase:
    account: str                  # local part of the firm user's e-mail
    story: str                    # what the account shows (the logins table)
    name: str
    district: str
    industry: str
    tech_field: str
    founded: tuple[int, int, int]           # (years before Y, month, day)
    ip: tuple[int, int]                     # (Class I, Class II)
    revenue: tuple[float, float, float, float]
    rd_ratio: tuple[float, float, float, float]
    employees: float                         # FY Y-1
    st_ratio: float
    hightech_share: float
    firm_admin: bool = False
    statuses: tuple[str, str, str, str] = ("accepted",) * 4
    advanced_manufacturing_list: bool = False
    rd_staff_fulltime: int | None = None
    core_product_share: float | None = None
    # as_of -> [(tier, issued, expires)]; the status follows from the dates.
    certificates: Callable[[dt.date], list[tuple[str, dt.date, dt.date]]] = field(
        default=lambda as_of: [])


def hnte_certificate(issued: dt.date) -> tuple[str, dt.date, dt.date]:
    """An HNTE certificate: valid three years from its issue date, the last day inclusive."""
    return "hnte", issued, add_years(issued, 3) - dt.timedelta(days=1)


def _renewal_due(as_of: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """A certificate still valid on as_of that expires later this year, and the one before it."""
    expires = min(as_of + dt.timedelta(days=30), dt.date(as_of.year, 12, 31))
    issued = add_years(expires + dt.timedelta(days=1), -3)
    return [hnte_certificate(add_years(issued, -3)), hnte_certificate(issued)]


SHOWCASES = (
    Showcase(
        account="firm1", firm_admin=True,
        story="HNTE near miss: R&D 4.7% of sales against the 5% band; tech-SME eligible",
        name="宁波甬芯微电子科技有限公司", district="yinzhou", industry="C39",
        tech_field="electronic_information", founded=(9, 4, 12), ip=(0, 5),
        revenue=(3200, 3700, 4100, 4600), rd_ratio=(0.047,) * 4, employees=80, st_ratio=0.2,
        hightech_share=0.72,
        certificates=lambda as_of: [("tech_sme", dt.date(as_of.year, 3, 31),
                                     dt.date(as_of.year, 12, 31))]),
    Showcase(
        account="firm2",
        story="HNTE holder whose certificate expires this year (renewal due), still eligible",
        name="宁波智云信息技术有限公司", district="gaoxin", industry="I65",
        tech_field="electronic_information", founded=(12, 7, 1), ip=(2, 18),
        revenue=(6200, 7100, 8300, 9600), rd_ratio=(0.075,) * 4, employees=120, st_ratio=0.55,
        hightech_share=0.85, certificates=_renewal_due),
    Showcase(
        account="firm3",
        story="Tech-SME candidate scoring 100, also HNTE-eligible; FY Y-1 filing awaits review",
        name="宁波科睿新材料技术有限公司", district="haishu", industry="M73",
        tech_field="new_materials", founded=(5, 9, 20), ip=(1, 3),
        revenue=(420, 560, 780, 1050), rd_ratio=(0.11,) * 4, employees=28, st_ratio=0.36,
        hightech_share=0.8, statuses=("accepted", "accepted", "accepted", "submitted")),
    Showcase(
        account="firm4",
        story="Gazelle candidate: HNTE holder whose sales grew 2.6-fold in three years",
        name="宁波恒屹智能装备有限公司", district="beilun", industry="C35",
        tech_field="advanced_manufacturing", founded=(10, 5, 8), ip=(4, 22),
        revenue=(1800, 2500, 3400, 4600), rd_ratio=(0.055,) * 4, employees=95, st_ratio=0.22,
        hightech_share=0.75, advanced_manufacturing_list=True,
        certificates=lambda as_of: [hnte_certificate(dt.date(as_of.year - 2, 12, 6))]),
    Showcase(
        account="firm5",
        story="HNTE holder reporting zero R&D for FY Y-1: claw-back risk, three flags",
        name="宁波东海电器股份有限公司", district="cixi", industry="C38",
        tech_field="new_energy", founded=(22, 3, 3), ip=(6, 40),
        revenue=(52000, 54500, 57800, 61200), rd_ratio=(0.031, 0.029, 0.027, 0.0),
        employees=900, st_ratio=0.11, hightech_share=0.64, rd_staff_fulltime=30,
        core_product_share=0.62,
        certificates=lambda as_of: [hnte_certificate(dt.date(as_of.year - 2, 11, 20))]),
)

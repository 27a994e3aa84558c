"""The demo's monitoring: this year's targets (Ningbo 2025's, scaled to the demo's size and
labelled so, the valid-HNTE target also split over the districts by their firms) and 24 months of
backfilled snapshots, so the dashboard opens with targets and trends."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.demo import catalog
from registry.models import Firm
from registry.rules import ParameterError
from registry.services import snapshots, targets

SNAPSHOT_MONTHS = 24


def add_monitoring(session: Session, as_of: dt.date,
                   months: int = SNAPSHOT_MONTHS) -> tuple[int, int]:
    """Targets of as_of's year and the backfilled snapshots of the 1st of the last `months`
    months (this month's included); returns how many of each were written."""
    firms = session.scalar(select(func.count()).select_from(Firm))
    scale = Decimal(firms) / catalog.NINGBO_REGISTRY_FIRMS
    note = catalog.DEMO_TARGET_NOTE.format(firms=firms)
    written = 0
    per_district = dict(session.execute(
        select(Firm.district, func.count()).group_by(Firm.district)).all())
    for indicator, value, source in catalog.NINGBO_2025_TARGETS:
        scaled = _whole(value * scale)
        targets.set_target(session, None, indicator=indicator, year=as_of.year, value=scaled,
                           source=source + note)
        written += 1
        if indicator == "hnte_valid":
            for code, count in per_district.items():
                targets.set_target(session, None, indicator=indicator, year=as_of.year,
                                   district=code, value=_whole(Decimal(scaled * count) / firms),
                                   source=source + note + "，按各区企业数分解")
                written += 1
    taken = 0
    first = as_of.replace(day=1)
    for months_back in range(months):
        year, month = divmod(first.year * 12 + first.month - 1 - months_back, 12)
        try:
            _snapshot, new = snapshots.take(session, None, dt.date(year, month + 1, 1),
                                            "backfilled")
        except ParameterError:   # no policy year's parameters that early: no snapshot
            continue
        taken += new
    return written, taken


def _whole(value: Decimal) -> int:
    return max(1, int(value.quantize(Decimal(1), ROUND_HALF_UP)))

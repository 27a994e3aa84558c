"""What the dashboard shows for a date and a scope: the indicators (read from the snapshot of the
date's month, or computed from the records, and it says which), the targets with progress and
forecast, every visible district side by side, the monthly trends from the snapshots, and the
ladder funnel. The views and the XLSX export both read `Dashboard`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.scope import firm_scope
from registry.models import Firm, IndicatorSnapshot, IndicatorSnapshotScope, Target
from registry.models.monitoring import CITY_SCOPE, TARGET_INDICATORS
from registry.services.directory import Page, keyset_page
from registry.services.indicators import Period, compute, exported_firms, firm_sets
from registry.services.snapshots import scope_values

# The indicators drawn as monthly trends, this year against last year.
TREND_INDICATORS = ("hnte_valid", "hnte_new", "tech_sme_registered", "tech_sme_valid",
                    "guishang_rd_ratio", "tax_relief")
# The indicators of the district table when no target names them.
TABLE_INDICATORS = ("hnte_valid", "hnte_new", "tech_sme_registered", "tax_relief")


def indicator_value(indicators: dict, indicator: str) -> Decimal | None:
    """The number an indicator id or one of its parts (`tax_relief.firms`) stands for: a count,
    万元 or a fraction; None when nothing is counted."""
    name, _, part = indicator.partition(".")
    value = indicators.get(name)
    if isinstance(value, dict):
        value = value.get(part or {"hnte_new": "total", "tax_relief": "total"}.get(name, "value"))
    return None if value is None else Decimal(value)


@dataclass
class Card:
    target: Target
    value: Decimal | None
    forecast: dict | None = None     # hnte_valid only (programs.md §I)

    @property
    def progress(self) -> Decimal | None:
        if self.value is None or not self.target.value:
            return None
        return self.value / self.target.value

    @property
    def status(self) -> str:
        """on_track / at_risk by the forecast (hnte_valid); met / not_met by the value."""
        if self.forecast is not None:
            return "on_track" if self.target.met_by(Decimal(self.forecast["value"])) else "at_risk"
        return "met" if self.value is not None and self.target.met_by(self.value) else "not_met"


@dataclass
class DistrictRow:
    code: str
    value: Decimal | None
    target: Target | None
    rank: int = 0

    @property
    def share(self) -> Decimal | None:
        if self.value is None or self.target is None or not self.target.value:
            return None
        return self.value / self.target.value


@dataclass
class Dashboard:
    as_of: dt.date
    scope: str
    source: str                       # "snapshot" or "computed"
    snapshot: IndicatorSnapshot | None
    values: dict                      # the scope's indicators, forecast and funnel
    districts: dict[str, dict]        # every visible district's values
    cards: list[Card] = field(default_factory=list)
    tables: dict[str, list[DistrictRow]] = field(default_factory=dict)
    trends: dict[str, dict[int, list]] = field(default_factory=dict)

    @property
    def indicators(self) -> dict:
        return self.values["indicators"]


def build(session: Session, as_of: dt.date, scope: str, visible: list[str], *,
          live: bool = False) -> Dashboard:
    """The dashboard of `scope` (`city` or a district code) as of `as_of`, with the districts in
    `visible` side by side; `live` computes from the records even when a snapshot exists."""
    snapshot = None if live else snapshot_for(session, as_of)
    stored = {} if snapshot is None else {row.scope: row.values for row in session.scalars(
        select(IndicatorSnapshotScope).where(IndicatorSnapshotScope.snapshot_id == snapshot.id))}
    if scope not in stored:   # no snapshot of the month (or none of this scope): compute
        snapshot = None
        one = scope if scope != CITY_SCOPE and visible == [scope] else None
        stored = {key: scope_values(figures)
                  for key, figures in compute(session, as_of, district=one).items()}
    board = Dashboard(as_of, scope, "snapshot" if snapshot else "computed", snapshot,
                      stored[scope], {code: stored[code] for code in visible if code in stored})
    targets = _targets(session, as_of.year)
    board.cards = _cards(board, targets.get(None if scope == CITY_SCOPE else scope, {}))
    board.tables = _tables(board, targets, visible)
    board.trends = trends(session, scope, as_of)
    return board


def snapshot_for(session: Session, as_of: dt.date) -> IndicatorSnapshot | None:
    """The latest snapshot taken for a date of as_of's month up to as_of."""
    return session.scalar(select(IndicatorSnapshot).where(
        IndicatorSnapshot.as_of.between(as_of.replace(day=1), as_of))
        .order_by(IndicatorSnapshot.as_of.desc()).limit(1))


def _targets(session: Session, year: int) -> dict[str | None, dict[str, Target]]:
    by_scope: dict[str | None, dict[str, Target]] = {}
    for target in session.scalars(select(Target).where(Target.year == year)):
        by_scope.setdefault(target.district, {})[target.indicator] = target
    return by_scope


def _cards(board: Dashboard, targets: dict[str, Target]) -> list[Card]:
    order = list(TARGET_INDICATORS)
    return [Card(target, indicator_value(board.indicators, indicator),
                 board.values["forecast"] if indicator == "hnte_valid" else None)
            for indicator, target in sorted(targets.items(), key=lambda item: order.index(item[0]))]


def _tables(board: Dashboard, targets, visible: list[str]) -> dict[str, list[DistrictRow]]:
    """Per indicator with a target (else the main ones): each visible district's value, target
    share and rank by value (equal values share a rank)."""
    named = [card.target.indicator for card in board.cards] or list(TABLE_INDICATORS)
    tables = {}
    for indicator in named:
        rows = [DistrictRow(code, indicator_value(values["indicators"], indicator),
                            targets.get(code, {}).get(indicator))
                for code, values in board.districts.items() if code in visible]
        ranked = sorted((row.value for row in rows if row.value is not None), reverse=True)
        for row in rows:
            row.rank = ranked.index(row.value) + 1 if row.value is not None else 0
        tables[indicator] = rows
    return tables


def trends(session: Session, scope: str, as_of: dt.date) -> dict[str, dict[int, list]]:
    """Monthly values from the snapshots of this year and last year up to as_of: per indicator,
    per year, twelve values (the first snapshot of each month; None where there is none)."""
    rows = session.execute(
        select(IndicatorSnapshot.as_of, IndicatorSnapshotScope.values)
        .join(IndicatorSnapshotScope, IndicatorSnapshotScope.snapshot_id == IndicatorSnapshot.id)
        .where(IndicatorSnapshotScope.scope == scope,
               IndicatorSnapshot.as_of.between(dt.date(as_of.year - 1, 1, 1), as_of))
        .order_by(IndicatorSnapshot.as_of)).all()
    series = {name: {year: [None] * 12 for year in (as_of.year - 1, as_of.year)}
              for name in TREND_INDICATORS}
    for day, values in rows:
        for name in TREND_INDICATORS:
            month = series[name][day.year]
            if month[day.month - 1] is None:
                month[day.month - 1] = indicator_value(values["indicators"], name)
    return series


def firms_behind(session: Session, user, name: str, as_of: dt.date, district: str | None,
                 after: str | None = None) -> Page:
    """A page of the firms an indicator counts (`firm_sets`), within what `user` sees and the
    district, by name."""
    condition = firm_sets(Period(as_of, as_of.year - 1))[name]
    query = select(Firm.id, Firm.name, Firm.credit_code, Firm.external_ref, Firm.district).where(
        condition, exported_firms(district, as_of), firm_scope(user))
    return keyset_page(session, query, (Firm.name, Firm.id), False, after)

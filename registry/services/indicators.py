"""The bureau's monitoring indicators (programs.md §I) as code: one set-based computation for a
date over the city and its districts, serving the dashboard, the snapshots, the exports and the
`indicators` CLI.

Every count is of distinct firms among the firms `facts export` exports. Each query groups by the
firm's district, so one pass yields every district and the city is their sum (a firm is in one
district, and every figure kept per scope is additive: counts and sums, ratios are derived last).
`tax_relief` is a fresh evaluation of the rules engine as of the date (tax year Y−1), over the
firms in id ranges as a scan reads them, read alongside the counts (services/readers.py).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Self

import numpy as np
from flask import current_app
from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from registry.models import (
    AuditEvent,
    Candidate,
    Certificate,
    District,
    Filing,
    Firm,
    FirmVerdict,
    PublicNotice,
)
from registry.models.certificate import COUNTING_CERTIFICATE_STATUSES, TIERS
from registry.models.filing import COUNTING_STATUSES
from registry.models.firm import active_on
from registry.models.monitoring import CITY_SCOPE
from registry.rules import SHANGHAI, evaluate
from registry.rules.units import SAVING_SCALE, SCALE, from_fixed
from registry.scan.loader import load_columns, load_districts, use_own_parallelism
from registry.services.chunks import chunk_ranges, setting
from registry.services.readers import ranges_read
from registry.services.scans import parameters_for

# The indicators of §I in the order pages show them.
COUNT_INDICATORS = ("hnte_valid", "hnte_net", "hnte_expiring", "tech_sme_registered",
                    "tech_sme_valid", "gazelle_valid", "leader_valid")
SHARE_INDICATORS = ("guishang_rd_ratio", "guishang_rd_active", "rd_institution_rate")
INDICATORS = ("hnte_valid", "hnte_new", "hnte_net", "hnte_expiring", "tech_sme_registered",
              "tech_sme_valid", "gazelle_valid", "leader_valid", *SHARE_INDICATORS, "tax_relief",
              "pipeline")
PIPELINE_STATUSES = ("open", "in_review", "approved", "public_notice")
# Candidate statuses the forecast reads: approved is coming, open or in review is in the pipeline.
COMING, PENDING = ("approved",), ("open", "in_review")
DECISIONS = ("candidate_approve", "candidate_reject")
# The set of firms with a certificate of the tier issued in Y on or before d, per tier.
ISSUED = {"tech_sme": "tech_sme_registered", "hnte": "hnte_new", "gazelle": "gazelle_issued",
          "leader": "leader_issued"}
RATIO_PLACES = Decimal("1e-10")
RATE_DAYS = 365


@dataclass
class Figures:
    """One scope's raw figures: counts and sums only, so scopes add up."""
    counts: Counter = field(default_factory=Counter)

    def __iadd__(self, other: Figures) -> Self:
        self.counts.update(other.counts)
        return self

    def __getitem__(self, key) -> int:
        return self.counts[key]

    # ---- the §I shapes ---------------------------------------------------------------------

    def indicators(self) -> dict:
        """The indicators as `indicators show` prints them."""
        c = self.counts
        out: dict = {"hnte_valid": c["hnte_valid"],
                     "hnte_new": {"total": c["hnte_new"], "first": c["hnte_new.first"],
                                  "renewed": c["hnte_new.renewed"]},
                     "hnte_net": c["hnte_valid"] - c["hnte_year_start"],
                     "hnte_expiring": c["hnte_expiring"],
                     "tech_sme_registered": c["tech_sme_registered"]}
        for tier in ("tech_sme", "gazelle", "leader"):
            out[f"{tier}_valid"] = c[f"{tier}_valid"]
        out["guishang_rd_ratio"] = _share(c["gs_rd"], c["gs_revenue"], c["gs_known"],
                                          c["guishang"] - c["gs_known"])
        out["guishang_rd_active"] = _share(c["gs_active"], c["gs_known"], c["gs_known"],
                                           c["guishang"] - c["gs_known"])
        out["rd_institution_rate"] = _share(c["inst_true"], c["inst_known"], c["inst_known"],
                                            c["guishang"] - c["inst_known"])
        out["tax_relief"] = {"total": _decimal(from_fixed(c["tax_total"], SAVING_SCALE)),
                             "firms": c["tax_firms"], "unknown": c["tax_unknown"]}
        out["pipeline"] = {tier: {**{status: c["pipeline", tier, status]
                                     for status in PIPELINE_STATUSES},
                                  "issued": c[ISSUED[tier]]} for tier in TIERS}
        return out

    def funnel(self) -> dict:
        """The ladder funnel: firms → filed this year → per tier eligible → candidates →
        approved → certified this year."""
        c = self.counts
        return {"firms": c["funnel.firms"], "filed": c["funnel.filed"],
                "tiers": {tier: {"eligible": c[f"funnel.{tier}.eligible"],
                                 "candidates": c[f"funnel.{tier}.candidates"],
                                 "approved": c[f"funnel.{tier}.approved"],
                                 "certified": c[ISSUED[tier]]} for tier in TIERS}}

    def forecast(self) -> dict:
        """`hnte_valid` on 31 December of the year: held + coming + pipeline × approval rate."""
        c = self.counts
        rate = (Decimal(c["approved_365"]) / Decimal(c["decided_365"])
                if c["decided_365"] else Decimal(0))
        held, coming, pending = (c["forecast.held"], c["forecast.coming"],
                                 c["forecast.pipeline"])
        return {"value": _decimal(held + coming + pending * rate),
                "held": held, "coming": coming, "pipeline": pending, "rate": _decimal(rate),
                "approved": c["approved_365"], "decided": c["decided_365"],
                "lapsing": c["forecast.lapsing"]}


def _share(numerator, denominator, firms: int, missing: int) -> dict:
    value = None
    if firms and denominator:
        ratio = Decimal(int(numerator)) / Decimal(int(denominator))
        value = format(ratio.quantize(RATIO_PLACES, ROUND_HALF_EVEN), "f")
    return {"value": value, "firms": firms, "missing": missing}


def _decimal(value: Decimal) -> str:
    """A decimal string with at least the 10 places of RATIO_PLACES, never in exponent form."""
    if value.as_tuple().exponent < RATIO_PLACES.as_tuple().exponent:
        value = value.quantize(RATIO_PLACES, ROUND_HALF_EVEN)
    return format(value, "f")


@dataclass(frozen=True)
class Period:
    """The dates an indicator reads for as_of d: Y = d's year, FY F (default Y−1)."""
    as_of: dt.date
    fiscal_year: int

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.as_of.year, 1, 1)

    @property
    def year_end(self) -> dt.date:
        return dt.date(self.as_of.year, 12, 31)

    @property
    def end_utc(self) -> dt.datetime:
        """The end of as_of in Shanghai, as a UTC instant (records created before it count)."""
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time(),
                                   SHANGHAI).astimezone(dt.UTC)


def compute(session: Session, as_of: dt.date, *, fiscal_year: int | None = None,
            district: str | None = None, tax_relief: bool = True) -> dict[str, Figures]:
    """The figures of every scope for `as_of`: `city` and each district (or only `district`,
    and then the city key is absent). Without `tax_relief` the rules engine is not run and the
    tax relief counts stay zero (a what-if brings its own)."""
    period = Period(as_of, as_of.year - 1 if fiscal_year is None else fiscal_year)
    codes = [district] if district is not None else list(
        session.scalars(select(District.code).order_by(District.code)))
    per_district = {code: Figures() for code in codes}
    use_own_parallelism(session.connection())
    # The fresh evaluation starts first: its ranges are read alongside the counts' queries.
    with _tax_relief(session, period, district) if tax_relief else nullcontext(()) as relief:
        for rows in (_firm_counts(session, period, district), _guishang(session, period, district),
                     _pipeline(session, period, district), _decisions(session, period, district),
                     relief):
            for code, key, count in rows:
                per_district.setdefault(code, Figures()).counts[key] += int(count or 0)
    if district is not None:
        return per_district
    city = Figures()
    for figures in per_district.values():
        city += figures
    return {CITY_SCOPE: city, **per_district}


# ---- the firms counted and the certificates that count ------------------------------------------

def exported_firms(district: str | None, as_of: dt.date):
    """The WHERE clause of the firms `facts export` exports for the scope on `as_of`: those not
    deregistered by then (`models.firm.active_on`), of the district if one is given."""
    active = active_on(as_of)
    return and_(active, Firm.district == district) if district is not None else active


def _counting():
    return Certificate.status.in_(COUNTING_CERTIFICATE_STATUSES)


def _valid_on(day: dt.date):
    return and_(_counting(), Certificate.issued <= day, Certificate.expires >= day)


# ---- a firm's facts from one table: as an IN for a list, as grouped columns for the counts -------

def firms_having(model, condition):
    """Firms with a row of `model` (a table with `firm_id`) meeting `condition`, as an
    uncorrelated IN, so PostgreSQL hashes the rows once instead of probing them per firm: the
    form for one set at a time (the firms behind a number)."""
    return Firm.id.in_(select(model.firm_id).where(condition))


class GroupedFacts:
    """`firms_having` for counting every set at once: each fact becomes a 0/1 column of one
    `GROUP BY firm_id` subquery per table, LEFT JOINed to the firms, so each table is read once.
    (One IN per set reads the table once per set, and at a million firms PostgreSQL cannot hash
    the larger sets within work_mem and probes them per firm: 74 s for the counts.)"""

    def __init__(self):
        self._facts: dict[object, list[tuple[str, object]]] = {}

    def __call__(self, model, condition):
        name = f"fact_{sum(map(len, self._facts.values()))}"
        self._facts.setdefault(model, []).append((name, condition))
        return func.coalesce(literal_column(name), 0) == 1

    def joined(self, query):
        """`query` (selecting from firms) with every table's grouped facts joined."""
        for model, facts in self._facts.items():
            # Only rows meeting some fact are grouped: a firm with none is left out and reads 0.
            grouped = (select(model.firm_id, *(func.max(case((condition, 1), else_=0)).label(name)
                                               for name, condition in facts))
                       .where(or_(*(condition for _name, condition in facts)))
                       .group_by(model.firm_id).subquery())
            query = query.outerjoin(grouped, grouped.c.firm_id == Firm.id)
        return query


def _holders(having, tier: str, *conditions):
    """Firms with a certificate of `tier` meeting `conditions`."""
    return having(Certificate, and_(Certificate.tier == tier, *conditions))


def _hnte_candidates(having, period: Period, statuses: tuple[str, ...]):
    return having(Candidate, and_(Candidate.tier == "hnte", _candidates_of_year(period),
                                  Candidate.status.in_(statuses)))


def guishang_firms(period: Period, having=firms_having):
    """规上 industrial firms of FY F: `industrial` true and a counting FY F filing with revenue at
    least the policy year's threshold (facts export exports the years before as_of's only)."""
    params, _key = parameters_for(period.as_of)
    threshold = Decimal(params.root("flags").section("guishang_zero_rd").money("min_revenue")) / SCALE
    return and_(Firm.industrial.is_(True), having(Filing, and_(
        Filing.fiscal_year == period.fiscal_year, Filing.fiscal_year < period.as_of.year,
        Filing.status.in_(COUNTING_STATUSES), Filing.revenue >= threshold)))


def firm_sets(period: Period, having=firms_having) -> dict[str, object]:
    """Each set of firms an indicator (or a part of it) counts, as a WHERE clause on Firm: the
    one definition the counts and the lists of the firms behind a number share. `having` reads
    a firm's facts from a table (`firms_having`, or a `GroupedFacts` for the counts)."""
    day, year_start, year_end = period.as_of, period.year_start, period.year_end
    sets = {f"{tier}_valid": _holders(having, tier, _valid_on(day)) for tier in TIERS}
    issued_in_year = and_(_counting(), Certificate.issued.between(year_start, day))
    sets.update({ISSUED[tier]: _holders(having, tier, issued_in_year) for tier in TIERS})
    earlier = _holders(having, "hnte", _counting(), Certificate.issued < year_start)
    sets["hnte_new.first"] = and_(sets["hnte_new"], ~earlier)
    sets["hnte_new.renewed"] = and_(sets["hnte_new"], earlier)
    sets["hnte_year_start"] = _holders(having, "hnte", _valid_on(year_start - dt.timedelta(days=1)))
    # The latest valid certificate expires by 31 Dec: no valid one expires after it.
    sets["hnte_expiring"] = and_(sets["hnte_valid"], ~_holders(
        having, "hnte", _valid_on(day), Certificate.expires > year_end))
    # The forecast's parts, per firm so nothing counts twice.
    held = sets["forecast.held"] = _holders(having, "hnte", _valid_on(year_end))
    coming = _hnte_candidates(having, period, COMING)
    pending = _hnte_candidates(having, period, PENDING)
    sets["forecast.coming"] = and_(~held, coming)
    sets["forecast.pipeline"] = and_(~held, ~coming, pending)
    sets["forecast.lapsing"] = and_(sets["hnte_valid"], ~held, ~coming, ~pending)
    sets["guishang"] = guishang_firms(period, having)
    # The ladder funnel: firms, filed FY Y-1, then per tier eligible (latest verdict),
    # candidates of the year, approved, certified this year.
    sets["funnel.firms"] = Firm.id.is_not(None)
    sets["funnel.filed"] = having(Filing, and_(Filing.fiscal_year == day.year - 1,
                                               Filing.status.in_(COUNTING_STATUSES)))
    for tier in TIERS:
        status = getattr(FirmVerdict, f"status_{tier}")
        sets[f"funnel.{tier}.eligible"] = having(FirmVerdict, status == 1)
        of_tier = and_(Candidate.tier == tier, _candidates_of_year(period))
        sets[f"funnel.{tier}.candidates"] = having(Candidate, and_(of_tier, Candidate.status != "closed"))
        sets[f"funnel.{tier}.approved"] = having(Candidate, and_(of_tier, Candidate.status == "approved"))
    return sets


def _firm_counts(session: Session, period: Period, district: str | None):
    """Every firm set counted per district in one pass over the firms, each table read once."""
    facts = GroupedFacts()
    sets = firm_sets(period, facts)
    query = select(Firm.district, *(func.count(case((condition, 1))) for condition in sets.values()))
    rows = session.execute(facts.joined(query).where(exported_firms(district, period.as_of))
                           .group_by(Firm.district))
    for code, *counts in rows:
        yield from ((code, name, count) for name, count in zip(sets, counts))


def _guishang(session: Session, period: Period, district: str | None):
    """The 规上 firms' FY F R&D and revenue where R&D is known, R&D > 0, and the `rd_institution`
    fact."""
    rd_known = Filing.rd_expense.is_not(None)
    institution = Firm.rd_institution
    query = select(
        Firm.district, func.count(Filing.rd_expense),
        func.sum(case((rd_known, Filing.rd_expense))), func.sum(case((rd_known, Filing.revenue))),
        func.sum(case((Filing.rd_expense > 0, 1), else_=0)), func.count(institution),
        func.sum(case((institution.is_(True), 1), else_=0)),
    ).join(Filing, and_(Filing.firm_id == Firm.id, Filing.fiscal_year == period.fiscal_year)).where(
        exported_firms(district, period.as_of), guishang_firms(period)).group_by(Firm.district)
    keys = ("gs_known", "gs_rd", "gs_revenue", "gs_active", "inst_known", "inst_true")
    for code, *values in session.execute(query):
        for key, value in zip(keys, values):
            yield code, key, _yuan(value) if key in ("gs_rd", "gs_revenue") else value


def _yuan(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)) * SCALE)


def _candidates_of_year(period: Period):
    """Candidates of cycle Y in their current status (a candidate keeps no status history)."""
    return Candidate.cycle == period.as_of.year


def _pipeline(session: Session, period: Period, district: str | None):
    """Candidates of cycle Y by tier and status; `public_notice` counts the approved ones whose
    notice is running."""
    rows = session.execute(select(Firm.district, Candidate.tier, Candidate.status, func.count())
                           .join(Firm, Firm.id == Candidate.firm_id)
                           .where(exported_firms(district, period.as_of), _candidates_of_year(period),
                                  Candidate.status.in_(PIPELINE_STATUSES))
                           .group_by(Firm.district, Candidate.tier, Candidate.status))
    for code, tier, status, count in rows:
        yield code, ("pipeline", tier, status), count
    notices = session.execute(select(Firm.district, Candidate.tier, func.count())
                              .join(Firm, Firm.id == Candidate.firm_id)
                              .join(PublicNotice, PublicNotice.candidate_id == Candidate.id)
                              .where(exported_firms(district, period.as_of), _candidates_of_year(period),
                                     Candidate.status == "approved",
                                     PublicNotice.status == "running")
                              .group_by(Firm.district, Candidate.tier))
    for code, tier, count in notices:
        yield code, ("pipeline", tier, "public_notice"), count


def _decisions(session: Session, period: Period, district: str | None):
    """HNTE candidates approved and decided (approved or rejected) in the 365 days up to d."""
    since = period.end_utc - dt.timedelta(days=RATE_DAYS)
    rows = session.execute(select(
        Firm.district, func.sum(case((AuditEvent.action == "candidate_approve", 1), else_=0)),
        func.count()).select_from(AuditEvent)
        .join(Candidate, and_(AuditEvent.object_type == "candidate",
                              AuditEvent.object_id == Candidate.id))
        .join(Firm, Firm.id == Candidate.firm_id)
        .where(exported_firms(district, period.as_of), Candidate.tier == "hnte",
               AuditEvent.action.in_(DECISIONS), AuditEvent.at >= since,
               AuditEvent.at < period.end_utc)
        .group_by(Firm.district))
    for code, approved, decided in rows:
        yield code, "approved_365", approved
        yield code, "decided_365", decided


@contextmanager
def _tax_relief(session: Session, period: Period, district: str | None):
    """Evaluate the firms as of d (the scan's loader and engine), their ranges read on their own
    connections (services/readers.py), and give per district every known saving added up, the
    firms with a known saving > 0 and those with an unknown one."""
    params, _key = parameters_for(period.as_of)

    def of_range(connection, first: int, last: int) -> list[tuple[str, str, int]]:
        return _relief_of_range(connection, first, last, period.as_of, params, district)

    ranges = chunk_ranges(session, setting("SCAN_CHUNK_SIZE"))
    with ranges_read(session, ranges, of_range, current_app.config["PARALLEL_READERS"]) as results:
        yield (row for rows in results for row in rows)


def _relief_of_range(connection, first: int, last: int, as_of: dt.date, params,
                     district: str | None) -> list[tuple[str, str, int]]:
    firm_ids, columns = load_columns(connection, first, last, as_of)
    if not len(firm_ids):
        return []
    districts = load_districts(connection, firm_ids, first, last, as_of)
    incentives = evaluate(columns, params).incentives.values()
    known = [i.applies & i.saving_known for i in incentives]
    total = sum(np.where(k, i.saving, 0) for k, i in zip(known, incentives))
    positive = np.logical_or.reduce([k & (i.saving > 0) for k, i in zip(known, incentives)])
    unknown = np.logical_or.reduce([i.applies & ~i.saving_known for i in incentives])
    rows = []
    for code in np.unique(districts).tolist():
        if code == "" or district not in (None, code):
            continue
        of_code = districts == code
        rows += [(code, "tax_total", int(total[of_code].sum())),
                 (code, "tax_firms", int(positive[of_code].sum())),
                 (code, "tax_unknown", int(unknown[of_code].sum()))]
    return rows

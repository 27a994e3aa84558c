"""The officers' lists at registry scale: the candidate queue, the firm directory and the firms
that have not filed, each scoped to the officer's districts and keyset-paginated.

Keyset pagination (`WHERE (sort key, id) > last seen ORDER BY ... LIMIT n`) reads one page from
an index whatever the page number; OFFSET would read and drop every earlier row. The queue's
counts per filter come from one grouped statement over the candidates' own columns (district
and industry are copied onto candidates for this), summed per facet in Python.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    and_,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from registry.auth.scope import district_scope, firm_scope
from registry.models import Candidate, Certificate, Filing, Firm, FirmFlag
from registry.models.certificate import COUNTING_CERTIFICATE_STATUSES, TIERS
from registry.models.filing import COUNTING_STATUSES
from registry.models.firm import active_on, firm_active_on
from registry.params import month_day
from registry.rules import today_in_shanghai
from registry.services import settings

PAGE_SIZE = 50

# GB/T 4754-2017 sections (门类): the queue and directory filter by the section letter of a
# firm's industry code, or by a code prefix typed in full (e.g. C39).
INDUSTRY_SECTIONS = {
    "A": _l("Agriculture, forestry, animal husbandry and fishery"), "B": _l("Mining"),
    "C": _l("Manufacturing"), "D": _l("Electricity, heat, gas and water supply"),
    "E": _l("Construction"), "F": _l("Wholesale and retail trade"),
    "G": _l("Transport, storage and postal services"), "H": _l("Accommodation and catering"),
    "I": _l("Information transmission, software and IT services"), "J": _l("Finance"),
    "K": _l("Real estate"), "L": _l("Leasing and business services"),
    "M": _l("Scientific research and technical services"),
    "N": _l("Water, environment and public facilities management"),
    "O": _l("Resident, repair and other services"), "P": _l("Education"),
    "Q": _l("Health and social work"), "R": _l("Culture, sports and entertainment"),
    "S": _l("Public administration and social organisations"),
    "T": _l("International organisations"),
}


# --- Keyset pagination -------------------------------------------------------------------------

def encode_cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(token: str | None, width: int) -> tuple | None:
    """The sort key of the last row seen, or None (first page) for a missing or forged token."""
    if not token:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != width or \
            not all(isinstance(value, str) or isinstance(value, int) and abs(value) < 2**63
                    or isinstance(value, float) and math.isfinite(value) for value in values):
        return None  # (an integer beyond 64 bits would overflow in the database)
    return tuple(values)


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    total: int | None = None
    counts: dict = field(default_factory=dict)


def keyset_page(session: Session, query, keys: tuple, descending: bool, after: str | None,
                size: int = PAGE_SIZE) -> Page:
    """One page of `query` ordered by `keys` (the last one unique), after the cursor.

    The keys are selected too (labelled _key0..), so the next cursor is read from the last row."""
    last = decode_cursor(after, len(keys))
    if last is not None:
        key = tuple_(*keys) if len(keys) > 1 else keys[0]
        bound = tuple_(*[literal(value) for value in last]) if len(keys) > 1 else last[0]
        query = query.where(key < bound if descending else key > bound)
    query = query.add_columns(*[key.label(f"_key{index}") for index, key in enumerate(keys)])
    order = [key.desc() if descending else key.asc() for key in keys]
    rows = session.execute(query.order_by(*order).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    cursor = [getattr(rows[-1], f"_key{index}") for index in range(len(keys))] if rows else None
    return Page(rows, encode_cursor(cursor) if more else None)


# --- Search ------------------------------------------------------------------------------------

def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def firm_search(text: str):
    """Firms whose name contains `text` or whose credit code starts with it.

    On PostgreSQL the name test uses the trigram index (pg_trgm), the code test the pattern
    index; on SQLite both are LIKE scans."""
    text = (text or "").strip()[:100]
    pattern = _like_escape(text)
    return or_(Firm.name.ilike(f"%{pattern}%", escape="\\"),
               Firm.credit_code.like(f"{_like_escape(text.upper())}%", escape="\\"))


def industry_filter(column, value: str):
    """A section letter (C) or a code prefix (C39)."""
    return column.like(f"{_like_escape(value.upper())}%", escape="\\")


# --- The candidate queue -----------------------------------------------------------------------

# A candidate's margin and R&D intensity, as the scan wrote them into its verdict (numbers; an
# unknown one sorts last: the thinnest margin first, the highest intensity first).
UNKNOWN_LAST = 10.0 ** 12
QUEUE_SORTS = {
    "newest": ((Candidate.id,), True),
    "oldest": ((Candidate.id,), False),
    "district": ((Candidate.district, Candidate.id), False),
    "margin": ((func.coalesce(Candidate.verdict["margin"].as_float(), UNKNOWN_LAST),
                Candidate.id), False),
    "rd_intensity": ((func.coalesce(Candidate.verdict["rd_intensity"].as_float(), -UNKNOWN_LAST),
                      Candidate.id), True),
}
FACETS = ("status", "tier", "district", "section")


@dataclass(frozen=True)
class QueueFilters:
    cycle: int | None = None
    status: str | None = "open"
    tier: str | None = None
    district: str | None = None
    industry: str | None = None      # a section letter, or a code prefix
    flag: str | None = None
    scan: int | None = None          # candidates opened by this scan
    assigned: str | None = None      # "me" or "none"
    q: str | None = None
    sort: str = "newest"

    def without(self, name: str) -> QueueFilters:
        return replace(self, **{name: None})


def candidate_scope(user):
    """A WHERE clause on Candidate: the districts `user` sees (`auth.scope`)."""
    return district_scope(Candidate.district, user)


def _open_flag(flag: str | None = None):
    """An open flag of the candidate's firm in the candidate's cycle."""
    condition = and_(FirmFlag.firm_id == Candidate.firm_id, FirmFlag.cycle == Candidate.cycle,
                     FirmFlag.status == "open")
    return and_(condition, FirmFlag.flag == flag) if flag else condition


def _conditions(filters: QueueFilters, user, *, facets: bool = True, searched=None) -> list:
    """The WHERE clauses of `filters`; with facets=False, only those that are not facets.

    A search is a subquery, so a page stops at its 50th row; the counts, which read every
    match, pass `searched` to share one materialised search between their two parts."""
    conditions = [candidate_scope(user), firm_active_on(Candidate.firm_id, today_in_shanghai())]
    if filters.cycle is not None:
        conditions.append(Candidate.cycle == filters.cycle)
    if filters.flag:
        conditions.append(exists().where(_open_flag(filters.flag)))
    if filters.scan is not None:
        conditions.append(Candidate.opened_scan_id == filters.scan)
    if filters.assigned == "me":
        conditions.append(Candidate.assigned_to_id == user.id)
    elif filters.assigned == "none":
        conditions.append(Candidate.assigned_to_id.is_(None))
    if filters.q:
        found = (select(searched.c.id) if searched is not None
                 else select(Firm.id).where(firm_search(filters.q)))
        conditions.append(Candidate.firm_id.in_(found))
    if facets:
        conditions.extend(_facet_conditions(filters))
    return conditions


def _searched(text: str):
    """The firms a search finds, as a CTE: computed once per statement however often used."""
    return select(Firm.id).where(firm_search(text)).cte("searched").prefix_with("MATERIALIZED",
                                                                               dialect="postgresql")


def _facet_conditions(filters: QueueFilters) -> list:
    conditions = []
    if filters.status:
        conditions.append(Candidate.status == filters.status)
    if filters.tier:
        conditions.append(Candidate.tier == filters.tier)
    if filters.district:
        conditions.append(Candidate.district == filters.district)
    if filters.industry:
        conditions.append(industry_filter(Candidate.industry_code, filters.industry))
    return conditions


def queue_page(session: Session, user, filters: QueueFilters, after: str | None = None,
               size: int = PAGE_SIZE) -> Page:
    """A page of candidates with their firm's name and credit code."""
    keys, descending = QUEUE_SORTS.get(filters.sort, QUEUE_SORTS["newest"])
    return keyset_page(session, queue_query(user, filters), keys, descending, after, size)


def queue_query(user, filters: QueueFilters):
    """The candidates of the filters with their firm's name and credit code (unordered)."""
    return (select(Candidate, Firm.name, Firm.credit_code)
            .join(Firm, Firm.id == Candidate.firm_id)
            .where(*_conditions(filters, user)))


def queue_counts(session: Session, user, filters: QueueFilters) -> dict[str, Counter]:
    """For each filter, how many candidates each of its values would show, the other filters
    kept, and the total the filters select.

    One statement: the candidates grouped by their facet columns, and the open flags of the
    matching candidates. The per-facet sums are done here: a group counts for a facet when it
    matches every other selected facet."""
    industry = (filters.industry or "").upper()
    searched = _searched(filters.q) if filters.q else None
    # Grouped by the full industry code, the groups come in the facets index's order (an
    # index-only scan, no sort); sections are summed here.
    groups = (select(literal("g").label("kind"), Candidate.status, Candidate.tier,
                     Candidate.district, Candidate.industry_code, func.count().label("n"))
              .where(*_conditions(filters, user, facets=False, searched=searched))
              .group_by(Candidate.status, Candidate.tier, Candidate.district,
                        Candidate.industry_code))
    flags = (select(literal("f"), null(), null(), null(), FirmFlag.flag, func.count())
             .select_from(Candidate).join(FirmFlag, _open_flag())
             .where(*_conditions(filters.without("flag"), user, searched=searched))
             .group_by(FirmFlag.flag))
    counts = {facet: Counter() for facet in (*FACETS, "flag", "total")}
    selected = (filters.status, filters.tier, filters.district)
    for kind, *values, n in session.execute(union_all(groups, flags)):
        if kind == "f":
            counts["flag"][values[3]] += n
            continue
        status, tier, district, code = values
        code = code or ""
        misses = [value not in (None, actual) for value, actual in zip(selected,
                                                                        (status, tier, district))]
        misses.append(not code.startswith(industry))
        missed = sum(misses)
        if missed == 0:
            counts["total"]["all"] += n
        for index, facet in enumerate(FACETS):
            if missed - misses[index] == 0:
                counts[facet][code[:1] if facet == "section" else values[index]] += n
    return counts


def cycles(session: Session) -> list[int]:
    """The cycles that have candidates, latest first."""
    return descending_values(session, Candidate.cycle)


def descending_values(session: Session, column, *conditions) -> list:
    """The distinct values of an indexed `column` where `conditions` hold, largest first: a loose
    index scan (one index probe per value) instead of reading every row."""
    found = select(func.max(column).label("value")).where(*conditions).cte("found", recursive=True)
    earlier = select(select(func.max(column)).where(column < found.c.value, *conditions)
                     .scalar_subquery()).where(found.c.value.is_not(None))
    found = found.union_all(earlier)
    return [value for value in session.scalars(select(found.c.value)) if value is not None]


def scoped_candidate_or_none(session: Session, user, candidate_id: int) -> Candidate | None:
    return session.scalar(select(Candidate).where(Candidate.id == candidate_id,
                                                  candidate_scope(user)))


def scoped_candidates(session: Session, user, candidate_ids: list[int]) -> list[Candidate]:
    """The candidates among `candidate_ids` the user may see, by id, in one query."""
    return list(session.scalars(select(Candidate)
                                .where(Candidate.id.in_(candidate_ids), candidate_scope(user))
                                .options(selectinload(Candidate.firm))
                                .order_by(Candidate.id)))


# --- The firm directory ------------------------------------------------------------------------

DIRECTORY_SORTS = {
    "name": ((Firm.name, Firm.id), False),
    "newest": ((Firm.id,), True),
}


@dataclass(frozen=True)
class DirectoryFilters:
    district: str | None = None
    industry: str | None = None
    status: str | None = None
    holds: str | None = None         # a tier the firm holds a valid certificate of today
    q: str | None = None
    sort: str = "name"


def holds_valid(tier: str, day: dt.date):
    """The firm holds a valid certificate of `tier` on `day` (rules.md: Certificates)."""
    return exists().where(Certificate.firm_id == Firm.id, Certificate.tier == tier,
                          Certificate.status.in_(COUNTING_CERTIFICATE_STATUSES),
                          Certificate.issued <= day, Certificate.expires >= day)


def directory_conditions(user, filters: DirectoryFilters, today: dt.date) -> list:
    """The firms the directory lists for `filters`: the page, its total and its export."""
    conditions = [firm_scope(user), active_on(today)]
    if filters.district:
        conditions.append(Firm.district == filters.district)
    if filters.industry:
        conditions.append(industry_filter(Firm.industry_code, filters.industry))
    if filters.status:
        conditions.append(Firm.status == filters.status)
    if filters.holds in TIERS:
        conditions.append(holds_valid(filters.holds, today))
    if filters.q:
        conditions.append(firm_search(filters.q))
    return conditions


def directory_page(session: Session, user, filters: DirectoryFilters, today: dt.date,
                   after: str | None = None, size: int = PAGE_SIZE) -> Page:
    keys, descending = DIRECTORY_SORTS.get(filters.sort, DIRECTORY_SORTS["name"])
    query = select(Firm).where(*directory_conditions(user, filters, today))
    page = keyset_page(session, query, keys, descending, after, size)
    page.rows = [row[0] for row in page.rows]
    return page


def directory_total(session: Session, user, filters: DirectoryFilters, today: dt.date) -> int:
    """How many firms the filters select (every page of them)."""
    return session.scalar(select(func.count()).select_from(Firm)
                          .where(*directory_conditions(user, filters, today)))


def directory_rows(session: Session, user, filters: DirectoryFilters, today: dt.date):
    """Every firm the filters select, in the directory's order (the export)."""
    keys, descending = DIRECTORY_SORTS.get(filters.sort, DIRECTORY_SORTS["name"])
    return session.scalars(select(Firm).where(*directory_conditions(user, filters, today))
                           .order_by(*(key.desc() if descending else key for key in keys))
                           .execution_options(yield_per=1000))


# --- Firms that have not filed -----------------------------------------------------------------

def filing_deadline(session: Session, fiscal_year: int) -> dt.date:
    """The bureau's deadline for filing `fiscal_year` (default 31 May of the next year)."""
    return month_day(settings.bureau(session)["filings"]["deadline"], fiscal_year + 1)


@dataclass(frozen=True)
class NotFiledFilters:
    fiscal_year: int
    district: str | None = None
    industry: str | None = None
    q: str | None = None


def not_filed_conditions(user, filters: NotFiledFilters) -> list:
    counted = exists().where(Filing.firm_id == Firm.id, Filing.fiscal_year == filters.fiscal_year,
                             Filing.status.in_(COUNTING_STATUSES))
    conditions = [firm_scope(user), Firm.status == "active", active_on(today_in_shanghai()),
                  Firm.founded <= dt.date(filters.fiscal_year, 12, 31), ~counted]
    if filters.district:
        conditions.append(Firm.district == filters.district)
    if filters.industry:
        conditions.append(industry_filter(Firm.industry_code, filters.industry))
    if filters.q:
        conditions.append(firm_search(filters.q))
    return conditions


def not_filed_page(session: Session, user, filters: NotFiledFilters, after: str | None = None,
                   size: int = PAGE_SIZE) -> Page:
    """Active firms (founded by the end of the year) with no submitted or accepted filing for
    the fiscal year, with the status of the draft or returned filing they may have."""
    query = select(Firm, _filing_status(filters)).where(*not_filed_conditions(user, filters))
    page = keyset_page(session, query, (Firm.id,), False, after, size)
    page.counts = dict(session.execute(
        select(Firm.district, func.count()).where(*not_filed_conditions(user, filters))
        .group_by(Firm.district)).all())
    page.total = sum(page.counts.values())
    return page


def not_filed_rows(session: Session, user, filters: NotFiledFilters):
    """Every not-filed firm of the filter with the status of its draft or returned filing, as
    the page shows it, for an export (streamed by id)."""
    query = (select(Firm, _filing_status(filters)).where(*not_filed_conditions(user, filters))
             .order_by(Firm.id))
    return session.execute(query.execution_options(yield_per=2000))


def _filing_status(filters: NotFiledFilters):
    """The status of the firm's filing for the fiscal year (a draft or a returned one; none)."""
    return (select(Filing.status).where(Filing.firm_id == Firm.id,
                                        Filing.fiscal_year == filters.fiscal_year)
            .scalar_subquery().label("filing_status"))


"""Bureau programs over the registry (programs.md §R): the firms' FY P−1 inputs read set-based,
the pure programs of `registry.rules.programs`, and the lists' workflow.

A reward list (rd_reward) is a draft computed from the registry and recomputable; an officer
excludes a firm with a reason (or restores it) and the awards are shared again; an admin approves
(frozen); a public notice runs before payment; each firm is then marked paid. A ranking (rd_top)
is computed and published (frozen, shown to the firms in it). Every step is audited.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, and_, case, delete, func, select, text, true, type_coerce
from sqlalchemy.orm import Session

from registry.models import Filing, Firm, OfficialFigure, ProgramEntry, ProgramList
from registry.models.base import utcnow
from registry.models.filing import COUNTING_STATUSES
from registry.models.firm import active_on
from registry.rules import today_in_shanghai
from registry.rules.columns import Figure
from registry.rules.logic import FALSE, TRUE, UNKNOWN
from registry.rules.params import load_parameters
from registry.rules.programs import (
    ProgramFirms,
    ProgramSettings,
    RewardResult,
    TopResult,
    rd_reward,
    rd_top,
)
from registry.rules.units import SAVING_SCALE, from_fixed, to_fixed
from registry.scan.loader import driver_rows
from registry.scan.stage import INT4, INT8, copy_rows, stage
from registry.services import ServiceError, audit
from registry.services import settings as bureau_settings
from registry.services.directory import keyset_page

PAGE_SIZE = 100
IN_BATCH = 5000   # firm ids per IN (...) list
THREE_VALUED = np.array([None, True, False], dtype=object)   # indexed by the code: 0, 1, -1


class ProgramError(ServiceError):
    """A program action that cannot happen (a frozen list, a missing reason, ...)."""


def settings_for(session: Session, year: int) -> ProgramSettings:
    """The programs' numbers for program year `year`: the year's parameter file with the bureau's
    own settings of that year over it (a program the bureau set is no longer illustrative)."""
    overrides = bureau_settings.program_overrides(session, year)
    found = ProgramSettings.from_parameters(load_parameters(year, overrides=overrides))
    own = {path.split(".")[1] for path in overrides}
    return replace(found, illustrative={name: flag and name not in own
                                        for name, flag in found.illustrative.items()})


# ---- reading the registry ---------------------------------------------------------------------

def _raw(column):
    """A money column as its stored integer (yuan), without a Decimal per value."""
    return type_coerce(column, BigInteger)


class LoadedFirms(NamedTuple):
    firms: ProgramFirms
    ids: np.ndarray
    districts: list[str]
    survey_confirmed: np.ndarray   # the statistics bureau's survey row confirms rd_survey


def load_firms(session: Session, year: int, district: str | None = None, where=None) -> LoadedFirms:
    """The programs' inputs of every firm (of `district`) as it is today (not deregistered, like
    `facts export`), FY year−1 counting filings, by firm id, with their districts and whether the
    statistics bureau confirmed each survey. `where` narrows the firms further (e.g. one firm)."""
    filing = and_(Filing.firm_id == Firm.id, Filing.fiscal_year == year - 1,
                  Filing.status.in_(COUNTING_STATUSES))
    surveyed = and_(OfficialFigure.firm_id == Firm.id, _statistics_row(year))
    # §R1: the statistics bureau's survey row when there is one, else the firm's own declaration.
    confirmed = OfficialFigure.firm_id.is_not(None)
    survey = case((confirmed, true()), else_=Filing.rd_survey)
    query = (select(Firm.id, func.coalesce(Firm.credit_code, Firm.external_ref), Firm.district,
                    Firm.incidents, _raw(Filing.revenue), _raw(Filing.rd_expense), survey,
                    case((confirmed, 1), else_=0))
             .outerjoin(Filing, filing).outerjoin(OfficialFigure, surveyed)
             .where(active_on(today_in_shanghai())).order_by(Firm.id))
    if district is not None:
        query = query.where(Firm.district == district)
    if where is not None:
        query = query.where(where)
    rows = driver_rows(session.connection(), query)
    table = np.array(rows, dtype=object).reshape(len(rows), 8)
    return LoadedFirms(_columns(year, table), table[:, 0].astype(np.int64), table[:, 2].tolist(),
                       table[:, 7].astype(np.int64) == 1)


def _statistics_row(year: int):
    """An official figure that is the statistics bureau's survey row for FY year−1: it confirms
    the firm's `rd_survey` (§R1)."""
    return and_(OfficialFigure.fiscal_year == year - 1, OfficialFigure.source == "statistics")


def _columns(year: int, table: np.ndarray) -> ProgramFirms:
    """The programs' inputs from the rows of `load_firms` (an object array, a row per firm)."""
    rows = len(table)

    def figure(position: int) -> Figure:
        known = np.not_equal(table[:, position], None)
        values = np.zeros(rows, np.int64)
        values[known] = table[known, position].astype(np.int64)
        return Figure(values, known)

    def three_valued(position: int) -> np.ndarray:
        """None, true, false (the driver's bool, or SQLite's 1/0) as 0, 1, -1."""
        column, out = table[:, position], np.zeros(rows, np.int8)
        known = np.not_equal(column, None)
        out[known] = np.where(column[known].astype(bool), 1, -1)
        return out
    return ProgramFirms(year, table[:, 1].tolist(), figure(4), figure(5), three_valued(6),
                        three_valued(3))


# ---- reward lists -------------------------------------------------------------------------------

def program_list(session: Session, program: str, year: int) -> ProgramList | None:
    return session.scalar(select(ProgramList).where(ProgramList.program == program, ProgramList.year == year))


def _draft(session: Session, program: str, year: int) -> ProgramList:
    found = program_list(session, program, year)
    if found is None:
        found = ProgramList(program=program, year=year, status="draft", settings={})
        session.add(found)
        session.flush()
    elif found.frozen:
        raise ProgramError(_frozen_message(found))
    return found


def _frozen_message(lst: ProgramList):
    """Why a frozen list no longer changes, in the reader's language (no codes)."""
    if lst.program == "rd_top":
        return _l("The ranking of %(year)s is published and frozen: it no longer changes.", year=lst.year)
    if lst.status == "public_notice":
        return _l("The reward list of %(year)s is on public notice and frozen: it no longer changes.",
                  year=lst.year)
    return _l("The reward list of %(year)s is approved and frozen: it no longer changes.", year=lst.year)


def compute_reward(session: Session, actor, year: int, budget: Decimal | None) -> ProgramList:
    """Compute (or recompute) the draft reward list of `year` from the registry; keeps exclusions.

    With a `budget` the city's firms share it; without one, each district the bureau gave a budget
    of its own (settings) shares that among its firms, and the other districts' awards are their
    entitlements."""
    if budget is not None and (budget < 0 or to_fixed(budget) != to_fixed(budget)):
        raise ProgramError(_l("The budget is an amount in 10k yuan of 0 or more."))
    lst = _draft(session, "rd_reward", year)
    kept = dict(session.execute(select(ProgramEntry.firm_id, ProgramEntry.exclusion_reason)
                                .where(ProgramEntry.list_id == lst.id, ProgramEntry.excluded)).all())
    firms, ids, districts, confirmed = load_firms(session, year)
    settings = settings_for(session, year)
    shares = {} if budget is not None else bureau_settings.program_district_budgets(session, year)
    excluded = np.isin(ids, np.array(list(kept), np.int64))
    result, award = _awards(firms, np.array(districts, dtype=object), settings, budget, shares, excluded)
    keep = np.flatnonzero(result.eligible >= UNKNOWN)
    session.execute(delete(ProgramEntry).where(ProgramEntry.list_id == lst.id))
    copy_rows(session.connection(), ProgramEntry.__table__, *_reward_entries(
        lst.id, result, award, keep, ids, districts, kept, confirmed[keep]))
    lst.budget, lst.computed_at, lst.computed_by = budget, utcnow(), getattr(actor, "id", None)
    lst.settings = {**settings_record(settings, "rd_reward"),
                    "district_budgets": {code: str(amount) for code, amount in sorted(shares.items())}}
    session.flush()
    _analyze_entries(session)
    _keep_totals(session, lst)
    audit.record(session, actor, "programs.reward.compute", lst, year=year,
                 budget=None if budget is None else str(budget), firms=len(keep))
    return lst


def _analyze_entries(session: Session) -> None:
    """The pages' index scans need current statistics of the entries just written."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE program_entries"))


def district_budgets(lst: ProgramList) -> dict[str, Decimal]:
    """The districts' own budgets a reward list was computed with (none under a city budget)."""
    return {code: Decimal(value) for code, value in (lst.settings or {}).get("district_budgets", {}).items()}


def _awards(firms: ProgramFirms, districts: np.ndarray, settings: ProgramSettings, budget: Decimal | None,
            shares: dict[str, Decimal], excluded: np.ndarray) -> tuple[RewardResult, np.ndarray]:
    """§R1 over the firms and each firm's award (10^-8 万元): under the city's `budget`, or with
    each district of `shares` sharing its own budget among its firms (its own pro rata)."""
    result = rd_reward(firms, settings, None if budget is None else to_fixed(budget), excluded)
    award = result.award.copy()
    for code, amount in shares.items():
        mask = districts == code
        if mask.any():
            award[mask] = rd_reward(firms.take(mask), settings, to_fixed(amount), excluded[mask]).award
    return result, award


def settings_record(settings: ProgramSettings, program: str) -> dict:
    """The numbers a list was computed with, as text (shown on its page, kept with it)."""
    if program == "rd_reward":
        return {"bands": [[str(_decimal(b.minimum)), str(_decimal(b.rate))] for b in settings.bands],
                "cap": str(from_fixed(settings.cap)), "illustrative": settings.illustrative["rd_reward"]}
    return {"min_revenue": str(from_fixed(settings.top_min_revenue)),
            "weight_amount": str(_decimal(settings.weight_amount)),
            "weight_intensity": str(_decimal(settings.weight_intensity)), "size": settings.top_size,
            "illustrative": settings.illustrative["rd_top"]}


def _decimal(value) -> Decimal:
    return Decimal(value.numerator) / value.denominator


def _fine(amount: int) -> Decimal:
    return from_fixed(int(amount), SAVING_SCALE)


def _reward_entries(list_id: int, result: RewardResult, award: np.ndarray, keep: np.ndarray,
                    ids: np.ndarray, districts: list[str], kept: dict[int, str], confirmed: np.ndarray
                    ) -> tuple[list[str], Iterable]:
    """The entries of the firms at `keep` as column names and rows in their stored form (money in
    yuan, amounts in 10^-8 万元, rates x 10^4), built column by column; `confirmed` says, per kept
    firm, whether the statistics bureau confirmed its survey."""
    firms, eligible = result.firms, result.eligible[keep] == TRUE
    firm_ids = ids[keep].tolist()
    rates = np.array([to_fixed(_decimal(band.rate)) for band in result.settings.bands] or [0], np.int64)
    failed_bits = sum((result.criteria[name][keep] == FALSE).astype(np.int64) << bit
                      for bit, name in enumerate(result.criteria))
    failed_texts = [json.dumps([name for bit, name in enumerate(result.criteria) if code >> bit & 1])
                    for code in range(1 << len(result.criteria))]
    reasons = [kept.get(firm_id) for firm_id in firm_ids]
    columns = {
        "list_id": [list_id] * len(firm_ids), "firm_id": firm_ids, "district": [districts[i] for i in keep.tolist()],
        "revenue": _or_none(firms.revenue.value[keep], firms.revenue.known[keep]),
        "rd_expense": _or_none(firms.rd_expense.value[keep], firms.rd_expense.known[keep]),
        "rd_survey": THREE_VALUED[firms.rd_survey[keep]].tolist(), "survey_confirmed": confirmed.tolist(),
        "incidents": THREE_VALUED[firms.incidents[keep]].tolist(),
        "eligible": np.where(eligible, True, None).tolist(),
        "failed": [failed_texts[code] for code in np.asarray(failed_bits).tolist()] if len(firm_ids) else [],
        "rate": _or_none(rates[np.maximum(result.band[keep], 0)], eligible),
        "entitlement": _or_none(result.entitlement[keep], eligible),
        "award": _or_none(award[keep], eligible),
        "excluded": [reason is not None for reason in reasons], "exclusion_reason": reasons,
    }
    return list(columns), zip(*columns.values())


def _or_none(values: np.ndarray, known: np.ndarray) -> list:
    return [value if present else None for value, present in zip(values.tolist(), known.tolist())]


def _eligible_entries(session: Session, lst: ProgramList, *where
                      ) -> tuple[ProgramFirms, np.ndarray, np.ndarray]:
    """A list's eligible entries (of `where`) by firm, read as driver rows: the programs' batch,
    their districts, and per entry (firm id, award in 10^-8 万元, excluded as 0/1). Every
    eligible entry has its figures known, its survey filed and no incidents."""
    rows = driver_rows(session.connection(), select(
        ProgramEntry.firm_id, _raw(ProgramEntry.revenue), _raw(ProgramEntry.rd_expense),
        func.coalesce(_raw(ProgramEntry.award), 0), case((ProgramEntry.excluded, 1), else_=0),
        ProgramEntry.district)
        .where(ProgramEntry.list_id == lst.id, ProgramEntry.eligible.is_(True), *where)
        .order_by(ProgramEntry.firm_id))
    table = np.array(rows, dtype=object).reshape(len(rows), 6)
    numbers, count = table[:, :5].astype(np.int64), len(rows)
    known = np.ones(count, np.bool_)
    firms = ProgramFirms(lst.year, [str(firm_id) for firm_id in numbers[:, 0].tolist()],
                         Figure(numbers[:, 1].copy(), known), Figure(numbers[:, 2].copy(), known),
                         np.full(count, TRUE, np.int8), np.full(count, FALSE, np.int8))
    return firms, table[:, 5], numbers[:, [0, 3, 4]]


def _share_again(session: Session, lst: ProgramList) -> None:
    """Share the budget (the city's, or each district's own) again among the eligible, not
    excluded firms of a draft, writing the awards that changed in one UPDATE, and keep its
    totals. Without any budget an award is its entitlement and nothing is shared."""
    session.flush()   # the exclusion just made, before the rows are read below the ORM
    shares = district_budgets(lst)
    if lst.budget is not None or shares:
        firms, districts, stored = _eligible_entries(session, lst)
        _result, award = _awards(firms, districts, settings_for(session, lst.year), lst.budget, shares,
                                 stored[:, 2] == 1)
        changed = award != stored[:, 1]
        if changed.any():
            stage(session.connection(), "stage_awards", {"firm_id": (INT4, stored[changed, 0]),
                                                         "award": (INT8, award[changed])})
            session.execute(text("UPDATE program_entries SET award = s.award FROM stage_awards s "
                                 "WHERE program_entries.list_id = :list AND program_entries.firm_id = s.firm_id"),
                            {"list": lst.id})
            for entry in session.identity_map.values():
                if isinstance(entry, ProgramEntry):
                    session.expire(entry, ["award"])
    _keep_totals(session, lst)


def exclude(session: Session, actor, lst: ProgramList, firm: Firm, reason: str) -> None:
    entry = _entry(session, lst, firm)
    reason = (reason or "").strip()
    if not reason:
        raise ProgramError(_l("Give the reason for excluding the firm."))
    entry.excluded, entry.exclusion_reason = True, reason
    _share_again(session, lst)
    audit.record(session, actor, "programs.reward.exclude", lst, firm_id=firm.id, reason=reason)


def restore(session: Session, actor, lst: ProgramList, firm: Firm) -> None:
    entry = _entry(session, lst, firm)
    entry.excluded, entry.exclusion_reason = False, None
    _share_again(session, lst)
    audit.record(session, actor, "programs.reward.restore", lst, firm_id=firm.id)


def _entry(session: Session, lst: ProgramList, firm: Firm, draft: bool = True) -> ProgramEntry:
    if draft and lst.frozen:
        raise ProgramError(_frozen_message(lst))
    entry = session.get(ProgramEntry, (lst.id, firm.id))
    if entry is None:
        raise ProgramError(_l("The firm is not on this list."))
    return entry


def approve(session: Session, admin, lst: ProgramList) -> None:
    """Freeze the draft: later filings and settings change nothing."""
    if lst.status != "draft" or lst.computed_at is None:
        raise ProgramError(_l("Only a computed draft list can be approved."))
    lst.status, lst.decided_at, lst.decided_by = "approved", utcnow(), admin.id
    totals = reward_totals(session, lst)
    audit.record(session, admin, "programs.reward.approve", lst, year=lst.year,
                 total_award=str(totals["total"]["award"]), firms=totals["total"]["firms"])


def start_notice(session: Session, actor, lst: ProgramList, start: dt.date, end: dt.date) -> None:
    """Put the approved list on public notice (公示) from start to end (inclusive)."""
    if lst.status != "approved":
        raise ProgramError(_l("Only an approved list goes on public notice."))
    if end < start:
        raise ProgramError(_l("The public notice ends before it starts."))
    lst.status, lst.notice_start, lst.notice_end = "public_notice", start, end
    audit.record(session, actor, "programs.reward.notice", lst, start=start.isoformat(), end=end.isoformat())


def payable(lst: ProgramList, today: dt.date) -> bool:
    """Awards are paid once the public notice has ended."""
    return lst.status == "public_notice" and lst.notice_end is not None and today > lst.notice_end


def mark_paid(session: Session, actor, lst: ProgramList, firm: Firm, today: dt.date) -> None:
    if not payable(lst, today):
        raise ProgramError(_l("Awards are paid once the public notice has ended."))
    entry = _entry(session, lst, firm, draft=False)
    if not entry.eligible or entry.excluded:
        raise ProgramError(_l("The firm has no award on this list."))
    if entry.paid_at is None:
        entry.paid_at, entry.paid_by = utcnow(), actor.id
        totals = {code: dict(row) for code, row in (lst.totals or {}).items()}
        if entry.district in totals:
            totals[entry.district]["paid"] += 1
            lst.totals = totals
        audit.record(session, actor, "programs.reward.paid", lst, firm_id=firm.id, award=str(entry.award))


def _district_sums(session: Session, lst: ProgramList) -> dict[str, dict]:
    """Per district: firms with an award, Σ entitlement, Σ award, paid (one GROUP BY)."""
    query = (select(ProgramEntry.district, func.count(), func.sum(_raw(ProgramEntry.entitlement)),
                    func.sum(_raw(ProgramEntry.award)), func.count(ProgramEntry.paid_at))
             .where(ProgramEntry.list_id == lst.id, ProgramEntry.eligible.is_(True),
                    ProgramEntry.excluded.is_(False)).group_by(ProgramEntry.district))
    return {district: {"firms": n, "entitlement": str(_fine(ent or 0)), "award": str(_fine(award or 0)),
                       "paid": paid}
            for district, n, ent, award, paid in session.execute(query).all()}


def _keep_totals(session: Session, lst: ProgramList) -> None:
    """Store the list's totals per district with it (pages read them, never add them up)."""
    lst.totals = _district_sums(session, lst)
    session.flush()


def reward_totals(session: Session, lst: ProgramList, districts=None) -> dict:
    """Per district (only `districts` when given) and in total: firms with an award, Σ
    entitlement, Σ award, paid, as kept with the list; each district's own budget and remainder
    where it has one, and the city's remainder under a city budget."""
    stored = lst.totals if lst.totals is not None else _district_sums(session, lst)
    own = district_budgets(lst)
    rows = {}
    for code, row in stored.items():
        if districts is not None and code not in districts:
            continue
        award = Decimal(row["award"])
        rows[code] = {"firms": row["firms"], "entitlement": Decimal(row["entitlement"]), "award": award,
                      "paid": row["paid"], "budget": own.get(code),
                      "remainder": None if code not in own else own[code] - award}
    for code, amount in own.items():   # a district with a budget and no firm awarded
        if code not in rows and (districts is None or code in districts):
            rows[code] = {"firms": 0, "entitlement": Decimal(0), "award": Decimal(0), "paid": 0,
                          "budget": amount, "remainder": amount}
    total = {"firms": sum(r["firms"] for r in rows.values()),
             "entitlement": sum((r["entitlement"] for r in rows.values()), Decimal(0)),
             "award": sum((r["award"] for r in rows.values()), Decimal(0)),
             "paid": sum(r["paid"] for r in rows.values())}
    remainder = None
    if lst.budget is not None and districts is None:
        remainder = lst.budget - total["award"]
    return {"districts": rows, "total": total, "remainder": remainder}


def reward_page(session: Session, lst: ProgramList, show: str, scope, after: str | None,
                size: int | None = None):
    """One page of a reward list's entries with their firms' id, name and credit code, within
    `scope` (a WHERE on Firm):
    the awarded firms (`eligible`) or the excluded ones by award, highest first, or those whose
    data is missing (`unknown`) by firm; keyset-paged (the index on list, eligibility, exclusion,
    award and firm)."""
    size = size or PAGE_SIZE
    # The firm's name and code only: a whole Firm per row costs more than the page's query.
    query = (select(ProgramEntry, Firm.id.label("firm_id"), Firm.name, Firm.credit_code)
             .join(Firm, Firm.id == ProgramEntry.firm_id).where(ProgramEntry.list_id == lst.id, scope))
    if show == "unknown":
        query, keys = query.where(ProgramEntry.eligible.is_(None)), (ProgramEntry.firm_id,)
        return keyset_page(session, query, keys, False, after, size)
    query = query.where(ProgramEntry.eligible.is_(True), ProgramEntry.excluded.is_(show == "excluded"))
    return keyset_page(session, query, (_raw(ProgramEntry.award), ProgramEntry.firm_id), True, after, size)


# ---- rankings -------------------------------------------------------------------------------------

def compute_top(session: Session, actor, year: int) -> ProgramList:
    """Compute (or recompute) the draft ranking of `year`, with each firm's rank of last year."""
    lst = _draft(session, "rd_top", year)
    firms, ids, districts, _confirmed = load_firms(session, year)
    settings = settings_for(session, year)
    result = rd_top(firms, settings)
    last = _last_ranks(session, year)
    ranks = result.rank()
    session.execute(delete(ProgramEntry).where(ProgramEntry.list_id == lst.id))
    # Written grouped by district, by rank within it: a district's page reads its entries together.
    order = result.order[np.argsort(np.array(districts, dtype=object)[result.order], kind="stable")]
    firm_ids = ids[order].tolist()
    columns = {
        "list_id": [lst.id] * len(order), "firm_id": firm_ids, "district": [districts[i] for i in order.tolist()],
        "revenue": firms.revenue.value[order].tolist(), "rd_expense": firms.rd_expense.value[order].tolist(),
        "rd_survey": [True] * len(order), "incidents": [False] * len(order), "eligible": [True] * len(order),
        "failed": ["[]"] * len(order), "rank": ranks[order].tolist(),
        "amount_rank": result.amount_rank[order].tolist(), "intensity_rank": result.intensity_rank[order].tolist(),
        "points": result.points[order].tolist(), "last_rank": [last.get(firm_id) for firm_id in firm_ids],
        "excluded": [False] * len(order),
    }
    copy_rows(session.connection(), ProgramEntry.__table__, list(columns), zip(*columns.values()))
    lst.computed_at, lst.computed_by = utcnow(), getattr(actor, "id", None)
    lst.settings = settings_record(settings, "rd_top")
    session.flush()
    _analyze_entries(session)
    audit.record(session, actor, "programs.top.compute", lst, year=year, eligible=len(order))
    return lst


def _last_ranks(session: Session, year: int) -> dict[int, int]:
    """Each firm's rank of year−1: the published ranking, else computed now over FY year−2."""
    last = program_list(session, "rd_top", year - 1)
    if last is not None and last.status == "published":
        return dict(session.execute(select(ProgramEntry.firm_id, ProgramEntry.rank)
                                    .where(ProgramEntry.list_id == last.id)).all())
    firms, ids = load_firms(session, year - 1)[:2]
    ranks = rd_top(firms, settings_for(session, year - 1)).rank()
    return {int(ids[i]): int(ranks[i]) for i in np.flatnonzero(ranks)}


def district_ranking(session: Session, lst: ProgramList, district: str) -> TopResult:
    """The ranking among one district's eligible firms (its own N, ranks and points), from the
    ranking's stored entries."""
    firms, _districts, _stored = _eligible_entries(session, lst, ProgramEntry.district == district)
    return rd_top(firms, settings_for(session, lst.year))


def publish(session: Session, admin, lst: ProgramList) -> None:
    if lst.program != "rd_top" or lst.status != "draft" or lst.computed_at is None:
        raise ProgramError(_l("Only a computed draft ranking can be published."))
    lst.status, lst.decided_at, lst.decided_by = "published", utcnow(), admin.id
    audit.record(session, admin, "programs.top.publish", lst, year=lst.year)


def published_rank(session: Session, firm_id: int, year: int) -> int | None:
    """The firm's rank in the published ranking of `year` if it is within the list's size."""
    lst = program_list(session, "rd_top", year)
    if lst is None or lst.status != "published":
        return None
    rank = session.scalar(select(ProgramEntry.rank).where(ProgramEntry.list_id == lst.id,
                                                          ProgramEntry.firm_id == firm_id))
    size = int(lst.settings.get("size", 0))
    return rank if rank is not None and rank <= size else None


def firm_reward(session: Session, firm_id: int, year: int) -> RewardResult:
    """The reward verdict of one firm for program year `year`, computed now (a batch of one)."""
    firms = load_firms(session, year, where=Firm.id == firm_id).firms
    return rd_reward(firms, settings_for(session, year))


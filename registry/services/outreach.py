"""Outreach lists: the firms a flag or a tax incentive points at, and the officers' work on them.

A list is a flag (rules.md §5) or an incentive (§6) of one cycle, as the scan left them open;
each firm on it has an outreach status (to contact, contacted, applied, declined) and notes,
kept per firm, list and cycle.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Float, and_, cast, func, null, select, true, type_coerce
from sqlalchemy.orm import Session

from registry.auth.scope import firm_scope
from registry.models import Firm, FirmFlag, IncentiveOpportunity, OutreachEntry
from registry.models.firm import active_on
from registry.models.review import OUTREACH_STATUSES
from registry.rules import today_in_shanghai
from registry.services import ServiceError, audit
from registry.services.directory import (
    Page,
    descending_values,
    firm_search,
    industry_filter,
    keyset_page,
)


@dataclass(frozen=True)
class OutreachList:
    key: str
    source: str      # "flag" or "incentive"
    title: object
    purpose: object


OUTREACH_LISTS: dict[str, OutreachList] = {item.key: item for item in (
    OutreachList("hnte_zero_rd", "flag", _l("HNTEs with zero R&D"),
                 _l("Visit: a certified HNTE reported no R&D last year "
                    "(review and claw-back risk).")),
    OutreachList("hnte_renewal_due", "flag", _l("HNTE renewals due"),
                 _l("The certificate expires this year: re-apply, or repay the tax relief.")),
    OutreachList("hnte_at_risk", "flag", _l("HNTEs at risk"),
                 _l("Certified, but last year's figures no longer meet the HNTE criteria.")),
    OutreachList("hnte_near_miss", "flag", _l("HNTE near misses"),
                 _l("One criterion short of HNTE; the gap says by how much.")),
    OutreachList("guishang_zero_rd", "flag", _l("Large industrial firms without R&D"),
                 _l("Industrial firms above 20 million yuan revenue that reported no R&D.")),
    OutreachList("rd_mismatch", "flag", _l("R&D unlike the statistics bureau's"),
                 _l("Last year's R&D as filed is beyond the rules' tolerance of the statistics "
                    "bureau's survey figure: check the filing with the firm.")),
    OutreachList("rd_super_deduction", "incentive", _l("R&D super-deduction"),
                 _l("Firms that can deduct 100% (120%) extra of their R&D; estimated tax saving.")),
    OutreachList("hnte_rate", "incentive", _l("HNTE 15% tax rate"),
                 _l("Certified or eligible HNTEs; estimated saving of the 15% rate.")),
    OutreachList("vat_credit", "incentive", _l("Advanced-manufacturing VAT credit"),
                 _l("HNTEs on the advanced-manufacturing list: 5% extra input VAT credit.")),
)}
# An opportunity the firm is not offered while it carries one of these flags in the same cycle:
# a certified HNTE with zero R&D or no longer meeting the criteria faces review and claw-back,
# not a saving (the engine still estimates the incentive as rules.md §6 defines it).
SUPPRESSING_FLAGS: dict[str, tuple[str, ...]] = {"hnte_rate": ("hnte_zero_rd", "hnte_at_risk")}


def offered(incentive: str, flags) -> bool:
    """Whether a firm carrying `flags` (flag ids) is offered `incentive`."""
    return not set(SUPPRESSING_FLAGS.get(incentive, ())) & set(flags)


def _not_suppressed(incentive: str, cycle: int):
    """A WHERE clause: the opportunity's firm carries no open flag that suppresses it."""
    suppressors = SUPPRESSING_FLAGS.get(incentive)
    if not suppressors:
        return true()
    return ~(select(FirmFlag.firm_id).where(
        FirmFlag.firm_id == IncentiveOpportunity.firm_id, FirmFlag.cycle == cycle,
        FirmFlag.status == "open", FirmFlag.flag.in_(suppressors)).exists())


STATUS_LABELS = {"to_contact": _l("To contact"), "contacted": _l("Contacted"),
                 "applied": _l("Applied"), "declined": _l("Declined")}


class OutreachError(ServiceError):
    """An outreach update that cannot happen."""


@dataclass(frozen=True)
class OutreachFilters:
    list_key: str
    cycle: int
    district: str | None = None
    industry: str | None = None
    status: str | None = None
    q: str | None = None
    sort: str = "saving"


def _source(item: OutreachList, cycle: int):
    """(model, the row's subject condition): the open flags or opportunities of the list."""
    if item.source == "flag":
        return FirmFlag, and_(FirmFlag.flag == item.key, FirmFlag.cycle == cycle,
                              FirmFlag.status == "open")
    return IncentiveOpportunity, and_(IncentiveOpportunity.incentive == item.key,
                                      IncentiveOpportunity.cycle == cycle,
                                      IncentiveOpportunity.status == "open",
                                      _not_suppressed(item.key, cycle))


def _query(user, filters: OutreachFilters):
    item = OUTREACH_LISTS[filters.list_key]
    model, subject = _source(item, filters.cycle)
    status = func.coalesce(OutreachEntry.status, "to_contact")
    query = (select(model, Firm, OutreachEntry, status.label("outreach_status"))
             .join(Firm, Firm.id == model.firm_id)
             .outerjoin(OutreachEntry, and_(OutreachEntry.firm_id == model.firm_id,
                                            OutreachEntry.list_key == item.key,
                                            OutreachEntry.cycle == filters.cycle))
             .where(subject, firm_scope(user), active_on(today_in_shanghai())))
    if filters.district:
        query = query.where(Firm.district == filters.district)
    if filters.industry:
        query = query.where(industry_filter(Firm.industry_code, filters.industry))
    if filters.status in OUTREACH_STATUSES:
        query = query.where(status == filters.status)
    if filters.q:
        query = query.where(firm_search(filters.q))
    return item, model, query


# The lists sorted by gap: the flag's detail names the one failed criterion and its gap.
GAP_LISTS = frozenset({"hnte_near_miss"})
UNKNOWN_GAP = 10.0 ** 12


def sorts(list_key: str) -> tuple[str, ...]:
    """The orders a list offers, its default first."""
    if list_key in GAP_LISTS:
        return ("gap", "raised")
    return ("saving", "raised") if OUTREACH_LISTS[list_key].source == "incentive" else ("raised",)


def _keys(item: OutreachList, model, sort: str):
    """Sort keys: by estimated saving (unknown last) for incentives; a near miss by its
    criterion, then the smallest gap first (the firms closest to the tier; gaps of one criterion
    share a unit); else by firm id."""
    if item.source == "incentive" and sort == "saving":
        # Compared as the stored integer, so the cursor carries no decimal.
        return (func.coalesce(type_coerce(model.saving, BigInteger), -1), model.firm_id), True
    if item.key in GAP_LISTS and sort == "gap":
        gap = func.coalesce(cast(model.detail["gap"].as_string(), Float), UNKNOWN_GAP)
        return (func.coalesce(model.detail["criterion"].as_string(), ""), gap, model.firm_id), False
    return (model.firm_id,), False


def ordered_query(user, filters: OutreachFilters):
    """(query, sort keys, descending) of the list: what its pages and the API page through."""
    item, model, query = _query(user, filters)
    keys, descending = _keys(item, model, filters.sort)
    return query, keys, descending


def list_page(session: Session, user, filters: OutreachFilters, after: str | None = None) -> Page:
    """One page of the list, with the number of firms per outreach status."""
    item, model, query = _query(user, filters)
    keys, descending = _keys(item, model, filters.sort)
    page = keyset_page(session, query, keys, descending, after)
    _item, _model, all_statuses = _query(user, replace(filters, status=None))
    counted = all_statuses.with_only_columns(all_statuses.selected_columns.outreach_status,
                                             func.count()).group_by("outreach_status")
    page.counts = dict(session.execute(counted).all())
    page.total = sum(page.counts.values())
    return page


def list_rows(session: Session, user, filters: OutreachFilters):
    """Every row of the list in the page order, for an export."""
    item, model, query = _query(user, filters)
    keys, descending = _keys(item, model, filters.sort)
    order = [key.desc() if descending else key.asc() for key in keys]
    return session.execute(query.order_by(*order).execution_options(yield_per=2000))


def update_entry(session: Session, officer, firm: Firm, list_key: str, cycle: int, *,
                 status: str, notes: str) -> OutreachEntry:
    """Set a firm's outreach status and notes on a list (audited)."""
    if list_key not in OUTREACH_LISTS:
        raise OutreachError(_l("Unknown outreach list."))
    if status not in OUTREACH_STATUSES:
        raise OutreachError(_l("Unknown outreach status."))
    entry = session.scalar(select(OutreachEntry).where(OutreachEntry.firm_id == firm.id,
                                                       OutreachEntry.list_key == list_key,
                                                       OutreachEntry.cycle == cycle))
    if entry is None:
        entry = OutreachEntry(firm_id=firm.id, list_key=list_key, cycle=cycle)
        session.add(entry)
    previous = entry.status or "to_contact"
    entry.status, entry.notes, entry.updated_by_id = status, (notes or "").strip(), officer.id
    session.flush()
    audit.record(session, officer, "outreach_update", entry, firm_id=firm.id, list=list_key,
                 cycle=cycle, from_status=previous, to_status=status)
    return entry


def cycles(session: Session, list_key: str) -> list[int]:
    """The cycles in which the list has firms, latest first (a loose scan of the flags' list
    index; one pass over the opportunities, which have no index by subject)."""
    item = OUTREACH_LISTS[list_key]
    if item.source == "flag":
        return descending_values(session, FirmFlag.cycle, FirmFlag.flag == list_key)
    return list(session.scalars(select(IncentiveOpportunity.cycle).distinct()
                                .where(IncentiveOpportunity.incentive == list_key)
                                .order_by(IncentiveOpportunity.cycle.desc())))


@dataclass(frozen=True)
class ListSummary:
    cycle: int
    firms: int
    saving: Decimal | None    # the estimated total (incentives; None for flags)


def summaries(session: Session, user) -> dict[str, ListSummary]:
    """Per list with firms in the user's scope: its latest cycle, how many firms it holds and,
    for an incentive, the estimated total saving (the sum of the known estimates)."""
    found = {}
    for key, item in OUTREACH_LISTS.items():
        list_cycles = cycles(session, key)
        if not list_cycles:
            continue
        _item, model, query = _query(user, OutreachFilters(key, list_cycles[0]))
        totals = query.with_only_columns(
            func.count(), func.sum(model.saving) if item.source == "incentive" else null())
        firms, saving = session.execute(totals.order_by(None)).one()
        found[key] = ListSummary(list_cycles[0], firms, saving)
    return found

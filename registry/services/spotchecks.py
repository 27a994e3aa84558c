"""Spot checks (双随机一公开): a random sample of a district's certified firms, and for each a
random pair of inspectors from the district's roster, drawn so that anyone can replay it.

The draw ("sha256-v1") ranks every firm of the population by SHA-256("<seed>:<firm id>") and
takes the first n; for each drawn firm it ranks the roster by SHA-256("<seed>:<firm id>:
<inspector id>") and takes the first k. Only the seed, the population and the roster go in, and
all three are recorded with the check, so the same sample comes out on any machine, in any
language, for as long as SHA-256 exists.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Certificate, Firm, Inspector, SpotCheck, SpotCheckItem
from registry.models.base import utcnow
from registry.models.certificate import COUNTING_CERTIFICATE_STATUSES
from registry.models.firm import active_on
from registry.models.review import SPOT_CHECK_RESULTS
from registry.services import ServiceError, audit, settings

METHOD = "sha256-v1"
RESULT_LABELS = {"pending": _l("Pending"), "compliant": _l("Compliant"),
                 "issues_found": _l("Issues found"), "not_reachable": _l("Not reachable")}


class SpotCheckError(ServiceError):
    """A spot-check action that cannot happen."""


def _rank(seed: str, *parts: int) -> bytes:
    return hashlib.sha256(":".join([seed, *map(str, parts)]).encode("utf-8")).digest()


def draw(seed: str, population: list[int], sample_size: int, roster: list[int],
         inspectors_per_firm: int) -> list[tuple[int, list[int]]]:
    """The drawn firms in rank order, each with its drawn inspectors (pure: replayable)."""
    firms = sorted(population, key=lambda firm_id: _rank(seed, firm_id))[:sample_size]
    return [(firm_id, sorted(roster, key=lambda inspector_id: _rank(seed, firm_id, inspector_id))
             [:inspectors_per_firm]) for firm_id in firms]


def certified_population(session: Session, district: str, tier: str | None,
                         as_of: dt.date) -> list[int]:
    """Ids of the district's active firms holding a valid certificate (of `tier`) on `as_of`."""
    certified = select(Certificate.firm_id).where(
        Certificate.status.in_(COUNTING_CERTIFICATE_STATUSES), Certificate.issued <= as_of,
        Certificate.expires >= as_of, *([Certificate.tier == tier] if tier else []))
    return list(session.scalars(select(Firm.id).where(Firm.district == district,
                                                      Firm.status == "active", active_on(as_of),
                                                      Firm.id.in_(certified))
                                .order_by(Firm.id)))


def active_roster(session: Session, district: str) -> list[int]:
    return list(session.scalars(select(Inspector.id).where(Inspector.district == district,
                                                           Inspector.active.is_(True))
                                .order_by(Inspector.id)))


def default_sample_size(session: Session, population_size: int) -> int:
    """The bureau's share of the population, at least its minimum, at most everyone."""
    params = settings.bureau(session)["spot_checks"]
    wanted = max(int(params["minimum_sample"]),
                 math.ceil(population_size * float(params["sample_share"])))
    return min(wanted, population_size)


def create(session: Session, officer, *, district: str, tier: str | None, as_of: dt.date,
           sample_size: int | None = None, seed: str | None = None) -> SpotCheck:
    """Draw a spot check now: record seed, population and roster, and the drawn items."""
    population = certified_population(session, district, tier, as_of)
    roster = active_roster(session, district)
    per_firm = int(settings.bureau(session)["spot_checks"]["inspectors_per_firm"])
    if not population:
        raise SpotCheckError(_l("No certified firm in this district on that date."))
    if len(roster) < per_firm:
        raise SpotCheckError(_l("The district's roster needs at least %(count)s active "
                                "inspectors.", count=per_firm))
    size = default_sample_size(session, len(population)) if sample_size is None else sample_size
    if not 1 <= size <= len(population):
        raise SpotCheckError(_l("The sample size must be between 1 and %(count)s.",
                                count=len(population)))
    seed = (seed or "").strip() or str(secrets.randbits(64))
    check = SpotCheck(district=district, tier=tier, as_of=as_of, seed=seed[:40], method=METHOD,
                      sample_size=size, inspectors_per_firm=per_firm, population=population,
                      roster=roster, drawn_by_id=officer.id)
    check.items = [SpotCheckItem(firm_id=firm_id, rank=rank, inspector_ids=inspectors,
                                 assigned_to_id=officer.id)
                   for rank, (firm_id, inspectors) in enumerate(
                       draw(check.seed, population, size, roster, per_firm), start=1)]
    session.add(check)
    session.flush()
    audit.record(session, officer, "spot_check_draw", check, district=district, tier=tier,
                 seed=check.seed, population=len(population), sample_size=size)
    return check


def replay(check: SpotCheck, items: list[SpotCheckItem]) -> bool:
    """Whether drawing again from the recorded seed, population and roster gives these items."""
    drawn = draw(check.seed, check.population, check.sample_size, check.roster,
                 check.inspectors_per_firm)
    return drawn == [(item.firm_id, item.inspector_ids) for item in items]


def items_of(session: Session, check: SpotCheck) -> list[SpotCheckItem]:
    return list(session.scalars(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == check.id)
                                .order_by(SpotCheckItem.rank)))


def record_result(session: Session, item: SpotCheckItem, officer, *, result: str,
                  findings: str) -> None:
    if result not in SPOT_CHECK_RESULTS:
        raise SpotCheckError(_l("Unknown result."))
    if result == "issues_found" and not (findings or "").strip():
        raise SpotCheckError(_l("Describe the issues found."))
    previous = item.result
    item.result, item.findings = result, (findings or "").strip()
    item.recorded_by_id, item.recorded_at = officer.id, utcnow()
    audit.record(session, officer, "spot_check_result", item, firm_id=item.firm_id,
                 spot_check_id=item.spot_check_id, from_result=previous, to_result=result)


def add_inspector(session: Session, officer, *, district: str, name: str, unit: str) -> Inspector:
    if not (name or "").strip():
        raise SpotCheckError(_l("The inspector's name is required."))
    inspector = Inspector(district=district, name=name.strip(), unit=(unit or "").strip())
    session.add(inspector)
    session.flush()
    audit.record(session, officer, "inspector_add", inspector, district=district)
    return inspector


def set_inspector_active(session: Session, officer, inspector: Inspector, active: bool) -> None:
    inspector.active = active
    audit.record(session, officer, "inspector_active" if active else "inspector_inactive",
                 inspector, district=inspector.district)


def inspectors_by_id(session: Session, ids) -> dict[int, Inspector]:
    ids = set(ids)
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(Inspector).where(Inspector.id.in_(ids)))}

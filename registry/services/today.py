"""An officer's day (`/today`): what needs them now in their districts, each a count."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.auth.scope import firm_scope
from registry.models import AuditEvent, Candidate, Firm, Objection, PublicNotice, SpotCheckItem
from registry.models.firm import active_on
from registry.services.directory import NotFiledFilters, filing_deadline, not_filed_conditions

WEEK = dt.timedelta(days=6)


@dataclass(frozen=True)
class Today:
    notices_ending: int        # public notices whose last day is within the coming week
    objections: int            # objections recorded and not decided
    assigned: int              # candidates assigned to the officer, open or in review
    resubmitted: int           # candidates back in review after the firm filed again
    not_filed: int             # firms without last year's filing
    deadline: dt.date          # the filing deadline of last year's figures
    days_to_deadline: int      # negative once it has passed
    spot_checks: int           # sampled firms whose inspection result is pending


def items(session: Session, user, today: dt.date) -> Today:
    """Every count, each within the firms `user` sees."""
    def count(query) -> int:
        return session.scalar(query) or 0

    in_scope = firm_scope(user)
    notices = select(func.count()).select_from(PublicNotice).join(
        Firm, Firm.id == PublicNotice.firm_id).where(in_scope)
    resubmitted = select(AuditEvent.object_id).where(AuditEvent.object_type == "candidate",
                                                     AuditEvent.action == "candidate_resubmitted")
    candidates = select(func.count()).select_from(Candidate).join(
        Firm, Firm.id == Candidate.firm_id).where(in_scope, active_on(today))
    fiscal_year = today.year - 1
    deadline = filing_deadline(session, fiscal_year)
    return Today(
        notices_ending=count(notices.where(PublicNotice.status == "running",
                                           PublicNotice.last_day.between(today, today + WEEK))),
        objections=count(select(func.count()).select_from(Objection)
                         .join(PublicNotice, PublicNotice.id == Objection.notice_id)
                         .join(Firm, Firm.id == PublicNotice.firm_id)
                         .where(in_scope, Objection.status == "recorded")),
        assigned=count(candidates.where(Candidate.assigned_to_id == user.id,
                                        Candidate.status.in_(("open", "in_review")))),
        resubmitted=count(candidates.where(Candidate.status == "in_review",
                                           Candidate.id.in_(resubmitted))),
        not_filed=count(select(func.count()).select_from(Firm).where(
            *not_filed_conditions(user, NotFiledFilters(fiscal_year)))),
        deadline=deadline, days_to_deadline=(deadline - today).days,
        spot_checks=count(select(func.count()).select_from(SpotCheckItem)
                          .join(Firm, Firm.id == SpotCheckItem.firm_id)
                          .where(in_scope, SpotCheckItem.result == "pending")),
    )

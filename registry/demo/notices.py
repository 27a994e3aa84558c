"""The demo's ended public notice: a batch of tech-SME approvals whose period is over, ended by
the district's demo officer, with the certificates issued and the firms told.

It goes through the review's own services (start review, approve, end the batch), so the demo
shows exactly what an officer's work leaves behind. Dates and times derive from as_of, so a seed
gives the same rows.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.demo.accounts import DEMO_DOMAIN
from registry.demo.showcase import SHOWCASES
from registry.models import Candidate, Certificate, Firm, User
from registry.rules import SHANGHAI
from registry.services import certificates, review

DISTRICT = "haishu"
FIRMS = 3
# The approvals were made this many days before as_of: the 10-working-day notice is over.
APPROVED_DAYS_AGO = 30


def ended_notice(session: Session, as_of: dt.date):
    """Approve FIRMS tech-SME candidates of the district a month before as_of and end their
    notice batch on as_of; returns the batch (None when the district has too few firms)."""
    officer = session.scalar(select(User).where(User.email == f"officer.{DISTRICT}@{DEMO_DOMAIN}"))
    firms = session.scalars(select(Firm).where(Firm.district == DISTRICT,
                                               Firm.id > len(SHOWCASES))
                            .order_by(Firm.id).limit(FIRMS)).all()
    if officer is None or len(firms) < FIRMS:
        return None
    approved_on = as_of - dt.timedelta(days=APPROVED_DAYS_AGO)
    notices = []
    for firm in firms:
        candidate = Candidate(firm_id=firm.id, tier="tech_sme", cycle=as_of.year, status="open",
                              district=firm.district, industry_code=firm.industry_code,
                              verdict={"tier": "tech_sme", "status": "eligible", "failed": [],
                                       "as_of": approved_on.isoformat()})
        session.add(candidate)
        session.flush()
        review.start_review(session, candidate, officer)
        notices.append(review.approve(session, candidate, officer, today=approved_on))
    session.flush()
    certificates.end_notice_batch(session, notices[0].batch, notices, officer, as_of)
    created = dt.datetime.combine(approved_on, dt.time(10), SHANGHAI)
    for certificate in session.scalars(select(Certificate).where(
            Certificate.id.in_([notice.certificate_id for notice in notices]))):
        certificate.created_at = created
    return notices[0].batch

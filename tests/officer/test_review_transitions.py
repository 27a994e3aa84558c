"""Every officer decision from every candidate status, through the Flask client: the table of
allowed transitions is what the app does; each allowed move is one audited event, every other
is refused with a clear message and changes nothing."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Candidate, Certificate, Filing, Notification, PublicNotice
from registry.models.candidate import CANDIDATE_STATUSES
from registry.rules import today_in_shanghai
from registry.services import review
from registry.services.review import CANDIDATE_TRANSITIONS, OFFICER_DECISIONS
from tests.factories import CandidateFactory, FilingFactory
from tests.officer.conftest import login

TOMORROW = today_in_shanghai() + dt.timedelta(days=1)


def payload(name: str) -> dict:
    """What the decision's form sends when filled in correctly."""
    return {"reject": {"reason": "研发费用归集不规范"},
            "return": {"reason": "请补充研发项目明细", "filing_year": "2024"},
            "defer": {"until": TOMORROW.isoformat(), "reason": "等待专项审计"},
            }.get(name, {})


def events(session, candidate) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "candidate",
                                                         AuditEvent.object_id == candidate.id)
                                .order_by(AuditEvent.id)))


@pytest.mark.parametrize("status", CANDIDATE_STATUSES)
@pytest.mark.parametrize("name", OFFICER_DECISIONS)
def test_every_decision_from_every_status(client, db_session, officer, firm, name, status):
    FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    candidate = CandidateFactory(firm=firm, status=status)
    login(client, officer)

    response = client.post(f"/officer/candidates/{candidate.id}/{name}", data=payload(name))

    db_session.expire_all()
    transition = CANDIDATE_TRANSITIONS[name]
    if status in transition.sources:
        assert response.status_code == 302, response.get_data(as_text=True)
        assert db_session.get(Candidate, candidate.id).status == transition.target
        [event] = events(db_session, candidate)
        assert event.action == f"candidate_{name}"
        assert event.actor_id == officer.id and event.at is not None
        assert event.details["from_status"] == status
        assert event.details["to_status"] == transition.target
        assert event.details["reason"] == (payload(name).get("reason") or None)
    else:
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert 'id="problem"' in page and "cannot be moved this way" in page
        assert db_session.get(Candidate, candidate.id).status == status
        assert events(db_session, candidate) == []


@pytest.mark.parametrize("name", ["close", "reopen", "resubmitted", "withdraw", "nonsense"])
def test_transitions_that_are_not_officer_decisions_are_not_routes(client, db_session, officer,
                                                                   candidate, name):
    login(client, officer)
    assert client.post(f"/officer/candidates/{candidate.id}/{name}").status_code == 404
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).status == "open"


@pytest.mark.parametrize("name", ["reject", "return"])
def test_reject_and_return_need_a_reason(client, db_session, officer, firm, name):
    FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    response = client.post(f"/officer/candidates/{candidate.id}/{name}",
                           data={**payload(name), "reason": "  "})
    assert response.status_code == 409
    assert "A reason is required" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).status == "in_review"
    assert db_session.scalar(select(Filing.status).where(Filing.firm_id == firm.id)) == "submitted"


@pytest.mark.parametrize("until", ["", today_in_shanghai().isoformat()])
def test_defer_needs_a_later_date(client, db_session, officer, firm, until):
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    response = client.post(f"/officer/candidates/{candidate.id}/defer", data={"until": until})
    assert response.status_code == 409
    assert "Choose a date after today" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).status == "in_review"


def test_start_review_assigns_the_officer(client, db_session, officer, candidate):
    login(client, officer)
    client.post(f"/officer/candidates/{candidate.id}/start_review")
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).assigned_to_id == officer.id


def test_assigning_a_candidate_is_audited_and_kept_to_its_district(client, db_session, officer,
                                                                  other_officer, candidate):
    login(client, officer)
    path = f"/officer/candidates/{candidate.id}/assign"
    assert client.post(path, data={"assignee": str(other_officer.id)}).status_code == 409
    assert client.post(path, data={"assignee": str(officer.id)}).status_code == 302
    client.post(path, data={"assignee": str(officer.id)})     # the same again: no change
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).assigned_to_id == officer.id
    assert len(db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "candidate_assign", AuditEvent.object_id == candidate.id)).all()) == 1
    client.post(path, data={"assignee": ""})
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).assigned_to_id is None


def test_approval_starts_a_public_notice_and_tells_the_firm(client, db_session, officer, firm):
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    response = client.post(f"/officer/candidates/{candidate.id}/approve")
    assert response.status_code == 302
    notice = db_session.scalar(select(PublicNotice)
                               .where(PublicNotice.candidate_id == candidate.id))
    assert notice.status == "running" and notice.working_days == 10
    assert notice.first_day > today_in_shanghai()
    certificate = db_session.get(Certificate, notice.certificate_id)
    assert (certificate.status, certificate.tier, certificate.number) == \
        ("public_notice", "hnte", None)
    assert certificate.issued == notice.last_day + dt.timedelta(days=1)
    [message] = db_session.scalars(select(Notification).where(Notification.firm_id == firm.id))
    assert message.kind == "approved" and message.details["last_day"] == notice.last_day.isoformat()


def test_return_sends_the_filing_back_and_resubmission_resumes_review(client, db_session, officer,
                                                                      firm, firm_user):
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    response = client.post(f"/officer/candidates/{candidate.id}/return", data=payload("return"))
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Filing, filing.id).status == "returned"
    assert db_session.get(Filing, filing.id).officer_comment == "请补充研发项目明细"
    assert db_session.get(Candidate, candidate.id).status == "returned"
    message = db_session.scalar(select(Notification).where(Notification.kind == "returned"))
    assert message.details == {"tier": "hnte", "reason": "请补充研发项目明细", "fiscal_year": 2024}

    # The firm corrects and resubmits the filing: the candidate is back in review at once.
    login(client, firm_user)
    page = client.get("/portal/filings/2024").get_data(as_text=True)
    figures = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    response = client.post("/portal/filings/2024", data={**figures, "action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db_session.expire_all()
    assert db_session.get(Filing, filing.id).status == "submitted"
    assert db_session.get(Candidate, candidate.id).status == "in_review"
    assert events(db_session, candidate)[-1].action == "candidate_resubmitted"
    assert events(db_session, candidate)[-1].actor_id == firm_user.id


def test_return_needs_a_submitted_filing_of_the_firm(client, db_session, officer, firm):
    FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    response = client.post(f"/officer/candidates/{candidate.id}/return", data=payload("return"))
    assert response.status_code == 409
    assert "Choose a submitted filing" in response.get_data(as_text=True)


def test_a_concurrent_change_is_refused(db_session, officer, candidate):
    """Another officer (or the scan) moved the candidate after this one loaded it."""
    from sqlalchemy import update
    db_session.execute(update(Candidate).where(Candidate.id == candidate.id)
                       .values(status="closed").execution_options(synchronize_session=False))
    with pytest.raises(review.ReviewError, match="changed meanwhile"):
        review.start_review(db_session, candidate, officer)
    assert candidate.status == "closed"


def test_the_candidate_page_offers_only_allowed_decisions(client, officer, firm):
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    page = client.get(f"/officer/candidates/{candidate.id}").get_data(as_text=True)
    for name in OFFICER_DECISIONS:
        assert (f'id="form-{name}"' in page) == ("in_review" in CANDIDATE_TRANSITIONS[name].sources)


def test_decisions_need_the_csrf_token(csrf_app, client, db_session, officer, firm):
    from tests.officer.conftest import csrf_token
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    assert client.post(f"/officer/candidates/{candidate.id}/approve").status_code == 400
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).status == "in_review"
    token = csrf_token(client, f"/officer/candidates/{candidate.id}")
    response = client.post(f"/officer/candidates/{candidate.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302

"""Public notices on the official calendar, objections, the daily pass, revocation."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Candidate, Certificate, Notification, PublicNotice
from registry.services import certificates, review
from registry.services.calendar import WorkingDays, missing_calendar_warnings
from tests.factories import CandidateFactory, CertificateFactory, FilingFactory
from tests.officer.conftest import login


@pytest.fixture
def committed(app, db_session):
    """Run a service call in a request context of its own and commit it (into the test's
    transaction), so that later client requests see its work."""
    def run(call):
        with app.test_request_context():
            result = call(db_session)
            db_session.commit()
            return result
    return run


# Friday 26 September 2025: the working days run over Sunday 28 September (a make-up working day),
# skip 1-8 October (National Day and Mid-Autumn) and include Saturday 11 October (make-up).
APPROVED_ON = dt.date(2025, 9, 26)
LAST_DAY = dt.date(2025, 10, 16)


def test_working_days_follow_the_official_calendar(db_session):
    days = WorkingDays(db_session)
    assert days.is_working_day(dt.date(2025, 9, 28))        # Sunday, 调休上班
    assert not days.is_working_day(dt.date(2025, 10, 1))    # National Day
    assert not days.is_working_day(dt.date(2025, 10, 6))    # a Monday inside the holiday
    assert days.is_working_day(dt.date(2025, 10, 11))       # Saturday, 调休上班
    assert not days.is_working_day(dt.date(2025, 10, 12))   # an ordinary Sunday
    assert days.period(APPROVED_ON, 10) == (dt.date(2025, 9, 28), LAST_DAY)
    assert days.count(dt.date(2025, 9, 28), LAST_DAY) == 10
    # Spring Festival 2026: 15-23 February off, Saturday 14 and 28 February worked.
    assert days.period(dt.date(2026, 2, 13), 2) == (dt.date(2026, 2, 14), dt.date(2026, 2, 24))
    assert days.missing_years == set()


def test_a_year_without_calendar_counts_monday_to_friday_and_says_so(db_session):
    days = WorkingDays(db_session)
    # 1 January 2030 is a Tuesday: without a calendar it is a working day.
    assert days.period(dt.date(2029, 12, 31), 3) == (dt.date(2030, 1, 1), dt.date(2030, 1, 3))
    assert days.missing_years == {2030}
    assert missing_calendar_warnings(days.missing_years) == [
        "No official calendar for 2030: counted Monday to Friday, holidays ignored."]


def test_a_notice_over_a_missing_year_keeps_the_warning(client, db_session, committed, officer,
                                                       firm):
    candidate_id = CandidateFactory(firm=firm).id
    notice_id = committed(lambda session: approve(
        session, officer, session.get(Candidate, candidate_id), on=dt.date(2030, 3, 1)).id)
    assert db_session.get(PublicNotice, notice_id).calendar_missing_years == [2030]
    login(client, officer)
    page = client.get(f"/officer/notices/{notice_id}", headers={"Accept-Language": "en"})
    assert "No official calendar for 2030" in page.get_data(as_text=True)


def approve(session, officer, candidate, on=APPROVED_ON, **options):
    candidate.status = "in_review"
    session.flush()
    return review.approve(session, candidate, officer, today=on, **options)


def test_the_daily_pass_certifies_a_notice_that_ended(in_request, db_session, officer, firm):
    candidate = CandidateFactory(firm=firm, tier="hnte", cycle=2025)
    notice = approve(db_session, officer, candidate)
    assert (notice.first_day, notice.last_day) == (dt.date(2025, 9, 28), LAST_DAY)

    assert certificates.daily_pass(db_session, LAST_DAY)["certified"] == 0   # still running
    summary = certificates.daily_pass(db_session, LAST_DAY + dt.timedelta(days=1))
    assert summary["certified"] == 1
    certificate = db_session.get(Certificate, notice.certificate_id)
    assert certificate.status == "valid"
    assert certificate.number == "GR202533020000001"
    assert certificate.issued == dt.date(2025, 10, 17)
    assert certificate.expires == dt.date(2028, 10, 16)      # issue + 3 years - 1 day
    assert notice.status == "concluded"
    message = db_session.scalar(select(Notification).where(Notification.kind == "certified"))
    assert message.details["number"] == "GR202533020000001"
    # Idempotent: the same day again (or a second beat) changes nothing.
    assert certificates.daily_pass(db_session, LAST_DAY + dt.timedelta(days=1)) == \
        {"certified": 0, "expired": 0, "reopened": 0, "resumed": 0}


def test_numbers_continue_the_year_sequence(in_request, db_session, officer, firm, other_firm):
    CertificateFactory(firm=other_firm, number="GR202533020000041", issued=dt.date(2025, 3, 1),
                       expires=dt.date(2028, 2, 28))
    notice = approve(db_session, officer, CandidateFactory(firm=firm))
    certificates.daily_pass(db_session, LAST_DAY + dt.timedelta(days=3))
    assert db_session.get(Certificate, notice.certificate_id).number == "GR202533020000042"


def test_a_certificate_issued_on_29_february_expires_the_day_before_its_anniversary(db_session):
    assert review.expiry_date(db_session, "hnte", dt.date(2028, 2, 29)) == dt.date(2031, 2, 27)
    assert review.expiry_date(db_session, "hnte", dt.date(2025, 10, 1)) == dt.date(2028, 9, 30)


def test_a_tech_sme_registration_takes_an_explicit_end_date(in_request, db_session, officer, firm):
    notice = approve(db_session, officer, CandidateFactory(firm=firm, tier="tech_sme"))
    certificates.daily_pass(db_session, LAST_DAY + dt.timedelta(days=1))
    certificate = db_session.get(Certificate, notice.certificate_id)
    assert certificate.expires == dt.date(2025, 12, 31)       # the bureau's default
    assert certificate.number.startswith("2025330200A")

    other = approve(db_session, officer, CandidateFactory(firm=firm, tier="tech_sme", cycle=2026),
                    valid_until=dt.date(2026, 6, 30))
    assert db_session.get(Certificate, other.certificate_id).expires == dt.date(2026, 6, 30)
    with pytest.raises(review.ReviewError, match="before the issue date"):
        approve(db_session, officer, CandidateFactory(firm=firm, tier="tech_sme", cycle=2027),
                valid_until=dt.date(2025, 10, 1))


def test_an_undecided_objection_holds_the_certificate(in_request, db_session, officer, firm):
    notice = approve(db_session, officer, CandidateFactory(firm=firm))
    objection = review.record_objection(db_session, notice, officer, received_on=LAST_DAY,
                                        objector="匿名", summary="研发人员数量与社保记录不符")
    after = LAST_DAY + dt.timedelta(days=1)
    assert certificates.daily_pass(db_session, after)["certified"] == 0
    review.dismiss_objection(db_session, objection, officer, "经核查社保记录相符")
    assert certificates.daily_pass(db_session, after)["certified"] == 1
    assert db_session.get(Certificate, notice.certificate_id).status == "valid"


def test_an_upheld_objection_withdraws_the_approval(in_request, db_session, officer, firm):
    candidate = CandidateFactory(firm=firm)
    notice = approve(db_session, officer, candidate)
    objection = review.record_objection(db_session, notice, officer,
                                        received_on=dt.date(2025, 10, 9), objector="",
                                        summary="知识产权存在权属争议")
    with pytest.raises(review.ReviewError, match="reason"):
        review.uphold_objection(db_session, objection, officer, " ")
    review.uphold_objection(db_session, objection, officer, "权属争议属实")
    certificate = db_session.get(Certificate, notice.certificate_id)
    assert (certificate.status, certificate.reason) == ("withdrawn", "权属争议属实")
    assert notice.status == "withdrawn" and candidate.status == "rejected"
    assert certificates.daily_pass(db_session, LAST_DAY + dt.timedelta(days=1))["certified"] == 0
    actions = list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-4:] == ["objection_record", "objection_uphold", "certificate_withdraw",
                            "candidate_withdraw"]
    assert db_session.scalar(select(Notification.kind).order_by(Notification.id.desc())) == \
        "withdrawn"


def test_objections_only_during_the_notice(in_request, db_session, officer, firm):
    notice = approve(db_session, officer, CandidateFactory(firm=firm))
    for day in (APPROVED_ON, LAST_DAY + dt.timedelta(days=1)):
        with pytest.raises(review.ReviewError, match="Objections are received from"):
            review.record_objection(db_session, notice, officer, received_on=day, objector="",
                                    summary="x")


def test_expired_certificates_and_deferred_candidates(in_request, db_session, officer, firm):
    certificate = CertificateFactory(firm=firm, issued=dt.date(2022, 1, 5),
                                     expires=dt.date(2025, 1, 4))
    candidate = CandidateFactory(firm=firm, status="in_review")
    review.defer(db_session, candidate, officer, dt.date(2025, 3, 1), today=dt.date(2025, 1, 2))
    assert certificates.daily_pass(db_session, dt.date(2025, 1, 4)) == \
        {"certified": 0, "expired": 0, "reopened": 0, "resumed": 0}
    assert certificates.daily_pass(db_session, dt.date(2025, 3, 1)) == \
        {"certified": 0, "expired": 1, "reopened": 1, "resumed": 0}
    db_session.expire_all()
    assert db_session.get(Certificate, certificate.id).status == "expired"
    reopened = db_session.get(Candidate, candidate.id)
    assert (reopened.status, reopened.deferred_until) == ("open", None)
    reopen_event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "candidate_reopen"))
    assert reopen_event.actor_id is None and reopen_event.details["to_status"] == "open"


def test_the_daily_pass_job_commits_its_work(app, db_session, committed, officer, firm,
                                             monkeypatch):
    candidate_id = CandidateFactory(firm=firm).id
    notice_id = committed(lambda session: approve(session, officer,
                                                  session.get(Candidate, candidate_id)).id)
    monkeypatch.setattr(certificates, "today_in_shanghai", lambda: LAST_DAY + dt.timedelta(days=1))
    with app.app_context():
        assert certificates.daily_pass_job()["certified"] == 1
    certificate_id = db_session.get(PublicNotice, notice_id).certificate_id
    assert db_session.get(Certificate, certificate_id).status == "valid"


def test_revocation_needs_a_reason_and_bars_the_year(client, db_session, officer, firm):
    certificate = CertificateFactory(firm=firm, tier="hnte")
    login(client, officer)
    response = client.post(f"/officer/certificates/{certificate.id}/revoke", data={"reason": ""})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Certificate, certificate.id).status == "valid"

    client.post(f"/officer/certificates/{certificate.id}/revoke",
                data={"reason": "经复核不符合认定条件"})
    db_session.expire_all()
    revoked = db_session.get(Certificate, certificate.id)
    assert (revoked.status, revoked.reason) == ("revoked", "经复核不符合认定条件")
    assert db_session.scalar(select(Notification.kind).where(Notification.firm_id == firm.id)) == \
        "revoked"

    candidate = CandidateFactory(firm=firm, tier="hnte", cycle=2026)
    response = client.post(f"/officer/candidates/{candidate.id}/start_review")
    assert response.status_code == 409
    assert "may not apply again before next year" in response.get_data(as_text=True)
    # Another tier is not barred.
    other = CandidateFactory(firm=firm, tier="tech_sme", cycle=2026)
    assert client.post(f"/officer/candidates/{other.id}/start_review").status_code == 302
    # Revoking twice is refused clearly.
    client.post(f"/officer/certificates/{certificate.id}/revoke", data={"reason": "再次"})
    assert db_session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "certificate_revoke").offset(1)) is None


def test_objections_through_the_client(client, db_session, committed, officer, firm):
    candidate_id = CandidateFactory(firm=firm).id
    notice_id = committed(lambda session: approve(
        session, officer, session.get(Candidate, candidate_id)).id)
    notice = db_session.get(PublicNotice, notice_id)
    login(client, officer)
    response = client.post(f"/officer/notices/{notice.id}/objections",
                           data={"received_on": "2025-10-09", "objector": "某公司",
                                 "summary": "技术领域申报有误"})
    assert response.status_code == 302
    db_session.expire_all()
    [objection] = notice.objections
    assert client.post(f"/officer/objections/{objection.id}/uphold",
                       data={"reason": ""}).status_code == 400
    assert client.post(f"/officer/objections/{objection.id}/uphold",
                       data={"reason": "属实"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Certificate, notice.certificate_id).status == "withdrawn"
    again = client.post(f"/officer/objections/{objection.id}/dismiss", data={"reason": "x"})
    assert again.status_code == 409


def test_the_daily_pass_resumes_a_returned_candidate_whose_firm_filed_again(in_request, officer,
                                                                           firm, firm_user):
    from registry.models.base import utcnow
    session = in_request
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    candidate = CandidateFactory(firm=firm, status="in_review")
    review.return_to_firm(session, candidate, officer, "请补充研发项目明细", filing)
    assert certificates.daily_pass(session, APPROVED_ON)["resumed"] == 0
    filing.status, filing.submitted_at = "submitted", utcnow()   # what the portal's submit does
    session.flush()
    assert certificates.daily_pass(session, APPROVED_ON)["resumed"] == 1
    assert candidate.status == "in_review"
    assert certificates.daily_pass(session, APPROVED_ON)["resumed"] == 0

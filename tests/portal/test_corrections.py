"""Correcting an accepted filing (the firm asks, an officer reopens or declines, or reopens on
their own), and every return telling the firm: inbox message, mail, ladder held as pending."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, FilingRevision, Notification, OutboxMail
from registry.services import filings
from tests.factories import UserFactory
from tests.portal.conftest import LAST_YEAR
from tests.portal.test_filing_service import FIGURES


@pytest.fixture(autouse=True)
def _in_app(app, db_session):
    """Services run in a request's context; the test's objects are made in the same one."""
    with app.test_request_context():
        yield


@pytest.fixture
def officer(db_session, district):
    return UserFactory(officer=True, districts=[district], email="officer@bureau.example")


@pytest.fixture
def accepted(db_session, firm, firm_user, officer):
    filing = filings.new_filing(db_session, firm, LAST_YEAR)
    filings.submit(db_session, filing, firm_user, FIGURES)
    filings.accept(db_session, filing, officer)
    return filing


def _actions(session) -> list[str]:
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _messages(session, firm) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.firm_id == firm.id)
                                .order_by(Notification.id)))


def test_firm_requests_officer_reopens_firm_corrects_officer_accepts_again(
        app, db_session, firm, firm_user, officer, accepted):
    app.config["MAIL_SERVER"] = "smtp.example"
    try:
        correction = filings.request_correction(db_session, accepted, firm_user,
                                                "营业收入漏报了一笔 37.2 万元")
        assert correction.status == "requested" and accepted.status == "accepted"
        # The officers of the district are mailed.
        mails = db_session.scalars(select(OutboxMail)).all()
        assert [m.recipient for m in mails] == ["officer@bureau.example"]
        with pytest.raises(filings.WrongStatus):  # one open request at a time
            filings.request_correction(db_session, accepted, firm_user, "again")

        filings.reopen(db_session, accepted, officer, "请补充营业收入")
        assert accepted.status == "returned" and not accepted.counts
        assert correction.status == "reopened" and correction.decided_by_id == officer.id
        filings.submit(db_session, accepted, firm_user,
                       {**FIGURES, "revenue": Decimal("987.2"), "total_income": Decimal(1100)})
        recipients = [m.recipient for m in db_session.scalars(select(OutboxMail)
                                                              .order_by(OutboxMail.id))]
        # Asked: the officers; reopened: the firm's users; resubmitted: the officers again.
        assert recipients == ["officer@bureau.example", firm_user.email,
                              "officer@bureau.example"]
        filings.accept(db_session, accepted, officer)
    finally:
        app.config["MAIL_SERVER"] = None
    assert accepted.status == "accepted" and correction.status == "completed"
    # The revisions are kept: the whole story is on the filing.
    actions = [r.action for r in db_session.scalars(
        select(FilingRevision).where(FilingRevision.filing_id == accepted.id)
        .order_by(FilingRevision.number))]
    assert actions == ["submit", "accept", "reopen", "submit", "accept"]
    assert [m.kind for m in _messages(db_session, firm)] == ["reopened", "correction_accepted"]
    assert _actions(db_session)[-6:] == [
        "filing_correction_request", "filing_reopen", "filing_correction_reopen", "filing_submit",
        "filing_accept", "filing_correction_complete"]


def test_officer_reopens_on_their_own_with_a_reason(app, db_session, firm, officer, accepted):
    with pytest.raises(filings.FilingError):
        filings.reopen(db_session, accepted, officer, " ")
    correction = filings.reopen(db_session, accepted, officer, "研发费用归集口径有误")
    assert correction.status == "reopened" and correction.requested_by_id == officer.id
    assert accepted.status == "returned" and accepted.officer_comment == "研发费用归集口径有误"
    message = _messages(db_session, firm)[-1]
    assert message.kind == "reopened" and message.details["reason"] == "研发费用归集口径有误"


def test_a_declined_request_leaves_the_filing_accepted(app, db_session, firm, firm_user, officer,
                                                       accepted):
    correction = filings.request_correction(db_session, accepted, firm_user, "想改一下")
    filings.decline_correction(db_session, correction, officer, "数据已核实，无需更正")
    with pytest.raises(filings.WrongStatus):
        filings.decline_correction(db_session, correction, officer, "again")
    assert accepted.status == "accepted" and correction.status == "declined"
    assert _messages(db_session, firm)[-1].kind == "correction_declined"


def test_only_accepted_filings_of_the_own_firm_or_district_can_be_corrected(
        app, db_session, firm, firm_user, officer, accepted, districts_other_officer):
    with pytest.raises(filings.NotAllowed):
        filings.request_correction(db_session, accepted, officer, "not a firm user")
    with pytest.raises(filings.NotAllowed):
        filings.reopen(db_session, accepted, districts_other_officer, "other district")
    filings.reopen(db_session, accepted, officer, "first")
    with pytest.raises(filings.WrongStatus):
        filings.reopen(db_session, accepted, officer, "twice")
    with pytest.raises(filings.WrongStatus):
        filings.request_correction(db_session, accepted, firm_user, "not accepted now")


@pytest.fixture
def districts_other_officer(db_session):
    from tests.factories import DistrictFactory
    return UserFactory(officer=True, districts=[DistrictFactory(code="jiangbei")],
                       email="jiangbei@bureau.example")




def test_the_corrections_to_handle_are_those_of_the_officer_s_districts(
        db_session, firm, firm_user, officer, accepted):
    from tests.factories import DistrictFactory, FirmFactory
    DistrictFactory(code="jiangbei")
    elsewhere = FirmFactory(name="江北精工有限公司", district="jiangbei")
    elsewhere_user = UserFactory(firm=elsewhere, email="clerk@jiangbei.example")
    admin = UserFactory(role="admin", email="admin@bureau.example")
    other = filings.new_filing(db_session, elsewhere, LAST_YEAR)
    filings.submit(db_session, other, elsewhere_user, FIGURES)
    filings.accept(db_session, other, admin)
    requested = filings.request_correction(db_session, accepted, firm_user, "漏报一笔收入")
    filings.request_correction(db_session, other, elsewhere_user, "员工人数有误")
    assert filings.open_corrections(db_session, officer) == [(requested, firm)]
    assert filings.corrections_to_decide(db_session, officer) == 1
    assert filings.corrections_to_decide(db_session, admin) == 2
    assert filings.open_corrections_of_firm(db_session, firm.id) == {accepted.id: requested}
    filings.reopen(db_session, accepted, officer, "请补充")
    assert filings.corrections_to_decide(db_session, officer) == 0
    assert [c.status for c, _firm in filings.open_corrections(db_session, officer)] == ["reopened"]

"""Firms change too (issue 10, item 9): a deregistered firm (注销) keeps its file and history but
leaves queues, lists, programmes' lists, indicators, scans and `facts export` from that date; a
firm moved to another district takes its candidates along, and scope follows the current
district. Every change is audited and kept in the firm's history."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Candidate, FirmFactChange
from registry.models.firm import active_on
from registry.rules import today_in_shanghai
from registry.services import indicators
from registry.services.facts import export_facts
from tests.factories import (
    CandidateFactory,
    CertificateFactory,
    FilingFactory,
    FirmFlagFactory,
    IncentiveOpportunityFactory,
)
from tests.officer.conftest import login

NAME = "甬江智能科技有限公司"


@pytest.fixture
def listed(db_session, firm):
    """The firm in every list: a candidate, a flag, an opportunity, no filing for last year."""
    FilingFactory(firm=firm, fiscal_year=2023, status="accepted")
    CertificateFactory(firm=firm, tier="hnte", issued=dt.date(2024, 1, 1),
                       expires=dt.date(2026, 12, 31))
    candidate = CandidateFactory(firm=firm, tier="gazelle", cycle=2025)
    FirmFlagFactory(firm=firm, flag="hnte_near_miss", cycle=2025)
    IncentiveOpportunityFactory(firm=firm, cycle=2025)
    return candidate


LISTS = ("/officer/queue?status=all&cycle=2025", "/officer/firms",
         "/officer/outreach/hnte_near_miss?cycle=2025",
         "/officer/outreach/rd_super_deduction?cycle=2025", "/officer/not-filed")


def _deregister(client, firm, day, reason="营业执照已注销"):
    return client.post(f"/officer/firms/{firm.id}/deregister",
                       data={"on": day.isoformat(), "reason": reason})


def test_a_deregistered_firm_leaves_every_list_and_keeps_its_file(client, db_session, officer,
                                                                  firm, listed):
    login(client, officer)
    for path in LISTS:
        assert NAME in client.get(path).get_data(as_text=True), path
    day = today_in_shanghai() - dt.timedelta(days=3)
    response = _deregister(client, firm, day)
    assert response.status_code == 302
    assert "is deregistered" in client.get(response.headers["Location"]).get_data(as_text=True)
    for path in LISTS:
        assert NAME not in client.get(path).get_data(as_text=True), path
    page = client.get(f"/officer/firms/{firm.id}")
    assert page.status_code == 200 and 'id="deregistered"' in page.get_data(as_text=True)
    change = db_session.scalar(select(FirmFactChange).where(FirmFactChange.firm_id == firm.id))
    assert (change.field, change.old_value, change.new_value) == (
        "deregistered_on", None, day.isoformat())
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "firm_deregistered"))
    assert event.firm_id == firm.id and event.details["on"] == day.isoformat()


def test_active_on_is_the_date_rule(db_session, firm):
    day = dt.date(2025, 3, 31)
    firm.deregistered_on = day
    db_session.flush()
    counted = {as_of: db_session.scalar(select(firm.__class__.id).where(active_on(as_of)))
               for as_of in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1))}
    assert counted == {day - dt.timedelta(days=1): firm.id, day: None,
                       day + dt.timedelta(days=1): None}
    assert firm.is_active_on(day - dt.timedelta(days=1)) and not firm.is_active_on(day)


def test_facts_export_leaves_out_firms_deregistered_on_or_before_its_date(db_session, firm,
                                                                        other_firm):
    firm.deregistered_on = dt.date(2025, 3, 31)
    db_session.flush()

    def exported(as_of):
        return {entry["id"] for entry in export_facts(db_session, as_of)}
    assert exported(dt.date(2025, 3, 30)) == {firm.credit_code, other_firm.credit_code}
    assert exported(dt.date(2025, 3, 31)) == {other_firm.credit_code}


def test_indicators_count_the_firm_until_its_deregistration(in_request, firm, listed):
    db_session = in_request
    def total(as_of):
        return sum(indicators.compute(db_session, as_of, district="haishu")["haishu"]
                   .counts.values())
    before = total(dt.date(2025, 6, 30))
    assert before > 0
    firm.deregistered_on = dt.date(2025, 6, 30)
    db_session.flush()
    assert total(dt.date(2025, 6, 29)) > 0
    assert total(dt.date(2025, 6, 30)) == 0


@pytest.mark.parametrize("day, reason, status, message", [
    (dt.timedelta(days=1), "x", 409, "cannot be in the future"),
    (None, "x", 409, "cannot be deregistered before"),
    (dt.timedelta(days=0), "", 400, "This field is required"),
])
def test_a_wrong_deregistration_is_refused_next_to_its_field(client, db_session, officer, firm,
                                                             day, reason, status, message):
    login(client, officer)
    on = (today_in_shanghai() + day) if day is not None else firm.founded - dt.timedelta(days=1)
    response = _deregister(client, firm, on, reason)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page and 'class="invalid-feedback"' in page
    assert firm.deregistered_on is None


def test_undo_a_deregistration(client, db_session, officer, firm, listed):
    login(client, officer)
    _deregister(client, firm, today_in_shanghai())
    response = client.post(f"/officer/firms/{firm.id}/reinstate", data={"reason": "录入错误"})
    assert response.status_code == 302
    db_session.refresh(firm)
    assert firm.deregistered_on is None
    assert NAME in client.get("/officer/firms").get_data(as_text=True)
    assert [c.field for c in db_session.scalars(select(FirmFactChange).where(
        FirmFactChange.firm_id == firm.id))] == ["deregistered_on", "deregistered_on"]


def test_a_moved_firm_follows_its_new_district(client, db_session, officer, other_officer, admin,
                                               firm, listed):
    listed.assigned_to_id = officer.id
    db_session.flush()
    login(client, officer)
    response = client.post(f"/officer/firms/{firm.id}/move", data={"district": "jiangbei"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/firms")
    assert "now belongs to" in client.get(response.headers["Location"]).get_data(as_text=True)
    # The officer of haishu no longer sees it; the officer of jiangbei does, candidate and all.
    assert client.get(f"/officer/firms/{firm.id}").status_code == 404
    assert NAME not in client.get("/officer/queue?status=all&cycle=2025").get_data(as_text=True)
    login(client, other_officer)
    assert client.get(f"/officer/firms/{firm.id}").status_code == 200
    assert NAME in client.get("/officer/queue?status=all&cycle=2025").get_data(as_text=True)
    candidate = db_session.get(Candidate, listed.id)
    db_session.refresh(candidate)
    assert candidate.district == "jiangbei" and candidate.assigned_to_id is None
    change = db_session.scalar(select(FirmFactChange).where(FirmFactChange.firm_id == firm.id))
    assert (change.field, change.old_value, change.new_value) == ("district", "haishu",
                                                                  "jiangbei")
    assert db_session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == "firm_moved")) == {"from_district": "haishu",
                                                "to_district": "jiangbei"}


def test_a_move_to_an_unknown_district_is_refused(client, db_session, officer, firm):
    login(client, officer)
    response = client.post(f"/officer/firms/{firm.id}/move", data={"district": "atlantis"})
    assert response.status_code == 400
    assert firm.district == "haishu"

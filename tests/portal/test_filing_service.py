"""The filing state machine: draft -> submitted -> accepted, submitted -> returned -> submitted,
each step an audited revision with the actor checked."""
from __future__ import annotations

from decimal import Decimal

import pytest

from registry.jobs import sent_jobs
from registry.models import AuditEvent, FilingRevision
from registry.services import filings
from tests.factories import DistrictFactory, FirmFactory, UserFactory
from tests.portal.conftest import LAST_YEAR

FIGURES = {"total_income": Decimal(1000), "revenue": Decimal(950),
           "hightech_income": Decimal(700), "rd_expense": Decimal(60),
           "rd_domestic": Decimal(55), "employees": Decimal(50), "st_staff": Decimal(12),
           "total_cost": Decimal(900), "total_assets": Decimal(1500),
           "net_assets": Decimal(800), "taxable_income": Decimal(100), "input_vat": None}


@pytest.fixture(autouse=True)
def _in_app(app, db_session):
    """Services run in a request's context (db.session, current_app, the language), and the
    test's objects are made in the same one."""
    with app.test_request_context():
        yield


@pytest.fixture
def officer(db_session, district):
    return UserFactory(officer=True, districts=[district], email="officer@bureau.example")


@pytest.fixture
def filing(db_session, firm):
    return filings.new_filing(db_session, firm, LAST_YEAR)


def _submitted(session, filing, user):
    filings.submit(session, filing, user, FIGURES)
    return filing


def test_draft_submit_accept_each_an_audited_revision(app, db_session, filing, firm_user, officer):
    filings.save_draft(db_session, filing, firm_user, {"revenue": Decimal(900)})
    filings.submit(db_session, filing, firm_user, FIGURES)
    filings.accept(db_session, filing, officer)
    assert filing.status == "accepted" and filing.revision == 3 and filing.counts
    revisions = db_session.query(FilingRevision).order_by(FilingRevision.number).all()
    assert [(r.action, r.status) for r in revisions] == [
        ("save", "draft"), ("submit", "submitted"), ("accept", "accepted")]
    assert revisions[1].changes["revenue"] == ["900", "950"]
    actions = [e.action for e in db_session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["filing_save", "filing_submit", "filing_accept"]


def test_return_needs_a_comment_and_stops_the_filing_counting(app, db_session, filing, firm_user,
                                                              officer):
    _submitted(db_session, filing, firm_user)
    with pytest.raises(filings.FilingError):
        filings.return_filing(db_session, filing, officer, "  ")
    filings.return_filing(db_session, filing, officer, "R&D looks too low: check it.")
    assert filing.status == "returned" and not filing.counts
    assert filing.officer_comment == "R&D looks too low: check it."
    # The firm corrects and submits again.
    filings.submit(db_session, filing, firm_user, {**FIGURES, "rd_expense": Decimal(80)})
    assert filing.status == "submitted" and filing.officer_comment is None


def test_a_submitted_filing_cannot_be_saved_or_submitted_again(app, db_session, filing, firm_user):
    _submitted(db_session, filing, firm_user)
    with pytest.raises(filings.WrongStatus):
        filings.save_draft(db_session, filing, firm_user, {"revenue": Decimal(1)})
    with pytest.raises(filings.WrongStatus):
        filings.submit(db_session, filing, firm_user, FIGURES)
    assert filing.revenue == Decimal(950)


def test_only_submitted_filings_can_be_returned_or_accepted(app, db_session, filing, firm_user,
                                                           officer):
    filings.save_draft(db_session, filing, firm_user, FIGURES)
    with pytest.raises(filings.WrongStatus):
        filings.accept(db_session, filing, officer)
    with pytest.raises(filings.WrongStatus):
        filings.return_filing(db_session, filing, officer, "no")


def test_the_actor_is_checked(app, db_session, filing, firm_user, officer):
    other_firm_user = UserFactory(firm=FirmFactory())
    outside = UserFactory(officer=True, districts=[DistrictFactory(code="jiangbei")])
    with pytest.raises(filings.NotAllowed):
        filings.save_draft(db_session, filing, other_firm_user, FIGURES)
    with pytest.raises(filings.NotAllowed):
        filings.save_draft(db_session, filing, officer, FIGURES)  # officers do not edit
    _submitted(db_session, filing, firm_user)
    with pytest.raises(filings.NotAllowed):
        filings.accept(db_session, filing, outside)
    with pytest.raises(filings.NotAllowed):
        filings.accept(db_session, filing, firm_user)
    filings.accept(db_session, filing, UserFactory(admin=True))
    assert filing.status == "accepted"


def test_a_pending_firm_prepares_drafts_but_submits_only_once_approved(app, db_session, firm,
                                                                       firm_user):
    firm.status = "pending"
    filing = filings.new_filing(db_session, firm, LAST_YEAR)
    assert filings.save_draft(db_session, filing, firm_user, FIGURES) is not None
    with pytest.raises(filings.NotAllowed):
        filings.submit(db_session, filing, firm_user, FIGURES)
    assert filing.status == "draft"


def test_years_outside_the_firm_s_range_are_refused(app, db_session, firm, firm_user):
    filing = filings.new_filing(db_session, firm, LAST_YEAR + 1)
    with pytest.raises(filings.NotAllowed):
        filings.save_draft(db_session, filing, firm_user, FIGURES)


def test_the_service_refuses_inconsistent_figures_from_any_caller(app, db_session, filing,
                                                                  firm_user):
    with pytest.raises(filings.InvalidFigures) as bad:
        filings.save_draft(db_session, filing, firm_user,
                           {**FIGURES, "rd_domestic": Decimal(61),
                            "revenue": Decimal(-1)})
    assert set(bad.value.errors) == {"rd_domestic", "revenue"}


def test_submit_asks_for_the_firm_s_evaluation_after_commit(app, db_session, filing, firm_user,
                                                            firm):
    sent_jobs().clear()
    _submitted(db_session, filing, firm_user)
    assert ("evaluate_firm", (firm.id,)) not in sent_jobs()  # not before the commit
    db_session.commit()
    assert ("evaluate_firm", (firm.id,)) in sent_jobs()


def test_a_rolled_back_submit_asks_for_nothing(app, db_session, filing, firm_user):
    sent_jobs().clear()
    _submitted(db_session, filing, firm_user)
    db_session.rollback()
    assert sent_jobs() == []


def test_warnings_need_confirmation_and_are_stored(app, db_session, filing, firm_user, firm):
    from tests.factories import FilingFactory
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR - 1, revenue=Decimal(100))
    figures = {**FIGURES, "revenue": Decimal(600), "rd_expense": Decimal(400),
               "rd_domestic": Decimal(400)}
    with pytest.raises(filings.UnconfirmedWarnings) as unconfirmed:
        filings.submit(db_session, filing, firm_user, figures,
                       confirmed=["rd_above_half_revenue"])
    ids = [w["id"] for w in unconfirmed.value.warnings]
    assert ids == ["rd_above_half_revenue", "revenue_fivefold_change"]
    revision = filings.submit(db_session, filing, firm_user, figures, confirmed=ids)
    assert [w["id"] for w in revision.warnings] == ids
    assert revision.warnings[1] == {"id": "revenue_fivefold_change", "revenue": "600",
                                    "previous": "100"}


def test_revenue_falling_five_fold_warns_too():
    from registry.figures import plausibility_warnings
    assert plausibility_warnings({"revenue": Decimal(19)}, {"revenue": Decimal(100)})
    assert not plausibility_warnings({"revenue": Decimal(20)}, {"revenue": Decimal(100)})
    assert not plausibility_warnings({"revenue": Decimal(500)}, {"revenue": Decimal(100)})
    assert not plausibility_warnings({"rd_expense": Decimal(50), "revenue": Decimal(100)}, None)
    assert plausibility_warnings({"rd_expense": Decimal("50.0001"), "revenue": Decimal(100)},
                                 None)


def test_the_first_revision_lists_the_prefilled_headcounts_too(db_session, firm, firm_user):
    from tests.factories import FilingFactory
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR - 1, employees=Decimal(42))
    filing = filings.new_filing(db_session, firm, LAST_YEAR)
    revision = filings.save_draft(db_session, filing, firm_user, {"revenue": Decimal(5)})
    assert revision.changes == {"revenue": [None, "5"], "employees": [None, "42"],
                                "st_staff": [None, "10"]}
    assert filing.employees == Decimal(42)


def test_a_deactivated_officer_of_the_district_may_not_accept(app, db_session, filing, firm_user,
                                                              officer):
    _submitted(db_session, filing, firm_user)
    officer.active = False
    with pytest.raises(filings.NotAllowed):
        filings.accept(db_session, filing, officer)
    assert filing.status == "submitted"

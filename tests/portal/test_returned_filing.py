"""A returned filing tells the firm: one inbox message linking to the filing (from a candidate or
the firm file), an unread count in the menu, and a ladder that says 已退回修改 with the
officer's reason while it keeps the last verdict, pending."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import Candidate, Filing, Notification, User
from registry.services import evaluation, review
from tests.factories import CandidateFactory, FilingFactory, UserFactory
from tests.officer.conftest import login
from tests.portal.conftest import LAST_YEAR


@pytest.fixture
def officer(db_session, district):
    return UserFactory(officer=True, districts=[district], email="officer@bureau.example")


def _messages(session, firm) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.firm_id == firm.id)
                                .order_by(Notification.id)))


def _return_from_firm_file(client, firm, officer, comment: str) -> None:
    login(client, officer)
    response = client.post(f"/officer/firms/{firm.id}/filings/{LAST_YEAR}/return",
                           data={"comment": comment})
    assert response.status_code == 302
    with client.session_transaction() as session:
        session.clear()


def test_a_return_from_the_firm_file_sends_one_message_linking_to_the_filing(
        db_session, client, firm, firm_user, officer):
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR, status="submitted")
    _return_from_firm_file(client, firm, officer, "研发人员数填错了")
    messages = _messages(db_session, firm)
    assert [m.kind for m in messages] == ["returned"]
    assert messages[0].details["reason"] == "研发人员数填错了"
    login(client, firm_user)
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert f'href="/portal/filings/{LAST_YEAR}"' in inbox and "研发人员数填错了" in inbox
    # The menu counts the unread message, on every page.
    ladder = client.get("/portal/").get_data(as_text=True)
    assert 'data-badge="inbox.index">1<' in ladder


def test_a_return_from_a_candidate_sends_exactly_one_message(app, db_session, firm, officer):
    ids = (FilingFactory(firm=firm, fiscal_year=LAST_YEAR, status="submitted").id,
           CandidateFactory(firm=firm, tier="hnte", cycle=LAST_YEAR + 1).id, officer.id)
    with app.test_request_context():
        filing, candidate, officer = (db_session.get(model, id_) for model, id_ in
                                      zip((Filing, Candidate, User), ids, strict=True))
        review.start_review(db_session, candidate, officer)
        review.return_to_firm(db_session, candidate, officer, "高新收入占比需核实", filing)
        db_session.commit()
    messages = _messages(db_session, firm)
    assert [(m.kind, m.details["tier"]) for m in messages] == [("returned", "hnte")]


def test_the_ladder_says_returned_and_keeps_the_last_verdict_pending(
        app, db_session, client, firm, firm_user, officer):
    for year in (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR):
        FilingFactory(firm=firm, fiscal_year=year, status="accepted" if year < LAST_YEAR
                      else "submitted")
    with app.app_context():
        evaluation.evaluate_firm(firm.id)
        before = {tier: entry["status"] for tier, entry in
                  evaluation.ladder(db_session, firm.id)["result"]["tiers"].items()}
    assert set(before.values()) - {"insufficient_data"}  # a real verdict to keep
    _return_from_firm_file(client, firm, officer, "请核对总资产")
    with app.app_context():
        evaluation.evaluate_firm(firm.id)   # what the job queued by the return does
        state = evaluation.ladder(db_session, firm.id)
        # Without the hold, the stored verdict lacks the returned year.
        bare = {tier: entry["status"] for tier, entry in next(evaluation.current_results(
            db_session, firm.id, firm.id, state["as_of"],
            evaluation.parameters_for(state["as_of"])[0]))[1]["tiers"].items()}
    assert [f.fiscal_year for f in state["returned"]] == [LAST_YEAR]
    assert not state["pending"]
    assert {tier: entry["status"] for tier, entry in state["result"]["tiers"].items()} == before
    assert bare != before
    login(client, firm_user)
    page = client.get("/portal/").get_data(as_text=True)
    assert f'data-returned="{LAST_YEAR}"' in page and "请核对总资产" in page
    assert 'id="file-last-year"' not in page and "data-held" in page
    assert 'id="evaluating"' not in page


def test_a_reason_ending_its_own_sentence_is_not_punctuated_twice(
        db_session, client, firm, firm_user, officer):
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR, status="submitted")
    _return_from_firm_file(client, firm, officer, "研发人员数填错了。")
    login(client, firm_user)
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "研发人员数填错了. Until you submit it again" in inbox and "。." not in inbox
    with client.session_transaction() as session:
        session["lang"] = "zh"
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "研发人员数填错了。重新提交前" in inbox and "。。" not in inbox

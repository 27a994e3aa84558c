"""催报: the not-filed list reminds the selected firms' users in one action (inbox + mail),
recorded per firm and shown on the list; firms of other districts are never reminded."""
from __future__ import annotations

from sqlalchemy import select

from registry.models import AuditEvent, FilingReminder, Notification, OutboxMail
from registry.rules import today_in_shanghai
from tests.factories import FirmFactory, UserFactory
from tests.officer.conftest import login

LAST_YEAR = today_in_shanghai().year - 1


def test_reminders_reach_the_selected_firms_users_and_are_recorded(app, client, db_session,
                                                                   officer, districts):
    first = FirmFactory(name="未申报甲有限公司", district="haishu")
    second = FirmFactory(name="未申报乙有限公司", district="haishu")
    skipped = FirmFactory(name="未申报丙有限公司", district="haishu")
    elsewhere = FirmFactory(name="江北未申报有限公司", district="jiangbei")
    for n, firm in enumerate((first, second, second, elsewhere)):
        UserFactory(firm=firm, email=f"clerk{n}@remind.example")
    login(client, officer)
    app.config["MAIL_SERVER"] = "smtp.example"
    try:
        response = client.post("/officer/not-filed/remind", data={
            "year": str(LAST_YEAR), "firm": [str(first.id), str(second.id), str(elsewhere.id)]})
    finally:
        app.config["MAIL_SERVER"] = None
    assert response.status_code == 302
    reminders = {r.firm_id: r for r in db_session.scalars(select(FilingReminder))}
    assert set(reminders) == {first.id, second.id}      # never another district's firm
    assert reminders[second.id].recipients == 2 and reminders[first.id].fiscal_year == LAST_YEAR
    kinds = db_session.scalars(select(Notification.firm_id).where(
        Notification.kind == "reminder")).all()
    assert sorted(kinds) == sorted([first.id, second.id])
    assert sorted(db_session.scalars(select(OutboxMail.recipient))) == [
        "clerk0@remind.example", "clerk1@remind.example", "clerk2@remind.example"]
    # The mail links to the filing it asks for, and says so (not "read it in your inbox").
    body = db_session.scalars(select(OutboxMail.body)).first()
    assert f"Open the page: http://localhost/portal/filings/{LAST_YEAR}" in body
    assert "inbox" not in body
    assert len(db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "filing_reminder")).all()) == 2
    page = client.get("/officer/not-filed").get_data(as_text=True)
    assert page.count("data-reminded") == 2 and skipped.name in page


def test_reminding_nobody_says_so(client, db_session, officer, districts):
    login(client, officer)
    client.post("/officer/not-filed/remind", data={"year": str(LAST_YEAR)})
    page = client.get("/officer/not-filed").get_data(as_text=True)
    assert "Choose the firms to remind." in page
    assert not db_session.scalars(select(FilingReminder)).all()


def test_reminding_many_firms_reads_their_users_once(app, db_session, officer, districts):
    from sqlalchemy import event

    from registry.extensions import db
    from registry.services import filings
    firms = [FirmFactory(name=f"未申报{n}号有限公司", district="haishu") for n in range(5)]
    for n, firm in enumerate(firms):
        UserFactory(firm=firm, email=f"clerk{n}@many.example")
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM users" in statement:
            statements.append(statement)

    app.config["MAIL_SERVER"] = "smtp.example"
    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert filings.remind(db_session, officer, firms, LAST_YEAR,
                                  today_in_shanghai()) == 5
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            app.config["MAIL_SERVER"] = None
        assert len(statements) == 1
        assert len(db_session.scalars(select(OutboxMail)).all()) == 5

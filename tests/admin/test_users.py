"""/admin/users: invite staff through the single-use invitation, change roles and districts,
deactivate (sessions end at once), reactivate, hand over work, send a reset; the bureau keeps an
active admin."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from registry.models import (
    AuditEvent,
    Candidate,
    Invitation,
    OutboxMail,
    OutreachEntry,
    SpotCheck,
    SpotCheckItem,
    User,
)
from registry.services import users
from registry.services.users import UserAdminError
from tests.factories import CandidateFactory, FirmFactory, UserFactory
from tests.officer.conftest import login


def _link(db_session, recipient: str, path: str) -> str:
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.recipient == recipient)
                              .order_by(OutboxMail.id.desc())).first()
    assert mail is not None, f"no mail to {recipient}"
    return re.search(rf"http://localhost({path}/[A-Za-z0-9_-]+)", mail.body).group(1)


def test_only_admins_reach_the_users_page(client, db_session, admin, officer):
    assert client.get("/admin/users").status_code == 302  # to the login page
    login(client, officer)
    assert client.get("/admin/users").status_code == 403
    login(client, admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "officer@bureau.example" in page and "Never" in page


def test_search_and_filters(client, db_session, admin, officer, districts):
    UserFactory(officer=True, email="north@bureau.example", name="北区", districts=[districts[1]],
                active=False)
    login(client, admin)
    def emails(**args):
        page = client.get("/admin/users", query_string=args).get_data(as_text=True)
        return set(re.findall(r'data-user="([^"]+)"', page))
    assert emails(district="jiangbei") == {"north@bureau.example"}
    assert emails(status="inactive") == {"north@bureau.example"}
    assert emails(role="admin") == {"admin@bureau.example"}
    assert emails(q="王科") == {"officer@bureau.example"}


def test_an_invited_officer_accepts_and_works_in_their_district(client, db_session, admin):
    login(client, admin)
    response = client.post("/admin/users", data={"email": "New@Bureau.example",
                                                 "role": "officer", "districts": ["jiangbei"]})
    assert response.status_code == 302
    invitation = db_session.scalar(select(Invitation).where(Invitation.email == "new@bureau.example"))
    assert (invitation.role, invitation.districts, invitation.firm_id) == ("officer", ["jiangbei"], None)
    link = _link(db_session, "new@bureau.example", "/account/invitation")

    client.post("/logout")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"name": "新专员",
                                       "password": "a long new password", "confirm": "a long new password"})
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "new@bureau.example"))
    assert (user.role, user.district_codes, user.firm_id) == ("officer", {"jiangbei"}, None)
    assert client.get(link).status_code == 404  # single use


def test_invitations_are_checked(client, db_session, admin, officer):
    login(client, admin)
    page = client.post("/admin/users", data={"email": "x@bureau.example",
                                             "role": "officer"}).get_data(as_text=True)
    assert "An officer works in at least one district." in page
    page = client.post("/admin/users", data={"email": officer.email,
                                             "role": "manager"}).get_data(as_text=True)
    assert "This address already has an account." in page
    page = client.post("/admin/users", data={"email": "y@bureau.example",
                                             "role": "firm"}).get_data(as_text=True)
    assert 'data-field="role"' in page
    assert db_session.scalar(select(Invitation.id)) is None


def test_changing_role_and_districts(client, db_session, admin, officer):
    login(client, admin)
    path = f"/admin/users/{officer.id}"
    client.post(path, data={"role": "manager",
                            "districts": ["haishu", "jiangbei"]})
    db_session.refresh(officer)
    assert officer.role == "manager" and officer.district_codes == {"haishu", "jiangbei"}
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user_role_changed"))
    assert event.details["old"] == {"role": "officer", "districts": ["haishu"]}


def test_deactivating_ends_the_users_open_session(app, db_session, admin, officer):
    officer_client, admin_client = app.test_client(), app.test_client()
    login(officer_client, officer)
    assert officer_client.get("/officer/queue").status_code == 200
    login(admin_client, admin)
    path = f"/admin/users/{officer.id}"
    admin_client.post(f"{path}/deactivate", data={})
    db_session.refresh(officer)
    assert officer.active is False
    response = officer_client.get("/officer/queue")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    admin_client.post(f"{path}/reactivate", data={})
    db_session.refresh(officer)
    assert officer.active is True
    assert officer_client.get("/officer/queue").status_code == 302  # the old session stays ended


def test_the_last_admin_and_oneself_are_protected(db_session, admin, officer):
    with pytest.raises(UserAdminError):
        users.deactivate(db_session, admin, admin)
    other = UserFactory(admin=True)
    with pytest.raises(UserAdminError):
        users.change_role(db_session, admin, admin, role="officer", districts=["haishu"])
    users.deactivate(db_session, admin, other)
    users.reactivate(db_session, admin, other)
    users.change_role(db_session, other, admin, role="officer", districts=["haishu"])
    # `other` is now the last active admin: an admin reinstated by them cannot remove them.
    assert users._active_admins(db_session) == 1
    with pytest.raises(UserAdminError):
        users.deactivate(db_session, other, other)


def test_a_deactivated_officers_candidates_go_to_a_colleague(client, db_session, admin, officer,
                                                             districts):
    colleague = UserFactory(officer=True, name="接手人", districts=[districts[0]])
    UserFactory(officer=True, districts=[districts[1]])  # another district: not offered
    firm = FirmFactory(district="haishu")
    candidate = CandidateFactory(firm=firm, assigned_to_id=officer.id, status="in_review")
    users.deactivate(db_session, admin, officer)
    assert users.open_work(db_session, officer) == {"candidates": 1, "outreach": 0,
                                                    "spot_checks": 0}
    assert [c.id for c in users.colleagues_for(db_session, officer)] == [colleague.id]
    db_session.commit()

    login(client, admin)
    path = f"/admin/users/{officer.id}"
    page = client.get(path).get_data(as_text=True)
    assert "接手人" in page
    client.post(f"{path}/reassign", data={"to": colleague.id})
    assert db_session.get(Candidate, candidate.id).assigned_to_id == colleague.id


def test_only_candidates_the_colleague_may_see_are_handed_over(db_session, admin, districts):
    leaving = UserFactory(officer=True, districts=list(districts))
    colleague = UserFactory(officer=True, districts=[districts[0]])
    here = CandidateFactory(firm=FirmFactory(district="haishu"), assigned_to_id=leaving.id,
                            status="open")
    there = CandidateFactory(firm=FirmFactory(district="jiangbei"), assigned_to_id=leaving.id,
                             status="open")
    moved = users.reassign_open_work(db_session, admin, leaving, colleague)
    assert moved == {"candidates": 1, "outreach": 0, "spot_checks": 0}
    db_session.expire_all()
    assert db_session.get(Candidate, here.id).assigned_to_id == colleague.id
    assert db_session.get(Candidate, there.id).assigned_to_id == leaving.id


def _pending_inspection(session, firm, officer, result="pending"):
    check = SpotCheck(district=firm.district, as_of=dt.date(2025, 6, 30), seed="7",
                      method="sha256-v1", sample_size=1, inspectors_per_firm=0,
                      population=[firm.id], roster=[], drawn_by_id=officer.id)
    session.add(check)
    session.flush()
    item = SpotCheckItem(spot_check_id=check.id, firm_id=firm.id, rank=1, inspector_ids=[],
                         assigned_to_id=officer.id, result=result)
    session.add(item)
    session.flush()
    return item


def test_spot_checks_and_outreach_are_handed_over_within_the_colleagues_districts(
        client, db_session, admin, districts):
    leaving = UserFactory(officer=True, districts=list(districts))
    colleague = UserFactory(officer=True, name="接手人", districts=[districts[0]])
    here, there = FirmFactory(district="haishu"), FirmFactory(district="jiangbei")
    pending_here = _pending_inspection(db_session, here, leaving)
    pending_there = _pending_inspection(db_session, there, leaving)
    recorded = _pending_inspection(db_session, FirmFactory(district="haishu"), leaving,
                                   result="compliant")
    entries = [OutreachEntry(firm_id=firm.id, list_key="rd_priority", cycle=2025,
                             updated_by_id=leaving.id) for firm in (here, there)]
    db_session.add_all(entries)
    db_session.flush()
    assert users.open_work(db_session, leaving) == {"candidates": 0, "outreach": 2,
                                                    "spot_checks": 2}
    users.deactivate(db_session, admin, leaving)
    db_session.commit()

    login(client, admin)
    client.get("/lang/zh")
    page = client.get(f"/admin/users/{leaving.id}").get_data(as_text=True)
    assert "待登记结果的抽查 2 家" in page
    answer = client.post(f"/admin/users/{leaving.id}/reassign", data={"to": colleague.id},
                         follow_redirects=True).get_data(as_text=True)
    assert "1 家抽查" in answer
    db_session.expire_all()
    owners = {item.id: db_session.get(SpotCheckItem, item.id).assigned_to_id
              for item in (pending_here, pending_there, recorded)}
    # Only the open inspection the colleague may see moves; a recorded one stays with its officer.
    assert owners == {pending_here.id: colleague.id, pending_there.id: leaving.id,
                      recorded.id: leaving.id}
    assert [db_session.get(OutreachEntry, e.id).updated_by_id for e in entries] == \
        [colleague.id, leaving.id]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user_work_reassigned"))
    assert event.details["spot_checks"] == 1 and event.details["outreach"] == 1


def test_an_admin_sends_a_password_reset(app, client, db_session, admin, officer, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "inline")  # the reset mail is the job's work
    login(client, admin)
    path = f"/admin/users/{officer.id}"
    client.post(f"{path}/password-reset", data={})
    assert _link(db_session, officer.email, "/account/reset")
    assert db_session.scalar(select(AuditEvent.actor_id)
                             .where(AuditEvent.action == "password_reset_sent")) == admin.id

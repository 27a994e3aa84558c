"""Onboarding: officers invite firms (single-use links valid 7 days), firms register and wait
for approval, firm admins invite colleagues."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from registry.creditcode import make_credit_code
from registry.models import AuditEvent, Filing, Firm, Invitation, OutboxMail, User
from registry.models.base import utcnow
from registry.services.onboarding import hash_token
from tests.factories import DistrictFactory, FirmFactory, UserFactory
from tests.portal.conftest import login
from tests.portal.test_profile import BASE as PROFILE

NEW_CODE = make_credit_code("91330200MA2H00001")


@pytest.fixture
def officer(db_session, district):
    return UserFactory(officer=True, districts=[district], email="officer@bureau.example")


def _link(db_session, recipient: str, path: str) -> str:
    mail = db_session.query(OutboxMail).filter_by(recipient=recipient) \
        .order_by(OutboxMail.id.desc()).first()
    assert mail is not None, f"no mail to {recipient}"
    return re.search(rf"http://localhost({path}/[A-Za-z0-9_-]+)", mail.body).group(1)


def _invite_new_firm(client, email="boss@newfirm.example"):
    return client.post("/onboarding/invite", data={
        "credit_code": NEW_CODE.lower(), "firm_name": "新材料有限公司", "district": "haishu",
        "founded": "2019-05-06", "email": email})


def test_an_officer_invites_a_new_firm_and_the_link_works_once(client, db_session, officer):
    login(client, officer)
    assert _invite_new_firm(client).status_code == 302
    firm = db_session.query(Firm).filter_by(credit_code=NEW_CODE).one()
    assert firm.status == "active" and firm.district == "haishu"
    invitation = db_session.query(Invitation).one()
    assert invitation.is_firm_admin and invitation.expires_at - invitation.created_at == \
        dt.timedelta(days=7)
    link = _link(db_session, "boss@newfirm.example", "/account/invitation")
    assert invitation.token_hash == hash_token(link.rsplit("/", 1)[1])  # only the hash is kept
    assert link.rsplit("/", 1)[1] not in str(invitation.__dict__)

    client.post("/logout")
    assert "新材料有限公司" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"name": "张总", "password": "a long password",
                                       "confirm": "a long password"})
    assert response.status_code == 302
    user = db_session.query(User).filter_by(email="boss@newfirm.example").one()
    assert user.firm_id == firm.id and user.is_firm_admin and user.role == "firm"
    client.post("/logout")
    assert client.get(link).status_code == 404  # single use
    assert client.post(link, data={"name": "x", "password": "another password",
                                   "confirm": "another password"}).status_code == 404
    assert db_session.query(User).filter_by(firm_id=firm.id).count() == 1


def test_an_expired_invitation_is_refused(client, db_session, officer):
    login(client, officer)
    _invite_new_firm(client)
    link = _link(db_session, "boss@newfirm.example", "/account/invitation")
    invitation = db_session.query(Invitation).one()
    invitation.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.flush()
    client.post("/logout")
    assert client.get(link).status_code == 404
    assert client.get("/account/invitation/not-a-token").status_code == 404


def test_an_officer_cannot_invite_outside_their_districts(client, db_session, officer):
    other = FirmFactory(district=DistrictFactory(code="jiangbei").code)
    login(client, officer)
    response = client.post("/onboarding/invite", data={
        "credit_code": other.credit_code, "email": "someone@other.example"})
    assert response.status_code == 200
    assert "outside your districts" in response.get_data(as_text=True) or \
        "不在您负责的辖区" in response.get_data(as_text=True)
    response = client.post("/onboarding/invite", data={
        "credit_code": NEW_CODE, "firm_name": "X", "district": "jiangbei",
        "founded": "2019-01-01", "email": "a@b.example"})
    assert response.status_code == 200
    assert db_session.query(Invitation).count() == 0


def test_inviting_an_unknown_firm_without_its_details_asks_for_them(client, db_session, officer):
    login(client, officer)
    response = client.post("/onboarding/invite", data={"credit_code": NEW_CODE,
                                                       "email": "a@b.example"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="a@b.example"' in page
    assert db_session.query(Firm).filter_by(credit_code=NEW_CODE).count() == 0


def test_a_bad_credit_code_is_refused_beside_the_field(client, db_session, officer):
    login(client, officer)
    page = client.post("/onboarding/invite", data={"credit_code": "91330200MA2H000010",
                                                    "email": "a@b.example"}).get_data(as_text=True)
    assert 'data-field="credit_code"' in page


def test_an_invited_address_with_an_account_is_refused(client, db_session, officer, firm_user):
    login(client, officer)
    response = client.post("/onboarding/invite", data={"credit_code": firm_user.firm.credit_code,
                                                       "email": firm_user.email})
    assert response.status_code == 200 and db_session.query(Invitation).count() == 0


def test_officers_revoke_open_invitations_and_only_their_own_districts(client, db_session,
                                                                       officer):
    login(client, officer)
    _invite_new_firm(client)
    invitation = db_session.query(Invitation).one()
    outsider = UserFactory(officer=True, districts=[DistrictFactory(code="jiangbei")])
    client.post("/logout")
    login(client, outsider)
    assert client.post(f"/onboarding/invitations/{invitation.id}/revoke").status_code == 404
    client.post("/logout")
    login(client, officer)
    assert client.post(f"/onboarding/invitations/{invitation.id}/revoke").status_code == 302
    db_session.refresh(invitation)
    assert invitation.revoked_at is not None
    link = _link(db_session, "boss@newfirm.example", "/account/invitation")
    client.post("/logout")
    assert client.get(link).status_code == 404


def _register(client, **overrides):
    data = {"credit_code": NEW_CODE, "firm_name": "自主注册有限公司", "district": "haishu",
            "founded": "2018-07-01", "name": "李会计", "email": "li@selfreg.example",
            "password": "a long password", "confirm": "a long password"}
    data.update(overrides)
    return client.post("/account/register", data=data)


def test_a_registered_firm_is_told_the_truth_and_prepares_until_approved(
        client, db_session, district, officer):
    """Issue 15 point 5: the success page says what happens, the registrant is mailed (received,
    pending review), and the firm prepares its profile and drafts; it submits once approved."""
    response = _register(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="registration-received"' in page
    assert "我们已向您发送确认邮件" in page and "年度申报草稿" in page
    firm = db_session.query(Firm).filter_by(credit_code=NEW_CODE).one()
    assert firm.status == "pending"
    user = db_session.query(User).filter_by(email="li@selfreg.example").one()
    assert user.is_firm_admin
    # The registrant is mailed that it is received and pending review; the district's officers
    # are told.
    received, = db_session.query(OutboxMail).filter_by(recipient="li@selfreg.example").all()
    assert "自主注册有限公司" in received.body and "/login" in received.body
    assert db_session.query(OutboxMail).filter_by(recipient=officer.email).count() == 1
    login(client, user, "a long password")
    for path in ("/portal/", "/portal/colleagues"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="pending-registration"' in page, path
        assert "自主注册有限公司" in page and 'id="prepare"' in page
    for path in ("/portal/profile", "/portal/filings", "/portal/filings/2020"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="pending-registration"' not in page, path
    form = client.get("/portal/filings/2020").get_data(as_text=True)
    assert 'id="submit-filing"' not in form and 'id="submit-after-approval"' in form
    profile = {**PROFILE, "name": "自主注册有限公司", "founded": "2018-07-01", "ip_class1": "2",
               "ip_class2": "3"}
    assert client.post("/portal/profile", data=profile).status_code == 302
    db_session.refresh(firm)
    assert (firm.ip_class1, firm.tech_field) == (2, "electronic_information")
    figures = {"total_income": "1000", "revenue": "950", "hightech_income": "700",
               "rd_expense": "60", "rd_domestic": "55", "employees": "50", "st_staff": "12",
               "total_cost": "900", "total_assets": "1500", "net_assets": "800",
               "taxable_income": "100", "input_vat": ""}
    saved = client.post("/portal/filings/2020", data={**figures, "revision": "0", "action": "save"})
    assert saved.status_code == 302
    refused = client.post("/portal/filings/2020", data={**figures, "revision": "1",
                                                          "action": "submit"})
    assert refused.status_code == 200 and "尚待科技局审核" in refused.get_data(as_text=True)
    assert db_session.query(Filing).filter_by(firm_id=firm.id).one().status == "draft"


def test_the_district_has_no_silent_default(client, db_session, district):
    page = client.get("/account/register").get_data(as_text=True)
    select = page[page.index('name="district"'):]
    select = select[:select.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', select)[0] == "" and "selected" not in select
    response = _register(client, district="")
    assert response.status_code == 200 and 'id="registration-received"' not in \
        response.get_data(as_text=True)
    assert db_session.query(Firm).filter_by(credit_code=NEW_CODE).count() == 0


def test_an_officer_approves_a_registration(client, db_session, district, officer):
    _register(client)
    firm = db_session.query(Firm).filter_by(credit_code=NEW_CODE).one()
    login(client, officer)
    assert f'data-firm="{firm.id}"' in client.get("/onboarding/").get_data(as_text=True)
    assert client.post(f"/onboarding/registrations/{firm.id}/approve").status_code == 302
    db_session.refresh(firm)
    assert firm.status == "active"
    # received, then approved
    assert db_session.query(OutboxMail).filter_by(recipient="li@selfreg.example").count() == 2
    client.post("/logout")
    login(client, db_session.query(User).filter_by(email="li@selfreg.example").one(),
          "a long password")
    assert 'id="pending-registration"' not in client.get("/portal/").get_data(as_text=True)
    # Decided once: a second approval is not found.
    client.post("/logout")
    login(client, officer)
    assert client.post(f"/onboarding/registrations/{firm.id}/approve").status_code == 404


def test_a_rejection_needs_a_reason_and_removes_the_registration(client, db_session, district,
                                                                 officer):
    _register(client)
    firm_id = db_session.query(Firm.id).filter_by(credit_code=NEW_CODE).scalar()
    login(client, officer)
    response = client.post(f"/onboarding/registrations/{firm_id}/reject", data={"reason": ""})
    assert response.status_code == 200 and db_session.get(Firm, firm_id) is not None
    response = client.post(f"/onboarding/registrations/{firm_id}/reject",
                           data={"reason": "信用代码与营业执照不符"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Firm, firm_id) is None
    assert db_session.query(User).filter_by(email="li@selfreg.example").count() == 0
    event = db_session.query(AuditEvent).filter_by(action="registration_rejected").one()
    assert event.details["reason"] == "信用代码与营业执照不符"
    mail = db_session.query(OutboxMail).filter_by(recipient="li@selfreg.example") \
        .order_by(OutboxMail.id.desc()).first()
    assert "信用代码与营业执照不符" in mail.body


def test_registrations_outside_the_officer_s_districts_are_not_found(client, db_session,
                                                                     district):
    _register(client)
    firm_id = db_session.query(Firm.id).filter_by(credit_code=NEW_CODE).scalar()
    outsider = UserFactory(officer=True, districts=[DistrictFactory(code="jiangbei")])
    login(client, outsider)
    assert f'data-firm="{firm_id}"' not in client.get("/onboarding/").get_data(as_text=True)
    assert client.post(f"/onboarding/registrations/{firm_id}/approve").status_code == 404
    assert client.post(f"/onboarding/registrations/{firm_id}/reject",
                       data={"reason": "x"}).status_code == 404


def test_registering_a_known_credit_code_is_refused_beside_the_field(client, db_session, firm):
    page = _register(client, credit_code=firm.credit_code).get_data(as_text=True)
    assert 'data-field="credit_code"' in page and 'value="自主注册有限公司"' in page


def test_registering_with_a_taken_address_reveals_nothing(client, db_session, district,
                                                           firm_user):
    response = _register(client, email=firm_user.email)
    assert 'id="registration-received"' in response.get_data(as_text=True)
    assert db_session.query(Firm).filter_by(credit_code=NEW_CODE).count() == 0
    mail = db_session.query(OutboxMail).filter_by(recipient=firm_user.email).one()
    assert "自主注册有限公司" in mail.body


def test_a_firm_admin_invites_a_colleague(client, db_session, firm, firm_user):
    login(client, firm_user)
    response = client.post("/portal/colleagues", data={"email": "colleague@firm.example"})
    assert response.status_code == 302
    invitation = db_session.query(Invitation).one()
    assert invitation.firm_id == firm.id and not invitation.is_firm_admin
    link = _link(db_session, "colleague@firm.example", "/account/invitation")
    client.post("/logout")
    client.post(link, data={"name": "小王", "password": "a long password",
                            "confirm": "a long password"})
    colleague = db_session.query(User).filter_by(email="colleague@firm.example").one()
    assert colleague.firm_id == firm.id and not colleague.is_firm_admin
    # A colleague who is not an admin may not invite.
    assert client.get("/portal/colleagues").status_code == 403
    assert client.post("/portal/colleagues", data={"email": "x@firm.example"}).status_code == 403


def test_officers_cannot_use_the_portal_and_firms_cannot_onboard(client, db_session, officer,
                                                                 firm_user):
    login(client, officer)
    assert client.get("/portal/").status_code == 403
    client.post("/logout")
    login(client, firm_user)
    assert client.get("/onboarding/").status_code == 403
    assert client.post("/onboarding/invite", data={}).status_code == 403


def test_who_may_invite_to_a_firm(db_session, firm, firm_user, officer):
    from registry.services.onboarding import can_invite_to
    outside = UserFactory(officer=True, districts=[DistrictFactory(code="jiangbei")])
    colleague = UserFactory(firm=firm, is_firm_admin=False)
    other_admin = UserFactory(firm=FirmFactory(), is_firm_admin=True)
    assert can_invite_to(officer, firm) and can_invite_to(firm_user, firm)
    assert can_invite_to(UserFactory(admin=True), firm)
    assert not any(can_invite_to(user, firm) for user in (outside, colleague, other_admin))
    officer.active = False
    assert not can_invite_to(officer, firm)

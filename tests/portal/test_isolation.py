"""Isolation: a firm user only ever sees its own firm. Every portal URL is walked with another
firm's ids (a year it filed that this firm cannot file, its revisions and invitations) and
answers 404; officers likewise outside their districts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.models import Filing, Firm, Invitation, User
from registry.models.base import utcnow
from registry.services import filings
from tests.factories import DistrictFactory, FirmFactory, UserFactory
from tests.portal.conftest import login

FIGURES = {"total_income": Decimal(1000), "revenue": Decimal(950),
           "hightech_income": Decimal(700), "rd_expense": Decimal(60),
           "rd_domestic": Decimal(55), "employees": Decimal(50), "st_staff": Decimal(12),
           "total_cost": Decimal(900), "total_assets": Decimal(1500),
           "net_assets": Decimal(800), "taxable_income": Decimal(100)}
OTHER_YEAR = 2011  # the other firm filed it; ours was founded later


@pytest.fixture
def other(app, db_session):
    """Another firm, founded before ours, with a submitted filing and an open invitation."""
    with app.test_request_context():
        firm = FirmFactory(founded=dt.date(2010, 1, 1), district="jiangbei",
                           name="别家企业有限公司")
        DistrictFactory(code="jiangbei")
        user = UserFactory(firm=firm, is_firm_admin=True)
        filing = filings.new_filing(db_session, firm, OTHER_YEAR)
        revision = filings.submit(db_session, filing, user, FIGURES)
        invitation = Invitation(token_hash="0" * 64, firm_id=firm.id, email="x@other.example",
                                invited_by_id=user.id, expires_at=utcnow() + dt.timedelta(days=7))
        db_session.add(invitation)
        db_session.flush()
        db_session.commit()
        return {"firm": firm, "year": OTHER_YEAR, "revision_id": revision.id,
                "invitation_id": invitation.id, "user_id": user.id}


def _other_ids(other) -> dict:
    return {"year": other["year"], "revision_id": other["revision_id"],
            "invitation_id": other["invitation_id"], "user_id": other["user_id"]}


def _rules(app, blueprint):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(blueprint + ".")]


def test_every_portal_url_with_another_firm_s_ids_is_not_found(app, logged_in, db_session,
                                                               other):
    ids = _other_ids(other)
    walked = 0
    for rule in _rules(app, "portal"):
        if not rule.arguments:
            continue
        assert rule.arguments <= set(ids), f"{rule.rule}: add its id to this walk"
        url = app.url_map.bind("localhost").build(rule.endpoint, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = logged_in.open(url, method=method, data={"revision": "0"})
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            walked += 1
    assert walked >= 8
    # Nothing of the other firm changed.
    db_session.expire_all()
    assert db_session.get(Invitation, other["invitation_id"]).revoked_at is None
    assert db_session.get(User, other["user_id"]).active
    assert db_session.query(Filing).filter_by(firm_id=other["firm"].id).one().revision == 1


def test_pages_without_ids_show_only_the_own_firm(app, logged_in, db_session, other):
    for rule in _rules(app, "portal"):
        if rule.arguments or "GET" not in rule.methods:
            continue
        page = logged_in.get(app.url_map.bind("localhost").build(rule.endpoint, {}))
        assert page.status_code == 200, rule.rule
        text = page.get_data(as_text=True)
        assert "别家企业有限公司" not in text and other["firm"].credit_code not in text
        assert "x@other.example" not in text


def test_officer_onboarding_urls_outside_the_districts_are_not_found(app, client, db_session,
                                                                     district, other):
    pending = FirmFactory(district="jiangbei", status="pending")
    officer = UserFactory(officer=True, districts=[district])
    login(client, officer)
    ids = {"firm_id": pending.id, "invitation_id": other["invitation_id"]}
    for rule in _rules(app, "onboarding"):
        if not rule.arguments:
            continue
        assert rule.arguments <= set(ids), f"{rule.rule}: add its id to this walk"
        url = app.url_map.bind("localhost").build(rule.endpoint, ids)
        assert client.post(url, data={"reason": "x"}).status_code == 404, url
    db_session.expire_all()
    assert db_session.get(Firm, pending.id).status == "pending"


def test_absurd_ids_are_not_found_never_a_500(logged_in, db_session):
    huge = 10 ** 30
    for path in (f"/portal/receipts/{huge}", f"/portal/filings/{huge}",
                 f"/portal/filings/{huge}/revisions", f"/portal/filings/{huge}/template.xlsx",
                 "/portal/receipts/0"):
        assert logged_in.get(path).status_code == 404, path
    assert logged_in.post(f"/portal/invitations/{huge}/revoke").status_code == 404

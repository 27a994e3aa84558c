"""The manager (a bureau leader): every officer action answers 403 and changes nothing; every
page they read answers 200 within their districts and 404 outside; without districts they read
the whole city; the pages offer them no action."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.auth.permissions import ROLE_PERMISSIONS
from registry.models import AuditEvent, Invitation, Scan
from registry.models.base import utcnow
from registry.services.export import XLSX_MIMETYPE
from tests.factories import UserFactory
from tests.officer.conftest import build, district_objects, login

OTHER_NAME = "江北精工有限公司"


@pytest.fixture
def mine(db_session, firm, officer):
    """One of everything an officer URL can name, all in the manager's district (haishu)."""
    objects = district_objects(db_session, firm, officer)
    scan = Scan(as_of=dt.date(2025, 6, 30), policy_year=2025)
    now = utcnow()
    invitation = Invitation(token_hash="0" * 64, firm_id=firm.id, email="new@yongjiang.example",
                            invited_by_id=officer.id, created_at=now,
                            expires_at=now + dt.timedelta(days=7))
    db_session.add_all([scan, invitation])
    db_session.flush()
    return objects | {"scan_id": scan.id, "invitation_id": invitation.id}


def _text(response) -> str:
    """A page's text, or every cell of a workbook."""
    if response.mimetype == XLSX_MIMETYPE:
        workbook = load_workbook(io.BytesIO(response.data), read_only=True)
        return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                        for cell in row)
    return response.get_data(as_text=True)


def _declared(app, rule):
    return getattr(app.view_functions[rule.endpoint], "required_permission", None)


def _officer_actions(app):
    """(method, rule) of every action an officer may take and a manager may not."""
    officer, manager = ROLE_PERMISSIONS["officer"], ROLE_PERMISSIONS["manager"]
    return [(method, rule) for rule in app.url_map.iter_rules()
            if _declared(app, rule) in officer - manager
            for method in sorted(rule.methods & {"GET", "POST"})]


def _read_pages(app):
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and _declared(app, rule) in ROLE_PERMISSIONS["manager"]]


def test_every_officer_action_is_403_for_a_manager(app, client, db_session, manager, mine):
    login(client, manager)
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEvent))
    actions = _officer_actions(app)
    for method, rule in actions:
        path = build(rule, mine)
        response = client.open(path, method=method, data={"reason": "x", "comment": "x",
                                                          "status": "contacted"})
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    # The walk covered the officer's work: decisions, filings, certificates, outreach,
    # invitations and spot checks (a full scan is an administrator's).
    assert {rule.endpoint for _method, rule in actions} >= {
        "officer.decide", "officer.assign", "officer.bulk", "officer.accept_filing",
        "officer.return_filing", "officer.revoke_certificate", "officer.outreach_update",
        "officer.spot_check_draw", "officer.spot_check_result", "officer.record_objection",
        "officer.certificate_import", "onboarding.invite"}
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def _query(rule, objects) -> str:
    """The query string a page needs: two runs to compare, or every status of a list."""
    if rule.endpoint == "whatif.compare":
        return f"?a={objects['run_id']}&b={objects['run_id']}"
    return "" if rule.arguments else "?status=all"


def test_every_read_page_is_200_in_scope_and_404_outside(app, client, manager, mine,
                                                         elsewhere):
    login(client, manager)
    pages = _read_pages(app)
    named = 0
    for rule in pages:
        path = build(rule, mine)
        response = client.get(path + _query(rule, mine))
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert OTHER_NAME not in _text(response), path
        if rule.endpoint == "whatif.compare":   # the runs it compares are named in its query
            assert client.get(path + _query(rule, elsewhere)).status_code == 404
        if set(rule.arguments) & set(elsewhere):
            named += 1
            outside = build(rule, elsewhere)
            assert client.get(outside).status_code == 404, outside
    assert named >= 5  # candidate, firm file, notice, spot check and its export
    assert {rule.endpoint for rule in pages} >= {
        "officer.queue", "officer.candidate", "officer.firm_file", "officer.directory",
        "officer.not_filed", "officer.not_filed_export", "officer.outreach_list",
        "officer.outreach_export", "officer.notices", "officer.notice", "officer.spot_checks",
        "officer.spot_check", "officer.spot_check_export", "scans.index"}


def test_the_pages_offer_a_manager_no_action(client, manager, mine):
    login(client, manager)
    candidate = client.get(f"/officer/candidates/{mine['candidate_id']}").get_data(as_text=True)
    assert 'id="decide"' not in candidate and "/assign" not in candidate
    firm = client.get(f"/officer/firms/{mine['firm_id']}").get_data(as_text=True)
    assert "/accept" not in firm and "/revoke" not in firm and "/reopen" not in firm
    assert 'id="deregister-form"' not in firm and 'id="move-form"' not in firm
    queue = client.get("/officer/queue?status=all").get_data(as_text=True)
    assert 'id="select-all"' not in queue and 'id="bulk-submit"' not in queue
    outreach = client.get("/officer/outreach/hnte_near_miss?status=").get_data(as_text=True)
    assert 'name="notes"' not in outreach
    checks = client.get("/officer/spot-checks").get_data(as_text=True)
    assert 'id="draw-form"' not in checks
    assert "run-now" not in client.get("/scans/").get_data(as_text=True)


def test_an_officer_s_pages_still_offer_the_actions(client, officer, mine):
    login(client, officer)
    candidate = client.get(f"/officer/candidates/{mine['candidate_id']}").get_data(as_text=True)
    assert 'id="decide"' in candidate and "/assign" in candidate
    queue = client.get("/officer/queue?status=all").get_data(as_text=True)
    assert 'id="select-all"' in queue and "getElementById('select-all')" in queue


def test_a_manager_without_districts_reads_the_whole_city(client, db_session, mine, elsewhere):
    login(client, UserFactory(role="manager", firm=None))
    assert client.get(f"/officer/firms/{elsewhere['firm_id']}").status_code == 200
    assert client.get(f"/officer/firms/{mine['firm_id']}").status_code == 200
    assert OTHER_NAME in client.get("/officer/queue?status=all").get_data(as_text=True)


def test_a_deactivated_manager_reads_nothing(client, db_session, manager, mine):
    manager.active = False
    db_session.flush()
    login(client, manager)
    response = client.get(f"/officer/firms/{mine['firm_id']}")
    assert response.status_code in (302, 401, 403)

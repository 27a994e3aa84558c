"""Certificates, indicators, scans and what-if runs through the API."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from registry.models import Scan, WhatifRun
from registry.services import whatif
from tests.api.conftest import bearer
from tests.factories import CertificateFactory, FirmFactory

PROBLEM = "application/problem+json"


def test_firm_certificates(client, firm_user, firm, other_firm, make_token):
    CertificateFactory(firm=firm, tier="hnte", number="GR2023330200001")
    CertificateFactory(firm=other_firm, tier="hnte")
    secret = make_token(firm_user, "read")
    items = client.get(f"/api/v1/firms/{firm.id}/certificates",
                       headers=bearer(secret)).get_json()["items"]
    assert [(item["tier"], item["number"]) for item in items] == [("hnte", "GR2023330200001")]
    assert client.get(f"/api/v1/firms/{other_firm.id}/certificates",
                      headers=bearer(secret)).status_code == 404


def test_indicators_within_the_users_scope(client, officer, admin, firm, other_firm, firm_user,
                                           make_token):
    CertificateFactory(firm=firm, tier="hnte", issued=dt.date(2024, 1, 1),
                       expires=dt.date(2099, 12, 31))
    CertificateFactory(firm=other_firm, tier="hnte", issued=dt.date(2024, 1, 1),
                       expires=dt.date(2099, 12, 31))
    city = client.get("/api/v1/indicators", headers=bearer(make_token(admin, "read")))
    assert city.status_code == 200, city.get_data(as_text=True)
    assert city.get_json()["scope"] == "city"
    assert city.get_json()["indicators"]["hnte_valid"] == 2
    mine = client.get("/api/v1/indicators", headers=bearer(make_token(officer, "read"))).get_json()
    assert mine["scope"] == "districts" and mine["indicators"]["hnte_valid"] == 1
    secret = make_token(officer, "read")
    assert client.get("/api/v1/indicators", headers=bearer(secret),
                      query_string={"district": "jiangbei"}).status_code == 404
    assert client.get("/api/v1/indicators", headers=bearer(secret),
                      query_string={"as_of": "2999-01-01"}).status_code == 422
    assert client.get("/api/v1/indicators",
                      headers=bearer(make_token(firm_user, "read"))).status_code == 403


def test_start_a_scan_and_poll_it(client, db_session, admin, officer, make_token):
    """Only an administrator starts a full scan by hand (as on the scans page)."""
    FirmFactory(district="haishu")
    secret = make_token(admin, "read", "decide")
    response = client.post("/api/v1/scans", headers=bearer(secret))
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert body["created"] is True and body["status"] in ("queued", "running")
    again = client.post("/api/v1/scans", headers=bearer(secret)).get_json()
    assert again["created"] is False and again["id"] == body["id"]
    assert client.get(f"/api/v1/scans/{body['id']}", headers=bearer(secret)).get_json()["id"] == body["id"]
    listed = client.get("/api/v1/scans", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert db_session.scalar(select(Scan).where(Scan.id == body["id"])).kind == "full"
    assert client.post("/api/v1/scans",
                       headers=bearer(make_token(officer, "read", "decide"))).status_code == 403


def test_whatif_run_start_and_results(app, client, db_session, officer, other_officer, firm,
                                      make_token):
    with app.app_context():
        scenario = whatif.save_scenario(db_session, officer, name="海曙 基线",
                                        as_of=dt.date(2025, 6, 30), districts=["haishu"])
        db_session.commit()
        scenario_id = scenario.id
    secret = make_token(officer, "read", "decide")
    listed = client.get("/api/v1/whatif/scenarios", headers=bearer(secret)).get_json()["items"]
    assert [item["name"] for item in listed] == ["海曙 基线"]
    response = client.post(f"/api/v1/whatif/scenarios/{scenario_id}/runs", headers=bearer(secret))
    assert response.status_code == 202, response.get_data(as_text=True)
    run_id = response.get_json()["id"]
    with app.app_context():
        whatif.run_inline(db_session, run_id)
    assert db_session.get(WhatifRun, run_id).status == "done"
    body = client.get(f"/api/v1/whatif/runs/{run_id}", headers=bearer(secret)).get_json()
    assert set(body["tiers"]) == {"tech_sme", "hnte", "gazelle", "leader"}
    elsewhere = make_token(other_officer, "read", "decide")
    assert client.get(f"/api/v1/whatif/runs/{run_id}", headers=bearer(elsewhere)).status_code == 404
    assert client.post(f"/api/v1/whatif/scenarios/{scenario_id}/runs",
                       headers=bearer(elsewhere)).status_code == 404
    assert [item["name"] for item in client.get("/api/v1/whatif/scenarios",
                                                headers=bearer(elsewhere)).get_json()["items"]] == []

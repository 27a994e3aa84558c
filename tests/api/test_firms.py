"""Firms through the API: the directory's filters and keyset pages, the export (formula-safe),
the detail with current facts and an ETag, and the ladder in `rules check`'s shape."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from registry.services.evaluation import evaluate_firm
from tests.api.conftest import bearer
from tests.factories import CertificateFactory, FilingFactory, FirmFactory

PROBLEM = "application/problem+json"


def test_list_is_scoped_filtered_and_keyset_paged(client, officer, firm, other_firm, make_token):
    for n in range(5):
        FirmFactory(name=f"海曙测试{n}", district="haishu", industry_code="I65")
    secret = make_token(officer, "read")
    seen, cursor = [], None
    while True:
        response = client.get("/api/v1/firms", headers=bearer(secret),
                              query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["items"]) <= 2
        seen += [item["name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)
    assert other_firm.name not in seen  # another district
    body = client.get("/api/v1/firms", headers=bearer(secret),
                      query_string={"industry": "I", "q": "海曙测试"}).get_json()
    assert sorted(item["name"] for item in body["items"]) == [f"海曙测试{n}" for n in range(5)]
    assert client.get("/api/v1/firms", headers=bearer(secret),
                      query_string={"q": firm.credit_code}).get_json()["items"][0]["id"] == firm.id


def test_bad_paging_and_filters_are_problems(client, officer, make_token):
    secret = make_token(officer, "read")
    for query, status in (({"cursor": "not-a-cursor"}, 400), ({"limit": 501}, 422),
                          ({"limit": 0}, 422), ({"limit": "x"}, 422), ({"status": "gone"}, 422),
                          ({"limit": str(2**70)}, 422), ({"cursor": "W10"}, 400)):
        response = client.get("/api/v1/firms", headers=bearer(secret), query_string=query)
        assert response.status_code == status, (query, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM
        assert response.get_json()["errors"][0]["field"] in query


def test_firm_user_reads_only_its_own_firm(client, firm_user, firm, other_firm, make_token):
    secret = make_token(firm_user, "read")
    assert client.get(f"/api/v1/firms/{firm.id}", headers=bearer(secret)).status_code == 200
    for path in (f"/api/v1/firms/{other_firm.id}", f"/api/v1/firms/{other_firm.id}/ladder",
                 f"/api/v1/firms/{2**63 + 5}", "/api/v1/firms/0"):
        response = client.get(path, headers=bearer(secret))
        assert response.status_code == 404 and response.mimetype == PROBLEM, path
    # The directory is the bureau's: a firm's token is refused it.
    assert client.get("/api/v1/firms", headers=bearer(secret)).status_code == 403


def test_detail_has_current_facts_and_an_etag(client, db_session, officer, firm, make_token):
    FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    FilingFactory(firm=firm, fiscal_year=2025, status="draft")
    CertificateFactory(firm=firm, tier="tech_sme")
    secret = make_token(officer, "read")
    response = client.get(f"/api/v1/firms/{firm.id}", headers=bearer(secret))
    body = response.get_json()
    assert body["credit_code"] == firm.credit_code and body["district"] == "haishu"
    facts = body["facts"]
    assert facts["id"] == firm.credit_code and list(facts["years"]) == ["2024"]
    assert facts["years"]["2024"]["revenue"] == 1000 and facts["certificates"][0]["tier"] == "tech_sme"
    etag = response.headers["ETag"]
    again = client.get(f"/api/v1/firms/{firm.id}", headers={**bearer(secret),
                                                           "If-None-Match": etag})
    assert again.status_code == 304
    firm.name = "改名后的企业"
    db_session.flush()
    assert client.get(f"/api/v1/firms/{firm.id}", headers={
        **bearer(secret), "If-None-Match": etag}).status_code == 200


def test_ladder_has_the_shape_of_rules_check(app, client, db_session, officer, firm, make_token):
    for year in (2022, 2023, 2024):
        FilingFactory(firm=firm, fiscal_year=year, status="accepted")
    secret = make_token(officer, "read")
    empty = client.get(f"/api/v1/firms/{firm.id}/ladder", headers=bearer(secret)).get_json()
    assert empty["result"] is None
    with app.app_context():
        evaluate_firm(firm.id)
    body = client.get(f"/api/v1/firms/{firm.id}/ladder", headers=bearer(secret),
                      query_string={"lang": "en"}).get_json()
    result = body["result"]
    assert set(result) == {"id", "tiers", "flags", "incentives", "next_step"}
    assert result["id"] == firm.credit_code and body["pending"] is False
    assert set(result["tiers"]) == {"tech_sme", "hnte", "gazelle", "leader"}
    assert "criteria" in result["tiers"]["hnte"]


def test_export_csv_and_xlsx_are_formula_safe(client, officer, make_token):
    FirmFactory(name="=HYPERLINK(\"http://x\")", district="haishu", contact_name="@SUM(1)")
    secret = make_token(officer, "read")
    response = client.get("/api/v1/firms/export", headers=bearer(secret),
                          query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "credit_code", "name"]
    assert rows[1][2] == "'=HYPERLINK(\"http://x\")" and "'@SUM(1)" in rows[1]
    response = client.get("/api/v1/firms/export", headers=bearer(secret),
                          query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=2, column=3)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"
    assert client.get("/api/v1/firms/export", headers=bearer(secret),
                      query_string={"format": "pdf"}).status_code == 422


def test_contacts_are_masked_for_managers_and_full_exports_audited(client, db_session, officer,
                                                                   manager, make_token):
    from sqlalchemy import select

    from registry.models import AuditEvent
    firm = FirmFactory(district="haishu", contact_name="王小明", contact_phone="13812345678",
                       contact_email="wang@firm.example")
    manager_secret, officer_secret = make_token(manager, "read"), make_token(officer, "read")
    masked = client.get(f"/api/v1/firms/{firm.id}", headers=bearer(manager_secret)).get_json()
    assert (masked["contact_name"], masked["contact_phone"], masked["contact_email"]) == (
        "王**", "138****5678", "w***@firm.example")
    full = client.get(f"/api/v1/firms/{firm.id}", headers=bearer(officer_secret)).get_json()
    assert full["contact_phone"] == "13812345678"
    text = client.get("/api/v1/firms/export", headers=bearer(manager_secret),
                      query_string={"format": "csv"}).get_data(as_text=True)
    assert "13812345678" not in text and "138****5678" in text
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "contacts_exported")) is None
    text = client.get("/api/v1/firms/export", headers=bearer(officer_secret),
                      query_string={"format": "csv"}).get_data(as_text=True)
    assert "13812345678" in text
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "contacts_exported"))
    assert event.actor_id == officer.id and event.details["export"] == "directory"

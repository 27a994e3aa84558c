"""Filings through the API: read, and a firm's token saves and submits its drafts through the
web form's validation and the filing service (field errors as problem details)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from registry.models import Filing, FilingRevision
from registry.rules import today_in_shanghai
from tests.api.conftest import bearer
from tests.factories import FilingFactory

PROBLEM = "application/problem+json"
FULL = {"revenue": "1000", "rd_expense": "60", "rd_domestic": "60", "employees": "50",
        "st_staff": "10", "total_income": "1000", "hightech_income": "700", "total_cost": "900",
        "total_assets": "1500", "net_assets": "800", "taxable_income": "100"}


def _year():
    return today_in_shanghai().year - 1


def test_firm_token_saves_and_submits_a_draft(client, db_session, firm_user, firm, make_token):
    secret = make_token(firm_user, "read", "file")
    year = _year()
    url = f"/api/v1/firms/{firm.id}/filings/{year}"
    response = client.put(url, headers=bearer(secret), json={"figures": {"revenue": "1,000.5",
                                                                         "employees": 50}})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "draft" and body["figures"]["revenue"] == "1000.5"
    assert body["figures"]["employees"] == "50" and body["revision"] == 1
    # A partial save keeps the other figures; a stale revision is a conflict.
    body = client.put(url, headers=bearer(secret), json={"figures": {"st_staff": "10"},
                                                         "revision": 1}).get_json()
    assert body["figures"]["revenue"] == "1000.5" and body["revision"] == 2
    stale = client.put(url, headers=bearer(secret), json={"figures": {"st_staff": "11"},
                                                          "revision": 1})
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    # Incomplete: the form's "required to submit" beside each missing figure.
    response = client.post(url + "/submit", headers=bearer(secret), json={})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert "figures.rd_expense" in fields and "figures.revenue" not in fields
    response = client.post(url + "/submit", headers=bearer(secret), json={"figures": FULL})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "submitted"
    filing = db_session.scalar(select(Filing).where(Filing.firm_id == firm.id,
                                                    Filing.fiscal_year == year))
    actions = db_session.scalars(select(FilingRevision.action).where(
        FilingRevision.filing_id == filing.id).order_by(FilingRevision.number)).all()
    assert actions == ["api", "api", "submit"]
    # Read-only once submitted.
    again = client.put(url, headers=bearer(secret), json={"figures": {"revenue": "1"}})
    assert again.status_code == 409


def test_field_errors_are_those_of_the_web_form(client, firm_user, firm, make_token):
    secret = make_token(firm_user, "file")
    url = f"/api/v1/firms/{firm.id}/filings/{_year()}"
    response = client.put(url, headers=bearer(secret), json={"figures": {
        "revenue": "12.345678", "employees": "-3", "rd_expense": "1e5"}})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    fields = sorted(error["field"] for error in response.get_json()["errors"])
    assert fields == ["figures.employees", "figures.rd_expense", "figures.revenue"]
    unknown = client.put(url, headers=bearer(secret), json={"figures": {"profit": "1"}})
    assert unknown.status_code == 422
    assert client.put(url, headers=bearer(secret), json=["not", "an", "object"]).status_code == 400
    assert client.put(url, headers=bearer(secret), data="{oops",
                      content_type="application/json").status_code == 400


def test_warnings_must_be_confirmed(client, firm_user, firm, make_token):
    secret = make_token(firm_user, "file")
    url = f"/api/v1/firms/{firm.id}/filings/{_year()}"
    figures = {**FULL, "rd_expense": "600", "rd_domestic": "600"}
    response = client.post(url + "/submit", headers=bearer(secret), json={"figures": figures})
    assert response.status_code == 422
    assert "rd_above_half_revenue" in response.get_json()["errors"][0]["detail"]
    response = client.post(url + "/submit", headers=bearer(secret),
                           json={"figures": figures, "confirm": ["rd_above_half_revenue"]})
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"


def test_reading_filings_and_who_may_write(client, officer, firm_user, firm, other_firm,
                                           make_token):
    FilingFactory(firm=firm, fiscal_year=2023, status="accepted")
    other = FilingFactory(firm=other_firm, fiscal_year=2023, status="accepted")
    officer_secret = make_token(officer, "read", "decide")
    body = client.get(f"/api/v1/firms/{firm.id}/filings", headers=bearer(officer_secret)).get_json()
    assert [item["fiscal_year"] for item in body["items"]] == [2023]
    response = client.get(f"/api/v1/firms/{firm.id}/filings/2023", headers=bearer(officer_secret))
    assert response.status_code == 200 and response.headers["ETag"]
    assert client.get(f"/api/v1/firms/{other.firm_id}/filings/2023",
                      headers=bearer(officer_secret)).status_code == 404
    assert client.get(f"/api/v1/firms/{firm.id}/filings/1999",
                      headers=bearer(officer_secret)).status_code == 404
    # An officer's token cannot file, whatever it holds.
    response = client.put(f"/api/v1/firms/{firm.id}/filings/{_year()}",
                          headers=bearer(officer_secret), json={"figures": {}})
    assert response.status_code == 403
    # A firm's read-only token may not write; its token cannot reach another firm's filing.
    read_only = make_token(firm_user, "read")
    response = client.put(f"/api/v1/firms/{firm.id}/filings/{_year()}", headers=bearer(read_only),
                          json={"figures": {"revenue": "1"}})
    assert response.status_code == 403
    writer = make_token(firm_user, "file")
    response = client.put(f"/api/v1/firms/{other_firm.id}/filings/{_year()}",
                          headers=bearer(writer), json={"figures": {"revenue": "1"}})
    assert response.status_code == 404
    # Years outside founding year..last year are not there to file.
    assert client.put(f"/api/v1/firms/{firm.id}/filings/{dt.date.today().year + 1}",
                      headers=bearer(writer), json={"figures": {}}).status_code == 404


def test_writing_needs_a_bearer_token_not_a_cookie(csrf_app, db_session, firm_user, firm):
    from tests.officer.conftest import login
    client = csrf_app.test_client()
    login(client, firm_user)
    response = client.put(f"/api/v1/firms/{firm.id}/filings/{_year()}",
                          json={"figures": {"revenue": "1"}})
    assert response.status_code == 401
    assert db_session.scalar(select(Filing)) is None

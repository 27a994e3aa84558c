"""Candidates through the API: the queue scoped to the token user's districts, the export, and
decisions with reasons through the review state machine."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from registry.models import AuditEvent, Candidate
from tests.api.conftest import bearer
from tests.factories import CandidateFactory

PROBLEM = "application/problem+json"


def test_queue_is_scoped_and_paged(client, officer, firm, other_firm, make_token):
    mine = [CandidateFactory(firm=firm, tier=tier) for tier in ("tech_sme", "hnte", "gazelle")]
    CandidateFactory(firm=other_firm)
    secret = make_token(officer, "read")
    first = client.get("/api/v1/candidates", headers=bearer(secret),
                       query_string={"limit": 2}).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get("/api/v1/candidates", headers=bearer(secret),
                      query_string={"limit": 2, "cursor": first["next_cursor"]}).get_json()
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == sorted((c.id for c in mine), reverse=True) and rest["next_cursor"] is None
    assert first["items"][0]["firm_name"] == firm.name
    hnte = client.get("/api/v1/candidates", headers=bearer(secret),
                      query_string={"tier": "hnte"}).get_json()["items"]
    assert [item["id"] for item in hnte] == [mine[1].id]
    response = client.get("/api/v1/candidates/export", headers=bearer(secret),
                          query_string={"format": "csv", "tier": "hnte"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "id" and [row[0] for row in rows[1:]] == [str(mine[1].id)]


def test_decisions_follow_the_state_machine(client, db_session, officer, firm, make_token):
    candidate = CandidateFactory(firm=firm)
    secret = make_token(officer, "read", "decide")
    url = f"/api/v1/candidates/{candidate.id}"
    assert client.get(url, headers=bearer(secret)).get_json()["decisions"] == ["start_review"]
    # Not allowed from "open": a conflict, nothing changes.
    response = client.post(url + "/decisions", headers=bearer(secret),
                           json={"decision": "reject", "reason": "too small"})
    assert response.status_code == 409 and response.mimetype == PROBLEM
    response = client.post(url + "/decisions", headers=bearer(secret),
                           json={"decision": "start_review"})
    assert response.status_code == 200 and response.get_json()["status"] == "in_review"
    response = client.post(url + "/decisions", headers=bearer(secret),
                           json={"decision": "reject", "reason": "  "})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "reason"
    response = client.post(url + "/decisions", headers=bearer(secret),
                           json={"decision": "reject", "reason": "研发费用占比不足"})
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    db_session.expire_all()
    assert db_session.get(Candidate, candidate.id).status == "rejected"
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "candidate_reject"))
    assert event.actor_id == officer.id and event.details["reason"] == "研发费用占比不足"
    bad = client.post(url + "/decisions", headers=bearer(secret), json={"decision": "sell"})
    assert bad.status_code == 422


def test_decisions_need_the_scope_and_the_role(client, officer, manager, other_officer, firm,
                                               make_token):
    candidate = CandidateFactory(firm=firm)
    url = f"/api/v1/candidates/{candidate.id}/decisions"
    read_only = make_token(officer, "read")
    assert client.post(url, headers=bearer(read_only),
                       json={"decision": "start_review"}).status_code == 403
    manager_token = make_token(manager, "read")
    assert client.get(f"/api/v1/candidates/{candidate.id}",
                      headers=bearer(manager_token)).status_code == 200
    assert client.post(url, headers=bearer(manager_token),
                       json={"decision": "start_review"}).status_code == 403
    elsewhere = make_token(other_officer, "read", "decide")
    assert client.post(url, headers=bearer(elsewhere),
                       json={"decision": "start_review"}).status_code == 404
    assert client.get(f"/api/v1/candidates/{candidate.id}",
                      headers=bearer(elsewhere)).status_code == 404

# ruff: noqa: F811 (fixtures imported from the API and officer tests, then requested by name)
"""Official imports through the API: an officer's token uploads a statistics file, the job runs
it, and the import is read back with its row report; scopes, roles and other users' imports."""
from __future__ import annotations

import io

from registry.extensions import db
from registry.models import OfficialFigure
from registry.services import official
from tests.api.conftest import bearer, make_token  # noqa: F401 (fixture)
from tests.factories import FirmFactory
from tests.officer.conftest import (  # noqa: F401 (fixtures)
    admin,
    districts,
    firm,
    firm_user,
    manager,
    officer,
    other_officer,
)

from .conftest import code, statistics_csv


def post(client, secret: str, data: bytes, source: str = "statistics", name: str = "survey.csv"):
    return client.post("/api/v1/official/imports", query_string={"source": source},
                       data={"file": (io.BytesIO(data), name)}, headers=bearer(secret),
                       content_type="multipart/form-data")


def test_an_officer_imports_through_the_api(app, client, officer, other_officer, make_token):
    FirmFactory(credit_code=code(0), district="haishu")
    FirmFactory(credit_code=code(1), district="haishu")
    secret = make_token(officer, "read", "decide")
    bad = post(client, secret, statistics_csv([(code(0), 2024, 5, 50, 1), (code(1), 2024, -1, 5, 1)]))
    assert bad.status_code == 202 and bad.get_json()["status"] == "queued"
    import_id = bad.get_json()["id"]
    with app.app_context():
        official.run_queued(import_id)
    state = client.get(f"/api/v1/official/imports/{import_id}", headers=bearer(secret)).get_json()
    assert state["status"] == "rejected" and [e["row"] for e in state["errors"]] == [3]
    assert db.session.query(OfficialFigure).count() == 0
    good = post(client, secret, statistics_csv([(code(0), 2024, 5, 50, 1), (code(1), 2024, 1, 5, 1)]))
    with app.app_context():
        official.run_queued(good.get_json()["id"])
    state = client.get(f"/api/v1/official/imports/{good.get_json()['id']}",
                       headers=bearer(secret)).get_json()
    assert (state["status"], state["created"], state["errors"]) == ("applied", 2, [])
    # Another officer does not see it; a read-only token may not upload.
    other = make_token(other_officer, "read", "decide")
    assert client.get(f"/api/v1/official/imports/{import_id}", headers=bearer(other)).status_code == 404
    assert post(client, make_token(officer, "read"), b"x").status_code == 403


def test_who_may_not_import(client, manager, firm_user, make_token):
    for user in (manager, firm_user):
        assert post(client, make_token(user, "read"), b"x").status_code == 403


def test_a_bad_request_is_a_problem(client, officer, make_token):
    secret = make_token(officer, "read", "decide")
    response = post(client, secret, b"x", source="census")
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    response = client.post("/api/v1/official/imports", query_string={"source": "tax"},
                           headers=bearer(secret))
    assert response.status_code == 422

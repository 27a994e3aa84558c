"""Every API route, tried with another firm's or another district's ids, answers 404 (its
existence is not revealed); every route refuses a token without its scope with 403."""
from __future__ import annotations

import datetime as dt

import pytest

from registry.auth.permissions import has_permission
from registry.models import OfficialImport
from registry.rules import today_in_shanghai
from registry.services import tokens as token_service
from registry.services import whatif
from tests.api.conftest import bearer
from tests.factories import CandidateFactory, FilingFactory

# Valid bodies: the object is looked up after the body is read.
BODIES = {"PUT": {"figures": {}}, "POST": {}, "decisions": {"decision": "start_review"}}


def _operations(app):
    """(rule, method, view) of every API operation that names an object or not."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_scope", None) is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, view


# Scans cover the whole registry, an outreach list or a program is a kind of list, not an
# object: they belong to no firm or district (their rows are scoped, tested with each resource).
GLOBAL_OBJECTS = {"scan_id", "list_key", "program"}


def _scenario_and_run(app, db_session, officer, district: str) -> tuple[int, int]:
    with app.app_context():
        scenario = whatif.save_scenario(db_session, officer, name=f"{district} scenario",
                                        as_of=dt.date(2025, 6, 30), districts=[district])
        run = whatif.start_run(db_session, officer, scenario)
        db_session.commit()
        return scenario.id, run.id


def _official_import(db_session, uploader) -> int:
    """An official data import, visible to its uploader (and administrators) only."""
    record = OfficialImport(kind="statistics", filename="survey.csv", digest="0" * 64,
                            status="applied", uploaded_by_id=uploader.id)
    db_session.add(record)
    db_session.flush()
    return record.id


@pytest.fixture
def world(app, db_session, officer, other_officer, firm_user, firm, other_firm, other_firm_user):
    year = today_in_shanghai().year - 1
    FilingFactory(firm=other_firm, fiscal_year=year, status="submitted")
    FilingFactory(firm=firm, fiscal_year=year, status="draft")
    foreign = {"firm_id": other_firm.id, "year": year,
               "candidate_id": CandidateFactory(firm=other_firm).id}
    own = {"firm_id": firm.id, "year": year, "candidate_id": CandidateFactory(firm=firm).id,
           "scan_id": 1, "list_key": "hnte_near_miss", "program": "rd_reward"}
    foreign["scenario_id"], foreign["run_id"] = _scenario_and_run(app, db_session, other_officer,
                                                                  "jiangbei")
    own["scenario_id"], own["run_id"] = _scenario_and_run(app, db_session, officer, "haishu")
    foreign["import_id"], own["import_id"] = (_official_import(db_session, other_officer),
                                              _official_import(db_session, officer))
    return {"foreign": foreign, "own": own, "users": [officer, firm_user]}


def _url(rule, values: dict) -> str:
    return rule.build({name: values[name] for name in rule.arguments})[1]


def _call(client, method: str, url: str, secret: str):
    body = BODIES.get("decisions" if url.endswith("/decisions") else method)
    return client.open(url, method=method, headers=bearer(secret), json=body,
                       query_string={"format": "csv"} if url.endswith("/export") else None)


def test_foreign_ids_answer_404_on_every_route(app, client, db_session, world, make_token):
    checked = 0
    for rule, method, view in _operations(app):
        if not rule.arguments or rule.arguments & GLOBAL_OBJECTS:
            continue
        for user in world["users"]:
            permission = getattr(view, "required_permission_api", None)
            if permission is not None and not has_permission(user, permission):
                continue
            secret = make_token(user, *token_service.allowed_scopes(user))
            response = _call(client, method, _url(rule, world["foreign"]), secret)
            assert response.status_code == 404, (method, rule.rule, user.role, response.status_code)
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 14


def test_a_token_without_the_scope_gets_403_on_every_route(app, client, db_session, world,
                                                          make_token):
    checked = 0
    for rule, method, view in _operations(app):
        scope = view.required_scope
        for user in world["users"]:
            narrower = [s for s in token_service.allowed_scopes(user) if s != scope]
            if not narrower:
                continue
            secret = make_token(user, *narrower)
            response = _call(client, method, _url(rule, world["own"]), secret)
            assert response.status_code == 403, (method, rule.rule, user.role, response.status_code)
            checked += 1
    assert checked >= 20

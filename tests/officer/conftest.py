"""Fixtures of the officer workspace tests: two districts, an officer in each, a manager and an
admin, a firm with a user in each district, one of every object an officer URL names; and
helpers to log in, build the URLs and read CSRF tokens."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from registry.models import (
    CertificateImport,
    Inspector,
    NoticeBatch,
    Objection,
    OfficialImport,
    PublicNotice,
    Scenario,
    SpotCheck,
    SpotCheckItem,
    WhatifRun,
)
from registry.rules.params import load_parameters
from registry.services import whatif
from tests.factories import (
    CandidateFactory,
    CertificateFactory,
    DistrictFactory,
    FilingFactory,
    FirmFactory,
    FirmFlagFactory,
    IncentiveOpportunityFactory,
    UserFactory,
)


@pytest.fixture
def districts(db_session):
    return DistrictFactory(code="haishu"), DistrictFactory(code="jiangbei")


@pytest.fixture
def officer(db_session, districts):
    return UserFactory(officer=True, email="officer@bureau.example", name="王科长",
                       districts=[districts[0]])


@pytest.fixture
def other_officer(db_session, districts):
    return UserFactory(officer=True, email="other@bureau.example", name="李科员",
                       districts=[districts[1]])


@pytest.fixture
def manager(db_session, districts):
    """A bureau leader of haishu: reads, exports, decides nothing."""
    return UserFactory(role="manager", firm=None, email="manager@bureau.example", name="赵局长",
                       districts=[districts[0]])


@pytest.fixture
def admin(db_session, districts):
    return UserFactory(admin=True, email="admin@bureau.example", name="Admin")


@pytest.fixture
def firm(db_session, districts):
    return FirmFactory(name="甬江智能科技有限公司", district="haishu", industry_code="C39",
                       contact_email="contact@yongjiang.example")


@pytest.fixture
def firm_user(db_session, firm):
    return UserFactory(firm=firm, email="clerk@yongjiang.example", is_firm_admin=True)


@pytest.fixture
def other_firm(db_session, districts):
    return FirmFactory(name="江北精工有限公司", district="jiangbei", industry_code="C34")


def district_objects(session, firm, uploader) -> dict:
    """One of everything an officer URL can name, all of `firm` and its district: URL part ->
    id."""
    FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    certificate = CertificateFactory(firm=firm, tier="hnte")
    candidate = CandidateFactory(firm=firm, status="approved")
    pending = CertificateFactory(firm=firm, tier="gazelle", status="public_notice",
                                 number=None, issued=dt.date(2025, 11, 1),
                                 expires=dt.date(2028, 10, 31))
    # A batch of its own per district's objects (one batch per tier, cycle and first day).
    notice_batch = NoticeBatch(number=f"甬科公〔2025〕{firm.id}号", tier="gazelle", cycle=2025,
                               first_day=dt.date(2025, 10, 1) + dt.timedelta(days=firm.id),
                               last_day=dt.date(2025, 10, 31) + dt.timedelta(days=firm.id))
    session.add(notice_batch)
    session.flush()
    notice = PublicNotice(candidate_id=candidate.id, certificate_id=pending.id,
                          firm_id=firm.id, first_day=dt.date(2025, 10, 1),
                          last_day=dt.date(2025, 10, 31), working_days=10,
                          batch_id=notice_batch.id)
    session.add(notice)
    session.flush()
    objection = Objection(notice_id=notice.id, received_on=dt.date(2025, 10, 9), summary="异议")
    inspector = Inspector(district=firm.district, name="赵检查")
    check = SpotCheck(district=firm.district, as_of=dt.date(2025, 6, 30), seed="1",
                      method="sha256-v1", sample_size=1, inspectors_per_firm=1,
                      population=[firm.id], roster=[1])
    session.add_all([objection, inspector, check])
    session.flush()
    item = SpotCheckItem(spot_check_id=check.id, firm_id=firm.id, rank=1, inspector_ids=[])
    batch = CertificateImport(filename=f"{firm.district}.csv", status="applied",
                              uploaded_by_id=uploader.id)
    official_import = OfficialImport(kind="statistics", filename=f"{firm.district}-survey.csv",
                                     digest="0" * 64, status="applied", uploaded_by_id=uploader.id)
    session.add_all([item, batch, official_import])
    FirmFlagFactory(firm=firm, flag="hnte_near_miss")
    IncentiveOpportunityFactory(firm=firm)
    # A what-if scenario of the district with a finished run (pure parameters: no app context).
    as_of = dt.date(2025, 6, 30)
    scenario = Scenario(name=f"{firm.district} 基线", as_of=as_of, districts=[firm.district],
                        created_by_id=uploader.id)
    session.add(scenario)
    session.flush()
    params = whatif.parameters_json(load_parameters(as_of, {"gazelle": "default",
                                                            "leader": "default"}, {}))
    run = WhatifRun(scenario_id=scenario.id, as_of=as_of, districts=[firm.district],
                    policy_year=as_of.year, base_parameters=params, scenario_parameters=params,
                    status="done", requested_by_id=uploader.id)
    session.add(run)
    session.flush()
    return {"scenario_id": scenario.id, "run_id": run.id, "candidate_id": candidate.id, "firm_id": firm.id,
            "certificate_id": certificate.id,
            "notice_id": notice.id, "objection_id": objection.id, "check_id": check.id,
            "item_id": item.id, "inspector_id": inspector.id, "batch_id": batch.id,
            "notice_batch_id": notice_batch.id, "import_id": official_import.id,
            "year": 2024, "cycle": 2025}


@pytest.fixture
def elsewhere(db_session, other_firm, other_officer):
    """One of everything an officer URL can name, all in jiangbei."""
    return district_objects(db_session, other_firm, other_officer)


# Values for the URL parts that name no object.
OTHER_PARTS = {"name": "approve", "outcome": "uphold", "list_key": "rd_super_deduction",
               "fmt": "csv", "program_year": 2026, "kind": "winners"}


def officer_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/officer")]


def build(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values.get(name, OTHER_PARTS.get(name))),
                      path)
    return path


def methods(rule) -> list[str]:
    return sorted(rule.methods & {"GET", "POST"})


@pytest.fixture
def candidate(db_session, firm):
    FilingFactory(firm=firm, fiscal_year=2024)
    return CandidateFactory(firm=firm, tier="hnte", cycle=2025)


@pytest.fixture
def in_request(app, db_session):
    """Services run in a request's context (db.session, current_app, the language); the
    test's objects are made in the same one. Messages come in English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield db_session


def login(client, user) -> None:
    """Log `user` in without the password round trip (the session keys of
    registry/auth/sessions.py, second factor included, as after a complete login); the pages
    answer in English, so the tests read the messages' source text."""
    from registry.auth import sessions
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[sessions.LOGIN_AT] = now
        session[sessions.SEEN_AT] = now
        session[sessions.SECOND_FACTOR] = True
        session["lang"] = "en"


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

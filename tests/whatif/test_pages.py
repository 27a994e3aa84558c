"""The what-if pages: scenarios saved with errors by their field, run, results, lists, export,
explanation, comparison; scope (404 outside the districts, 403 for firms)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.extensions import db
from registry.models import Firm, Scenario, User, WhatifChange, WhatifRun
from registry.services import whatif
from tests.officer.conftest import login
from tests.whatif.conftest import AS_OF

CAGR = "gazelle.default.revenue_cagr.bands.0.min"


@pytest.fixture(scope="module")
def users(demo_app):
    with demo_app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        officers = db.session.scalars(select(User).where(User.role == "officer")).all()
        firm_user = db.session.scalar(select(User).where(User.role == "firm"))
        db.session.expunge_all()
        return admin, officers, firm_user


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_an_admin_saves_runs_and_reads_a_scenario(demo_app, users):
    admin, _officers, _firm = users
    client = _client(demo_app, admin)
    page = client.get("/whatif/new")
    assert page.status_code == 200 and CAGR in page.get_data(as_text=True)
    bad = client.post("/whatif/new", data={"name": "x", "as_of": AS_OF.isoformat(),
                                           "changes": "gazelle.default.nope = 1", "gazelle": "", "leader": ""})
    assert bad.status_code == 422 and "Not applicable" in bad.get_data(as_text=True)
    bad = client.post("/whatif/new", data={"name": "x", "changes": "just words", "gazelle": "", "leader": ""})
    assert bad.status_code == 422 and "Line 1" in bad.get_data(as_text=True)
    saved = client.post("/whatif/new", data={"name": "瞪羚增速15%", "as_of": AS_OF.isoformat(),
                                             "changes": f"{CAGR} = 15%", "gazelle": "", "leader": ""})
    assert saved.status_code == 302
    with demo_app.app_context():
        scenario = db.session.scalar(select(Scenario).where(Scenario.name == "瞪羚增速15%"))
        assert scenario.overrides == {CAGR: "0.15"} and scenario.created_by_id == admin.id
        scenario_id = scenario.id
    started = client.post(f"/whatif/{scenario_id}/run")
    assert started.status_code == 302
    run_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with demo_app.app_context():
        run = whatif.run_inline(db.session, run_id)   # what the workers do with the sent chunks
        assert run.status == "done"
        winner = db.session.scalar(select(WhatifChange).where(WhatifChange.run_id == run_id,
                                                              WhatifChange.tier == "gazelle"))
        firm_id, district = winner.firm_id, winner.district
    assert client.get(f"/whatif/runs/{run_id}/progress.json").get_json()["status"] == "done"
    results = client.get(f"/whatif/runs/{run_id}").get_data(as_text=True)
    assert "district-chart" in results and "by-district" in results
    listing = client.get(f"/whatif/runs/{run_id}/winners?tier=gazelle&district={district}")
    assert f'data-firm="{firm_id}"' in listing.get_data(as_text=True)
    explained = client.get(f"/whatif/runs/{run_id}/firms/{firm_id}?tier=gazelle").get_data(as_text=True)
    assert 'data-criterion="revenue_cagr"' in explained
    exported = client.get(f"/whatif/runs/{run_id}/export/winners/xlsx?tier=gazelle")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    with demo_app.app_context():
        names = {firm.name for firm in db.session.scalars(select(Firm).join(
            WhatifChange, WhatifChange.firm_id == Firm.id).where(WhatifChange.run_id == run_id,
                                                                 WhatifChange.tier == "gazelle",
                                                                 WhatifChange.change == 1))}
    assert {row[0] for row in rows[1:]} == names and len(rows) > 1
    copied = client.post(f"/whatif/{scenario_id}/copy", data={"name": "副本"})
    assert copied.status_code == 302
    with demo_app.app_context():
        copy = db.session.scalar(select(Scenario).where(Scenario.name == "副本"))
        assert copy.overrides == {CAGR: "0.15"}
        second = whatif.start_run(db.session, None, copy, dispatch=False)
        db.session.commit()
        second_id, copy_id = second.id, copy.id
        whatif.run_inline(db.session, second_id)
    assert client.get(f"/whatif/compare?a={run_id}&b={2**70}").status_code == 302
    assert client.get(f"/whatif/runs/{run_id}/winners?page={2**70}").status_code == 200
    compared = client.get(f"/whatif/compare?a={run_id}&b={second_id}")
    assert compared.status_code == 200 and compared.get_data(as_text=True).count('id="tier-totals"') == 2
    assert client.post(f"/whatif/{copy_id}/delete").status_code == 302
    with demo_app.app_context():
        assert db.session.get(Scenario, copy_id) is None
        assert db.session.get(WhatifRun, second_id) is None
        assert not db.session.scalar(select(WhatifChange).where(WhatifChange.run_id == second_id))


def test_officers_see_only_their_districts_and_firms_nothing(demo_app, users):
    admin, officers, firm_user = users
    with demo_app.app_context():
        city = whatif.save_scenario(db.session, None, name="city", as_of=AS_OF, overrides={CAGR: "0.15"})
        own = officers[0]
        mine = whatif.save_scenario(db.session, None, name="mine", as_of=AS_OF,
                                    districts=sorted(own.district_codes), overrides={CAGR: "0.15"})
        run = whatif.start_run(db.session, None, city, dispatch=False)
        db.session.commit()
        city_id, mine_id, run_id = city.id, mine.id, run.id
    client = _client(demo_app, own)
    listing = client.get("/whatif/").get_data(as_text=True)
    assert f'id="scenario-{mine_id}"' in listing and f'id="scenario-{city_id}"' not in listing
    assert client.get(f"/whatif/runs/{run_id}").status_code == 404
    assert client.post(f"/whatif/{city_id}/run").status_code == 404
    none_ticked = client.post("/whatif/new", data={"name": "all", "changes": "", "gazelle": "", "leader": ""})
    assert none_ticked.status_code == 422
    assert _client(demo_app, firm_user).get("/whatif/").status_code == 403
    with demo_app.app_context():
        from tests.factories import UserFactory
        manager = UserFactory(email="leader@bureau.example", role="manager", firm=None)
        db.session.commit()
        db.session.refresh(manager)
        db.session.expunge(manager)
    reader = _client(demo_app, manager)
    assert reader.get(f"/whatif/runs/{run_id}").status_code == 200
    assert 'id="new-scenario"' not in reader.get("/whatif/").get_data(as_text=True)
    assert reader.post(f"/whatif/{city_id}/run").status_code == 403
    cancelled = _client(demo_app, admin).post(f"/whatif/runs/{run_id}/cancel")
    assert cancelled.status_code == 302
    with demo_app.app_context():
        assert db.session.get(WhatifRun, run_id).status == "cancelled"

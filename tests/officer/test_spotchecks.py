"""Spot checks (双随机): the draw is reproducible from what is recorded, firms and inspectors are
both drawn at random within the district, results are recorded and exported."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.models import AuditEvent, Inspector, SpotCheck, SpotCheckItem
from registry.services import spotchecks
from tests.factories import CertificateFactory, FirmFactory
from tests.officer.conftest import login

AS_OF = dt.date(2025, 6, 30)


def test_the_draw_is_sha256_ranking():
    """A known answer anyone can recompute by hand (or in another language)."""
    seed, population, roster = "20250630", [11, 12, 13, 14, 15], [1, 2, 3]
    def rank(*parts):
        return hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    firms = sorted(population, key=lambda f: rank(seed, f))[:2]
    expected = [(f, sorted(roster, key=lambda i: rank(seed, f, i))[:2]) for f in firms]
    assert spotchecks.draw(seed, population, 2, roster, 2) == expected
    assert spotchecks.draw(seed, list(reversed(population)), 2, roster, 2) == expected
    assert spotchecks.draw("another seed", population, 2, roster, 2) != expected


@pytest.fixture
def certified(db_session, districts):
    """Forty HNTE firms in haishu, one expired, one in jiangbei, and a roster of five."""
    firms = [FirmFactory(district="haishu") for _ in range(40)]
    for firm in firms:
        CertificateFactory(firm=firm, tier="hnte", issued=dt.date(2024, 1, 1),
                           expires=dt.date(2026, 12, 31))
    CertificateFactory(firm=FirmFactory(district="haishu"), issued=dt.date(2020, 1, 1),
                       expires=dt.date(2022, 12, 31))
    CertificateFactory(firm=FirmFactory(district="jiangbei"))
    db_session.add_all([Inspector(district="haishu", name=f"检查员{n}") for n in range(5)]
                       + [Inspector(district="jiangbei", name="江北检查员")])
    db_session.flush()
    return firms


def test_a_draw_records_seed_population_and_roster_and_replays(in_request, officer, certified):
    session = in_request
    check = spotchecks.create(session, officer, district="haishu", tier="hnte", as_of=AS_OF,
                              seed="lottery-2025-125")
    assert sorted(check.population) == sorted(f.id for f in certified)
    roster = set(session.scalars(select(Inspector.id).where(Inspector.district == "haishu")))
    assert set(check.roster) == roster
    assert check.sample_size == 2                     # 5% of 40
    items = spotchecks.items_of(session, check)
    assert len(items) == 2 and all(len(item.inspector_ids) == 2 for item in items)
    assert {item.assigned_to_id for item in items} == {officer.id}   # the drawer sees them through
    assert all(set(item.inspector_ids) <= roster for item in items)
    assert spotchecks.replay(check, items)
    again = spotchecks.create(session, officer, district="haishu", tier="hnte", as_of=AS_OF,
                              seed="lottery-2025-125")
    assert [(i.firm_id, i.inspector_ids) for i in spotchecks.items_of(session, again)] == \
        [(i.firm_id, i.inspector_ids) for i in items]
    # A tampered record no longer replays.
    items[0].inspector_ids = list(reversed(items[0].inspector_ids))
    assert not spotchecks.replay(check, items)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "spot_check_draw"))
    assert event.details["seed"] == "lottery-2025-125" and event.details["population"] == 40


def test_random_seeds_differ_and_sizes_are_checked(in_request, officer, certified):
    first = spotchecks.create(in_request, officer, district="haishu", tier=None, as_of=AS_OF,
                              sample_size=10)
    second = spotchecks.create(in_request, officer, district="haishu", tier=None, as_of=AS_OF,
                               sample_size=10)
    assert first.seed != second.seed and len(first.seed) >= 10
    with pytest.raises(spotchecks.SpotCheckError, match="between 1 and 40"):
        spotchecks.create(in_request, officer, district="haishu", tier="hnte", as_of=AS_OF,
                          sample_size=41)
    with pytest.raises(spotchecks.SpotCheckError, match="No certified firm"):
        spotchecks.create(in_request, officer, district="haishu", tier="leader", as_of=AS_OF)
    in_request.execute(Inspector.__table__.update().values(active=False))
    with pytest.raises(spotchecks.SpotCheckError, match="at least 2 active inspectors"):
        spotchecks.create(in_request, officer, district="haishu", tier="hnte", as_of=AS_OF)


def test_draw_record_and_export_through_the_client(client, db_session, officer, certified):
    login(client, officer)
    response = client.post("/officer/spot-checks", data={
        "district": "haishu", "tier": "hnte", "as_of": AS_OF.isoformat(), "sample_size": "3",
        "seed": "42"})
    assert response.status_code == 302
    check_id = int(re.search(r"/spot-checks/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/officer/spot-checks/{check_id}").get_data(as_text=True)
    assert 'id="seed">42<' in page and 'class="alert alert-success mt-3" id="replay"' in page
    # Named by district and date, not by its row id (the roster's inspector numbers stay: the
    # published draw hashes them, so anyone can replay it).
    assert f"Spot check #{check_id}" not in page and f'aria-current="page">#{check_id}' not in page
    item = db_session.scalar(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == check_id,
                                                         SpotCheckItem.rank == 1))
    assert client.post(f"/officer/spot-checks/items/{item.id}",
                       data={"result": "issues_found", "findings": ""}).status_code == 302
    db_session.expire_all()
    assert db_session.get(SpotCheckItem, item.id).result == "pending"   # findings required
    client.post(f"/officer/spot-checks/items/{item.id}",
                data={"result": "issues_found", "findings": "研发台账缺失"})
    db_session.expire_all()
    assert db_session.get(SpotCheckItem, item.id).result == "issues_found"

    export = client.get(f"/officer/spot-checks/{check_id}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][0] == 1 and rows[1][6] == "研发台账缺失" and rows[1][8] == "42"
    assert "、" in rows[1][3]                        # two inspectors
    assert rows[1][4] == (officer.name or officer.email)   # who sees the inspection through

    # Another district's officer cannot draw in haishu.
    assert client.post("/officer/spot-checks", data={
        "district": "jiangbei", "as_of": AS_OF.isoformat()}).status_code == 400


def test_the_roster_is_kept_per_district(client, db_session, officer, districts):
    login(client, officer)
    client.post("/officer/inspectors", data={"district": "haishu", "name": "钱检查",
                                             "unit": "海曙区科技局"})
    inspector = db_session.scalar(select(Inspector).where(Inspector.name == "钱检查"))
    assert inspector.district == "haishu" and inspector.active
    client.post(f"/officer/inspectors/{inspector.id}/toggle")
    db_session.expire_all()
    assert not db_session.get(Inspector, inspector.id).active
    assert client.post("/officer/inspectors", data={"district": "jiangbei",
                                                    "name": "x"}).status_code == 400
    assert db_session.scalar(select(SpotCheck)) is None

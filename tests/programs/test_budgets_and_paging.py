"""The reward list with the districts' own budgets (bureau settings: versioned, audited, shared per
district), its totals kept with the list (pages read them, never add them up), and its keyset
pages (every awarded firm once, highest award first)."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from registry.models import AuditEvent, ProgramEntry, ProgramList, SettingChange
from registry.services import programs
from tests.factories import FirmFactory
from tests.officer.conftest import login
from tests.programs.conftest import YEAR, filing
from tests.programs.test_pages import REWARD, awards, post

SETTINGS = f"/officer/programs/settings/{YEAR}"


def _settings_form(client) -> dict:
    page = client.get(SETTINGS).get_data(as_text=True)
    return {name: value for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}


def test_district_budgets_are_settings_shared_per_district(client, db_session, officer, admin, registry_firms):
    f = registry_firms
    login(client, admin)
    form = _settings_form(client)
    assert "budget.haishu" in form and "budget.jiangbei" in form
    bad = client.post(SETTINGS, data={**form, "budget.haishu": "lots"})
    assert bad.status_code == 400 and 'id="budget.haishu"' in bad.get_data(as_text=True)
    saved = client.post(SETTINGS, data={**form, "budget.haishu": "4"})
    assert saved.status_code == 302
    change = db_session.scalar(select(SettingChange).where(SettingChange.key == f"programs.{YEAR}"))
    assert change.new_value["district_budgets"] == {"haishu": "4"} and change.version == 1
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "setting_changed"))
    assert _settings_form(client)["budget.haishu"] == "4"

    post(client, f"{REWARD}/compute", {"budget": ""})
    # haishu: entitlements 5 + 1.6 + 0.9 = 7.5 share its 4 (floored to the yuan); jiangbei has no
    # budget of its own: paid its entitlement of 10.
    assert awards(db_session) == {f["five"].id: Decimal("2.6666"), f["four"].id: Decimal("0.8533"),
                                  f["three"].id: Decimal("0.48"), f["jiangbei"].id: Decimal(10)}
    page = client.get(REWARD).get_data(as_text=True)
    haishu = re.search(r'<tr data-district="haishu">(.*?)</tr>', page, re.DOTALL).group(1)
    assert "4.00" in haishu and "0.00" in haishu            # its budget and what is left of it
    # Excluding shares haishu's budget again among the others.
    post(client, f"{REWARD}/firms/{f['four'].id}/exclude", {"reason": "核查不实"})
    assert awards(db_session)[f["five"].id] == Decimal("3.3898")       # 5 × 4 ÷ 5.9
    # A city budget typed into the form replaces the districts' budgets.
    post(client, f"{REWARD}/compute", {"budget": "100"})
    assert awards(db_session)[f["jiangbei"].id] == Decimal(10)
    assert programs.district_budgets(db_session.scalar(select(ProgramList))) == {}


def test_totals_are_kept_with_the_list_not_added_up_per_request(client, db_session, admin, registry_firms):
    login(client, admin)
    post(client, f"{REWARD}/compute", {"budget": ""})
    lst = db_session.scalar(select(ProgramList))
    haishu = lst.totals["haishu"]
    assert (haishu["firms"], Decimal(haishu["entitlement"]), Decimal(haishu["award"]), haishu["paid"]) == \
        (3, Decimal("7.5"), Decimal("7.5"), 0)
    # The page shows what is kept (a marker value proves it is not recomputed).
    lst.totals = {**lst.totals, "haishu": {**lst.totals["haishu"], "firms": 4321}}
    db_session.commit()
    assert "4,321" in client.get(REWARD).get_data(as_text=True)
    # Changing the list keeps its totals again.
    post(client, f"{REWARD}/firms/{registry_firms['four'].id}/exclude", {"reason": "x"})
    db_session.expire_all()
    assert lst.totals["haishu"]["firms"] == 2 and Decimal(lst.totals["haishu"]["entitlement"]) == Decimal("5.9")


def test_keyset_pages_list_every_awarded_firm_once_by_award(client, db_session, admin, registry_firms,
                                                          monkeypatch):
    for n in range(7):
        filing(FirmFactory(name=f"分页企业{n}", district="haishu"), 1000, 30 + n * 3)
    login(client, admin)
    post(client, f"{REWARD}/compute", {"budget": ""})
    monkeypatch.setattr(programs, "PAGE_SIZE", 3)
    seen, url = [], REWARD
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [int(x) for x in re.findall(r'<tr data-firm="(\d+)">', page)]
        found = re.search(r'id="next-page" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    lst = db_session.scalar(select(ProgramList))
    expected = [e.firm_id for e in db_session.scalars(select(ProgramEntry).where(
        ProgramEntry.list_id == lst.id, ProgramEntry.eligible.is_(True), ProgramEntry.excluded.is_(False))
        .order_by(ProgramEntry.award.desc(), ProgramEntry.firm_id.desc()))]
    assert seen == expected and len(seen) == 11
    assert client.get(f"{REWARD}?after=forged").status_code == 200

"""/admin/settings: each section saves through the versioned store, refuses bad input next to
the field, and is in force at the next request."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from sqlalchemy import select

from registry.models import District, Scan, SettingChange
from registry.services import settings
from tests.officer.conftest import login


def test_only_admins_reach_the_settings(client, db_session, admin, officer):
    login(client, officer)
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings/bureau", data={"bureau.name": "x"}).status_code == 403
    login(client, admin)
    page = client.get("/admin/settings?year=2031").get_data(as_text=True)
    assert "宁波市科学技术局" in page and "Missing" in page


def test_bureau_values_are_saved_or_refused_next_to_the_field(client, db_session, admin):
    login(client, admin)
    response = client.post("/admin/settings/bureau", data={"public_notice.working_days": "abc",
                                                           "bureau.name": "新名字"})
    assert response.status_code == 422
    assert 'data-field="public_notice.working_days"' in response.get_data(as_text=True)
    assert db_session.scalar(select(SettingChange.id)) is None  # all or nothing
    client.post("/admin/settings/bureau", data={"public_notice.working_days": "15"})
    assert settings.bureau(db_session)["public_notice"]["working_days"] == 15
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "params.public_notice.working_days" in page  # the history names the change


def test_districts_are_added_renamed_deactivated(client, db_session, admin):
    login(client, admin)
    client.post("/admin/settings/districts", data={"new": "1", "code": "beilun", "name_zh": "北仑区",
                                                   "name_en": "Beilun", "active": "y"})
    assert db_session.get(District, "beilun").name_zh == "北仑区"
    response = client.post("/admin/settings/districts", data={"new": "1", "code": "beilun",
                                                              "name_zh": "北仑", "name_en": "B"})
    assert response.status_code == 422 and "This code is already used." in response.get_data(as_text=True)
    client.post("/admin/settings/districts", data={"code": "beilun", "name_zh": "北仑区",
                                                   "name_en": "Beilun District"})
    assert db_session.get(District, "beilun").active is False  # the box was not ticked
    client.post("/admin/settings/districts/beilun/delete")
    assert db_session.get(District, "beilun") is None


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_a_calendar_upload_is_all_or_nothing_with_a_row_report(client, db_session, admin):
    login(client, admin)
    bad = "date,kind,name\n2031-01-01,休,元旦\n2031-01-06,班,\n2030-12-31,休,元旦\n".encode()
    response = client.post("/admin/settings/calendar", data={
        "year": "2031", "source": "国务院办公厅通知", "file": (io.BytesIO(bad), "2031.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A make-up working day falls on a Saturday or Sunday." in page
    assert "This date is not in 2031." in page
    assert settings.calendar_document(db_session, 2031) is None

    good = _xlsx([["日期", "类型", "名称"], [dt.date(2031, 1, 1), "休", "元旦"],
                  ["2031-01-02", "休", "元旦"], ["2031/1/4", "班", ""]])
    client.post("/admin/settings/calendar", data={
        "year": "2031", "source": "国务院办公厅通知", "file": (io.BytesIO(good), "2031.xlsx")},
        content_type="multipart/form-data")
    assert settings.calendar_document(db_session, 2031) == {
        "source": "国务院办公厅通知", "workdays": ["2031-01-04"],
        "holidays": [{"name": "元旦", "first": "2031-01-01", "last": "2031-01-02"}]}
    page = client.get("/admin/settings?year=2031").get_data(as_text=True)
    rollover = page.split('id="rollover-list"')[1].split("</ul>")[0]
    assert rollover.count(">Missing<") == 2 and rollover.count(">Set<") == 1  # the calendar


def test_round_dates_and_rule_profiles(client, db_session, admin):
    login(client, admin)
    response = client.post("/admin/settings/rounds?year=2027", data={
        "hnte-opens": "2027-06-30", "hnte-closes": "2027-05-01"})
    assert response.status_code == 422 and 'data-field="hnte"' in response.get_data(as_text=True)
    client.post("/admin/settings/rounds?year=2027", data={"hnte-opens": "2027-05-01",
                                                           "hnte-closes": "2027-06-30"})
    assert settings.round_dates(db_session, 2027) == {"hnte": (dt.date(2027, 5, 1),
                                                               dt.date(2027, 6, 30))}
    known = settings.known_profiles(dt.date.today().year)
    other = next(name for name in known["gazelle"] if name != "default")
    client.post("/admin/settings/profiles", data={"gazelle": other, "leader": "default",
                                                  "effective": "2026-01-01", "queue_scan": "y"})
    assert settings.rule_profiles(db_session, dt.date(2026, 2, 1))["gazelle"] == other
    scan = db_session.scalar(select(Scan).where(Scan.kind == "full"))
    assert scan is not None and scan.profiles["gazelle"] == other


def test_yearly_targets_per_city_and_district_are_versioned(client, db_session, admin):
    from registry.services import targets
    login(client, admin)
    response = client.post("/admin/settings/targets?year=2027", data={
        "indicator": "hnte_valid", "direction": "at_least", "value": "many"})
    assert response.status_code == 422 and 'data-field="value"' in response.get_data(as_text=True)
    client.post("/admin/settings/targets?year=2027", data={
        "indicator": "guishang_rd_ratio", "direction": "at_least", "value": "3.5",
        "source": "规上工业企业研发投入强度达到3.5%"})
    client.post("/admin/settings/targets?year=2027", data={
        "indicator": "hnte_valid", "district": "haishu", "direction": "at_least",
        "value": "1,200"})
    ratio = targets.target_for(db_session, "guishang_rd_ratio", 2027, None)
    assert str(ratio.value.normalize()) == "0.035"
    assert targets.target_for(db_session, "hnte_valid", 2027, "haishu").value == 1200
    page = client.get("/admin/settings?year=2027").get_data(as_text=True)
    assert "3.50%" in page and "1,200" in page
    rollover = page.split('id="rollover-list"')[1].split("</ul>")[0]
    assert rollover.count(">Set<") == 1  # targets (2027 has no calendar nor rounds)
    assert settings.history(db_session, "targets.2027.guishang_rd_ratio.city")[0].new_value[
        "source"] == "规上工业企业研发投入强度达到3.5%"
    client.post(f"/admin/settings/targets/{ratio.id}/delete?year=2027")
    assert targets.target_for(db_session, "guishang_rd_ratio", 2027, None) is None
    assert settings.history(db_session, "targets.2027.guishang_rd_ratio")[0].new_value is None

"""/admin/audit: filters, keyset pages, a formula-safe CSV with a BOM, links to each object; an
officer or manager reads only the events of firms within their districts."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

from registry.models import AuditEvent
from tests.factories import FirmFactory, UserFactory
from tests.officer.conftest import login


def _event(db_session, actor, action, firm=None, at=None, **details):
    event = AuditEvent(actor_id=actor.id if actor else None, action=action,
                       object_type="firm" if firm else "none", object_id=firm.id if firm else None,
                       firm_id=firm.id if firm else None, details=details,
                       at=at or dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC))
    db_session.add(event)
    db_session.flush()
    return event


def _actions(client, **args) -> list[str]:
    page = client.get("/admin/audit", query_string=args).get_data(as_text=True)
    return re.findall(r'data-event="([^"]+)"', page)


def test_filters_and_links(client, db_session, admin, officer):
    haishu = FirmFactory(name="海曙公司", district="haishu")
    _event(db_session, admin, "firm_created", haishu)
    _event(db_session, officer, "outreach_update", haishu,
           at=dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC))  # 2 March in Shanghai
    _event(db_session, admin, "setting_changed", None, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    login(client, admin)
    assert _actions(client) == ["setting_changed", "outreach_update", "firm_created"]
    assert _actions(client, actor="officer@") == ["outreach_update"]
    assert _actions(client, action="firm_created") == ["firm_created"]
    assert _actions(client, object_type="none") == ["setting_changed"]
    assert _actions(client, firm=haishu.id) == ["outreach_update", "firm_created"]
    assert _actions(client, since="2026-03-02", until="2026-03-02") == ["outreach_update",
                                                                         "firm_created"]
    assert _actions(client, until="2026-03-01") == ["setting_changed"]
    assert _actions(client, since="not a date", firm="99999999999") == _actions(client)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f'href="/officer/firms/{haishu.id}"' in page and "Firm created" in page


def test_keyset_pages(client, db_session, admin):
    ids = [_event(db_session, admin, "login", n=number).id for number in range(60)]
    login(client, admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    first = re.findall(r'data-id="(\d+)"', page)
    after = re.search(r'href="([^"]*after=[^"]+)"', page).group(1).replace("&amp;", "&")
    second = re.findall(r'data-id="(\d+)"', client.get(after).get_data(as_text=True))
    assert len(first) == 50 and len(second) == 10
    assert sorted(map(int, first + second)) == sorted(ids)


def test_officers_and_managers_read_within_their_districts(client, db_session, admin, officer,
                                                          districts):
    haishu = FirmFactory(name="海曙公司", district="haishu")
    jiangbei = FirmFactory(name="江北公司", district="jiangbei")
    _event(db_session, admin, "firm_created", haishu)
    _event(db_session, admin, "outreach_update", jiangbei)
    _event(db_session, admin, "setting_changed", None)
    login(client, officer)
    assert _actions(client) == ["firm_created"]
    manager = UserFactory(role="manager", firm=None, districts=[districts[1]])
    login(client, manager)
    assert _actions(client) == ["outreach_update"]
    firm_user = UserFactory(firm=haishu)
    login(client, firm_user)
    assert client.get("/admin/audit").status_code == 403


def test_the_csv_export_is_formula_safe_with_a_bom(client, db_session, admin):
    firm = FirmFactory(name="=HYPERLINK(\"x\")有限公司", district="haishu")
    _event(db_session, admin, "firm_created", firm)
    login(client, admin)
    response = client.get("/admin/audit/export.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["When", "Who", "Action"]
    assert rows[1][1:5] == ["admin@bureau.example", "Firm created", "Firm",
                            "'=HYPERLINK(\"x\")有限公司"]

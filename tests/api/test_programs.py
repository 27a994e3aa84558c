"""Program lists through the API: the list, its entries within the user's scope, the export."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from registry.models import ProgramEntry, ProgramList
from tests.api.conftest import bearer


def test_reward_list_and_entries(client, db_session, officer, firm, other_firm, firm_user,
                                 make_token):
    lst = ProgramList(program="rd_reward", year=2025, status="draft", settings={},
                      budget=Decimal(100))
    db_session.add(lst)
    db_session.flush()
    for each, award in ((firm, Decimal("12.5")), (other_firm, Decimal(3))):
        db_session.add(ProgramEntry(list_id=lst.id, firm_id=each.id, district=each.district,
                                    eligible=True, failed=[], award=award,
                                    rd_expense=Decimal(80), excluded=False))
    db_session.flush()
    secret = make_token(officer, "read")
    body = client.get("/api/v1/programs/rd_reward/2025", headers=bearer(secret)).get_json()
    assert body["status"] == "draft" and body["budget"] == "100"
    entries = client.get("/api/v1/programs/rd_reward/2025/entries",
                         headers=bearer(secret)).get_json()
    assert [item["firm_id"] for item in entries["items"]] == [firm.id]  # not jiangbei's
    assert entries["items"][0]["award"] == "12.5"
    text = client.get("/api/v1/programs/rd_reward/2025/entries/export", headers=bearer(secret),
                      query_string={"format": "csv"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["firm_id", "credit_code", "name"] and len(rows) == 2
    workbook = load_workbook(io.BytesIO(client.get(
        "/api/v1/programs/rd_reward/2025/entries/export", headers=bearer(secret),
        query_string={"format": "xlsx"}).data))
    header, row = list(workbook.active.iter_rows(max_row=2, values_only=True))
    assert row[header.index("award")] == 12.5   # a number cell, not the text "12.5"
    assert client.get("/api/v1/programs/rd_top/2025", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/programs/other/2025", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/programs/rd_reward/2025",
                      headers=bearer(make_token(firm_user, "read"))).status_code == 403

"""Outreach lists through the API: scoped to the user's districts, paged, exported with contact
persons as the pages give them."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from tests.api.conftest import bearer
from tests.factories import FirmFactory, FirmFlagFactory, IncentiveOpportunityFactory


def test_flag_and_incentive_lists(client, officer, manager, firm, other_firm, make_token):
    FirmFlagFactory(firm=firm, flag="hnte_near_miss", cycle=2025)
    FirmFlagFactory(firm=other_firm, flag="hnte_near_miss", cycle=2025)
    rich = FirmFactory(district="haishu", contact_phone="13812345678")
    IncentiveOpportunityFactory(firm=rich, incentive="rd_super_deduction", cycle=2025,
                                saving=Decimal("12.5"))
    secret = make_token(officer, "read")
    lists = {item["key"]: item for item in client.get(
        "/api/v1/outreach", headers=bearer(secret)).get_json()["items"]}
    assert lists["hnte_near_miss"]["firms"] == 1 and lists["hnte_near_miss"]["cycle"] == 2025
    body = client.get("/api/v1/outreach/hnte_near_miss", headers=bearer(secret)).get_json()
    assert [item["firm_id"] for item in body["items"]] == [firm.id]
    assert body["items"][0]["detail"]["criterion"] == "rd_ratio"
    assert body["items"][0]["status"] == "to_contact"
    body = client.get("/api/v1/outreach/rd_super_deduction", headers=bearer(secret)).get_json()
    assert body["items"][0]["saving"] == "12.5"
    assert client.get("/api/v1/outreach/nothing", headers=bearer(secret)).status_code == 404
    text = client.get("/api/v1/outreach/rd_super_deduction/export", headers=bearer(secret),
                      query_string={"format": "csv"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "firm_id" and "13812345678" in rows[1]
    masked = client.get("/api/v1/outreach/rd_super_deduction/export",
                        headers=bearer(make_token(manager, "read")),
                        query_string={"format": "csv"}).get_data(as_text=True)
    assert "13812345678" not in masked and "138****5678" in masked
    flags = client.get("/api/v1/outreach/hnte_near_miss/export", headers=bearer(secret),
                       query_string={"format": "csv"}).get_data(as_text=True)
    detail = list(csv.reader(io.StringIO(flags.lstrip("\ufeff"))))[1]
    # The file words the near miss as the web export does, never as the stored dict.
    assert not any("{" in cell or "'criterion'" in cell for cell in detail)
    assert any("万元" in cell for cell in detail)   # the gap, in the reader's words and unit

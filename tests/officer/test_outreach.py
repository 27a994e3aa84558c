"""Outreach lists: per incentive and flag, sorted by saving, a status and notes per firm, and
exports that open in Excel (checked with openpyxl)."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.models import AuditEvent, OutreachEntry
from tests.factories import FirmFactory, FirmFlagFactory, IncentiveOpportunityFactory
from tests.officer.conftest import login


@pytest.fixture
def savings(db_session, districts):
    """Super-deduction opportunities in haishu saving 5, 80, unknown and 12.5; one in jiangbei."""
    firms = [FirmFactory(name=f"海曙{n}科技有限公司", district="haishu", contact_name="联系人")
             for n in range(4)]
    for firm, saving in zip(firms, (Decimal(5), Decimal(80), None, Decimal("12.5"))):
        IncentiveOpportunityFactory(firm=firm, incentive="rd_super_deduction", saving=saving)
    IncentiveOpportunityFactory(firm=FirmFactory(name="江北贸易有限公司", district="jiangbei"),
                                saving=Decimal(999))
    IncentiveOpportunityFactory(firm=firms[0], incentive="rd_super_deduction", saving=Decimal(7),
                                cycle=2024)
    return firms


def names(page: str) -> list[str]:
    return re.findall(r'href="/officer/firms/\d+">([^<]+)</a>', page)


def test_an_incentive_list_sorted_by_saving_in_the_officer_s_districts(client, officer, savings):
    login(client, officer)
    page = client.get("/officer/outreach/rd_super_deduction").get_data(as_text=True)
    assert names(page) == ["海曙1科技有限公司", "海曙3科技有限公司", "海曙0科技有限公司",
                           "海曙2科技有限公司"]          # 80, 12.5, 5, unknown last
    assert "江北贸易" not in page
    assert re.search(r'id="total">\s*4\D', page)


def test_keyset_pages_of_an_incentive_list(db_session, officer, savings):
    from registry.services import outreach
    filters = outreach.OutreachFilters("rd_super_deduction", 2025)
    seen, after = [], None
    while True:
        page = outreach.list_page(db_session, officer, filters, after)
        seen += [row[1].name for row in page.rows]
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert seen == ["海曙1科技有限公司", "海曙3科技有限公司", "海曙0科技有限公司", "海曙2科技有限公司"]
    assert page.total == 4 and page.counts == {"to_contact": 4}


def test_each_list_offers_the_cycles_it_has(client, db_session, officer, savings):
    from registry.services import outreach
    for cycle, flag in ((2023, "hnte_near_miss"), (2025, "hnte_near_miss"), (2021, "hnte_at_risk")):
        FirmFlagFactory(firm=savings[0], flag=flag, cycle=cycle)
    db_session.flush()
    assert outreach.cycles(db_session, "hnte_near_miss") == [2025, 2023]
    assert outreach.cycles(db_session, "hnte_at_risk") == [2021]
    assert outreach.cycles(db_session, "rd_super_deduction") == [2025, 2024]
    assert outreach.cycles(db_session, "vat_credit") == []
    login(client, officer)
    page = client.get("/officer/outreach/hnte_near_miss?cycle=2023").get_data(as_text=True)
    assert re.findall(r"<option( selected)?>(\d{4})</option>", page) == [("", "2025"), (" selected", "2023")]


def test_status_and_notes_per_firm(client, db_session, officer, savings):
    login(client, officer)
    firm = savings[1]
    response = client.post(f"/officer/outreach/rd_super_deduction/2025/firms/{firm.id}",
                           data={"status": "contacted", "notes": "已电话联系财务负责人"})
    assert response.status_code == 302
    entry = db_session.scalar(select(OutreachEntry))
    assert (entry.firm_id, entry.status, entry.notes) == (firm.id, "contacted", "已电话联系财务负责人")
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "outreach_update"))
    assert event.details["to_status"] == "contacted" and event.firm_id == firm.id
    contacted = client.get("/officer/outreach/rd_super_deduction?status=contacted")
    assert names(contacted.get_data(as_text=True)) == ["海曙1科技有限公司"]
    refused = client.post(f"/officer/outreach/rd_super_deduction/2025/firms/{firm.id}",
                          data={"status": "bribed"})
    assert refused.status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(OutreachEntry.status)) == "contacted"


def test_a_flag_list_shows_the_detail(client, officer, firm):
    FirmFlagFactory(firm=firm, flag="hnte_near_miss",
                    detail={"criterion": "rd_ratio", "gap": "18", "unit": "万元"})
    login(client, officer)
    page = client.get("/officer/outreach/hnte_near_miss").get_data(as_text=True)
    assert firm.name in page and "sales revenue over the window: 18.00 10k yuan more" in page
    assert "rd_ratio" not in page.replace('data-criterion="rd_ratio"', "")
    assert client.get("/officer/outreach/no_such_list").status_code == 404


def test_export_csv_and_xlsx(client, officer, savings):
    login(client, officer)
    response = client.get("/officer/outreach/rd_super_deduction/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 5 and rows[1][1] == "海曙1科技有限公司" and rows[1][7] == "80.00000000"

    response = client.get("/officer/outreach/rd_super_deduction/export.xlsx?sort=saving")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "attachment; filename=outreach-rd_super_deduction-2025.xlsx" in disposition
    # The reader's file is named for the list, not its key (RFC 6266 filename*).
    named = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert named.endswith(" 2025.xlsx") and "rd_super_deduction" not in named
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] in ("Firm", "企业")
    *listed, total = values[1:]
    assert [row[1] for row in listed] == ["海曙1科技有限公司", "海曙3科技有限公司",
                                          "海曙0科技有限公司", "海曙2科技有限公司"]
    # the saving is a number cell (万元, two decimals shown), summed in a totals row
    assert values[1][7] == 80 and values[4][7] in ("", None)
    assert sheet.cell(row=2, column=8).number_format == "#,##0.00"
    assert total[0] in ("Total", "合计") and total[7] == sum(row[7] or 0 for row in listed)
    assert values[1][8] in ("To contact", "待联系")
    assert client.get("/officer/outreach/rd_super_deduction/export.pdf").status_code == 404

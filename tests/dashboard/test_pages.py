"""The dashboard, the firms behind its numbers, its export, "snapshot now" and /today: who sees
which scope (out-of-scope districts 404), what the cards say, and that reading a snapshot keeps
its numbers."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.models import IndicatorSnapshot
from registry.rules import today_in_shanghai
from registry.services import settings, snapshots, targets
from tests.factories import CandidateFactory, CertificateFactory, FirmFactory, UserFactory
from tests.officer.conftest import login

TODAY = today_in_shanghai()
SOURCE = "宁波2025：有效高新技术企业超过10000家（按演示规模缩放）"


@pytest.fixture
def registry(db_session, districts, firm, other_firm, admin):
    """HNTE holders in both districts and the year's targets for the city and haishu."""
    for holder in (firm, other_firm, FirmFactory(district="haishu", name="海曙新材料有限公司")):
        CertificateFactory(firm=holder, issued=TODAY - dt.timedelta(days=400),
                           expires=TODAY + dt.timedelta(days=700))
    targets.set_target(db_session, admin, indicator="hnte_valid", year=TODAY.year, value=4,
                       source=SOURCE)
    targets.set_target(db_session, admin, indicator="hnte_valid", year=TODAY.year, value=2,
                       district="haishu", source="海曙区目标")
    targets.set_target(db_session, admin, indicator="tax_relief.firms", year=TODAY.year, value=10)
    return firm, other_firm


def _page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_city_dashboard_shows_the_card_against_its_target(client, registry, admin):
    login(client, admin)
    page = _page(client, "/dashboard")
    assert 'data-indicator="hnte_valid" data-status="at_risk"' in page   # 3 held, target 4
    assert SOURCE in page and "computed from the records" in page
    assert 'data-table="hnte_valid"' in page and 'data-district="jiangbei"' in page
    assert "江北精工有限公司" not in page   # numbers, not firms
    firms = _page(client, "/dashboard/firms?set=hnte_valid")
    assert "甬江智能科技有限公司" in firms and "江北精工有限公司" in firms


def test_a_district_reads_its_own_target(client, registry, admin):
    login(client, admin)
    page = _page(client, "/dashboard?district=haishu")
    assert 'data-indicator="hnte_valid" data-status="on_track"' in page   # 2 held, target 2
    assert "海曙区目标" in page and SOURCE not in page


def test_an_officer_sees_only_their_district(client, registry, officer):
    login(client, officer)
    page = _page(client, "/dashboard")
    assert 'id="scope-name">Haishu' in page and 'data-district="jiangbei"' not in page
    assert '<option value="">' not in page   # no whole-city choice
    for url in ("/dashboard?district=jiangbei", "/dashboard/firms?district=jiangbei",
                "/dashboard/export.xlsx?district=jiangbei", "/dashboard?district=atlantis"):
        _page(client, url, 404)
    firms = _page(client, "/dashboard/firms?set=hnte_valid")
    assert "甬江智能科技有限公司" in firms and "江北精工有限公司" not in firms


def test_a_manager_lands_on_the_dashboard_and_changes_nothing(client, registry, manager):
    login(client, manager)
    assert client.get("/").location.endswith("/dashboard")
    assert client.post("/dashboard/snapshot").status_code == 403
    assert client.get("/today").status_code == 403
    _page(client, "/dashboard?district=jiangbei", 404)


def test_a_firm_user_gets_403(client, registry, firm):
    login(client, UserFactory(firm=firm))
    assert client.get("/dashboard").status_code == 403


def test_a_snapshot_is_read_and_keeps_its_numbers(client, db_session, registry, admin):
    login(client, admin)
    response = client.post("/dashboard/snapshot")
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(IndicatorSnapshot)) == 1
    CertificateFactory(firm=FirmFactory(district="haishu"), issued=TODAY,
                       expires=TODAY + dt.timedelta(days=400))
    page = _page(client, "/dashboard")
    assert "read from the snapshot taken on demand" in page
    assert 'data-status="at_risk"' in page      # still 3 of 4 in the stored snapshot
    live = _page(client, "/dashboard?live=1")
    assert 'data-indicator="hnte_valid" data-status="on_track"' in live


def test_a_past_month_reads_its_backfilled_snapshot(app, client, db_session, registry, admin):
    day = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    with app.app_context():
        snapshots.take(db_session, None, day, "backfilled")
        db_session.commit()
    login(client, admin)
    page = _page(client, f"/dashboard?as_of={(day + dt.timedelta(days=3)).isoformat()}")
    note = page.split('id="source-note">')[1].split("<a")[0]
    assert f"read from the backfilled snapshot (computed later from the records) of {day}" in note, note


@pytest.mark.parametrize("as_of", ["2999-01-01", "not-a-date", "1900-01-01"])
def test_a_bad_date_shows_today_with_a_note(client, registry, admin, as_of):
    login(client, admin)
    page = _page(client, f"/dashboard?as_of={as_of}")
    assert 'id="problem"' in page and f'value="{TODAY.isoformat()}"' in page


def test_the_export_has_one_sheet_per_view(client, registry, admin):
    login(client, admin)
    response = client.get("/dashboard/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    year = TODAY.year
    assert workbook.sheetnames == [f"Targets {year}", f"Forecast {year}", f"Districts {year}",
                                   f"Trends {year - 1}-{year}", f"Funnel {year}"]
    targets_sheet = workbook[f"Targets {year}"]
    cards = list(targets_sheet.iter_rows(min_row=2, values_only=True))
    assert ("Valid high-tech enterprises (HNTE)", 3, 4) == cards[0][:3]
    assert targets_sheet["F2"].data_type == "s"
    # Numbers are number cells in the format people read them in.
    progress = targets_sheet["D2"]
    assert progress.data_type == "n" and progress.value == 0.75 and progress.number_format == "0.0%"
    assert targets_sheet["B2"].number_format == "#,##0"
    # The districts' funnels add up: a totals row under them.
    funnel = list(workbook[f"Funnel {year}"].iter_rows(min_row=2, values_only=True))
    assert funnel[-1][1] == sum(row[1] for row in funnel[:-1]) > 0
    trends = workbook[f"Trends {year - 1}-{year}"]
    assert [cell.value for cell in trends[1]][2:4] == ["Month 1", "Month 2"]


def test_today_counts_what_needs_the_officer(client, db_session, registry, officer):
    firm, other_firm = registry
    CandidateFactory(firm=firm, cycle=TODAY.year, status="in_review", assigned_to_id=officer.id)
    CandidateFactory(firm=other_firm, cycle=TODAY.year, status="in_review",
                     assigned_to_id=officer.id)   # another district: not counted
    login(client, officer)
    assert client.get("/").location.endswith("/today")
    page = _page(client, "/today")
    assigned = page.split('data-item="assigned"')[1].split("data-count>")[1]
    assert assigned.startswith("1<")
    not_filed = page.split('data-item="not_filed"')[1].split("data-count>")[1]
    assert not_filed.startswith("2<")   # two haishu firms, neither filed last year


def test_today_reads_the_bureaus_filing_deadline(client, db_session, registry, officer, admin):
    settings.set_bureau_value(db_session, "filings.deadline", "06-30", admin)
    db_session.flush()
    login(client, officer)
    page = _page(client, "/today")
    assert dt.date(TODAY.year, 6, 30).isoformat() in page
    assert dt.date(TODAY.year, 5, 31).isoformat() not in page


def test_the_export_shows_money_in_wan_and_shares_in_percent(client, db_session, registry, admin):
    targets.set_target(db_session, admin, indicator="tax_relief", year=TODAY.year,
                       value="2500.5")
    targets.set_target(db_session, admin, indicator="guishang_rd_ratio", year=TODAY.year,
                       value="0.04")
    login(client, admin)
    sheet = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx").data))[f"Targets {TODAY.year}"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    money = rows["Tax relief (10k yuan)"][2]
    assert money.value == 2500.5 and money.number_format == "#,##0.00"
    ratio = rows["R&D intensity of large industrial firms (规上)"][2]
    assert ratio.value == 0.04 and ratio.number_format == "0.00%"

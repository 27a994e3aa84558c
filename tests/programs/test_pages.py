"""The programs area: the reward list's workflow (compute, exclude with a reason, approve, notice,
export for payment, mark paid), the ranking (compute, district view, publish) and what the firm
sees on its ladder. Scope: an officer sees and acts on their districts' firms only."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from registry.models import AuditEvent, ProgramEntry, ProgramList
from registry.rules import today_in_shanghai
from tests.factories import FirmFactory
from tests.officer.conftest import login
from tests.programs.conftest import YEAR, filing

REWARD = f"/officer/programs/rd-reward/{YEAR}"
TOP = f"/officer/programs/rd-top/{YEAR}"


def post(client, path, data=None):
    return client.post(path, data=data or {})


def awards(db_session) -> dict[int, Decimal | None]:
    db_session.expire_all()
    lst = db_session.scalar(select(ProgramList).where(ProgramList.program == "rd_reward"))
    return {e.firm_id: (None if e.excluded else e.award)
            for e in db_session.scalars(select(ProgramEntry).where(ProgramEntry.list_id == lst.id))}


def test_the_reward_workflow(client, db_session, officer, admin, registry_firms):
    f = registry_firms
    login(client, officer)
    assert "Compute the draft" in client.get(REWARD).get_data(as_text=True)
    assert post(client, f"{REWARD}/compute", {"budget": "abc"}).status_code == 302
    assert db_session.scalar(select(ProgramList)) is None                 # a bad budget computes nothing
    post(client, f"{REWARD}/compute", {"budget": "10"})
    # Σ entitlement 5 + 1.6 + 0.9 + 10 = 17.5 > 10: shared pro rata, floored to the yuan.
    assert awards(db_session) == {f["five"].id: Decimal("2.8571"), f["four"].id: Decimal("0.9142"),
                                  f["three"].id: Decimal("0.5142"), f["jiangbei"].id: Decimal("5.7142")}
    page = client.get(REWARD).get_data(as_text=True)
    assert "海曙四档有限公司" in page and "江北精工有限公司" not in page  # the officer's district only
    assert "海曙未达标有限公司" not in page

    # Excluding needs a reason; with one, the budget is shared among the others.
    post(client, f"{REWARD}/firms/{f['four'].id}/exclude", {"reason": ""})
    assert awards(db_session)[f["four"].id] == Decimal("0.9142")
    post(client, f"{REWARD}/firms/{f['four'].id}/exclude", {"reason": "研发费用核查不实"})
    assert awards(db_session)[f["four"].id] is None
    assert awards(db_session)[f["five"].id] == Decimal("3.1446")        # 5 × 10 ÷ 15.9
    assert "研发费用核查不实" in client.get(f"{REWARD}?show=excluded").get_data(as_text=True)
    # Out of scope: another district's firm answers 404.
    assert post(client, f"{REWARD}/firms/{f['jiangbei'].id}/exclude", {"reason": "x"}).status_code == 404
    # An officer may not approve.
    assert post(client, f"{REWARD}/approve").status_code == 403

    login(client, admin)
    post(client, f"{REWARD}/approve")
    lst = db_session.scalar(select(ProgramList))
    assert lst.status == "approved" and lst.decided_by == admin.id
    frozen = awards(db_session)
    # Frozen: a later filing, a recompute or an exclusion changes nothing.
    filing(FirmFactory(name="新企业", district="haishu"), 1000, 50)
    post(client, f"{REWARD}/compute", {"budget": "1"})
    post(client, f"{REWARD}/firms/{f['five'].id}/exclude", {"reason": "late"})
    assert awards(db_session) == frozen

    workbook = load_workbook(io.BytesIO(client.get(f"{REWARD}/export.xlsx").data))
    rows = list(workbook.active.iter_rows(values_only=True))
    *listed, total = rows[1:]    # the awards are number cells, summed in a totals row
    by_code = {row[0]: row for row in listed}
    assert by_code[f["five"].credit_code][3:5] == ("工商银行宁波分行", "6222 0210 0000 0001")
    assert total[0] in ("Total", "合计") and Decimal(str(total[10])) == sum(
        (award for award in frozen.values() if award is not None), Decimal(0))
    assert {code: Decimal(str(row[10])) for code, row in by_code.items()} == {
        db_session.get(type(f["five"]), firm_id).credit_code: award for firm_id, award in frozen.items()
        if award is not None}

    # Public notice, then payment per firm once it has ended.
    today = today_in_shanghai()
    post(client, f"{REWARD}/firms/{f['five'].id}/paid")
    assert db_session.get(ProgramEntry, (lst.id, f["five"].id)).paid_at is None
    post(client, f"{REWARD}/notice", {"start": (today - dt.timedelta(days=10)).isoformat(),
                                     "end": (today - dt.timedelta(days=3)).isoformat()})
    db_session.expire_all()
    assert lst.status == "public_notice"
    post(client, f"{REWARD}/firms/{f['five'].id}/paid")
    db_session.expire_all()
    assert db_session.get(ProgramEntry, (lst.id, f["five"].id)).paid_at is not None
    actions = [e.action for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("programs.%")).order_by(AuditEvent.id))]
    assert actions == ["programs.reward.compute", "programs.reward.exclude", "programs.reward.approve",
                       "programs.reward.notice", "programs.reward.paid"]


def test_the_ranking_city_wide_per_district_and_published_to_its_firms(
        client, db_session, officer, admin, firm_user, registry_firms):
    f = registry_firms
    # Taking part (revenue ≥ 2,000): five (100, 5%), jiangbei (200, 5%) and big (300, 3%).
    big = FirmFactory(name="海曙规上有限公司", district="haishu")
    filing(big, 10000, 300)
    filing(big, 10000, 100, year=YEAR - 2)
    login(client, officer)
    post(client, f"{TOP}/compute")
    page = client.get(TOP).get_data(as_text=True)
    ranked = re.findall(r'data-firm="(\d+)"><td class="num">(\d+)</td>', page)
    # N = 3; points ½(N − a + 1) + ½(N − i + 1): jiangbei 2.5; big and five 2 each, big has more R&D.
    assert [int(firm_id) for firm_id, _ in ranked] == [f["jiangbei"].id, big.id, f["five"].id]
    local = client.get(f"{TOP}?district=haishu").get_data(as_text=True)
    # Within haishu, N = 2: big and five have 1.5 points each; big has more R&D.
    assert [int(x) for x, _ in re.findall(r'data-firm="(\d+)"><td class="num">(\d+)</td>', local)] == \
        [big.id, f["five"].id]
    assert client.get(f"{TOP}?district=jiangbei").status_code == 404
    assert post(client, f"{TOP}/publish").status_code == 403
    login(client, admin)
    post(client, f"{TOP}/publish")
    assert db_session.scalar(select(ProgramList).where(ProgramList.program == "rd_top")).status == "published"
    login(client, firm_user)
    ladder = client.get("/portal/").get_data(as_text=True)
    assert 'id="top-rank"' in ladder and "Rank 3" in ladder
    assert "5.00% band" in ladder


def test_the_ladder_says_what_the_next_band_takes(client, db_session, firm, firm_user, districts):
    filing(firm, 1000, Decimal("35.5"))
    login(client, firm_user)
    ladder = client.get("/portal/").get_data(as_text=True)
    assert "3.00% band" in ladder
    assert "What the next band (4.00%) takes: 4.50 (10k yuan) more R&D" in ladder


def test_the_bureau_sets_its_own_numbers_per_year(client, db_session, officer, admin, registry_firms):
    settings_page = f"/officer/programs/settings/{YEAR}"
    login(client, officer)
    assert client.get(settings_page).status_code == 200      # officers read the numbers in force
    assert client.post(settings_page, data={"budget": "1"}).status_code == 403
    login(client, admin)
    page = client.get(settings_page).get_data(as_text=True)
    assert 'value="3"' in page and 'name="programs.rd_reward.cap" value="100"' in page
    bad = client.post(settings_page, data={"programs.rd_reward.bands.0.min": "abc", "budget": ""})
    assert bad.status_code == 400 and "is-invalid" in bad.get_data(as_text=True)
    fields = {m[0]: m[1] for m in re.findall(r'name="(programs\.[^"]+)" value="([^"]*)"', page)}
    response = client.post(settings_page, data={**fields, "programs.rd_reward.bands.0.min": "2.5",
                                                "programs.rd_reward.bands.0.rate": "2.5",
                                                "programs.rd_reward.cap": "1", "budget": "3"})
    assert response.status_code == 302
    # The bureau's bands: 2.5% of R&D from 2.5% intensity (the 2.9% and 3% firms), every award capped at 1.
    reward = client.get(REWARD).get_data(as_text=True)
    assert 'value="3"' in reward                      # the budget is the year's setting
    assert "示例参数" not in reward and "[ILLUSTRATIVE]" not in reward.split("How the reward")[1][:200]
    post(client, f"{REWARD}/compute", {"budget": ""})
    assert awards(db_session) == {f.id: award for f, award in (
        (registry_firms["five"], Decimal(1)), (registry_firms["four"], Decimal(1)),
        (registry_firms["three"], Decimal("0.75")), (registry_firms["low"], Decimal("0.725")),
        (registry_firms["jiangbei"], Decimal(1)))}
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "setting_changed")) is not None


def test_a_deregistered_firm_is_in_no_program(client, db_session, admin, registry_firms):
    registry_firms["three"].deregistered_on = today_in_shanghai() - dt.timedelta(days=1)
    db_session.flush()
    login(client, admin)
    post(client, f"{REWARD}/compute", {"budget": ""})
    assert registry_firms["three"].id not in awards(db_session)
    assert registry_firms["five"].id in awards(db_session)


def test_the_priority_export_holds_the_intensity_as_a_percentage(client, db_session, officer,
                                                                 registry_firms):
    above = FirmFactory(name="海曙优先有限公司", district="haishu")
    filing(above, 1000, 63)                                       # 6.3%: above the 5% line
    db_session.commit()
    login(client, officer)
    page = client.get(f"/officer/programs/rd-priority/{YEAR}").get_data(as_text=True)
    assert "海曙优先有限公司" in page and "6.30%" in page
    export = client.get(f"/officer/programs/rd-priority/{YEAR}/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    cell = rows["海曙优先有限公司"][3]
    assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal("0.063")
    assert cell.number_format == "0.00%"

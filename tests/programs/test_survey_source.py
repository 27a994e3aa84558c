"""§R1: a firm's `rd_survey` is the statistics bureau's survey row when there is one, else the
firm's own declaration, in the programs' lists as in the ladder's rules."""
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from registry.extensions import db
from registry.models import OfficialFigure, OfficialImport, ProgramEntry
from registry.rules.logic import FALSE, TRUE, UNKNOWN
from registry.rules.programs import rd_reward
from registry.services import programs
from tests.factories import FirmFactory
from tests.officer.conftest import login
from tests.programs.conftest import YEAR, filing


def _surveyed(firm, uploader) -> None:
    record = OfficialImport(kind="statistics", filename="s.csv", digest="0" * 64, status="applied",
                            uploaded_by_id=uploader.id)
    db.session.add(record)
    db.session.flush()
    db.session.add(OfficialFigure(firm_id=firm.id, fiscal_year=YEAR - 1, source="statistics",
                                  rd_expense=Decimal(50), import_id=record.id))
    db.session.flush()


def test_a_statistics_row_confirms_the_survey_over_the_firms_declaration(db_session, districts, admin):
    declared_no = FirmFactory(name="统计确认有限公司", district="haishu")
    filing(declared_no, 1000, 50, survey=False)
    _surveyed(declared_no, admin)
    unknown = FirmFactory(name="未申报调查有限公司", district="haishu")
    filing(unknown, 1000, 50, survey=None)
    said_no = FirmFactory(name="自报未纳统有限公司", district="haishu")
    filing(said_no, 1000, 50, survey=False)
    firms, ids = programs.load_firms(db.session, YEAR, district="haishu")[:2]
    survey = dict(zip(ids.tolist(), firms.rd_survey.tolist()))
    assert (survey[declared_no.id], survey[unknown.id], survey[said_no.id]) == (TRUE, UNKNOWN, FALSE)
    eligible = dict(zip(ids.tolist(), rd_reward(firms, programs.settings_for(db.session, YEAR)).eligible))
    assert eligible[declared_no.id] == TRUE
    assert eligible[said_no.id] == FALSE


def test_the_reward_list_marks_a_self_declared_survey_as_unverified(client, db_session, officer, admin,
                                                                   registry_firms):
    f = registry_firms
    _surveyed(f["four"], admin)
    login(client, officer)
    client.post(f"/officer/programs/rd-reward/{YEAR}/compute", data={})
    entries = {e.firm_id: e.survey_confirmed for e in db_session.scalars(select(ProgramEntry))}
    assert entries[f["four"].id] is True and entries[f["five"].id] is False
    page = client.get(f"/officer/programs/rd-reward/{YEAR}").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-firm="(\d+)">(.*?)</tr>', page, re.DOTALL))
    assert "survey-unverified" in rows[str(f["five"].id)]
    assert "survey-unverified" not in rows[str(f["four"].id)]
    sheet = load_workbook(io.BytesIO(client.get(f"/officer/programs/rd-reward/{YEAR}/export.xlsx").data)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    column = header.index("R&D survey")
    survey = {row[1]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    assert survey[f["four"].name] == "yes, confirmed by the statistics bureau"
    assert survey[f["five"].name] == "yes, self-declared (unverified)"

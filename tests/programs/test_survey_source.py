"""§R1: a firm's `rd_survey` is the statistics bureau's survey row when there is one, else the
firm's own declaration, in the programs' lists as in the ladder's rules."""
from decimal import Decimal

from registry.extensions import db
from registry.models import OfficialFigure, OfficialImport
from registry.rules.logic import FALSE, TRUE, UNKNOWN
from registry.rules.programs import rd_reward
from registry.services import programs
from tests.factories import FirmFactory
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
    firms, ids, _districts = programs.load_firms(db.session, YEAR, district="haishu")
    survey = dict(zip(ids.tolist(), firms.rd_survey.tolist()))
    assert (survey[declared_no.id], survey[unknown.id], survey[said_no.id]) == (TRUE, UNKNOWN, FALSE)
    eligible = dict(zip(ids.tolist(), rd_reward(firms, programs.settings_for(db.session, YEAR)).eligible))
    assert eligible[declared_no.id] == TRUE
    assert eligible[said_no.id] == FALSE

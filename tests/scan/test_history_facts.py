"""The facts of policy history through the database: facts import and export keep them, and the
scan's loader reads them into the same engine columns as `rules check` builds from the export."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
from sqlalchemy import select

from registry.extensions import db
from registry.models import Filing, Firm
from registry.rules.columns import FirmColumns
from registry.rules.facts import parse_document
from registry.rules.jsonout import dumps
from registry.scan.loader import load_columns
from registry.services.facts import export_facts, import_facts
from tests.scan.registry_data import make_registry

NEW_COLUMNS = ("rd_institution", "manufacturer", "rd_survey", "tech_sme_tax_year")


def _document() -> dict:
    return {"firms": [{
        "id": "H01", "founded": "2012-04-01", "rd_institution": True,
        "certificates": [{"tier": "tech_sme", "number": "T1", "issued": "2022-07-01",
                          "expires": "2022-12-31", "status": "valid"}],
        "years": {"2021": {"revenue": 3000, "rd_expense": 180, "manufacturer": True, "rd_survey": False},
                  "2022": {"revenue": 3000, "rd_expense": 180, "rd_expense_q4": Decimal("60.5"),
                           "manufacturer": False, "rd_survey": None}}}]}


def test_import_keeps_the_new_facts_and_export_gives_them_back(in_app):
    report = import_facts(db.session, _document())
    assert report.ok, report.errors
    firm = db.session.scalar(select(Firm).where(Firm.external_ref == "H01"))
    assert firm.rd_institution is True
    filing = db.session.scalar(select(Filing).where(Filing.firm_id == firm.id, Filing.fiscal_year == 2022))
    assert (filing.rd_expense_q4, filing.manufacturer, filing.rd_survey) == (Decimal("60.5"), False, None)
    exported = json.loads(dumps({"firms": list(export_facts(db.session, dt.date(2023, 6, 30)))}),
                          parse_float=Decimal)["firms"][0]
    assert exported["rd_institution"] is True
    assert exported["years"]["2021"]["manufacturer"] is True and exported["years"]["2021"]["rd_survey"] is False
    assert exported["years"]["2022"]["rd_expense_q4"] == Decimal("60.5")
    again = import_facts(db.session, {"firms": [exported]})
    assert again.ok and again.unchanged == 1


def test_q4_rd_above_the_years_rd_imports_nothing(in_app):
    document = _document()
    document["firms"][0]["years"]["2022"]["rd_expense_q4"] = 181
    report = import_facts(db.session, document)
    assert not report.ok
    assert report.errors[0]["firm"] == "H01" and report.errors[0]["field"] == "years.2022.rd_expense_q4"
    assert db.session.scalar(select(Firm).where(Firm.external_ref == "H01")) is None


def test_the_loader_reads_the_new_facts_as_rules_check_does(in_app):
    make_registry(db.session, 60, seed=9)
    for as_of in (dt.date(2023, 3, 1), dt.date(2025, 6, 30)):
        firm_ids, loaded = load_columns(db.session.connection(), 0, 2**31 - 1, as_of)
        _as_of, facts = parse_document({"firms": list(export_facts(db.session, as_of))})
        built = FirmColumns.from_facts(facts, as_of)
        assert len(built) == len(firm_ids)
        for name in NEW_COLUMNS:
            assert np.array_equal(getattr(loaded, name), getattr(built, name)), name
        other_years = [column for column, year in enumerate(built.data_years) if year != 2022]
        assert not loaded.rd_expense_q4.known[:, other_years].any()
        assert loaded.rd_expense_q4.known.any()
        assert np.array_equal(loaded.rd_expense_q4.known, built.rd_expense_q4.known)
        assert np.array_equal(loaded.rd_expense_q4.value, built.rd_expense_q4.value)

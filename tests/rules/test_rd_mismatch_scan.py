"""`rd_mismatch` through the registry: filings and an official statistics import in the database,
a full scan, and the open flags it stores are exactly the firms an independent Decimal
computation picks (filed FY Y-1 R&D more than 10% away from the statistics figure)."""
from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from registry.extensions import db
from registry.models import Filing, FirmFlag
from registry.rules import check_document
from registry.rules.jsonout import dumps
from registry.services import scans
from registry.services.facts import export_facts
from registry.services.official import import_official
from tests.factories import DistrictFactory
from tests.official.conftest import code, make_firms, statistics_csv

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def in_app(app, db_session):
    with app.app_context():
        DistrictFactory(code="haishu")
        yield db_session


def test_the_scan_flags_exactly_the_firms_beyond_the_tolerance(in_app):
    session, chooser = in_app, random.Random(1414)
    ids = make_firms(session, 400)
    filings, official, expected = [], [], {}
    for number in range(400):
        reported = Decimal(chooser.randint(0, 500_000)) / 100
        filings.append({"firm_id": ids[code(number)], "fiscal_year": 2024, "status": "submitted",
                        "revision": 1, "rd_expense": reported, "revenue": Decimal(10**5)})
        if number % 7 == 0:
            continue                       # no official figure: never flagged
        factor = Decimal(chooser.choice([0, 50, 89, 90, 95, 100, 110, 111, 150])) / 100
        figure = (reported * factor).quantize(Decimal("0.01"))
        if number % 11 == 0:
            figure = Decimal(0)
        official.append((code(number), 2024, figure, None, None))
        if abs(reported - figure) > figure * Decimal("0.1"):
            expected[ids[code(number)]] = (reported, figure)
    session.execute(insert(Filing), filings)
    record = import_official(session, None, "statistics", "survey.csv", statistics_csv(official))
    assert record.status == "applied"
    scan, _created = scans.start_full_scan(db.session, as_of=AS_OF, dispatch=False)
    db.session.commit()
    scans.run_inline(db.session, scan.id)

    flags = {flag.firm_id: flag.detail for flag in session.scalars(
        select(FirmFlag).where(FirmFlag.flag == "rd_mismatch", FirmFlag.status == "open"))}
    assert set(flags) == set(expected) and 50 < len(expected) < 350
    for firm_id, (reported, figure) in expected.items():
        detail = flags[firm_id]
        assert (Decimal(detail["reported"]), Decimal(detail["official"])) == (reported, figure)
        assert detail["source"] == "statistics" and detail["fiscal_year"] == 2024

    # `rules check` on `facts export` flags the same firms (one rule, two paths).
    document = json.loads(dumps({"as_of": AS_OF.isoformat(), "firms": list(export_facts(session, AS_OF))}),
                          parse_float=Decimal)
    checked = {firm["id"] for firm in check_document(document)["firms"]
               if any(flag["id"] == "rd_mismatch" for flag in firm["flags"])}
    codes = {firm_id: firm_code for firm_code, firm_id in ids.items()}
    assert checked == {codes[firm_id] for firm_id in expected}

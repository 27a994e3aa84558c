"""Every history vector through the database: facts import, a full scan as of the file's date, and
`scan export` (the firm's verdicts explained) equal to `rules check` and to the expected blocks."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Firm
from registry.rules import check_document
from registry.rules.jsonout import dumps
from registry.services.evaluation import evaluate_firm, ladder
from registry.services.facts import import_facts
from tests.conftest import VECTORS
from tests.rules.helpers import assert_matches_expected
from tests.scan.test_scan import exported_verdicts, run_scan

HISTORY = sorted((VECTORS / "history").glob("*.json"))


@pytest.mark.parametrize("path", HISTORY, ids=[path.stem for path in HISTORY])
def test_history_vectors_through_import_scan_export(in_app, path):
    document = json.loads(path.read_text(), parse_float=Decimal)
    report = import_facts(db.session, document)
    assert report.ok and report.created == len(document["firms"]), report.errors
    db.session.commit()
    scan = run_scan(as_of=dt.date.fromisoformat(document["as_of"]))
    assert scan.policy_year == int(document["as_of"][:4])
    exported = exported_verdicts(scan)
    expected = {firm["id"]: dumps(firm, indent=None) for firm in check_document(document)["firms"]}
    assert exported == expected
    for firm in document["firms"]:
        assert_matches_expected(json.loads(exported[firm["id"]], parse_float=Decimal), firm["expected"])


@pytest.mark.parametrize("path", HISTORY, ids=[path.stem for path in HISTORY])
def test_one_firm_evaluated_alone_gets_the_ladder_of_its_year(in_app, path):
    """The single-firm path (a filing's re-evaluation, the firm's ladder, the officer's file) reads
    the same year's rules as the scan."""
    document = json.loads(path.read_text(), parse_float=Decimal)
    import_facts(db.session, document)
    db.session.commit()
    as_of = dt.date.fromisoformat(document["as_of"])
    expected = {firm["id"]: firm for firm in check_document(document)["firms"]}
    for firm in db.session.scalars(select(Firm).order_by(Firm.id)):
        evaluate_firm(firm.id, as_of)
        view = ladder(db.session, firm.id)
        assert view["pending"] is False and view["as_of"] == as_of
        assert view["parameters"]["policy_year"] == as_of.year
        assert dumps(view["result"], indent=None) == dumps(expected[firm.identifier], indent=None)

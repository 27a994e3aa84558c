"""`facts export --district CODE`: only that district's firms, so anyone can recompute its
indicators from the same facts."""
from __future__ import annotations

import json

from tests.factories import DistrictFactory, FirmFactory


def _export(app, *args):
    return app.test_cli_runner().invoke(args=["facts", "export", "--as-of", "2026-06-30", *args])


def test_export_of_one_district(app, db_session):
    DistrictFactory(code="haishu"), DistrictFactory(code="jiangbei")
    inside = [FirmFactory(district="haishu").credit_code for _ in range(2)]
    outside = FirmFactory(district="jiangbei").credit_code
    result = _export(app, "--district", "haishu")
    assert result.exit_code == 0, result.output
    assert [firm["id"] for firm in json.loads(result.output)["firms"]] == inside
    everything = json.loads(_export(app).output)["firms"]
    assert [firm["id"] for firm in everything] == [*inside, outside]


def test_an_unknown_district_is_a_clear_error(app, db_session):
    result = _export(app, "--district", "atlantis")
    assert result.exit_code == 2 and "atlantis" in result.output

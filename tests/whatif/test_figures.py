"""Winners and losers read in the units people use: a growth requirement as the yearly rate in
percent against both thresholds (≥ 20% → ≥ 15%), never the compounded factor (≥ 1.520875), on
the list and in its export; and the formatting itself (registry/figures.py)."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.extensions import db
from registry.figures import criterion_figure, growth_rate
from registry.models import User, WhatifChange
from registry.models.whatif import WINNER
from registry.services import whatif
from tests.officer.conftest import login
from tests.whatif.conftest import AS_OF

CAGR = "gazelle.default.revenue_cagr.bands.0.min"
FACTOR = re.compile(r"\b1\.\d{3,}\b")


@pytest.mark.parametrize(("text", "kind", "years", "lang", "shown"), [
    (">= 1.520875", "factor", 3, "zh", "≥ 15%"),
    (">= 1.728", "factor", 3, "en", "≥ 20%"),
    ("1.331", "factor", 3, "zh", "10.00%"),
    ("0.9", "factor", 1, "en", "-10.00%"),
    ("> 0.05", "ratio", None, "zh", "> 5%"),
    ("0.0471", "ratio", None, "zh", "4.71%"),
    ("<= 20000", "万元", None, "zh", "≤ 20,000.00"),
    ("1234.5", "万元", None, "en", "1,234.50"),
    (None, "ratio", None, "zh", "—"),
])
def test_criterion_figures_read_in_peoples_units(text, kind, years, lang, shown):
    assert criterion_figure(text, kind, lang, years) == shown


def test_growth_rate_undoes_compounding_exactly_enough():
    assert growth_rate(Decimal("1.15") ** 3, 3).quantize(Decimal("1e-20")) == Decimal("0.15")
    assert growth_rate(Decimal(-1), 2) is None


def test_winners_show_the_yearly_growth_against_both_thresholds(demo_app):
    with demo_app.app_context():
        scenario = whatif.save_scenario(db.session, None, name="cagr figures", as_of=AS_OF,
                                        overrides={CAGR: "0.15"})
        run = whatif.start_run(db.session, None, scenario, dispatch=False)
        db.session.commit()
        run = whatif.run_inline(db.session, run.id)
        winner = db.session.scalar(select(WhatifChange).where(
            WhatifChange.run_id == run.id, WhatifChange.tier == "gazelle", WhatifChange.change == WINNER,
            WhatifChange.criterion == "revenue_cagr"))
        assert winner is not None and winner.kind == "factor"
        assert winner.base_required == ">= 1.728" and winner.scenario_required == ">= 1.520875"
        run_id = run.id
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        db.session.expunge(admin)
    client = demo_app.test_client()
    login(client, admin)
    html = client.get(f"/whatif/runs/{run_id}/winners?tier=gazelle").get_data(as_text=True)
    assert "≥ 20%" in html and "≥ 15%" in html
    assert not FACTOR.search(re.sub(r"<[^>]+>", " ", html.split('id="changes"')[1])), "raw growth factors shown"
    exported = client.get(f"/whatif/runs/{run_id}/export/winners/xlsx?tier=gazelle")
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    cagr_rows = [row for row in rows[1:] if row[8] == "≥ 20%"]
    assert cagr_rows and all(row[9] == "≥ 15%" and row[7].endswith("%") for row in cagr_rows)
    assert not any(FACTOR.search(str(cell)) for row in rows for cell in row[7:])

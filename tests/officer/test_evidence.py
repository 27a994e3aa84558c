"""Issue 15 points 11 and 12: the firm directory shows and exports the total of what is
filtered; officers decide with evidence (the figures behind each criterion, margins, a near-miss
list by gap, named bulk confirmations, assignment within the candidate's district, the city-wide
scan only for those who may run it)."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.factories import FirmFactory
from tests.officer.conftest import login


def test_the_firm_directory_shows_the_total_of_what_is_filtered_and_exports_it(
        client, db_session, officer, districts):
    for n in range(55):
        FirmFactory(name=f"甬城{n:02d}科技有限公司", district="haishu",
                    industry_code="C39" if n % 5 else "I65")
    FirmFactory(name="甬城江北有限公司", district="jiangbei", industry_code="C39")
    login(client, officer)
    page = client.get("/officer/firms").get_data(as_text=True)
    assert 'data-total="55"' in page and "55 firms match these filters." in page
    filtered = client.get("/officer/firms?industry=C").get_data(as_text=True)
    assert 'data-total="44"' in filtered
    assert "/officer/firms/export.csv?industry=C" in filtered
    export = client.get("/officer/firms/export.csv?industry=C")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 45 and rows[0][:2] == ["Firm", "Credit code"]
    names = [row[0] for row in rows[1:]]
    assert names == sorted(names) and "甬城江北有限公司" not in names
    assert all(row[3] == "C39" for row in rows[1:])
    sheet = load_workbook(io.BytesIO(client.get("/officer/firms/export.xlsx").data)).active
    assert sum(1 for row in sheet.iter_rows(min_row=2) if row[0].value) == 55

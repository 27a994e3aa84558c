"""Candidates keep a packed snapshot of their firm's engine inputs. Those packed before the fact
`rd_expense_official` existed are 4 columns narrower: they still unpack, with that fact unknown,
so an explanation opened before issue 14 is rebuilt as it was."""
from __future__ import annotations

import datetime as dt

from registry.rules.columns import FirmColumns
from registry.rules.facts import parse_firm
from registry.scan import snapshot
from tests.rules.helpers import base_firm, with_year

AS_OF = dt.date(2025, 6, 30)


def test_a_snapshot_of_the_earlier_layout_unpacks_with_the_official_figure_unknown():
    columns = FirmColumns.from_facts([parse_firm(with_year(base_firm(), 2024, rd_expense=5))], AS_OF)
    matrix = snapshot.pack(columns)
    row = snapshot.to_bytes(matrix)[0]
    at = snapshot._OFFICIAL_AT * 8
    legacy = row[:at] + row[at + 4 * 8:]       # the row as the layout before issue 14 packed it
    assert len(legacy) == snapshot.LEGACY_WIDTH * 8 == len(row) - 32
    assert (snapshot.from_bytes([legacy]) == matrix).all()
    unpacked = snapshot.unpack(snapshot.from_bytes([legacy, row]), AS_OF, ["T01", "T01"])
    assert not unpacked.rd_expense_official.known.any()
    assert unpacked.rd_expense.value[0, 3] == unpacked.rd_expense.value[1, 3] == 5 * 10_000

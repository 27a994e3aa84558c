"""Issue 14 "must show": a 100,000-row statistics file with one bad row is refused whole with that
row in the report; the fixed file imports; importing it again changes nothing."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from registry.models import OfficialFigure, OfficialImport
from registry.services.official import import_official

from .conftest import code, make_firms, statistics_csv

ROWS = 100_000


def figures_digest(session) -> list[tuple]:
    return session.execute(select(OfficialFigure.firm_id, OfficialFigure.fiscal_year,
                                  OfficialFigure.rd_expense, OfficialFigure.revenue,
                                  OfficialFigure.rd_staff, OfficialFigure.import_id,
                                  OfficialFigure.updated_at)
                           .order_by(OfficialFigure.firm_id)).all()


def test_a_hundred_thousand_rows_all_or_nothing_and_idempotent(in_app):
    session = in_app
    make_firms(session, ROWS)
    rows = [(code(n), 2024, Decimal(n % 997) + Decimal("0.25"), 5000 + n % 13,
             None if n % 5 == 0 else n % 40) for n in range(ROWS)]
    bad = list(rows)
    bad[54_321] = (code(54_321)[:-1] + ("0" if code(54_321)[-1] != "0" else "1"), 2024, 10, 100, 1)
    rejected = import_official(session, None, "statistics", "survey-2024.csv", statistics_csv(bad))
    assert rejected.status == "rejected"
    assert [entry["row"] for entry in rejected.report] == [54_321 + 2]   # header is row 1
    assert "check character" in rejected.report[0]["errors"][0]
    assert session.scalar(select(func.count()).select_from(OfficialFigure)) == 0

    applied = import_official(session, None, "statistics", "survey-2024.csv", statistics_csv(rows))
    assert (applied.status, applied.created, applied.updated, applied.unchanged) == \
        ("applied", ROWS, 0, 0)
    stored = figures_digest(session)
    assert len(stored) == ROWS and {row.import_id for row in stored} == {applied.id}
    firm_2 = session.scalar(select(OfficialFigure).where(OfficialFigure.fiscal_year == 2024)
                            .order_by(OfficialFigure.firm_id).offset(2))
    assert (firm_2.rd_expense, firm_2.revenue, firm_2.rd_staff) == (Decimal("2.25"), Decimal(5002), Decimal(2))

    again = import_official(session, None, "statistics", "survey-2024.csv", statistics_csv(rows))
    assert (again.status, again.created, again.updated, again.unchanged) == ("applied", 0, 0, ROWS)
    assert figures_digest(session) == stored
    assert session.scalar(select(func.count()).select_from(OfficialImport)) == 3

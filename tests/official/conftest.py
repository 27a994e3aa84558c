"""Official imports: firms created set-based (100,000 of them in one statement), files written as
CSV (UTF-8 or GBK) or XLSX, and an app context around each test."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import insert, select

from registry.creditcode import make_credit_code
from registry.models import Firm
from tests.factories import DistrictFactory

STATISTICS_HEADER = "credit_code,fiscal_year,rd_expense,revenue,rd_staff"
TAX_HEADER = "credit_code,tax_year,rd_deduction_base"


def code(number: int) -> str:
    return make_credit_code(f"91330212{number:09d}")


@pytest.fixture
def in_app(app, db_session):
    with app.app_context():
        DistrictFactory(code="haishu")
        DistrictFactory(code="jiangbei")
        yield db_session


def make_firms(session, count: int, district: str = "haishu", start: int = 0) -> dict[str, int]:
    """`count` firms in one INSERT; their ids by credit code."""
    rows = [{"credit_code": code(n), "name": f"官方数据企业{n}", "district": district,
             "founded": dt.date(2012, 1, 1), "industrial": True, "resident": True,
             "industry_excluded": False, "incidents": False, "status": "active"}
            for n in range(start, start + count)]
    session.execute(insert(Firm), rows)
    session.flush()
    return dict(session.execute(select(Firm.credit_code, Firm.id)).all())


def statistics_csv(rows: list[tuple], encoding: str = "utf-8") -> bytes:
    lines = [STATISTICS_HEADER] + [",".join("" if cell is None else str(cell) for cell in row)
                                   for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx(header: str, rows: list[tuple]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header.split(","))
    for row in rows:
        sheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

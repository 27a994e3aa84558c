"""Official imports row by row: every kind of bad row is named in the report and nothing is
written; GBK CSV and XLSX read like UTF-8 CSV; tax rows; scope; the CLI contract; `facts
export` after a statistics import."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from registry.cli.official import official_cli
from registry.extensions import db
from registry.models import Filing, OfficialFigure
from registry.rules.facts import load_json
from registry.services import official
from registry.services.facts import export_facts
from registry.services.official import import_official
from tests.factories import FilingFactory, FirmFactory

from .conftest import STATISTICS_HEADER, TAX_HEADER, code, make_firms, statistics_csv, xlsx


def errors_by_row(record) -> dict[int, str]:
    return {entry["row"]: " ".join(entry["errors"]) for entry in record.report}


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(OfficialFigure))


def test_each_bad_row_is_reported_and_nothing_is_written(in_app):
    make_firms(in_app, 3)
    bad_check = code(1)[:-1] + ("A" if code(1)[-1] != "A" else "B")
    rows = [
        (code(0), 2024, 100, 1000, 3),          # 2: fine
        (bad_check, 2024, 100, 1000, 3),        # 3: bad check character
        (code(99), 2024, 100, 1000, 3),         # 4: valid code, no such firm
        (code(0), 2024, 100, 1000, 3),          # 5: the same firm and year as row 2
        (code(1), 2024, "120万", 1000, 3),       # 6: a unit of its own
        (code(1), 2023, 2000, 1000, 3),         # 7: R&D above revenue (yuan for 万元?)
        (code(1), 2022, -5, None, None),        # 8: negative
        (code(1), 2021, "1.23456", None, None),  # 9: 5 decimals
        (code(1), 1999, 1, None, None),         # 10: year out of range
        (code(1), "二〇二〇", 1, None, None),      # 11: not a year
        (code(2), 2024, None, 100, None),       # 12: R&D missing
        (code(2), 2023, "abc", None, None),     # 13: not a number
        (code(2), 2022, "1e11", None, None),    # 14: above 10^10
    ]
    record = import_official(in_app, None, "statistics", "bad.csv", statistics_csv(rows), locale="en")
    assert record.status == "rejected" and stored(in_app) == 0
    errors = errors_by_row(record)
    assert sorted(errors) == list(range(3, 15))
    assert "check character" in errors[3]
    assert "No firm" in errors[4]
    assert "row 2" in errors[5]
    assert "unit" in errors[6] and "above revenue" in errors[7]
    assert "outside" in errors[8] and "decimal" in errors[9] and "outside" in errors[10]
    assert "not a year" in errors[11] and "missing" in errors[12] and "not a number" in errors[13]
    assert "outside" in errors[14]


def test_the_header_must_be_exact(in_app):
    data = b"credit_code,year,rd_expense,revenue,rd_staff\n"
    record = import_official(in_app, None, "statistics", "x.csv", data, locale="en")
    assert record.status == "rejected" and record.report[0]["row"] == 0
    assert STATISTICS_HEADER.replace(",", ",") in record.report[0]["errors"][0]


def test_gbk_csv_and_xlsx_read_like_utf8(in_app):
    ids = make_firms(in_app, 3)
    header = STATISTICS_HEADER + ",\n"   # a trailing empty header cell is fine
    gbk = (header + f"{code(0)},2024,\"1,234.5\",5000,7\n").encode("gbk") + "\n".encode("gbk")
    record = import_official(in_app, None, "statistics", "统计.csv", gbk)
    assert record.status == "applied" and record.created == 1
    assert "统计" in record.filename
    sheet = xlsx(STATISTICS_HEADER, [(code(1), 2024, Decimal("88.25"), 900, None),
                                     (code(2), 2023, 0, None, None)])
    record = import_official(in_app, None, "statistics", "survey.xlsx", sheet)
    assert (record.status, record.created) == ("applied", 2)
    figures = {(f.firm_id, f.fiscal_year): f for f in in_app.scalars(select(OfficialFigure))}
    assert figures[ids[code(0)], 2024].rd_expense == Decimal("1234.5")
    assert figures[ids[code(1)], 2024].rd_expense == Decimal("88.25")
    assert figures[ids[code(1)], 2024].rd_staff is None
    assert figures[ids[code(2)], 2023].rd_expense == 0


def test_a_changed_figure_is_updated_and_keeps_its_new_import(in_app):
    make_firms(in_app, 2)
    first = import_official(in_app, None, "statistics", "a.csv",
                            statistics_csv([(code(0), 2024, 10, 100, 1), (code(1), 2024, 20, 200, 2)]))
    second = import_official(in_app, None, "statistics", "b.csv",
                             statistics_csv([(code(0), 2024, 10, 100, 1), (code(1), 2024, 25, 200, 2)]))
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    imports = {f.rd_expense: f.import_id for f in in_app.scalars(select(OfficialFigure))}
    assert imports == {Decimal(10): first.id, Decimal(25): second.id}


def test_tax_rows(in_app):
    make_firms(in_app, 2)
    data = (TAX_HEADER + f"\n{code(0)},2024,350.5\n{code(1)},2024,\n").encode()
    record = import_official(in_app, None, "tax", "tax.csv", data, locale="en")
    assert record.status == "rejected" and "missing" in errors_by_row(record)[3]
    data = (TAX_HEADER + f"\n{code(0)},2024,350.5\n{code(1)},2024,0\n").encode()
    record = import_official(in_app, None, "tax", "tax.csv", data)
    assert (record.status, record.created) == ("applied", 2)
    assert {f.source for f in in_app.scalars(select(OfficialFigure))} == {"tax"}
    assert sorted(f.rd_deduction_base for f in in_app.scalars(select(OfficialFigure))) == \
        [0, Decimal("350.5")]


def test_rows_outside_the_importers_scope_are_refused(in_app):
    from registry.models import Firm
    make_firms(in_app, 1, district="haishu")
    make_firms(in_app, 1, district="jiangbei", start=1)
    data = statistics_csv([(code(0), 2024, 1, 10, 1), (code(1), 2024, 1, 10, 1)])
    record = import_official(in_app, None, "statistics", "s.csv", data,
                             scope=Firm.district == "haishu", locale="en")
    assert sorted(errors_by_row(record)) == [3]


def test_facts_export_carries_the_official_figure_and_the_survey(in_app):
    import datetime as dt
    firm = FirmFactory(credit_code=code(0))
    FilingFactory(firm=firm, fiscal_year=2024, rd_expense=Decimal(100), rd_domestic=None,
                  rd_survey=False)
    other = FirmFactory(credit_code=code(1))
    import_official(in_app, None, "statistics", "s.csv",
                    statistics_csv([(code(0), 2024, 130, 2000, 12), (code(1), 2023, 5, None, None)]))
    exported = {entry["id"]: entry for entry in export_facts(in_app, dt.date(2025, 6, 30))}
    year = exported[firm.credit_code]["years"]["2024"]
    assert year["rd_expense"] == Decimal(100) and year["rd_expense_official"] == Decimal(130)
    assert year["rd_survey"] is True
    assert exported[other.credit_code]["years"] == {
        "2023": {"rd_expense_official": Decimal(5), "rd_survey": True}}
    filing = in_app.scalar(select(Filing).where(Filing.firm_id == firm.id))
    assert filing.rd_survey is False       # the filing itself is left as the firm filed it


def run_cli(app, *args):
    return app.test_cli_runner().invoke(official_cli, list(args))


def test_cli_prints_the_report_and_exits_non_zero_on_a_bad_row(app, in_app, tmp_path):
    make_firms(in_app, 2)
    path = tmp_path / "survey.csv"
    path.write_bytes(statistics_csv([(code(0), 2024, 10, 100, 1), (code(5), 2024, 1, 1, 1)]))
    result = run_cli(app, "import", str(path), "--source", "statistics")
    assert result.exit_code != 0
    report = json.loads(result.output[:result.output.rindex("}") + 1])
    assert report["status"] == "rejected" and [e["row"] for e in report["errors"]] == [3]
    assert stored(db.session) == 0
    path.write_bytes(statistics_csv([(code(0), 2024, 10, 100, 1), (code(1), 2024, 1, 1, 1)]))
    result = run_cli(app, "import", str(path), "--source", "statistics")
    assert result.exit_code == 0, result.output
    report = load_json(result.output)
    assert (report["status"], report["created"], report["errors"]) == ("applied", 2, [])
    result = run_cli(app, "import", str(path), "--source", "statistics")
    assert load_json(result.output)["unchanged"] == 2


@pytest.mark.parametrize("kind", ["statistics", "tax"])
def test_file_level_errors(in_app, kind):
    for name, data in (("x.txt", b"a"), ("x.csv", b""), ("x.xlsx", b"PK\x03\x04broken"),
                       ("x.csv", b"\xff\xfe\x00\x00\x81")):
        record = import_official(in_app, None, kind, name, data, locale="en")
        assert record.status == "rejected" and record.report[0]["row"] == 0, name
    assert official.HEADERS[kind][0] == "credit_code"

"""Official figures imported from the statistics bureau (R&D survey, 研发统计) and the tax bureau
(super-deduction declarations), as CSV (UTF-8 or GBK) or XLSX with a fixed header row.

An import is checked row by row (credit code and its check character, a firm of the registry in
the importer's scope, year, amounts in 万元 within range, duplicate firm-years) and applied whole
or not at all; its record keeps the bad rows (the row report) and what changed. Rows equal to the
stored figures are "unchanged", so the same file imported twice changes nothing. The writes are
set-based: the rows travel into a temporary table in one COPY (PostgreSQL) or one executemany and
are moved by one UPDATE ... FROM and one INSERT ... SELECT.

The statistics figure of a year becomes the fact `years[T].rd_expense_official` and confirms the
firm's `rd_survey` of that year (`official_facts`); the tax base is kept and shown only. The rules
keep reading the firm's filed figures: only the `rd_mismatch` flag reads the official one. A
firm's verdict reads its official figures like its filings (`scan/loader.py`), so a firm whose
figures changed shows its verdict pending until the next scan (the nightly one, or one started
from the scans page) re-evaluates it.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, column, select, table, text
from sqlalchemy.orm import Session

from registry import jobs
from registry.auth.scope import firm_scope
from registry.creditcode import CreditCodeError, normalise_credit_code
from registry.extensions import db
from registry.figures import display_count, display_money
from registry.models import Firm, OfficialFigure, OfficialImport
from registry.models.base import UTCDateTime, utcnow
from registry.rules import today_in_shanghai
from registry.rules.units import MAX_MAGNITUDE, SCALE
from registry.scan.stage import INT4, INT8, TEXT, stage
from registry.services import audit, workbooks

HEADERS = {"statistics": ("credit_code", "fiscal_year", "rd_expense", "revenue", "rd_staff"),
           "tax": ("credit_code", "tax_year", "rd_deduction_base")}
# Each source's figures, as (column of the file and of official_figures, required?).
FIGURES = {"statistics": (("rd_expense", True), ("revenue", False), ("rd_staff", False)),
           "tax": (("rd_deduction_base", True),)}
ALL_FIGURES = ("rd_expense", "revenue", "rd_staff", "rd_deduction_base")
MAX_ROWS = 200_000
# The largest file taken, on the web and the API: a 200,000-row CSV (the app refuses more than 16 MB).
MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_XLSX_BYTES = 256 * 1024 * 1024     # what 200,000 rows of five columns unpack to, with room
FIRST_YEAR = 2000
PROGRESS_EVERY = 10_000
# A value no figure can hold (|figures| <= 10^14 in fixed point): null in the staging table.
MISSING = -(2**62)
# Text that says the amount carries a unit of its own (元, 万元, 亿): the file must hold 万元 figures.
UNIT_MARKS = ("元", "万", "亿", "千", "yuan", "rmb", "¥", "￥")


Progress = Callable[[int, int], None]


@dataclass
class OfficialRow:
    """One data row of an official file: its line number, parsed values and errors."""
    row: int
    credit_code: str
    year: int | None = None
    values: dict[str, Decimal | None] = field(default_factory=dict)
    errors: list = field(default_factory=list)
    firm_id: int | None = None
    code_ok: bool = False


# ---- reading and checking (no database) -----------------------------------------------------

def read_official(kind: str, filename: str, data: bytes, last_year: int,
                  progress: Progress | None = None) -> tuple[list[OfficialRow], object | None]:
    """The parsed rows of an uploaded file of `kind` (statistics or tax), or a file-level error.
    Years run from FIRST_YEAR to `last_year`."""
    table, error = workbooks.read_spreadsheet(filename, data, MAX_ROWS + 2,
                                              max_bytes=MAX_XLSX_BYTES)
    if error is not None:
        return [], error
    return parse_table(kind, table, last_year, progress)


def parse_table(kind: str, table: list[list], last_year: int,
                progress: Progress | None = None) -> tuple[list[OfficialRow], object | None]:
    """Check the header (exactly HEADERS[kind]) and parse every data row (`parse_row`), marking
    the second and later rows of one firm and year as duplicates; `progress(done, total)` is
    told every PROGRESS_EVERY rows."""
    header = HEADERS[kind]
    names = [str(cell if cell is not None else "").strip().lower() for cell in table[0]]
    while names and not names[-1]:
        names.pop()
    if tuple(names) != header:
        return [], _l("The first row must be exactly: %(header)s.", header=",".join(header))
    if len(table) - 1 > MAX_ROWS:
        return [], _l("At most %(count)s rows per file.", count=display_count(MAX_ROWS))
    rows, seen = [], {}
    for number, cells in enumerate(table[1:], start=2):
        row = parse_row(kind, number, cells, last_year)
        if row.year is not None and row.code_ok:
            key = (row.credit_code, row.year)
            if key in seen:
                row.errors.append(_l("The same firm and year as row %(row)s.", row=seen[key]))
            else:
                seen[key] = number
        rows.append(row)
        if progress is not None and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows), len(table) - 1)
    return rows, None


def parse_row(kind: str, number: int, cells: list, last_year: int) -> OfficialRow:
    """One data row: credit code, year, the source's figures in 万元 (R&D staff in persons)."""
    header = HEADERS[kind]
    cells = list(cells[:len(header)]) + [None] * (len(header) - len(cells))
    raw = dict(zip(header, cells, strict=True))
    row = OfficialRow(number, workbooks.cell_text(raw["credit_code"]).upper())
    for name, value in raw.items():
        if value is workbooks.FORMULA_WITHOUT_VALUE:
            row.errors.append(_l("%(column)s holds a formula without a computed value.", column=name))
            raw[name] = None
    try:
        row.credit_code, row.code_ok = normalise_credit_code(row.credit_code), True
    except CreditCodeError as error:
        row.errors.append(_l("The credit code %(code)s is not valid (%(why)s).",
                             code=row.credit_code or "—", why=str(error)))
    year_column = header[1]
    row.year = _year(raw[year_column], last_year, row.errors, year_column)
    for name, required in FIGURES[kind]:
        row.values[name] = _amount(raw[name], required, row.errors, name)
    rd, revenue = row.values.get("rd_expense"), row.values.get("revenue")
    if rd is not None and revenue is not None and rd > revenue:
        row.errors.append(_l("rd_expense %(rd)s is above revenue %(revenue)s: check that both are "
                             "in 万元.", rd=display_money(rd), revenue=display_money(revenue)))
    return row


def _year(value, last_year: int, errors: list, column: str) -> int | None:
    text_value = workbooks.cell_text(value)
    if isinstance(value, bool) or not text_value.isascii() or not text_value.isdigit():
        errors.append(_l("%(column)s %(value)s is not a year.", column=column, value=text_value or "—"))
        return None
    year = int(text_value)
    if not FIRST_YEAR <= year <= last_year:
        errors.append(_l("%(column)s %(value)s is outside %(first)s–%(last)s.", column=column,
                         value=year, first=FIRST_YEAR, last=last_year))
        return None
    return year


def _amount(value, required: bool, errors: list, column: str) -> Decimal | None:
    """A figure in 万元 (or persons): at most 4 decimals, 0 to 10^10; thousands separators are
    allowed, a unit of its own is not (the file is in 万元)."""
    if isinstance(value, bool):
        errors.append(_l("%(column)s %(value)s is not a number.", column=column, value=value))
        return None
    if isinstance(value, float):
        text_value = repr(value)
    else:
        text_value = workbooks.cell_text(value)
        if "," in text_value or "，" in text_value:
            text_value = text_value.replace(",", "").replace("，", "")
    if not text_value:
        if required:
            errors.append(_l("%(column)s is missing.", column=column))
        return None
    try:
        amount = Decimal(text_value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        if any(mark in text_value.lower() for mark in UNIT_MARKS):
            errors.append(_l("%(column)s %(value)s carries a unit: write the number of 万元 alone.",
                             column=column, value=text_value))
        else:
            errors.append(_l("%(column)s %(value)s is not a number.", column=column, value=text_value))
        return None
    if amount < 0 or amount > MAX_MAGNITUDE:
        errors.append(_l("%(column)s %(value)s is outside 0–%(max)s.", column=column,
                         value=text_value, max=display_count(MAX_MAGNITUDE)))
        return None
    if amount.as_tuple().exponent < -4 and amount != amount.quantize(Decimal("0.0001")):
        errors.append(_l("%(column)s %(value)s has more than 4 decimal places.", column=column,
                         value=text_value))
        return None
    return amount


# ---- importing -------------------------------------------------------------------------------

def queue_import(session: Session, actor, kind: str, filename: str, data: bytes) -> OfficialImport:
    """Record an upload to be run by the `official_import` job after commit (the web's path: the
    page follows its progress)."""
    record = OfficialImport(kind=kind, filename=filename[:255], digest=hashlib.sha256(data).hexdigest(),
                            status="queued", data=data, uploaded_by_id=getattr(actor, "id", None))
    session.add(record)
    session.flush()
    jobs.enqueue_after_commit(session, "official_import", record.id)
    return record


def import_official(session: Session, actor, kind: str, filename: str, data: bytes, scope=None,
                    progress: Progress | None = None,
                    record: OfficialImport | None = None, locale: str | None = None) -> OfficialImport:
    """Import a statistics or tax file all or nothing (see the module docstring); `scope` (a
    clause on firms) limits the firms its rows may name; the row report is written in `locale`
    (default: the app's). Flushes, never commits."""
    if record is None:
        record = OfficialImport(kind=kind, filename=filename[:255],
                                digest=hashlib.sha256(data).hexdigest(),
                                uploaded_by_id=getattr(actor, "id", None))
        session.add(record)
    if record.status != "running":
        record.status = "running"
        session.flush()
    rows, file_error = read_official(kind, filename, data, today_in_shanghai().year - 1, progress)
    record.rows = len(rows)
    if file_error is None:
        _check_firms(session, rows, scope)
    bad = [row for row in rows if row.errors]
    record.checked = len(rows)
    if file_error is not None or bad:
        record.status = "rejected"
        with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            record.report = ([{"row": 0, "credit_code": "", "errors": [str(file_error)]}]
                             if file_error is not None else [_report(row) for row in bad])
    else:
        record.created, record.updated = _write(session, kind, record, rows)
        record.unchanged = len(rows) - record.created - record.updated
        record.status, record.report = "applied", []
    record.data = None
    record.finished_at = utcnow()
    session.flush()
    audit.record(session, actor, "official_import", record, kind=kind, filename=record.filename,
                 status=record.status, rows=record.rows, created=record.created,
                 updated=record.updated, errors=len(record.report))
    return record


def run_queued(import_id: int) -> None:
    """The "official_import" job: run a queued web upload as its uploader (their districts, their
    language). The job is its transaction boundary: it commits the progress every PROGRESS_EVERY
    rows read (the page shows it), then the import whole, or nothing of it."""
    session = db.session
    record = session.get(OfficialImport, import_id)
    if record is None or record.status != "queued":
        return
    user = record.uploaded_by
    record.status = "running"
    session.commit()

    def progress(done: int, total: int) -> None:
        record.checked, record.rows = done, total
        session.commit()

    try:
        import_official(session, user, record.kind, record.filename, record.data,
                        scope=firm_scope(user) if user is not None else None, progress=progress,
                        record=record, locale=(user.locale if user is not None else None))
        session.commit()
    except Exception:
        session.rollback()   # nothing of the import is written; the page says it failed
        record = session.get(OfficialImport, import_id)
        record.status, record.data, record.finished_at = "rejected", None, utcnow()
        with force_locale((user.locale if user is not None else None)
                          or current_app.config["BABEL_DEFAULT_LOCALE"]):
            failed = str(_l("The import failed and nothing of it was written; try again or ask "
                            "the administrator."))
        record.report = [{"row": 0, "credit_code": "", "errors": [failed]}]
        session.commit()
        raise


def visible_imports(user):
    """The imports a user may read: an administrator every one, others their own."""
    query = select(OfficialImport).order_by(OfficialImport.id.desc())
    if user.role != "admin":
        query = query.where(OfficialImport.uploaded_by_id == user.id)
    return query


def _report(row: OfficialRow) -> dict:
    return {"row": row.row, "credit_code": row.credit_code,
            "errors": [str(error) for error in row.errors]}


def report_dict(record: OfficialImport) -> dict:
    """The row report printed by the CLI and offered for download."""
    return {"import": record.id, "source": record.kind, "file": record.filename,
            "status": record.status, "rows": record.rows, "created": record.created,
            "updated": record.updated, "unchanged": record.unchanged, "errors": record.report}


def _check_firms(session: Session, rows: list[OfficialRow], scope) -> None:
    """Every row's credit code must name a firm of the registry within `scope`."""
    codes = sorted({row.credit_code for row in rows if row.code_ok})
    firms: dict[str, int] = {}
    if codes:
        stage(session.connection(), "official_codes", {"code": (TEXT, codes)})
        staged = table("official_codes", column("code"))
        query = select(Firm.credit_code, Firm.id).join(staged, staged.c.code == Firm.credit_code)
        if scope is not None:
            query = query.where(scope)
        firms.update(session.execute(query).all())
        session.connection().exec_driver_sql("DROP TABLE IF EXISTS official_codes")
    for row in rows:
        if row.code_ok:
            row.firm_id = firms.get(row.credit_code)
            if row.firm_id is None:
                row.errors.append(_l("No firm with this credit code in the registry (or in your "
                                     "districts)."))


def _fixed(values: Iterable[Decimal | None]) -> np.ndarray:
    return np.array([MISSING if value is None else int(value * SCALE) for value in values],
                    dtype=np.int64)


def _write(session: Session, kind: str, record: OfficialImport,
           rows: list[OfficialRow]) -> tuple[int, int]:
    """Stage the rows and move them into official_figures: (created, updated)."""
    connection = session.connection()
    columns = {"firm_id": (INT8, np.array([row.firm_id for row in rows], dtype=np.int64)),
               "fiscal_year": (INT4, np.array([row.year for row in rows], dtype=np.int32))}
    for name in ALL_FIGURES:
        columns[name] = (INT8, _fixed(row.values.get(name) for row in rows))
    stage(connection, "official_stage", columns)
    distinct = "IS DISTINCT FROM" if connection.dialect.name == "postgresql" else "IS NOT"
    values = {name: f"NULLIF(s.{name}, {MISSING})" for name in ALL_FIGURES}
    params = [bindparam("source", kind), bindparam("import_id", record.id),
              bindparam("now", utcnow(), type_=UTCDateTime())]
    updated = connection.execute(text(
        "UPDATE official_figures SET "
        + ", ".join(f"{name} = {value}" for name, value in values.items())
        + ", import_id = :import_id, updated_at = :now FROM official_stage AS s "
        "WHERE official_figures.firm_id = s.firm_id AND official_figures.fiscal_year = s.fiscal_year "
        "AND official_figures.source = :source AND ("
        + " OR ".join(f"official_figures.{name} {distinct} {value}" for name, value in values.items())
        + ")").bindparams(*params)).rowcount
    created = connection.execute(text(
        "INSERT INTO official_figures (firm_id, fiscal_year, source, " + ", ".join(values)
        + ", import_id, updated_at) SELECT s.firm_id, s.fiscal_year, :source, "
        + ", ".join(values.values()) + ", :import_id, :now FROM official_stage AS s "
        "WHERE NOT EXISTS (SELECT 1 FROM official_figures AS f WHERE f.firm_id = s.firm_id "
        "AND f.fiscal_year = s.fiscal_year AND f.source = :source)").bindparams(*params)).rowcount
    connection.exec_driver_sql("DROP TABLE IF EXISTS official_stage")
    return created, updated


# ---- reading the figures back ------------------------------------------------------------------

def firm_figures(session: Session, firm_id: int) -> dict[tuple[int, str], OfficialFigure]:
    """A firm's official figures by (fiscal year, source)."""
    return {(figure.fiscal_year, figure.source): figure for figure in session.scalars(
        select(OfficialFigure).where(OfficialFigure.firm_id == firm_id))}


@dataclass(frozen=True)
class YearSources:
    """One fiscal year's figures side by side: the firm's filing, the statistics bureau's survey
    row and the tax bureau's declaration (each None when absent), for the officer's firm file."""
    year: int
    filing: object | None
    statistics: OfficialFigure | None
    tax: OfficialFigure | None

    @property
    def survey(self) -> str | None:
        """The R&D survey: "confirmed" by a statistics import, "unverified" when only the firm
        declared it, "declared_no" when the firm said no, None when nothing is known."""
        if self.statistics is not None:
            return "confirmed"
        declared = getattr(self.filing, "rd_survey", None)
        return None if declared is None else ("unverified" if declared else "declared_no")


def provenance(session: Session, firm_id: int, filings: list) -> list[YearSources]:
    """Every fiscal year with a filing or an official figure, the latest first."""
    official = firm_figures(session, firm_id)
    by_year = {filing.fiscal_year: filing for filing in filings}
    years = sorted(set(by_year) | {year for year, _source in official}, reverse=True)
    return [YearSources(year, by_year.get(year), official.get((year, "statistics")),
                        official.get((year, "tax"))) for year in years]


def official_facts(session: Session, first_id: int, last_id: int,
                   before_year: int) -> dict[int, dict[int, dict]]:
    """The §7 facts official imports give the firms with ids in [first_id, last_id], per firm and
    fiscal year before `before_year`: the statistics R&D figure and the confirmed survey."""
    facts: dict[int, dict[int, dict]] = {}
    for firm_id, year, rd_expense in session.execute(
            select(OfficialFigure.firm_id, OfficialFigure.fiscal_year, OfficialFigure.rd_expense)
            .where(OfficialFigure.firm_id.between(first_id, last_id),
                   OfficialFigure.source == "statistics", OfficialFigure.fiscal_year < before_year)):
        facts.setdefault(firm_id, {})[year] = {"rd_expense_official": rd_expense, "rd_survey": True}
    return facts




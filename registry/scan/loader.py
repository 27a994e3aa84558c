"""Read the engine's columns for a range of firm ids straight from SQL, in four queries.

Every query returns only integers (nulls as 0 plus a known bit, or as MISSING for filing figures),
so PostgreSQL can stream them with a binary COPY that numpy parses in place, without a Python
object per value; SQLite (the embedded default) fetches the same rows with an ordinary cursor.
Verdicts read, per firm and fiscal year, the filing row when it is submitted or accepted (drafts
never; a returned filing is missing), and the statistics bureau's figures imported for them
(`rd_expense_official`; an imported survey row also confirms that year's `rd_survey`).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import psycopg
from psycopg.pq import ExecStatus
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from registry.models.certificate import COUNTING_CERTIFICATE_STATUSES
from registry.models.filing import COUNTING_STATUSES
from registry.models.firm import Firm, active_on
from registry.rules.columns import DIRECT_ROUTE_BITS, TECH_FIELD_CODES, YEARS, FirmColumns
from registry.rules.facts import FIRM_BOOLEANS, TIERS, YEAR_BOOLEANS, YEAR_FIGURES
from registry.scan.stage import copy_record

TIER_CODES = {tier: code for code, tier in enumerate(TIERS)}
# A figure no filing can hold (|values| <= 10^14); not -2^63, which SQLite reads as a float.
MISSING = -(2**63 - 1)
FIRM_FIGURES = ("ip_class1", "ip_class2", "rd_staff_fulltime", "core_product_share")


def _three_valued(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN 0 WHEN {column} THEN 1 ELSE -1 END"


def _known(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN 0 ELSE 1 END"


def _day_ordinal(column: str, dialect: str) -> str:
    """date.toordinal() in SQL (0001-01-01 is day 1)."""
    if dialect == "postgresql":
        return f"({column} - DATE '0001-01-01' + 1)"
    return f"(CAST(julianday({column}) - julianday('0001-01-01') AS INTEGER) + 1)"


def _in(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def firms_sql(connection: Connection, first: int, last: int, as_of: date) -> str:
    """The range's firms that count on as_of (`models.firm.active_on`: deregistered ones are
    left out, so their stored rows stay as they were) and their engine columns."""
    counted = active_on(as_of).compile(dialect=connection.dialect,
                                       compile_kwargs={"literal_binds": True})
    tech = " ".join(f"WHEN '{name}' THEN {code}" for name, code in TECH_FIELD_CODES.items() if name)
    routes = " + ".join(f"CASE WHEN route_{name} THEN {bit} ELSE 0 END"
                        for name, bit in DIRECT_ROUTE_BITS.items())
    figures = ", ".join(f"COALESCE({name}, 0), {_known(name)}" for name in FIRM_FIGURES)
    return (f"SELECT id, {_day_ordinal('founded', connection.dialect.name)}, "
            + ", ".join(_three_valued(name) for name in FIRM_BOOLEANS)
            + f", CASE tech_field {tech} ELSE 0 END, {routes}, {figures} "
            f"FROM firms WHERE id BETWEEN {int(first)} AND {int(last)} AND ({counted}) "
            "ORDER BY id")


def certificates_sql(dialect: str, first: int, last: int, as_of: date) -> str:
    """Per firm and tier with a certificate valid on as_of or on 31 December of Y-1: whether one
    is valid on as_of, its latest expiry (0 when none is), and whether one is valid on that
    31 December (the tax year's end)."""
    tiers = " ".join(f"WHEN '{tier}' THEN {code}" for tier, code in TIER_CODES.items())
    day, year_end = f"'{as_of.isoformat()}'", f"'{date(as_of.year - 1, 12, 31).isoformat()}'"
    on_day = f"issued <= {day} AND expires >= {day}"
    on_year_end = f"issued <= {year_end} AND expires >= {year_end}"
    return (f"SELECT firm_id, CASE tier {tiers} END, "
            f"MAX(CASE WHEN {on_day} THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN {on_day} THEN {_day_ordinal('expires', dialect)} ELSE 0 END), "
            f"MAX(CASE WHEN {on_year_end} THEN 1 ELSE 0 END) "
            f"FROM certificates WHERE firm_id BETWEEN {int(first)} AND {int(last)} "
            f"AND status IN {_in(COUNTING_CERTIFICATE_STATUSES)} "
            f"AND (({on_day}) OR ({on_year_end})) GROUP BY firm_id, tier")


def filings_sql(first: int, last: int, as_of: date, statuses=COUNTING_STATUSES) -> str:
    """Per counting filing (`statuses`): firm, year and the figures, NULL read as MISSING (one
    expression per figure: this query reads most of the registry's data)."""
    values = ", ".join([f"COALESCE({name}, {MISSING})" for name in YEAR_FIGURES]
                       + [_three_valued(name) for name in YEAR_BOOLEANS])
    return (f"SELECT firm_id, fiscal_year, {values} FROM filings "
            f"WHERE firm_id BETWEEN {int(first)} AND {int(last)} "
            f"AND fiscal_year BETWEEN {as_of.year - YEARS} AND {as_of.year - 1} "
            f"AND status IN {_in(statuses)}")


def official_sql(first: int, last: int, as_of: date) -> str:
    """Per statistics row of the window: firm, year and the official R&D figure (MISSING if null)."""
    return (f"SELECT firm_id, fiscal_year, COALESCE(rd_expense, {MISSING}) FROM official_figures "
            f"WHERE firm_id BETWEEN {int(first)} AND {int(last)} AND source = 'statistics' "
            f"AND fiscal_year BETWEEN {as_of.year - YEARS} AND {as_of.year - 1}")


def fetch_ints(connection: Connection, sql: str, width: int) -> np.ndarray:
    """Rows of `width` integers as an (n, width) int64 array."""
    if connection.dialect.name == "postgresql":
        return _copy_binary(connection, sql, width)
    rows = connection.execute(text(sql)).fetchall()
    return np.array(rows, dtype=np.int64).reshape(len(rows), width)


def _copy_binary(connection: Connection, sql: str, width: int) -> np.ndarray:
    """COPY ... (FORMAT BINARY) of int8 columns, parsed by numpy as fixed-size records.

    Layout: an 11-byte signature, int32 flags, int32 extension length (+ extension), then per row an
    int16 field count and per field an int32 length and the 8-byte big-endian value; an int16 -1
    ends the stream. Every column is cast to int8 and never null, so all records have one size."""
    columns = ", ".join(f"c{i}::int8" for i in range(width))
    statement = f"COPY (SELECT {columns} FROM ({sql}) AS q(" + ", ".join(
        f"c{i}" for i in range(width)) + ")) TO STDOUT (FORMAT BINARY)"
    data = _copy_out(connection.connection.driver_connection, statement)
    extension = int.from_bytes(data[15:19], "big")
    offset = 19 + extension
    record = copy_record([">i8"] * width)
    rows = (len(data) - offset - 2) // record.itemsize
    parsed = np.frombuffer(data, dtype=record, count=rows, offset=offset)
    matrix = np.empty((rows, width), dtype=np.int64)
    for i in range(width):
        matrix[:, i] = parsed[f"v{i}"]
    return matrix


def _copy_out(driver_connection: psycopg.Connection, statement: str) -> bytearray:
    """The whole output of a COPY ... TO STDOUT.

    libpq hands over one row per call. psycopg's `Copy.read` waits in a generator around each
    call, which costs more than the rest of the read; here rows already received are taken
    straight from libpq, and psycopg waits only when none is left. The end of the data is
    followed by the statement's result, which libpq must then be asked for."""
    pgconn = driver_connection.pgconn
    data = bytearray()
    with driver_connection.cursor().copy(statement) as copy:
        while True:
            size, block = pgconn.get_copy_data(1)
            if size > 0:
                data += block
            elif size == 0:   # nothing received yet: psycopg waits for the next row, or the end
                if not (block := copy.read()):
                    return data
                data += block
            else:
                _finish_copy_out(pgconn)
                return data


def _finish_copy_out(pgconn) -> None:
    """Collect the results that follow a COPY's data, raising its error if it failed."""
    results = []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
    failed = [result for result in results if result.status != ExecStatus.COMMAND_OK]
    if failed or not results:
        raise (psycopg.errors.error_from_result(failed[0]) if failed
               else psycopg.OperationalError(pgconn.get_error_message()))


def load_columns(connection: Connection, first: int, last: int, as_of: date,
                 statuses=COUNTING_STATUSES) -> tuple[np.ndarray, FirmColumns]:
    """The firm ids in [first, last] (sorted) and their engine columns at as_of, reading the
    filings in `statuses` (the counting ones, unless a caller shows what a returned one held)."""
    dialect = connection.dialect.name
    firms = fetch_ints(connection, firms_sql(connection, first, last, as_of),
                       2 + len(FIRM_BOOLEANS) + 2 + 2 * len(FIRM_FIGURES))
    firm_ids = firms[:, 0].copy()
    columns = FirmColumns.empty(len(firm_ids), as_of)
    _fill_firms(columns, firms)
    certificates = fetch_ints(connection, certificates_sql(dialect, first, last, as_of), 5)
    _fill_certificates(columns, firm_ids, _of_loaded(certificates, firm_ids))
    filings = fetch_ints(connection, filings_sql(first, last, as_of, statuses),
                         2 + len(YEAR_FIGURES) + len(YEAR_BOOLEANS))
    _fill_years(columns, firm_ids, _of_loaded(filings, firm_ids), as_of)
    official = fetch_ints(connection, official_sql(first, last, as_of), 3)
    _fill_official(columns, firm_ids, _of_loaded(official, firm_ids), as_of)
    return firm_ids, _with_ids(columns, firm_ids)


def driver_rows(connection: Connection, statement) -> list[tuple]:
    """The rows of a Core `statement` as the driver's own tuples, its values compiled inline: at a
    million rows the ORM's and even Core's row objects cost more than the query. Values come as
    the driver gives them (SQLite: booleans as 0/1)."""
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def load_districts(connection: Connection, firm_ids: np.ndarray, first: int, last: int,
                   as_of: date) -> np.ndarray:
    """The district code of each firm of `firm_ids` (the sorted ids `load_columns` read for
    [first, last] on as_of), '' for one no longer there."""
    rows = driver_rows(connection, select(Firm.id, Firm.district)
                       .where(Firm.id.between(first, last), active_on(as_of)))
    districts = np.full(len(firm_ids), "", dtype=object)
    if rows:
        ids = np.fromiter((firm_id for firm_id, _district in rows), np.int64, len(rows))
        at = np.minimum(np.searchsorted(firm_ids, ids), max(len(firm_ids) - 1, 0))
        found = firm_ids[at] == ids if len(firm_ids) else np.zeros(len(ids), dtype=bool)
        districts[at[found]] = np.array([district for _firm_id, district in rows], dtype=object)[found]
    return districts.astype(str)


def use_own_parallelism(connection: Connection) -> None:
    """For the rest of the transaction, no parallel query and no JIT compilation: the caller's
    workers or reader threads are the parallelism, and compiling statements that read one range
    of firms, or are run once, costs more than it saves."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0")


def _with_ids(columns: FirmColumns, firm_ids: np.ndarray) -> FirmColumns:
    return replace(columns, ids=[str(firm_id) for firm_id in firm_ids.tolist()])


def _fill_firms(columns: FirmColumns, firms: np.ndarray) -> None:
    columns.founded[:] = firms[:, 1]
    position = 2
    for name in FIRM_BOOLEANS:
        getattr(columns, name)[:] = firms[:, position]
        position += 1
    columns.tech_field[:] = firms[:, position]
    columns.direct_routes[:] = firms[:, position + 1]
    position += 2
    for name in FIRM_FIGURES:
        figure = getattr(columns, name)
        figure.value[:] = firms[:, position]
        figure.known[:] = firms[:, position + 1] == 1
        position += 2


def _of_loaded(rows: np.ndarray, firm_ids: np.ndarray) -> np.ndarray:
    """The rows (firm id first) of the firms loaded: those of a firm the range left out (one
    deregistered by as_of) are dropped."""
    return rows[np.isin(rows[:, 0], firm_ids, assume_unique=False)]


def _fill_certificates(columns: FirmColumns, firm_ids: np.ndarray, certificates: np.ndarray) -> None:
    rows = np.searchsorted(firm_ids, certificates[:, 0])
    valid_on_day = certificates[:, 2] == 1
    for tier, code in TIER_CODES.items():
        of_tier = (certificates[:, 1] == code) & valid_on_day
        columns.holds(tier)[rows[of_tier]] = True
        if tier == "hnte":
            columns.hnte_expires[rows[of_tier]] = certificates[of_tier, 3]
    tech_sme_at_year_end = (certificates[:, 1] == TIER_CODES["tech_sme"]) & (certificates[:, 4] == 1)
    columns.tech_sme_tax_year[rows[tech_sme_at_year_end]] = True


def _fill_years(columns: FirmColumns, firm_ids: np.ndarray, filings: np.ndarray, as_of: date) -> None:
    rows = np.searchsorted(firm_ids, filings[:, 0])
    years = filings[:, 1] - (as_of.year - YEARS)
    for position, name in enumerate(YEAR_FIGURES, 2):
        figure, values = getattr(columns, name), filings[:, position]
        known = values != MISSING
        figure.value[rows, years] = np.where(known, values, 0)
        figure.known[rows, years] = known
    for position, name in enumerate(YEAR_BOOLEANS, 2 + len(YEAR_FIGURES)):
        getattr(columns, name)[rows, years] = filings[:, position]


def _fill_official(columns: FirmColumns, firm_ids: np.ndarray, official: np.ndarray,
                   as_of: date) -> None:
    """The statistics bureau's R&D figure per firm and year; its survey row confirms rd_survey."""
    rows = np.searchsorted(firm_ids, official[:, 0])
    years = official[:, 1] - (as_of.year - YEARS)
    known = official[:, 2] != MISSING
    columns.rd_expense_official.value[rows, years] = np.where(known, official[:, 2], 0)
    columns.rd_expense_official.known[rows, years] = known
    columns.rd_survey[rows, years] = 1

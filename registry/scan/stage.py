"""Write a chunk's rows in bulk: new rows straight into their table (`insert_rows`), changes
through a temporary table (`stage`) that one UPDATE ... FROM or INSERT ... SELECT then moves
(see apply.py).

On PostgreSQL the rows travel as one binary COPY whose fixed-width part numpy lays out in place
(no Python object per value); elsewhere (SQLite) as one executemany. A column is a kind and
either one value per row or a single value for every row (a constant: a number, a date, a
timestamp or a text; None leaves the column to its default). Per-row columns are fixed-width
integers and booleans, never null, or texts (JSON), which may be null.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Table
from sqlalchemy.engine import Connection

INT2, INT4, INT8, BOOL, TEXT = "SMALLINT", "INTEGER", "BIGINT", "BOOLEAN", "TEXT"
DATE, TIMESTAMPTZ = "DATE", "TIMESTAMPTZ"   # constants only
_BINARY = {INT2: ">i2", INT4: ">i4", INT8: ">i8", BOOL: "?", DATE: ">i4", TIMESTAMPTZ: ">i8"}
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)   # signature, flags, header extension length
_TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)   # PostgreSQL's, for dates and times

Values = np.ndarray | Sequence | int | str | dt.date | None
Columns = dict[str, tuple[str, Values]]   # name -> (SQL kind, values or a constant)


def _per_row(values: Values) -> bool:
    return isinstance(values, (np.ndarray, list, tuple))


def _row_count(columns: Columns) -> int:
    return next(len(values) for _kind, values in columns.values() if _per_row(values))


def insert_rows(connection: Connection, table: Table, columns: Columns) -> None:
    """Insert the rows into `table`."""
    _write(connection, table.name, {name: column for name, column in columns.items()
                                    if column[1] is not None}, table)


def stage(connection: Connection, table: str, columns: Columns) -> None:
    """(Re)create temporary table `table` with the per-row `columns` and fill it."""
    ddl = ", ".join(f"{name} {kind}" for name, (kind, _values) in columns.items())
    if connection.dialect.name == "postgresql":
        # One round trip: DROP (a test's outer transaction outlives ON COMMIT), then CREATE.
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{table}; "
                                   f"CREATE TEMPORARY TABLE {table} ({ddl}) ON COMMIT DROP")
    else:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {table} ({ddl})")
    _write(connection, table, columns)


def copy_rows(connection: Connection, table: Table, names: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert rows of plain values in their stored form (int, bool, str, None) into `table`: one
    text COPY on PostgreSQL, the driver adapting each value (nulls allowed, which `insert_rows`'
    fixed layout has no room for), else one executemany."""
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) "
                               f"VALUES ({', '.join('?' * len(names))})", list(rows))


def _write(connection: Connection, table: str, columns: Columns, typed: Table | None = None) -> None:
    """One binary COPY on PostgreSQL, else one executemany; constants are bound as `typed`'s
    columns bind them (dates and timestamps are text on SQLite)."""
    if connection.dialect.name == "postgresql":
        names, stream = binary_copy(columns)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(stream)
        return
    rows = _row_count(columns)
    lists = []
    for name, (_kind, values) in columns.items():
        if _per_row(values):
            lists.append(values.tolist() if isinstance(values, np.ndarray) else list(values))
        else:
            process = typed.c[name].type.bind_processor(connection.dialect)
            lists.append([process(values) if process else values] * rows)
    connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                               f"VALUES ({', '.join('?' * len(columns))})", list(zip(*lists)))


def copy_record(formats: list[str]) -> np.dtype:
    """The numpy record of a binary COPY row's fixed-width, non-null fields (`formats`, big-endian):
    an int16 field count, then per field an int32 length and the value (fields v0, v1, ...)."""
    return np.dtype([("count", ">i2")] + [item for i, fmt in enumerate(formats)
                                          for item in ((f"l{i}", ">i4"), (f"v{i}", fmt))])


def _fixed(kind: str, values: Values) -> tuple[str, Any]:
    """A fixed-width field's numpy format and values (a constant text is fixed-width too)."""
    if kind == TEXT:
        encoded = values.encode()
        return f"S{len(encoded)}", encoded
    if kind == DATE:
        return _BINARY[kind], (values - _EPOCH.date()).days
    if kind == TIMESTAMPTZ:
        return _BINARY[kind], (values - _EPOCH) // dt.timedelta(microseconds=1)
    return _BINARY[kind], values


def binary_copy(columns: Columns) -> tuple[list[str], bytes]:
    """The column names in stream order (fixed-width first, then per-row texts) and the COPY
    (FORMAT BINARY) stream of the rows: per row an int16 field count, then per field an int32
    length (-1 for null) and the big-endian value."""
    fixed = [(name, *_fixed(kind, values)) for name, (kind, values) in columns.items()
             if not (kind == TEXT and _per_row(values))]
    texts = [(name, values) for name, (kind, values) in columns.items()
             if kind == TEXT and _per_row(values)]
    names = [name for name, _fmt, _values in fixed] + [name for name, _values in texts]
    rows = _row_count(columns)
    record = copy_record([fmt for _name, fmt, _values in fixed])
    records = np.empty(rows, dtype=record)
    records["count"] = len(columns)
    for i, (_name, fmt, values) in enumerate(fixed):
        records[f"l{i}"] = np.dtype(fmt).itemsize
        records[f"v{i}"] = values
    if not texts:
        return names, _SIGNATURE + records.tobytes() + _TRAILER
    raw, size = records.tobytes(), record.itemsize
    parts = [_SIGNATURE]
    for row, cells in enumerate(zip(*(values for _name, values in texts))):
        parts.append(raw[row * size:(row + 1) * size])
        for cell in cells:
            if cell is None:
                parts.append(_NULL)
            else:
                encoded = cell.encode()
                parts.append(len(encoded).to_bytes(4, "big"))
                parts.append(encoded)
    parts.append(_TRAILER)
    return names, b"".join(parts)

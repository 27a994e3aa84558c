"""Stage a chunk's rows in a temporary table, to be moved into the real tables by one
INSERT ... SELECT or UPDATE ... FROM each (see apply.py).

On PostgreSQL the rows travel as one binary COPY whose fixed-width part numpy lays out in place
(no Python object per value); elsewhere (SQLite) as one executemany. Columns are fixed-width
integers and booleans, never null, then any text columns (JSON), which may be null.
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
from sqlalchemy.engine import Connection

INT2, INT4, INT8, BOOL, TEXT = "SMALLINT", "INTEGER", "BIGINT", "BOOLEAN", "TEXT"
_BINARY = {INT2: ">i2", INT4: ">i4", INT8: ">i8", BOOL: "?"}
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)   # signature, flags, header extension length
_TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"

Values = Union[np.ndarray, Sequence]
Columns = dict[str, tuple[str, Values]]   # name -> (SQL type, one value per row)


def stage(connection: Connection, table: str, columns: Columns) -> int:
    """(Re)create temporary table `table` with `columns` and fill it; returns the row count."""
    names = list(columns)
    types = [columns[name][0] for name in names]
    if TEXT in types and types[types.index(TEXT):] != [TEXT] * (len(types) - types.index(TEXT)):
        raise ValueError("text columns come last")
    ddl = ", ".join(f"{name} {kind}" for name, kind in zip(names, types))
    rows = len(columns[names[0]][1])
    if connection.dialect.name == "postgresql":
        # One round trip: DROP (a test's outer transaction outlives ON COMMIT), then CREATE.
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{table}; "
                                   f"CREATE TEMPORARY TABLE {table} ({ddl}) ON COMMIT DROP")
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(binary_copy(columns))
        return rows
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {table} ({ddl})")
    lists = [values.tolist() if isinstance(values, np.ndarray) else list(values)
             for _kind, values in columns.values()]
    connection.exec_driver_sql(f"INSERT INTO {table} VALUES ({', '.join('?' * len(names))})",
                               list(zip(*lists)))
    return rows


def copy_record(formats: list[str]) -> np.dtype:
    """The numpy record of a binary COPY row's fixed-width, non-null fields (`formats`, big-endian):
    an int16 field count, then per field an int32 length and the value (fields v0, v1, ...)."""
    return np.dtype([("count", ">i2")] + [item for i, fmt in enumerate(formats)
                                          for item in ((f"l{i}", ">i4"), (f"v{i}", fmt))])


def binary_copy(columns: Columns) -> bytes:
    """The COPY (FORMAT BINARY) stream of the rows: per row an int16 field count, then per field
    an int32 length (-1 for null) and the big-endian value."""
    fixed = [(name, kind, values) for name, (kind, values) in columns.items() if kind != TEXT]
    texts = [values for kind, values in columns.values() if kind == TEXT]
    rows = len(next(iter(columns.values()))[1])
    record = copy_record([_BINARY[kind] for _name, kind, _values in fixed])
    records = np.empty(rows, dtype=record)
    records["count"] = len(columns)
    for i, (_name, kind, values) in enumerate(fixed):
        records[f"l{i}"] = np.dtype(_BINARY[kind]).itemsize
        records[f"v{i}"] = values
    if not texts:
        return _SIGNATURE + records.tobytes() + _TRAILER
    raw, size = records.tobytes(), record.itemsize
    parts = [_SIGNATURE]
    for row, cells in enumerate(zip(*texts)):
        parts.append(raw[row * size:(row + 1) * size])
        for cell in cells:
            if cell is None:
                parts.append(_NULL)
            else:
                encoded = cell.encode()
                parts.append(len(encoded).to_bytes(4, "big"))
                parts.append(encoded)
    parts.append(_TRAILER)
    return b"".join(parts)

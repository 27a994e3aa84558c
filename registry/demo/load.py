"""Writing the demo registry: COPY on PostgreSQL, executemany on SQLite, in one transaction.

On PostgreSQL the bulk tables are truncated in the loading transaction (so COPY may FREEZE the
rows: no hint-bit rewrite or vacuum afterwards) and lose their keys, indexes and foreign keys
during the load; each is recreated afterwards from its own catalog definition, so the schema
ends exactly as the migrations built it. A failure rolls all of it back.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, MetaData, insert, inspect, literal, select, text
from sqlalchemy.orm import Session

from registry.demo import accounts, catalog, notices
from registry.demo.generate import CHUNK_SIZE, Rows, generate
from registry.models import Base, District

BULK_TABLES = ("firms", "filings", "certificates")
ROW_BATCH = 20_000


class DemoRefused(RuntimeError):
    """The database is not one the demo registry may be loaded into."""


@dataclass
class LoadSummary:
    firms: int = 0
    filings: int = 0
    certificates: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.firms + self.filings + self.certificates


def load_demo(engine: Engine, *, firms: int, seed: int, as_of: dt.date, reset: bool = False,
              metadata: MetaData = Base.metadata, chunk_size: int = CHUNK_SIZE,
              progress: Callable[[LoadSummary], None] | None = None) -> LoadSummary:
    """Load a demo registry of `firms` firms with the demo accounts, all or nothing.

    Refuses (DemoRefused) a database holding any row unless `reset`, which empties every table
    of the app first (the migrations' alembic_version stays).
    """
    started = time.perf_counter()
    summary = LoadSummary()
    with engine.begin() as connection:
        tables = app_tables(connection, metadata)
        if not {"districts", *BULK_TABLES} <= {table.name for table in tables}:
            raise DemoRefused("the database has no schema yet: run "
                              "`flask --app registry db upgrade` first")
        occupied = [] if reset else non_empty_tables(connection, tables)
        if occupied:
            raise DemoRefused(f"the database already holds data ({', '.join(occupied)}); "
                              "add --reset to replace it with the demo registry")
        writer = _WRITERS[connection.dialect.name](connection)
        writer.empty(tables)
        connection.execute(insert(District), [
            {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
            for d in catalog.DISTRICTS])
        with writer.bulk():
            for chunk in generate(firms, seed, as_of, chunk_size):
                for rows in (chunk.firms, chunk.filings, chunk.certificates):
                    writer.write(rows)
                    setattr(summary, rows.table, getattr(summary, rows.table) + len(rows))
                summary.seconds = time.perf_counter() - started
                if progress:
                    progress(summary)
        with Session(bind=connection) as session:
            accounts.create_demo_accounts(session, as_of)
            notices.ended_notice(session, as_of)
            session.flush()
    writer.analyze()
    summary.seconds = time.perf_counter() - started
    return summary


def app_tables(connection: Connection, metadata: MetaData) -> list:
    """The app's tables present in the database, parents before children."""
    present = set(inspect(connection).get_table_names())
    return [table for table in metadata.sorted_tables if table.name in present]


def non_empty_tables(connection: Connection, tables) -> list[str]:
    return [table.name for table in tables
            if connection.scalar(select(literal(1)).select_from(table).limit(1))]


def _row_batches(rows: Rows, timestamps: Callable[[np.ndarray], np.ndarray],
                 size: int = ROW_BATCH) -> Iterator[list[tuple]]:
    """The rows as tuples of the Python values drivers take (None for NULL), a batch at a time
    (Python objects for a whole chunk would take ten times the arrays' memory)."""
    for start in range(0, len(rows), size):
        part = slice(start, start + size)
        columns = []
        for name, values in rows.columns.items():
            values = values[part]
            if isinstance(values, np.ndarray) and values.dtype.kind == "M":
                values = (np.datetime_as_string(values) if values.dtype == np.dtype("datetime64[D]")
                          else timestamps(values))
            values = values.tolist() if isinstance(values, np.ndarray) else list(values)
            mask = rows.nulls.get(name)
            if mask is not None:
                for index in np.flatnonzero(mask[part]).tolist():
                    values[index] = None
            columns.append(values)
        yield list(zip(*columns))


class _SQLiteWriter:
    """executemany in the loading transaction: fast enough for tens of thousands of firms."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def empty(self, tables) -> None:
        for table in reversed(tables):
            self.connection.execute(table.delete())

    @contextmanager
    def bulk(self) -> Iterator[None]:
        yield

    def write(self, rows: Rows) -> None:
        names = list(rows.columns)
        sql = (f"INSERT INTO {rows.table} ({', '.join(names)}) "
               f"VALUES ({', '.join('?' * len(names))})")
        for batch in _row_batches(rows, _sqlite_timestamps):
            self.connection.exec_driver_sql(sql, batch)

    def analyze(self) -> None:
        pass


def _sqlite_timestamps(values: np.ndarray) -> np.ndarray:
    """SQLAlchemy's SQLite DATETIME storage format (UTC, as the UTCDateTime columns keep it)."""
    iso = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    return np.strings.add(np.strings.replace(iso, "T", " "), ".000000")


class _PostgresWriter:
    """COPY ... FREEZE into tables stripped of keys and indexes, rebuilt after the load."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.engine = connection.engine
        self.cursor = connection.connection.driver_connection.cursor()

    def empty(self, tables) -> None:
        # Always, even when the tables are empty: COPY FREEZE needs them truncated in this
        # transaction. Sequences restart, so the demo's explicit ids start at 1.
        names = ", ".join(f'"{table.name}"' for table in tables)
        self.connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        self.connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
        keys, indexes = _drop_keys_and_indexes(self.connection, BULK_TABLES)
        yield
        for statement in [*(_add(c) for c in keys if c.kind != "f"), *indexes,
                          *(_add(c) for c in keys if c.kind == "f")]:
            self.connection.exec_driver_sql(statement)
        for table in BULK_TABLES:
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")

    def write(self, rows: Rows) -> None:
        columns = ", ".join(rows.columns)
        with self.cursor.copy(f"COPY {rows.table} ({columns}) FROM STDIN WITH (FREEZE)") as copy:
            for batch in _row_batches(rows, _postgres_timestamps):
                for row in batch:
                    copy.write_row(row)

    def analyze(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE " + ", ".join(BULK_TABLES))
            connection.commit()


def _postgres_timestamps(values: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(values.astype("datetime64[s]"), unit="s", timezone="UTC")


@dataclass(frozen=True)
class _Constraint:
    table: str
    name: str
    kind: str          # p(rimary key), u(nique), f(oreign key)
    definition: str


def _add(constraint: _Constraint) -> str:
    return (f'ALTER TABLE {constraint.table} ADD CONSTRAINT "{constraint.name}" '
            f"{constraint.definition}")


def _drop_keys_and_indexes(connection: Connection, tables) -> tuple[list, list[str]]:
    """Drop the keys and indexes of `tables` and the foreign keys pointing at them; return the
    constraints and the CREATE INDEX statements that restore them."""
    names = list(tables)
    constraints = [_Constraint(*row) for row in connection.execute(text(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype IN ('p', 'u', 'f') "
        "AND (conrelid = ANY(CAST(:tables AS regclass[])) "
        "     OR (contype = 'f' AND confrelid = ANY(CAST(:tables AS regclass[])))) "
        "ORDER BY conrelid::regclass::text, conname"), {"tables": names})]
    indexes = connection.execute(text(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(CAST(:tables AS regclass[])) AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "  AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) "
        "ORDER BY 1"), {"tables": names}).all()
    for constraint in sorted(constraints, key=lambda c: c.kind != "f"):   # foreign keys first
        connection.exec_driver_sql(
            f'ALTER TABLE {constraint.table} DROP CONSTRAINT "{constraint.name}"')
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    return constraints, [definition for _, definition in indexes]


_WRITERS = {"sqlite": _SQLiteWriter, "postgresql": _PostgresWriter}

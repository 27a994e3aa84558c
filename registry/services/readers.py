"""Whole-registry reads that answer one caller, spread over several database connections.

A scan or a what-if run spreads its ranges of firms over the Celery workers' chunks. A monitoring
snapshot instead returns its figures to the task or request that asked, so its fresh evaluation
reads the ranges on `PARALLEL_READERS` connections of its own, in threads, while the caller goes
on with its other queries: reading a range is mostly PostgreSQL's work and numpy's, both outside
the GIL.

Only a session bound to the engine gets threads: a session bound to one connection (the tests'
rolled-back transaction) has rows no other connection sees, so its ranges are read on that
connection, one after another, as SQLite's are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from registry.scan.loader import use_own_parallelism

Result = TypeVar("Result")
RangeWork = Callable[[Connection, int, int], Result]


@contextmanager
def ranges_read(session: Session, ranges: list[tuple[int, int, int]], work: RangeWork,
                readers: int) -> Iterator[Iterator[Result]]:
    """Start `work(connection, first, last)` on every range of `ranges` (as `chunk_ranges` gives
    them) and give an iterator of the results in range order.

    With threads the work starts at once and runs while the caller's block goes on; leaving the
    block early cancels what has not started. Without, each range is read when the iterator
    reaches it. `work` must only read: its connection's transaction is rolled back."""
    bind = session.get_bind()
    if readers < 2 or not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        connection = session.connection()
        yield (work(connection, first, last) for first, last, _count in ranges)
        return
    pool = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="range-reader")
    try:
        futures = [pool.submit(_read_on_own_connection, bind, work, first, last)
                   for first, last, _count in ranges]
        yield (future.result() for future in futures)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_on_own_connection(engine: Engine, work: RangeWork, first: int, last: int) -> Result:
    with engine.connect() as connection:
        use_own_parallelism(connection)
        try:
            return work(connection, first, last)
        finally:
            connection.rollback()

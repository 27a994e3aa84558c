"""The scan's binary COPY reader on PostgreSQL: every row arrives, and an error raised by the
server part-way through the stream surfaces as that error, leaving the connection usable."""
from __future__ import annotations

import numpy as np
import psycopg
import pytest
from sqlalchemy import text

from registry.extensions import db
from registry.scan.loader import fetch_ints

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def connection(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
        with db.engine.connect() as connection:
            yield connection


def test_every_row_of_a_large_copy_arrives_in_order(connection):
    rows = 300_000   # many times what libpq buffers at once: the reader waits and resumes
    matrix = fetch_ints(connection, f"SELECT i, -i, i * 4294967296 FROM generate_series(1, {rows}) AS i", 3)
    expected = np.arange(1, rows + 1, dtype=np.int64)
    assert matrix.shape == (rows, 3)
    assert (matrix[:, 0] == expected).all()
    assert (matrix[:, 1] == -expected).all()
    assert (matrix[:, 2] == expected * 4294967296).all()


def test_an_empty_result_is_an_empty_matrix(connection):
    assert fetch_ints(connection, "SELECT 1, 2 WHERE false", 2).shape == (0, 2)


def test_an_error_in_the_middle_of_the_stream_is_raised_and_the_connection_recovers(connection):
    transaction = connection.begin()
    with pytest.raises(psycopg.errors.DivisionByZero):
        fetch_ints(connection, "SELECT i, 1 / (i - 200000) FROM generate_series(1, 300000) AS i", 2)
    transaction.rollback()
    assert connection.execute(text("SELECT 41 + 1")).scalar() == 42

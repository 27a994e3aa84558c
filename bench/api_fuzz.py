"""The longer Schemathesis run over the REST API (the test suite runs a short one): every
operation, data that fits the OpenAPI document and data that does not, with an officer's and a
firm user's token, against the registry on DATABASE_URL (e.g. `make run`'s demo data). Every
write happens inside one transaction rolled back at the end, so the registry is left as it was.

    DATABASE_URL=... .venv/bin/python bench/api_fuzz.py [--examples 200] [--seed 14]

Prints the cases run and every failure (none expected); exits 1 on any failure.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from bench.common import bench_app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="cases per operation and mode")
    args = parser.parse_args()
    app = bench_app()
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    from registry.extensions import db
    from registry.models import User
    from registry.services import tokens
    from tests.api.test_schemathesis import run_schema
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(sessionmaker(bind=connection,
                                             join_transaction_mode="create_savepoint"))
    failures_total = 0
    try:
        with app.app_context():
            officer = db.session.scalar(select(User).where(User.role == "officer",
                                                           User.active.is_(True)).limit(1))
            firm_user = db.session.scalar(select(User).where(User.role == "firm",
                                                             User.active.is_(True)).limit(1))
            secrets = {}
            for who, user, scopes in (("officer", officer, ("read", "decide")),
                                      ("firm", firm_user, ("read", "file"))):
                if user is None:
                    print(f"no active {who} user on this database: load the demo data first")
                    return 1
                secrets[who] = tokens.create(db.session, user, user, scopes=scopes, days=1,
                                             name="api_fuzz", max_days=1)[1]
            db.session.commit()
        for who, secret in secrets.items():
            started = time.perf_counter()
            count, failures = run_schema(app, secret, examples=args.examples)
            failures_total += len(failures)
            print(f"{who}: {count} cases in {time.perf_counter() - started:.0f} s, "
                  f"{len(failures)} failures")
            for failure in failures:
                print(failure, end="\n\n")
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
    return 1 if failures_total else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Runs the whole suite: first on SQLite, then the database tests on PostgreSQL when
# DATABASE_URL is set (CI sets it, and REDIS_URL). Under CI a test that needs a missing
# service fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

echo "== ruff (pinned in requirements-dev.txt, configured in pyproject.toml) =="
$PY -m ruff check .

bash scripts/ensure_browser.sh

echo "== pass 1: SQLite =="
status=0
$PY -m pytest -m "not postgres_only" "$@" || status=$?

if [ -n "${DATABASE_URL:-}" ]; then
  echo "== pass 2: PostgreSQL ($DATABASE_URL) =="
  TEST_DATABASE_URL="$DATABASE_URL" $PY -m pytest -m "db or postgres_only" -p no:cacheprovider "$@" \
    || status=$?
else
  echo "== pass 2 skipped: DATABASE_URL is not set (PostgreSQL tests report as skipped) =="
  $PY -m pytest -m "postgres_only" "$@" || { rc=$?; [ $rc -eq 5 ] || status=$rc; }
fi
exit $status

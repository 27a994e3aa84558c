"""Benchmark of the officer queue at registry scale (figures for docs/officer.md and the issue).

    createdb -h 127.0.0.1 -U postgres -T yz_bench yz_officerbench      # the 1M-firm demo, copied
    python bench/queue_pages.py --database postgresql://postgres@127.0.0.1/yz_officerbench --prepare
    python bench/queue_pages.py --database postgresql://postgres@127.0.0.1/yz_officerbench [--requests 60]

`--prepare` adds (once) 100,000 open candidates of this year's cycle on random firms, 10,000 in
the other statuses, 250,000 open flags (the share of flagged firms a real scan of the demo
gives) and two scans, written set-based with their firm's district and industry as a scan
would, then VACUUM ANALYZE. Each scenario's page and its counts per filter are then requested
`--requests` times each through the Flask test client after two warm-up requests (an admin, or
the demo's Haishu officer), and the server time per request is printed as p50 / p95 / max in ms,
with the rows on the page and the total the counts report. Then each outreach list (a flag's or
an incentive's, with its counts per outreach status) is requested the same way; on the
prepared copy there are no incentive opportunities, so measure those on a database a full scan
has written (`bench/scan.py` leaves its results in place).
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the standard library's `queue` (which Celery imports): keep
# its own directory off the import path, the repository on it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent)] + [entry for entry in sys.path
                                    if Path(entry or ".").resolve() != HERE]

import argparse
import os
import statistics
import time

from bench.common import log_in, percentile, timed

OPEN_CANDIDATES = 100_000
PREPARE = """
INSERT INTO scans (id, kind, as_of, policy_year, profiles, overrides, status, firms_total,
                   firms_done, chunks_total, chunks_done, opened, closed, flags, verdicts_written,
                   created_at, started_at, finished_at)
SELECT s, 'full', make_date(:cycle, 6, 28 + s), 2025, '{{}}', '{{}}', 'done', 1000000, 1000000,
       40, 40, 0, 0, 0, 0, now(), now(), now()
  FROM generate_series(1, 2) AS s;

-- Firms in a random order: the first 100,000 get an open candidate, the next 10,000 one in
-- another status; the tier follows the firm's id.
CREATE TEMP TABLE picked AS
SELECT id, district, industry_code, row_number() OVER (ORDER BY md5(id::text)) AS n
  FROM firms;

INSERT INTO candidates (firm_id, tier, cycle, status, stale, verdict, opened_scan_id,
                        last_scan_id, opened_at, updated_at, district, industry_code)
SELECT id, (ARRAY['tech_sme', 'hnte', 'hnte', 'gazelle', 'tech_sme', 'leader'])[1 + id % 6],
       :cycle,
       CASE WHEN n <= {open} THEN 'open'
            ELSE (ARRAY['in_review', 'approved', 'rejected', 'returned', 'deferred', 'closed'])
                 [1 + n % 6] END,
       false, '{{"status": "eligible", "failed": []}}', 1 + n % 2, 2,
       now() - (n || ' seconds')::interval, now(), district, industry_code
  FROM picked WHERE n <= {open} + 10000;

INSERT INTO firm_flags (firm_id, flag, cycle, detail, status, raised_scan_id, raised_at)
SELECT id, (ARRAY['hnte_near_miss', 'hnte_renewal_due', 'hnte_at_risk', 'guishang_zero_rd',
                  'hnte_zero_rd'])[1 + n % 5], :cycle, '{{}}', 'open', 2, now()
  FROM picked WHERE n % 6 = 0 OR n > 900000;

DROP TABLE picked;
SELECT setval(pg_get_serial_sequence('scans', 'id'), 2);
"""
# As autovacuum would soon after a scan: statistics, and the visibility map that lets the
# counts read the facets index alone.
VACUUM = ("VACUUM ANALYZE candidates", "VACUUM ANALYZE firm_flags", "VACUUM ANALYZE firms")


def prepare(db, cycle: int) -> None:
    from sqlalchemy import func, select, text

    from registry.models import Candidate
    if db.session.scalar(select(func.count()).select_from(Candidate)
                         .where(Candidate.status == "open")) >= OPEN_CANDIDATES:
        print("candidates already there")
        return
    started = time.monotonic()
    for statement in PREPARE.format(open=OPEN_CANDIDATES).split(";\n"):
        if statement.strip():
            db.session.execute(text(statement), {"cycle": cycle})
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for statement in VACUUM:
            connection.execute(text(statement))
    print(f"prepared in {time.monotonic() - started:.1f} s")


def scenarios(officer_district: str) -> list[tuple[str, str, str]]:
    """(name, who, query string)."""
    return [
        ("first page, admin (all districts)", "admin", ""),
        ("first page, district officer", "officer", ""),
        ("tier = hnte", "admin", "tier=hnte"),
        ("district", "admin", f"district={officer_district}"),
        ("industry section I", "admin", "industry=I"),
        ("industry code C39", "admin", "industry=C39"),
        ("status = in_review", "admin", "status=in_review"),
        ("all statuses", "admin", "status=all"),
        ("flag = hnte_near_miss", "admin", "flag=hnte_near_miss"),
        ("scan = 1", "admin", "scan=1"),
        ("tier + district + industry", "admin",
         f"tier=gazelle&district={officer_district}&industry=C34"),
        ("flag + tier, officer", "officer", "flag=hnte_at_risk&tier=hnte"),
        ("search a name", "admin", "q=华达机械"),
        ("search a credit code prefix", "admin", "q=913302030004"),
        ("search, broad (22k firms)", "admin", "q=精工有"),
        ("search, broad code prefix", "admin", "q=91330203"),
        ("oldest first", "admin", "sort=oldest"),
        ("by district", "admin", "sort=district"),
        ("page 2 (cursor)", "admin", "after={cursor}"),
    ]


def outreach_lists() -> list[tuple[str, str]]:
    """(list key, who): every outreach list, for an admin and the district officer."""
    from registry.services.outreach import OUTREACH_LISTS
    return [(key, who) for key in OUTREACH_LISTS for who in ("admin", "officer")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--requests", type=int, default=60)
    options = parser.parse_args()
    if not options.database:
        parser.error("give --database (the copy of the 1M-firm demo)")
    os.environ["DATABASE_URL"] = options.database
    os.environ.setdefault("YANZHEN_VAR_DIR", "/tmp/yz-queue-bench")

    from sqlalchemy import func, select

    from registry import create_app
    from registry.extensions import db
    from registry.models import Candidate, Firm, User
    from registry.rules import today_in_shanghai
    app = create_app("development", SQLALCHEMY_DATABASE_URI=options.database.replace(
        "postgresql://", "postgresql+psycopg://"), JOBS_MODE="record")
    cycle = today_in_shanghai().year
    with app.app_context():
        if options.prepare:
            prepare(db, cycle)
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        officer = db.session.scalar(select(User).where(User.role == "officer").order_by(User.id))
        users = {"admin": admin.get_id(), "officer": officer.get_id()}
        district = min(officer.district_codes)
        counts = db.session.execute(select(Candidate.status, func.count())
                                    .group_by(Candidate.status)).all()
        firms = db.session.scalar(select(func.count()).select_from(Firm))
    print(f"{firms:,} firms; candidates {dict(counts)}; officer of {district}")
    print(f"{options.requests} requests per scenario after 2 warm-up; server time in ms of the "
          "page (the list) and of its counts per filter (fetched by the page)")
    print(f"{'scenario':30} {'page p50':>8} {'p95':>6} {'max':>6} {'counts p50':>10} {'p95':>6} "
          f"{'max':>6} {'rows':>5} {'total':>7}")

    client = app.test_client()
    cursor = None
    for name, who, query in scenarios(district):
        log_in(client, users[who])
        if "{cursor}" in query:
            query = query.format(cursor=cursor)
        page_times = timed(client, f"/officer/queue?{query}", options.requests)
        count_times = timed(client, f"/officer/queue/counts?{query}", options.requests)
        page = client.get(f"/officer/queue?{query}").get_data(as_text=True)
        total = client.get(f"/officer/queue/counts?{query}").get_json()["total"]
        if cursor is None and 'id="next-page"' in page:
            cursor = page.split('id="next-page"', 1)[0].rsplit("after=", 1)[1].split('"', 1)[0]
        print(f"{name:30} {statistics.median(page_times):8.1f} {percentile(page_times, 0.95):6.1f} "
              f"{max(page_times):6.1f} {statistics.median(count_times):10.1f} "
              f"{percentile(count_times, 0.95):6.1f} {max(count_times):6.1f} "
              f"{page.count('data-candidate='):5} {total:7}")

    print(f"\n{'outreach list':30} {'who':>7} {'page p50':>8} {'p95':>6} {'max':>6}")
    for key, who in outreach_lists():
        log_in(client, users[who])
        times = timed(client, f"/officer/outreach/{key}?cycle={cycle}", options.requests)
        print(f"{key:30} {who:>7} {statistics.median(times):8.1f} {percentile(times, 0.95):6.1f} "
              f"{max(times):6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

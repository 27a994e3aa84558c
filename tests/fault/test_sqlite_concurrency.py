"""No 500 on the embedded default: SQLite writes wait their turn (busy timeout, BEGIN IMMEDIATE
for requests that write), a request that still meets a lock runs again, and a lock that outlasts
every attempt is answered 503 with Retry-After.

The bounded load test runs the app as `make run` serves it (werkzeug, one thread per request) on
a SQLite file: 8 firm users log in, read their ladder, save drafts and submit at once for
YANZHEN_LOAD_SECONDS (30 by default) while a worker thread evaluates firms, as the Celery worker
of `make run` writes to the same file."""
from __future__ import annotations

import datetime as dt
import http.cookiejar
import os
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from registry.rules import today_in_shanghai
from tests.conftest import REPO
from tests.factories import PASSWORD, DistrictFactory, FirmFactory, UserFactory

pytestmark = pytest.mark.fault

CLIENTS = 8
LOAD_SECONDS = float(os.environ.get("YANZHEN_LOAD_SECONDS", "30"))
LAST_YEAR = today_in_shanghai().year - 1
FIGURES = {"total_income": "1000", "revenue": "950", "hightech_income": "700",
           "rd_expense": "60", "rd_domestic": "55", "employees": "50", "st_staff": "12",
           "total_cost": "900", "total_assets": "1500", "net_assets": "800",
           "taxable_income": "100"}


def _sqlite_app(path, **config):
    from flask_migrate import upgrade

    from registry import create_app
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **config)
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
    return app


def _seed(app, clients: int) -> list[str]:
    """`clients` firms founded long ago, each with its administrator; their e-mails."""
    from registry.extensions import db
    with app.app_context():
        DistrictFactory(code="haishu")
        emails = [UserFactory(firm=FirmFactory(district="haishu", founded=dt.date(2010, 1, 1)),
                              email=f"load{n}@firm.example", is_firm_admin=True).email
                  for n in range(clients)]
        db.session.commit()
    return emails


@pytest.fixture
def quick_app(tmp_path):
    """A SQLite app whose busy timeout is short, so a held lock shows quickly."""
    app = _sqlite_app(tmp_path / "locks.db", SQLITE_BUSY_TIMEOUT_MS=100)
    _seed(app, 1)
    yield app, tmp_path / "locks.db"
    from registry.extensions import db
    with app.app_context():
        db.engine.dispose()


def _hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another process's writer: holds SQLite's write lock for `seconds`."""
    ready = threading.Event()

    def hold():
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()
    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def _login(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def test_a_lock_that_outlasts_every_attempt_is_a_503_asking_to_retry(quick_app):
    app, path = quick_app
    client = app.test_client()
    holder = _hold_write_lock(path, 3)
    try:
        response = _login(client, "load0@firm.example")
    finally:
        holder.join()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "请稍后重试" in response.get_data(as_text=True)


def test_a_write_waits_for_a_short_lock_and_succeeds(quick_app):
    app, path = quick_app
    client = app.test_client()
    holder = _hold_write_lock(path, 0.3)   # longer than the busy timeout, shorter than retries
    try:
        response = _login(client, "load0@firm.example")
    finally:
        holder.join()
    assert response.status_code == 302


def test_requests_that_write_begin_immediate(quick_app):
    from registry.extensions import db
    app, _path = quick_app
    statements = []
    with app.app_context():
        from sqlalchemy import event
        listen = lambda *args: statements.append(args[2])
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            client = app.test_client()
            client.get("/healthz")            # reads the database
            reads = list(statements)
            _login(client, "load0@firm.example")
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    assert "BEGIN IMMEDIATE" not in reads and "BEGIN" in reads
    assert "BEGIN IMMEDIATE" in statements[len(reads):]


class Browser:
    """A firm user's browser: cookies, CSRF tokens from the pages, statuses counted."""

    def __init__(self, base: str, statuses: Counter, lock: threading.Lock):
        self.base, self.statuses, self.lock = base, statuses, lock
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        with self.lock:
            self.statuses[status] += 1
        return text

    def token(self, page: str) -> str:
        found = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
        return found.group(1) if found else ""

    def post_form(self, path: str, data: dict) -> str:
        return self.request(path, {**data, "csrf_token": self.token(self.request(path))})


def test_eight_clients_logging_in_saving_and_submitting_for_30_seconds_get_no_500(tmp_path):
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError
    from werkzeug.serving import make_server

    from registry.extensions import db
    from registry.models import Filing, Firm
    app = _sqlite_app(tmp_path / "load.db", WTF_CSRF_ENABLED=True, JOBS_MODE="record")
    emails = _seed(app, CLIENTS)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    statuses, lock, errors = Counter(), threading.Lock(), []
    deadline = time.monotonic() + LOAD_SECONDS

    def client(email: str):
        browser = Browser(base, statuses, lock)
        year = LAST_YEAR - 8
        try:
            while time.monotonic() < deadline:
                browser.post_form("/login", {"email": email, "password": PASSWORD})
                ladder = browser.request("/portal/")
                path = f"/portal/filings/{year}"
                browser.post_form(path, {**FIGURES, "revenue": str(900 + year % 50),
                                         "action": "save"})
                browser.post_form(path, {**FIGURES, "action": "submit"})
                browser.request("/logout", {"csrf_token": browser.token(ladder)})
                year = year + 1 if year < LAST_YEAR else LAST_YEAR - 8
        except Exception as error:  # a dropped connection counts as a failure
            errors.append(repr(error))

    def worker():
        """What the Celery worker of `make run` does meanwhile: evaluate firms, one transaction
        each, retrying a firm whose write met the lock (as the task would be retried)."""
        from registry.database import is_locked
        from registry.services.evaluation import evaluate_firm
        with app.app_context():
            firm_ids = db.session.scalars(select(Firm.id)).all()
            while time.monotonic() < deadline:
                for firm_id in firm_ids:
                    try:
                        evaluate_firm(firm_id)
                        evaluations["done"] += 1
                    except OperationalError as error:
                        db.session.rollback()
                        if not is_locked(error):
                            raise
                        evaluations["retried"] += 1
            db.session.remove()

    evaluations = Counter()
    threads = [threading.Thread(target=client, args=(email,)) for email in emails]
    threads.append(threading.Thread(target=worker))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.shutdown()
    with app.app_context():
        submitted = db.session.scalar(select(func.count()).select_from(Filing)
                                      .where(Filing.status == "submitted"))
        db.engine.dispose()
    print(f"\n{CLIENTS} clients for {LOAD_SECONDS:.0f} s: statuses {dict(statuses)}, "
          f"{submitted} filings submitted, worker evaluations {dict(evaluations)}")
    assert not errors
    # Never a 500. A lock still held after every attempt is answered 503 with Retry-After, as
    # designed: on a starved machine (other suites on the same two cores) that may happen to a
    # rare request, never to a real share of them.
    assert not [status for status in statuses if status >= 500 and status != 503], dict(statuses)
    assert statuses[503] <= sum(statuses.values()) // 50, dict(statuses)
    assert statuses[200] > CLIENTS and submitted >= CLIENTS and evaluations["done"] > 0

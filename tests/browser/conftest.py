"""Browser tests: the real app on a live server, driven by headless Chromium through Playwright.

`live_server` runs the app (CSRF on, jobs inline) with werkzeug in a thread on a free port, on a
database of its own: a SQLite file, or a fresh PostgreSQL database next to TEST_DATABASE_URL's,
built by the migrations and dropped afterwards. Seed it with `live_server.seed(fn)`: `fn` runs
in the live app's context (factories work there) and is committed.

`page` is a Playwright page in a fresh browser context (zh-CN). Chromium is Debian's
(/usr/bin/chromium, with CJK fonts); if it is missing the tests fail with what to install —
they never skip (scripts/ensure_browser.sh installs it when it may).
"""
from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import scratch_postgres
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("YANZHEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HERE = Path(__file__).resolve().parent
# Where the tests save screenshots for the docs (unset: not saved).
SCREENSHOT_DIR = os.environ.get("YANZHEN_SCREENSHOT_DIR")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    app: Flask

    def seed(self, fn: Callable):
        """Run `fn()` in the live app's context, commit, and return its result."""
        from registry.extensions import db
        with self.app.app_context():
            result = fn()
            db.session.commit()
            return result

    def query(self, fn: Callable):
        """Run `fn()` in the live app's context (a read), and return its result."""
        with self.app.app_context():
            return fn()


@contextmanager
def _database_url(tmp_path: Path):
    """A database of the live server's own: PostgreSQL when the suite runs on it, else SQLite."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'live.db'}"
        return
    with scratch_postgres(base, "yanzhen_browser") as url:
        yield url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from registry import create_app
    from registry.extensions import db
    from tests.conftest import REPO
    tmp_path = tmp_path_factory.mktemp("live")
    with _database_url(tmp_path) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True,
                         JOBS_MODE="inline")
        with app.app_context():
            upgrade(directory=str(REPO / "migrations"))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: install Debian's `chromium` and "
                    "`fonts-noto-cjk` (`sudo apt-get install chromium fonts-noto-cjk`, or run "
                    "`bash scripts/ensure_browser.sh` as root), or set YANZHEN_CHROMIUM.",
                    pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh page (own cookies) in Chinese, 1280 px wide; 10 s timeouts."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and blocked.append(message.text))
    yield page
    context.close()
    assert blocked == [], "the Content-Security-Policy blocked part of a page"


def log_in(page, base_url: str, email: str, landing: str | None = None,
           password: str = PASSWORD) -> None:
    """Log in through the form as a person does, leaving any earlier session behind, and wait
    for the start page: `landing` is a regular expression of its URL (by default any page but
    the login form)."""
    page.context.clear_cookies()
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(landing) if landing else lambda url: "/login" not in url)


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until the JavaScript `expression` is true. (Playwright's wait_for_function
    evaluates its string with eval, which the pages' Content-Security-Policy forbids.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


def screenshot(page, name: str, **options) -> None:
    """Save a screenshot for the docs when YANZHEN_SCREENSHOT_DIR is set."""
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / name), **options)

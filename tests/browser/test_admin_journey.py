"""The admin journey on a fresh database: `flask db upgrade`, `flask users create-admin
--password-stdin`, the admin logs in and invites an officer for one district, the officer accepts
the invitation and sees only that district; the admin deactivates them and the officer's open
session is refused on its next request. PostgreSQL when TEST_DATABASE_URL is one, else SQLite."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest

from tests.browser.conftest import log_in
from tests.conftest import REPO, scratch_postgres

ADMIN_EMAIL, ADMIN_PASSWORD = "a@bureau.cn", "lantern harbour 27"
OFFICER_EMAIL, OFFICER_PASSWORD = "officer.jiangbei@bureau.cn", "river crossing 58"


@contextmanager
def _fresh_database(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgres"):
        with scratch_postgres(base, "yanzhen_admin_journey") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


def _flask(url: str, tmp_path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": url, "YANZHEN_VAR_DIR": str(tmp_path),
           "YANZHEN_CONFIG": "development"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "registry", *args],
                            input=stdin, capture_output=True, text=True, cwd=REPO, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def fresh_server(tmp_path):
    from werkzeug.serving import make_server

    from registry import create_app
    from registry.extensions import db
    with _fresh_database(tmp_path) as url:
        _flask(url, tmp_path, "db", "upgrade")
        out = _flask(url, tmp_path, "users", "create-admin", "--email", ADMIN_EMAIL,
                     "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        assert f"administrator {ADMIN_EMAIL} created" in out
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True,
                         JOBS_MODE="inline")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


def test_admin_invites_an_officer_who_sees_one_district_then_deactivates_them(
        page, browser, fresh_server):
    app, url = fresh_server
    from registry.extensions import db
    from tests.factories import FirmFactory
    with app.app_context():  # one firm in each of two shipped districts
        FirmFactory(name="江北测试科技有限公司", district="jiangbei")
        FirmFactory(name="海曙测试科技有限公司", district="haishu")
        db.session.commit()

    log_in(page, url, ADMIN_EMAIL, r"/officer/", password=ADMIN_PASSWORD)
    page.goto(url + "/admin/users")
    page.fill("#invite-staff #email", OFFICER_EMAIL)
    page.select_option("#invite-staff #role", "officer")
    page.check('#invite-staff input[name=districts][value="jiangbei"]')
    page.click("#invite-staff button[type=submit]")
    page.wait_for_selector("#staff-invitations >> text=" + OFFICER_EMAIL)

    with app.app_context():
        from sqlalchemy import select

        from registry.models import OutboxMail
        body = db.session.scalars(select(OutboxMail.body)
                                  .where(OutboxMail.recipient == OFFICER_EMAIL)).one()
    link = re.search(r"https?://\S+/account/invitation/\S+", body).group(0)

    officer_context = browser.new_context(locale="zh-CN")
    officer_context.set_default_timeout(10_000)
    officer = officer_context.new_page()
    try:
        officer.goto(link)
        officer.fill("#name", "江北专员")
        officer.fill("#password", OFFICER_PASSWORD)
        officer.fill("#confirm", OFFICER_PASSWORD)
        officer.click("button[type=submit]")
        officer.wait_for_url(re.compile(r"/today"))   # an officer starts on their home

        officer.goto(url + "/officer/firms")
        names = officer.locator("#directory tbody tr a").all_inner_texts()
        assert names == ["江北测试科技有限公司"]
        choices = officer.locator("#district option").all_inner_texts()
        assert [c for c in choices if c != "全部"] == ["江北区"]

        page.goto(url + "/admin/users?q=" + OFFICER_EMAIL)
        page.click(f'[data-user="{OFFICER_EMAIL}"] a')
        page.click("#deactivate")
        page.wait_for_selector("text=已停用")

        officer.goto(url + "/officer/firms")
        officer.wait_for_url(re.compile(r"/login"))
        assert "江北测试科技有限公司" not in officer.content()
    finally:
        officer_context.close()

"""The text tests use the officer workspace's fixtures (districts, people, a firm), and a scanned
demo registry that the crawling tests walk as each role."""
from __future__ import annotations

import html
import re
import time
from collections import Counter

import pytest
from sqlalchemy import select

from tests.demo.conftest import demo, load_args, migrated_app
from tests.officer.conftest import (  # noqa: F401
    admin,
    districts,
    firm,
    firm_user,
    manager,
    officer,
    other_firm,
    other_officer,
)

ROLES = ("firm", "officer", "manager", "admin")
MAX_PER_SHAPE = 2
SKIP = ("/lang/", "/logout", "/static/", "/healthz")


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A demo registry of 60 firms, scanned: (app, the first user id of each role, the district
    codes)."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'crawl.db'}")
    result = demo(app, *load_args(firms=60), "--reset")
    assert result.exit_code == 0, result.output
    scan = app.test_cli_runner().invoke(args=["scan", "run", "--inline", "--as-of", "2026-06-30"])
    assert scan.exit_code == 0, scan.output
    from registry.extensions import db
    from registry.models import District, User
    with app.app_context():
        users = {}
        for user in db.session.scalars(select(User).order_by(User.id)):
            users.setdefault(user.role, user.get_id())
        codes = set(db.session.scalars(select(District.code)))
    return app, users, codes


def login_as(app, user_id: str, lang: str):
    """A client logged in as `user_id` (the session keys of registry/auth/sessions.py), reading
    `lang`."""
    from registry.auth import sessions
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"_user_id": user_id, "_fresh": True, sessions.LOGIN_AT: now,
                        sessions.SEEN_AT: now, "lang": lang})
    return client


def crawl(client):
    """(url, response) of every page and file reached from the home page by same-site links, at
    most MAX_PER_SHAPE of each URL shape (digits and query values aside)."""
    queue, seen, shapes = ["/"], set(), Counter()
    while queue:
        url = queue.pop(0)
        if url in seen or any(part in url for part in SKIP):
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "N", re.sub(r"=[^&]*", "=", url))
        shapes[shape] += 1
        if shapes[shape] > MAX_PER_SHAPE:
            continue
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
            continue
        assert response.status_code == 200, (url, response.status_code)
        yield url, response
        if response.mimetype == "text/html":
            queue.extend(html.unescape(href) for href in re.findall(
                r'href="(/[^"#]*)"', response.get_data(as_text=True)))

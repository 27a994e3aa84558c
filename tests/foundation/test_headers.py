"""Security headers on every GET route (issue 16, item 6): a Content-Security-Policy with a
nonce per response, no-store on a logged-in person's pages and on exports, no server banner;
every inline script and style of the templates carries the nonce."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing.converters import NumberConverter, PathConverter

from registry.security import content_security_policy
from tests.conftest import REPO
from tests.factories import DistrictFactory, FilingFactory, FirmFactory, UserFactory
from tests.officer.conftest import login

REQUIRED = ("default-src 'self'", "object-src 'none'", "frame-ancestors 'self'",
            "base-uri 'none'")


def _sample_url(rule) -> str:
    """The rule's URL with a plausible value for each part (an id 1, the year 2024)."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, NumberConverter):
            values[name] = 2024 if name == "year" else max(converter.min or 1, 1)
        elif isinstance(converter, PathConverter):
            values[name] = "css/app.css"
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _get_routes(app):
    return sorted({rule.rule: rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods}.values(), key=lambda rule: rule.rule)


@pytest.fixture
def people(db_session):
    haishu = DistrictFactory(code="haishu")
    firm = FirmFactory(district="haishu")
    FilingFactory(firm=firm, fiscal_year=2024)
    return {"anonymous": None,
            "firm": UserFactory(firm=firm, email="clerk@firm.example", is_firm_admin=True),
            "officer": UserFactory(officer=True, email="o@bureau.example", districts=[haishu]),
            "admin": UserFactory(admin=True, email="a@bureau.example")}


def _check(response, url: str, logged_in: bool) -> list[str]:
    problems = []
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    for directive in REQUIRED:
        if directive not in policy:
            problems.append(f"{url}: no {directive!r}")
    nonce = re.search(r"'nonce-([^']+)'", policy)
    if "'unsafe-inline'" in policy.split("script-src")[1].split(";")[0]:
        problems.append(f"{url}: inline scripts allowed")
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", page):
            if "src=" not in tag and (nonce is None or f'nonce="{nonce.group(1)}"' not in tag):
                problems.append(f"{url}: {tag} without this response's nonce")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no nosniff")
    if "Server" in headers:
        problems.append(f"{url}: server banner {headers['Server']}")
    if "Strict-Transport-Security" in headers:
        problems.append(f"{url}: HSTS outside production")
    static = url.startswith("/static/")
    private = (logged_in and not static) or "attachment" in headers.get("Content-Disposition", "")
    if private and headers.get("Cache-Control") != "no-store":
        problems.append(f"{url}: Cache-Control {headers.get('Cache-Control')!r}")
    return problems


@pytest.mark.parametrize("who", ["anonymous", "firm", "officer", "admin"])
def test_every_get_route_sends_the_security_headers(app, client, people, who):
    if people[who] is not None:
        login(client, people[who])
    problems, answered = [], 0
    for rule in _get_routes(app):
        url = _sample_url(rule)
        response = client.get(url)
        answered += response.status_code == 200
        problems += _check(response, url, people[who] is not None)
    assert problems == []
    assert answered >= (3 if who == "anonymous" else 8)  # pages, not only redirects and 404s


def test_each_response_has_its_own_nonce(client, db_session):
    first = client.get("/login").headers["Content-Security-Policy"]
    second = client.get("/login").headers["Content-Security-Policy"]
    assert first != second


def test_hsts_in_production_only(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "YANZHEN_CONFIG", "production")
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_every_inline_script_and_style_in_the_templates_carries_the_nonce():
    missing = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            if "src=" not in tag and 'nonce="{{ csp_nonce() }}"' not in tag:
                missing.append(f"{path.relative_to(REPO)}: {tag}")
        # Inline event handlers and javascript: links run without a nonce: none at all.
        missing += [f"{path.relative_to(REPO)}: {handler}" for handler in
                    re.findall(r"\son[a-z]+\s*=|javascript:", text)]
    assert missing == []


def test_the_policy_allows_no_inline_script_without_the_nonce():
    policy = content_security_policy("abc")
    assert "script-src 'self' 'nonce-abc'" in policy and "unsafe-eval" not in policy


def test_gunicorn_sends_no_server_banner():
    import runpy

    from gunicorn.http import wsgi
    runpy.run_path(str(REPO / "gunicorn.conf.py"))
    assert wsgi.SERVER == "" or "gunicorn" not in wsgi.SERVER.lower()

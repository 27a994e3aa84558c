"""No internal identifier reaches a person (issue 15 point 6): every page each role reaches from
its home, on a demo registry, in Chinese and in English, is crawled (same-site links, at most two
URLs of each shape), and its text must hold no `= true/false`, Python lists or reprs, JSON, snake_case
identifiers, district codes or money with more than two decimals.

Two pages show identifiers on purpose, as the input syntax they document: the what-if form's
parameter table (the dotted paths a scenario's changes are typed in) and the certificate import's
column list and the official data import's header rows (the header names a file may use). The admin's district table shows each district's
code, which the admin defines there.
"""
from __future__ import annotations

import html
import re

import pytest

from tests.text.conftest import ROLES, crawl, login_as

# Pages that document an input syntax (see the module docstring): what is allowed there.
# The what-if parameter table lists each parameter's path and value as they are typed (0.025 for
# 2.5%), beside its name and unit.
SYNTAX_PAGES = {"/whatif/new": re.compile(r"\b[a-z_]+(\.[a-z0-9_]+)+\b|\b0\.\d+\b"),
                "/officer/certificates/import": re.compile(r"\b(credit_code|tech_sme)\b"),
                # the official data import lists the header row each file must have
                "/officer/official": re.compile(r"\b[a-z_]+(,[a-z_]+)+\b"),
                "/admin/settings": None}
FORBIDDEN = {
    "true/false": re.compile(r"=\s*(true|false)\b|\b(True|False)\b"),
    "Python list": re.compile(r"\[\s*'|\[\d+(,\s*\d+)+\]"),
    "JSON": re.compile(r"\{\s*\"|\"\s*:\s*[\[{\"0-9]"),
    "identifier": re.compile(r"(?<![@\w.-])[a-z][a-z0-9]*_[a-z0-9_]+\b(?![@\w.-]*@)"),
    "money beyond cents": re.compile(r"(?<![\d.])\d{1,3}(,\d{3})*\.\d{3,}(?!\d)(?!\s*(倍|×))"),
}


def _text(page: str) -> str:
    """What a person reads: the page without scripts, styles, tags and attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_an_internal_identifier(registry, role, lang):
    app, users, codes = registry
    district_code = re.compile(r"(?<![\w.@-])(" + "|".join(sorted(codes)) + r")(?![\w@-])")
    found, pages = [], 0
    for url, response in crawl(login_as(app, users[role], lang)):
        if response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        pages += 1
        path = url.split("?")[0]
        allowed = SYNTAX_PAGES.get(path, False)
        text = _text(page)
        if allowed:
            text = allowed.sub(" ", text)
        checks = dict(FORBIDDEN)
        if allowed is False:
            checks["district code"] = district_code
        if lang == "zh":
            checks["None"] = re.compile(r"\bNone\b")
        for name, pattern in checks.items():
            for match in pattern.finditer(text):
                context = text[max(match.start() - 40, 0):match.end() + 40]
                found.append(f"{url} [{name}] {' '.join(context.split())}")
    assert pages > 5, pages
    assert found == [], "\n".join(sorted(set(found))[:60])

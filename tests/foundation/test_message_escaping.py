"""Data interpolated into a translated message never runs as script (issue 16, item 1): every
parametrised lazy message of the code, rendered with markup in its parameters, comes out
escaped. (The upload report's own case: tests/portal/test_xlsx.py.)"""
from __future__ import annotations

import ast

import pytest
from flask import render_template_string
from flask_babel import lazy_gettext

from tests.conftest import REPO

SCRIPT = "<script>alert(1)</script>"
LAZY_NAMES = {"_l", "lazy_gettext"}


def _parametrised_lazy_messages():
    for path in sorted((REPO / "registry").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in LAZY_NAMES \
                    and node.keywords and node.args and isinstance(node.args[0], ast.Constant):
                yield (f"{path.relative_to(REPO)}:{node.lineno}", node.args[0].value,
                       [keyword.arg for keyword in node.keywords])


MESSAGES = list(_parametrised_lazy_messages())


def test_the_code_has_parametrised_messages_to_check():
    assert len(MESSAGES) >= 15
    assert any("%(found)s" in text for _where, text, _names in MESSAGES)   # the year cell C4
    assert any("%(code)s" in text for _where, text, _names in MESSAGES)    # the code cell C2


@pytest.mark.parametrize(("where", "text", "names"), MESSAGES, ids=[m[0] for m in MESSAGES])
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_error_message_escapes_markup_in_its_parameters(app, where, text, names, locale):
    message = lazy_gettext(text, **{name: SCRIPT for name in names})
    with app.test_request_context(headers={"Accept-Language": locale}):
        for template in ("{{ m }}", "{{ m|e }}", "{% for e in [m] %}<li>{{ e }}</li>{% endfor %}"):
            html = render_template_string(template, m=message)
            assert "<script>" not in html, where
            if "%(" in text:
                assert "&lt;script&gt;" in html, where

"""A parameter the rules refuse is explained in the reader's language: Chinese pages show the
rules' Chinese sentence (no English engine text inside a Chinese one), English pages the English."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import User
from registry.rules.i18n import translate
from registry.rules.params import ParameterError, load_parameters
from tests.officer.conftest import login

CAGR = "gazelle.default.revenue_cagr.bands.0.min"
CASES = [
    (f"{CAGR} = 2", "param.bound.ratio"),                        # a growth of 200%
    ("hnte.rd_ratio.bands.0.min = 120%", "param.bound.ratio"),
    ("gazelle.default.nope = 1", "param.unknown_path"),
    ("tech_sme.score.min = 70.5", "param.whole_number"),
    ("hnte.rd_ratio.bands.0.min = 0.123456", "param.places"),
    ("programs.rd_reward.budget = -3", None),
]
ENGINE_WORDS = re.compile(r"must be|is not a|unknown parameter|decimal places|whole number")


@pytest.fixture(scope="module")
def admin(demo_app):
    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.role == "admin"))
        db.session.expunge(user)
        return user


@pytest.mark.parametrize(("change", "key"), CASES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_change_reads_in_the_page_language(demo_app, admin, change, key, lang):
    client = demo_app.test_client()
    login(client, admin)
    with client.session_transaction() as session:
        session["lang"] = lang
    page = client.post("/whatif/new", data={"name": "bad", "changes": change, "gazelle": "", "leader": ""})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    error = re.search(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</', html, re.DOTALL)
    assert error, html[:2000]
    text = error.group(1)
    if lang == "zh":
        assert "不适用" in text or re.search(r"[\u4e00-\u9fff]", text), text
        assert not ENGINE_WORDS.search(text), text
    else:
        assert "Not applicable" in text
    if key is not None:
        path = change.split("=")[0].strip()
        expected = translate(key, {"path": path, "value": "X"}, lang).split("X")[0]
        assert expected.replace("&", "&amp;") in text.replace("&#34;", '"').replace("&#39;", "'"), text


def test_the_cli_keeps_the_english_text():
    with pytest.raises(ParameterError) as error:
        load_parameters(2026, overrides={CAGR: "2"})
    assert "must be in 0..1" in str(error.value) and error.value.key == "param.bound.ratio"

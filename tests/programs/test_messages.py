"""The programs area says why an action is refused in the reader's language, without internal
codes (no program id, list status or firm id in the sentence)."""
from __future__ import annotations

import re

from tests.officer.conftest import login
from tests.programs.conftest import filing
from tests.programs.test_pages import REWARD, TOP, post

CODES = re.compile(r"rd_reward|rd_top|public_notice|firm_id|\bid\b|status")


def _flash(client, response) -> str:
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert found, page[:3000]
    return " | ".join(re.sub(r"<[^>]+>", "", text).strip() for text in found)


def test_refusals_read_as_sentences_in_either_language(client, db_session, officer, admin, firm):
    filing(firm, 2000, 100)
    login(client, admin)
    for lang, frozen, ranking in (("zh", "已审定并冻结", "只有已计算的排行草稿才能发布"),
                                  ("en", "approved and frozen", "Only a computed draft ranking")):
        with client.session_transaction() as session:
            session["lang"] = lang
        if lang == "zh":
            post(client, f"{REWARD}/compute", {"budget": "10"})
            post(client, f"{REWARD}/approve")
        refused = post(client, f"{REWARD}/firms/{firm.id}/exclude", {"reason": "late"})
        text = _flash(client, refused)
        assert frozen in text and not CODES.search(text), text
        refused = post(client, f"{REWARD}/firms/{firm.id}/paid")
        text = _flash(client, refused)
        assert not CODES.search(text), text
        post(client, f"{TOP}/compute")
        post(client, f"{TOP}/publish")
        text = _flash(client, post(client, f"{TOP}/publish"))
        assert ranking in text and not CODES.search(text), text

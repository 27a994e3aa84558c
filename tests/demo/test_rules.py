"""The rules engine on a demo registry: both sides of every tier's line, every flag plausible,
and the showcase firms telling their stories."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from registry.demo.showcase import SHOWCASES
from registry.extensions import db
from registry.rules import check_document
from registry.rules.facts import load_json
from registry.rules.jsonout import dumps
from registry.services.facts import export_facts
from tests.demo.conftest import AS_OF

FLAGS = ("hnte_zero_rd", "guishang_zero_rd", "hnte_renewal_due", "hnte_at_risk", "hnte_near_miss")
LATEST = str(AS_OF.year - 1)


@pytest.fixture(scope="module")
def verdicts(loaded_app):
    """(facts, verdicts) per firm id, as `flask facts export | flask rules check` gives them."""
    with loaded_app.app_context():
        entries = list(export_facts(db.session, AS_OF))
        db.session.rollback()
    document = load_json(dumps({"as_of": AS_OF.isoformat(), "firms": entries}))
    results = check_document(document)["firms"]
    return {entry["id"]: (entry, result) for entry, result in zip(document["firms"], results)}


def _valid_hnte(facts) -> list[dict]:
    return [c for c in facts["certificates"] if c["tier"] == "hnte"
            and c.get("status") in (None, "valid", "expired")
            and dt.date.fromisoformat(c["issued"]) <= AS_OF <= dt.date.fromisoformat(c["expires"])]


def _latest(facts, name):
    return facts["years"].get(LATEST, {}).get(name)


def test_tiers_have_firms_on_both_sides(verdicts):
    statuses = Counter((tier, result["tiers"][tier]["status"]) for _, result in verdicts.values()
                       for tier in ("tech_sme", "hnte"))
    for tier in ("tech_sme", "hnte"):
        assert statuses[(tier, "eligible")] >= 0.05 * len(verdicts), statuses
        assert statuses[(tier, "ineligible")] >= 0.2 * len(verdicts), statuses
        assert statuses[(tier, "insufficient_data")] > 0, statuses


def test_every_flag_is_raised_and_plausible(verdicts):
    raised = Counter()
    for facts, result in verdicts.values():
        hnte = result["tiers"]["hnte"]
        for flag in (flag["id"] for flag in result["flags"]):
            raised[flag] += 1
            holds = _valid_hnte(facts)
            if flag == "hnte_zero_rd":
                assert holds and _latest(facts, "rd_expense") == 0
            elif flag == "guishang_zero_rd":
                assert facts["industrial"] and _latest(facts, "rd_expense") == 0
                assert _latest(facts, "revenue") >= 2000
            elif flag == "hnte_renewal_due":
                assert any(dt.date.fromisoformat(c["expires"]) <= dt.date(AS_OF.year, 12, 31)
                           for c in holds)
            elif flag == "hnte_at_risk":
                assert holds and hnte["status"] == "ineligible"
            elif flag == "hnte_near_miss":
                assert not holds and hnte["status"] == "ineligible"
                assert len(hnte["failed"]) == 1 and hnte["failed"][0] in (
                    "rd_ratio", "st_staff_ratio", "hightech_income_share")
    assert set(raised) == set(FLAGS), raised
    assert raised["hnte_near_miss"] > 5 and raised["hnte_renewal_due"] > 5


def test_showcase_firms_tell_their_stories(verdicts):
    by_account = {showcase.account: entry for showcase, entry in zip(SHOWCASES, verdicts.values())}

    facts, result = by_account["firm1"]
    assert result["tiers"]["hnte"]["failed"] == ["rd_ratio"]
    assert result["tiers"]["tech_sme"]["status"] == "eligible"
    near_miss = next(flag for flag in result["flags"] if flag["id"] == "hnte_near_miss")
    # 5% of FY Y-3..Y-1 sales (3,700 + 4,100 + 4,600) less R&D at 4.7% of them.
    assert "37.2" in near_miss["detail"]["en"]

    facts, result = by_account["firm2"]
    assert result["tiers"]["hnte"]["status"] == "eligible"
    assert [flag["id"] for flag in result["flags"]] == ["hnte_renewal_due"]

    facts, result = by_account["firm3"]
    tech_sme = result["tiers"]["tech_sme"]
    assert (tech_sme["status"], tech_sme["route"], tech_sme["score"]) == ("eligible", "score", 100)
    assert result["tiers"]["hnte"]["status"] == "eligible"
    assert facts["years"][LATEST]["revenue"] == Decimal(1050)   # submitted: it counts

    facts, result = by_account["firm4"]
    assert result["tiers"]["gazelle"]["status"] == "eligible"

    facts, result = by_account["firm5"]
    assert [flag["id"] for flag in result["flags"]] == [
        "hnte_zero_rd", "guishang_zero_rd", "hnte_at_risk"]

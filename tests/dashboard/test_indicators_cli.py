"""`indicators show` against an independent computation on demo data: every indicator of
programs.md §I recomputed here in plain Python from `facts export --district` (and `rules check`
for the tax relief), for the city and one district, at the demo's date and at a past date."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Candidate, Firm, PublicNotice
from registry.rules import check_document
from registry.rules.facts import load_json
from tests.demo.conftest import AS_OF, demo, load_args, migrated_app

PAST = dt.date(AS_OF.year, 2, 28)
COUNTING = ("valid", "expired")
GUISHANG_REVENUE = Decimal(2000)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A demo registry with candidates from a scan, some taken into review."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('indicators') / 'demo.db'}")
    assert demo(app, *load_args(firms=400)).exit_code == 0
    result = app.test_cli_runner().invoke(args=["scan", "run", "--inline", "--as-of",
                                                AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for candidate in db.session.scalars(select(Candidate).order_by(Candidate.id).limit(9)):
            candidate.status = "in_review"
        db.session.commit()
    return app


def _cli(app, *args) -> dict:
    result = app.test_cli_runner().invoke(args=["indicators", "show", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _facts(app, day: dt.date, district: str | None) -> dict:
    args = ["facts", "export", "--as-of", day.isoformat()]
    result = app.test_cli_runner().invoke(args=args + (["--district", district] if district else []))
    assert result.exit_code == 0, result.output
    return load_json(result.output)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _certificates(firm, tier):
    return [c for c in firm["certificates"] if c["tier"] == tier and c.get("status") in COUNTING]


def _valid(firm, tier, day):
    return [c for c in _certificates(firm, tier) if _day(c["issued"]) <= day <= _day(c["expires"])]


def _issued_in_year(firm, tier, day):
    return [c for c in _certificates(firm, tier)
            if _day(c["issued"]).year == day.year and _day(c["issued"]) <= day]


def _share(numerator, denominator, firms, missing):
    return {"value": Fraction(numerator) / Fraction(denominator) if firms and denominator else None,
            "firms": firms, "missing": missing}


def expected(document: dict, day: dt.date) -> dict:
    firms = document["firms"]
    year_end, last_year_end = dt.date(day.year, 12, 31), dt.date(day.year - 1, 12, 31)
    out = {f"{tier}_valid": sum(bool(_valid(f, tier, day)) for f in firms)
           for tier in ("hnte", "tech_sme", "gazelle", "leader")}
    new = [f for f in firms if _issued_in_year(f, "hnte", day)]
    first = [f for f in new if not any(_day(c["issued"]).year < day.year
                                       for c in _certificates(f, "hnte"))]
    out["hnte_new"] = {"total": len(new), "first": len(first), "renewed": len(new) - len(first)}
    out["hnte_net"] = out["hnte_valid"] - sum(bool(_valid(f, "hnte", last_year_end)) for f in firms)
    out["hnte_expiring"] = sum(max(_day(c["expires"]) for c in _valid(f, "hnte", day)) <= year_end
                               for f in firms if _valid(f, "hnte", day))
    out["tech_sme_registered"] = sum(bool(_issued_in_year(f, "tech_sme", day)) for f in firms)
    fy = str(day.year - 1)
    population = [f for f in firms if f.get("industrial") is True
                  and (f["years"].get(fy) or {}).get("revenue") is not None
                  and f["years"][fy]["revenue"] >= GUISHANG_REVENUE]
    known = [f for f in population if f["years"][fy].get("rd_expense") is not None]
    out["guishang_rd_ratio"] = _share(sum(f["years"][fy]["rd_expense"] for f in known),
                                      sum(f["years"][fy]["revenue"] for f in known),
                                      len(known), len(population) - len(known))
    out["guishang_rd_active"] = _share(sum(f["years"][fy]["rd_expense"] > 0 for f in known),
                                       len(known), len(known), len(population) - len(known))
    with_fact = [f for f in population if f.get("rd_institution") is not None]
    out["rd_institution_rate"] = _share(sum(f["rd_institution"] is True for f in with_fact),
                                        len(with_fact), len(with_fact),
                                        len(population) - len(with_fact))
    savings = [[i["saving"] for i in result["incentives"]]
               for result in check_document({**document, "as_of": day.isoformat()})["firms"]]
    out["tax_relief"] = {"total": sum(s for firm in savings for s in firm if s is not None),
                         "firms": sum(any(s is not None and s > 0 for s in firm) for firm in savings),
                         "unknown": sum(any(s is None for s in firm) for firm in savings)}
    return out


def expected_pipeline(app, day: dt.date, district: str | None) -> dict:
    """Candidates of the year read one by one through the ORM."""
    counts = Counter()
    with app.app_context():
        for candidate in db.session.scalars(select(Candidate).where(Candidate.cycle == day.year)):
            firm = db.session.get(Firm, candidate.firm_id)
            if district not in (None, firm.district):
                continue
            counts[candidate.tier, candidate.status] += 1
            notice = db.session.scalar(select(PublicNotice).where(
                PublicNotice.candidate_id == candidate.id))
            if notice is not None and notice.status == "running":
                counts[candidate.tier, "public_notice"] += 1
        db.session.rollback()
    return counts


@pytest.mark.parametrize("day", [AS_OF, PAST])
@pytest.mark.parametrize("district", [None, "haishu"])
def test_cli_equals_an_independent_computation(registry, day, district):
    args = ["--as-of", day.isoformat()] + (["--district", district] if district else [])
    printed = _cli(registry, *args)
    assert printed["as_of"] == day.isoformat() and printed["scope"] == (district or "city")
    indicators = printed["indicators"]
    want = expected(_facts(registry, day, district), day)
    for name, value in want.items():
        got = indicators[name]
        if name in ("guishang_rd_ratio", "guishang_rd_active", "rd_institution_rate"):
            assert (got["firms"], got["missing"]) == (value["firms"], value["missing"]), name
            if value["value"] is None:
                assert got["value"] is None, name
            else:
                assert len(got["value"].split(".")[1]) >= 6
                assert abs(Fraction(Decimal(got["value"])) - value["value"]) < Fraction(1, 10**9), name
        elif name == "tax_relief":
            assert Decimal(got["total"]) == value["total"]
            assert (got["firms"], got["unknown"]) == (value["firms"], value["unknown"])
        else:
            assert got == value, name
    assert want["hnte_valid"] > 0 and want["tax_relief"]["firms"] > 0
    pipeline = expected_pipeline(registry, day, district)
    for tier, statuses in indicators["pipeline"].items():
        for status in ("open", "in_review", "approved", "public_notice"):
            assert statuses[status] == pipeline[tier, status], (tier, status)
    assert sum(pipeline.values()) > 0


def test_counts_are_integers_and_the_shape_is_the_contract(registry):
    indicators = _cli(registry, "--as-of", AS_OF.isoformat(), "--fy", str(AS_OF.year - 2))["indicators"]
    for name in ("hnte_valid", "hnte_net", "hnte_expiring", "tech_sme_registered",
                 "tech_sme_valid", "gazelle_valid", "leader_valid"):
        assert isinstance(indicators[name], int)
    assert set(indicators["hnte_new"]) == {"total", "first", "renewed"}
    assert set(indicators["tax_relief"]) == {"total", "firms", "unknown"}
    assert isinstance(indicators["tax_relief"]["total"], str)
    assert indicators["guishang_rd_ratio"]["firms"] > 0


def test_bad_options_are_usage_errors(registry):
    runner = registry.test_cli_runner()
    for args in (["--district", "atlantis"], ["--as-of", "2026-02-30"], ["--fy", "x"]):
        result = runner.invoke(args=["indicators", "show", *args])
        assert result.exit_code == 2, (args, result.output)

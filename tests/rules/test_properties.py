"""Properties over generated well-typed firms: nothing raises, order does not matter, a batch of N is
N batches of one, and more (domestic) R&D never turns an eligible tech-SME or HNTE verdict ineligible."""
from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.rules import check_document
from registry.rules.facts import CERTIFICATE_STATUSES, DIRECT_ROUTES, OTHER_FIELD, TECH_FIELDS, TIERS
from registry.rules.jsonout import dumps

from .helpers import AS_OF, verdicts

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def amounts(low: int = 0, high: int = 30_000 * 10_000):
    """万元 with up to 4 decimals, drawn as whole yuan (round thresholds are likely)."""
    return st.one_of(st.integers(low // 10_000, high // 10_000).map(Decimal),
                     st.integers(low, high).map(lambda yuan: Decimal(yuan) / 10_000))


@st.composite
def year_figures(draw) -> dict:
    figures = {name: draw(maybe(amounts())) for name in ("revenue", "total_cost", "total_assets", "input_vat")}
    figures |= {name: draw(maybe(amounts(-5_000 * 10_000))) for name in ("net_assets", "taxable_income")}
    rd = draw(maybe(amounts(0, 3_000 * 10_000)))
    figures["rd_expense"] = rd
    figures["rd_domestic"] = draw(maybe(st.integers(0, int(rd * 10_000)).map(lambda y: Decimal(y) / 10_000))) \
        if rd is not None else draw(maybe(amounts()))
    employees = draw(maybe(st.integers(0, 800)))
    figures["employees"] = employees
    figures["st_staff"] = draw(maybe(st.integers(0, employees))) if employees is not None else draw(maybe(st.integers(0, 9)))
    income = draw(maybe(amounts()))
    figures["total_income"] = income
    figures["hightech_income"] = draw(maybe(st.integers(0, int(income * 10_000)).map(lambda y: Decimal(y) / 10_000))) \
        if income is not None else draw(maybe(amounts()))
    return {name: value for name, value in figures.items() if value is not None or draw(st.booleans())}


def iso_days(first: date, last: date):
    return st.integers(0, (last - first).days).map(lambda days: (first + timedelta(days)).isoformat())


@st.composite
def certificates(draw) -> dict:
    issued = draw(iso_days(date(2019, 1, 1), date(2026, 1, 1)))
    return {"tier": draw(st.sampled_from(TIERS)), "issued": issued,
            "expires": (date.fromisoformat(issued) + timedelta(draw(st.integers(0, 1200)))).isoformat(),
            "status": draw(maybe(st.sampled_from(CERTIFICATE_STATUSES)))}


@st.composite
def firms(draw, firm_id: str = "P") -> dict:
    booleans = {name: draw(maybe(st.booleans())) for name in
                ("resident", "industry_excluded", "industrial", "incidents", "ic_or_mother_machine",
                 "advanced_manufacturing_list")}
    years = draw(st.dictionaries(st.integers(2018, 2025).map(str), year_figures(), max_size=6))
    return {"id": firm_id, "founded": draw(iso_days(date(2005, 1, 1), date(2025, 6, 30))), **booleans,
            "tech_field": draw(maybe(st.sampled_from(TECH_FIELDS + (OTHER_FIELD,)))),
            "ip": {"class1": draw(maybe(st.integers(0, 3))), "class2": draw(maybe(st.integers(0, 6)))},
            "direct_routes": draw(maybe(st.lists(st.sampled_from(DIRECT_ROUTES), max_size=2))),
            "rd_staff_fulltime": draw(maybe(st.integers(0, 100))),
            "core_product_share": draw(maybe(st.integers(0, 100).map(lambda p: Decimal(p) / 100))),
            "certificates": draw(st.lists(certificates(), max_size=3)), "years": years}


@st.composite
def batches(draw) -> list[dict]:
    count = draw(st.integers(1, 6))
    return [draw(firms(f"P{index}")) for index in range(count)]


@PROFILE
@given(batches())
def test_no_well_typed_input_raises(batch):
    output = check_document({"as_of": AS_OF.isoformat(), "firms": batch})
    json.loads(dumps(output))


@PROFILE
@given(batches())
def test_batch_of_n_equals_n_batches_of_one(batch):
    together = verdicts(*batch)
    for index, firm in enumerate(batch):
        alone = verdicts(firm)
        assert together.firm_result(index) == alone.firm_result(0)
        assert together.summary(index) == alone.summary(0)


@PROFILE
@given(batches(), st.randoms())
def test_results_do_not_depend_on_order_of_firms_or_years(batch, random):
    shuffled = copy.deepcopy(batch)
    random.shuffle(shuffled)
    for firm in shuffled:
        items = list(firm["years"].items())
        random.shuffle(items)
        firm["years"] = dict(items)
    by_id = {firm["id"]: firm for firm in check_document({"as_of": AS_OF.isoformat(), "firms": batch})["firms"]}
    for firm in check_document({"as_of": AS_OF.isoformat(), "firms": shuffled})["firms"]:
        assert firm == by_id[firm["id"]]


@PROFILE
@given(firms(), st.sampled_from(["2021", "2022", "2023", "2024"]), st.integers(1, 500 * 10_000))
def test_more_rd_never_makes_an_eligible_firm_ineligible(firm, year, extra_yuan):
    figures = firm["years"].get(year, {})
    if figures.get("rd_expense") is None:
        return
    raised = copy.deepcopy(firm)
    extra = Decimal(extra_yuan) / 10_000
    raised["years"][year]["rd_expense"] += extra       # new R&D is domestic, so the domestic share does not fall
    if figures.get("rd_domestic") is not None:
        raised["years"][year]["rd_domestic"] += extra
    before, after = verdicts(firm), verdicts(raised)
    for tier in ("tech_sme", "hnte"):
        assert not (before.status(tier)[0] == 1 and after.status(tier)[0] == -1), tier

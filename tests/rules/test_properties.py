"""Properties over generated well-typed firms: nothing raises, order does not matter, a batch of
N is N batches of one, and more (domestic) R&D never turns an eligible tech-SME or HNTE verdict
ineligible."""
from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.rules import check_document
from registry.rules.facts import (
    CERTIFICATE_STATUSES,
    DIRECT_ROUTES,
    OTHER_FIELD,
    TECH_FIELDS,
    TIERS,
)
from registry.rules.jsonout import dumps

from .helpers import AS_OF, base_firm, verdicts

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def amounts(low: int = 0, high: int = 30_000 * 10_000):
    """万元 with up to 4 decimals, drawn as whole yuan (round thresholds are likely)."""
    return st.one_of(st.integers(low // 10_000, high // 10_000).map(Decimal),
                     st.integers(low, high).map(lambda yuan: Decimal(yuan) / 10_000))


def part_of(whole: Decimal | None):
    """An amount within 0..whole (any amount when the whole is unknown), or None."""
    if whole is None:
        return maybe(amounts())
    return maybe(st.integers(0, int(whole * 10_000)).map(lambda yuan: Decimal(yuan) / 10_000))


@st.composite
def year_figures(draw) -> dict:
    figures = {name: draw(maybe(amounts()))
               for name in ("revenue", "total_cost", "total_assets", "input_vat", "total_income")}
    figures |= {name: draw(maybe(amounts(-5_000 * 10_000)))
                for name in ("net_assets", "taxable_income")}
    figures["rd_expense"] = draw(maybe(amounts(0, 3_000 * 10_000)))
    figures["rd_domestic"] = draw(part_of(figures["rd_expense"]))
    figures["hightech_income"] = draw(part_of(figures["total_income"]))
    figures["employees"] = draw(maybe(st.integers(0, 800).map(Decimal)))
    figures["st_staff"] = draw(part_of(figures["employees"]))
    # a null figure is sometimes written, sometimes left out
    return {name: value for name, value in figures.items()
            if value is not None or draw(st.booleans())}


def iso_days(first: date, last: date):
    days = st.integers(0, (last - first).days)
    return days.map(lambda offset: (first + timedelta(offset)).isoformat())


@st.composite
def certificates(draw) -> dict:
    issued = draw(iso_days(date(2019, 1, 1), date(2026, 1, 1)))
    return {"tier": draw(st.sampled_from(TIERS)), "issued": issued,
            "expires": (date.fromisoformat(issued)
                        + timedelta(draw(st.integers(0, 1200)))).isoformat(),
            "status": draw(maybe(st.sampled_from(CERTIFICATE_STATUSES)))}


@st.composite
def firms(draw, firm_id: str = "P") -> dict:
    booleans = {name: draw(maybe(st.booleans())) for name in
                ("resident", "industry_excluded", "industrial", "incidents", "ic_or_mother_machine",
                 "advanced_manufacturing_list")}
    years = draw(st.dictionaries(st.integers(2018, 2025).map(str), year_figures(), max_size=6))
    founded = draw(iso_days(date(2005, 1, 1), date(2025, 6, 30)))
    return {"id": firm_id, "founded": founded, **booleans,
            "tech_field": draw(maybe(st.sampled_from(TECH_FIELDS + (OTHER_FIELD,)))),
            "ip": {"class1": draw(maybe(st.integers(0, 3))),
                   "class2": draw(maybe(st.integers(0, 6)))},
            "direct_routes": draw(maybe(st.lists(st.sampled_from(DIRECT_ROUTES), max_size=2))),
            "rd_staff_fulltime": draw(maybe(st.integers(0, 100))),
            "core_product_share": draw(maybe(st.integers(0, 100).map(lambda p: Decimal(p) / 100))),
            "certificates": draw(st.lists(certificates(), max_size=3)), "years": years}


@st.composite
def near_eligible_firms(draw) -> dict:
    """The baseline firm (eligible for tech-SME and HNTE) with R&D redrawn around the thresholds."""
    firm = base_firm()
    for year in ("2021", "2022", "2023", "2024"):
        rd = Decimal(draw(st.integers(0, 2_500 * 10_000))) / 10_000
        firm["years"][year].update(rd_expense=rd, rd_domestic=rd)
    return firm


@st.composite
def batches(draw) -> list[dict]:
    count = draw(st.integers(1, 6))
    return [draw(firms(f"P{index}")) for index in range(count)]


@PROFILE
@given(batches(), st.dates(date(2025, 1, 1), date(2030, 12, 31)))
def test_no_well_typed_input_raises(batch, as_of):
    output = check_document({"as_of": as_of.isoformat(), "firms": batch})
    json.loads(dumps(output))


@PROFILE
@given(batches(), st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_batch_of_n_equals_n_batches_of_one(batch, as_of):
    together = verdicts(*batch, as_of=as_of)
    for index, firm in enumerate(batch):
        alone = verdicts(firm, as_of=as_of)
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
    original = check_document({"as_of": AS_OF.isoformat(), "firms": batch})["firms"]
    by_id = {firm["id"]: firm for firm in original}
    for firm in check_document({"as_of": AS_OF.isoformat(), "firms": shuffled})["firms"]:
        assert firm == by_id[firm["id"]]


@PROFILE
@given(st.one_of(firms(), near_eligible_firms()), st.sampled_from(["2021", "2022", "2023", "2024"]),
       st.integers(1, 500 * 10_000))
def test_more_rd_never_makes_an_eligible_firm_ineligible(firm, year, extra_yuan):
    figures = firm["years"].get(year, {})
    if figures.get("rd_expense") is None:
        return
    raised = copy.deepcopy(firm)
    extra = Decimal(extra_yuan) / 10_000
    # the new R&D is domestic, so the domestic share does not fall
    raised["years"][year]["rd_expense"] += extra
    if figures.get("rd_domestic") is not None:
        raised["years"][year]["rd_domestic"] += extra
    before, after = verdicts(firm), verdicts(raised)
    for tier in ("tech_sme", "hnte"):
        assert not (before.status(tier)[0] == 1 and after.status(tier)[0] == -1), tier

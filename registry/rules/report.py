"""Per-firm reports derived from a batch's arrays: the rules.md §7 entry, a compact summary and
the readable text of `rules explain`. Nothing here decides: it reads what the engine computed.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from . import display
from .columns import Y_1, Y_2, Y_3
from .criteria import rd_ratio_outlook
from .facts import TIERS
from .i18n import LANGS, Message, translate
from .logic import FALSE, STATUS_NAMES, UNKNOWN, as_bool
from .outcome import Ratio, approximate
from .units import SAVING_SCALE, from_fixed

if TYPE_CHECKING:   # the engine imports this module; types only, no cycle at run time
    from .engine import BatchVerdicts, IncentiveVerdicts, TierVerdicts
    from .outcome import Outcome
    from .params import Section


class Texts:
    """Renders messages in one language, or in every language as {"zh": ..., "en": ...}."""

    def __init__(self, lang: str | None):
        if lang is not None and lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")
        self.lang = lang

    def __call__(self, key: str, params: dict[str, Any] | None = None) -> str | dict[str, str]:
        if self.lang:
            return translate(key, params, self.lang)
        return {lang: translate(key, params, lang) for lang in LANGS}

    def render(self, text: Callable[[str], str]) -> str | dict[str, str]:
        """`text(lang)` in this language, or in every language."""
        return text(self.lang) if self.lang else {lang: text(lang) for lang in LANGS}


def firm_result(verdicts: BatchVerdicts, i: int, lang: str | None = None) -> dict:
    """Firm i's §7 output entry: tiers with explained criteria, flags, incentives, next step."""
    texts = Texts(lang)
    return {
        "id": verdicts.columns.ids[i],
        "tiers": {tier: _tier(verdicts, verdicts.tiers[tier], i, texts) for tier in TIERS},
        "flags": _flags(verdicts, i, texts),
        "incentives": [_incentive(incentive_id, incentive, i, texts)
                       for incentive_id, incentive in _applying(verdicts, i)],
        "next_step": _next_step(verdicts, i),
    }


def summary(verdicts: BatchVerdicts, i: int) -> dict:
    """Statuses, failed ids, flags, savings (exact decimal strings) and the next-step tier."""
    savings = {key: _saving(incentive, i) for key, incentive in _applying(verdicts, i)}
    return {
        "statuses": {tier: STATUS_NAMES[int(tv.status[i])] for tier, tv in verdicts.tiers.items()},
        "failed": {tier: _ids(tv, i, FALSE) for tier, tv in verdicts.tiers.items()},
        "flags": [flag_id for flag_id, raised in verdicts.flags.items() if raised[i]],
        "incentives": {key: saving if saving is None else str(saving)
                       for key, saving in savings.items()},
        "next_step": _next_tier(verdicts, i),
    }


def _ids(tv: TierVerdicts, i: int, code: int) -> list[str]:
    """The listed criteria of firm i whose result is `code` (FALSE: the failed ones)."""
    return [cid for cid, outcome in tv.outcomes.items()
            if tv.listed(cid, i) and outcome.passed[i] == code]


def _gap(outcome: Outcome, i: int) -> tuple[Decimal | None, str | None]:
    """(gap, unit) of a criterion for firm i; the gap is null when the result is unknown."""
    if outcome.gap is None:
        return None, None
    return (outcome.gap.at(i) if outcome.passed[i] != UNKNOWN else None), outcome.gap.unit


def _tier(verdicts: BatchVerdicts, tv: TierVerdicts, i: int, texts: Texts) -> dict:
    entry: dict[str, Any] = {"status": STATUS_NAMES[int(tv.status[i])],
                             "failed": _ids(tv, i, FALSE)}
    if tv.route_direct is not None:
        entry["route"] = "direct" if tv.route_direct[i] else "score"
        if not tv.route_direct[i] and tv.score.decided[i]:
            entry["score"] = int(tv.score.total[i])
            entry["score_parts"] = {part: int(getattr(tv.score, part)[i])
                                    for part in ("st_staff", "rd", "ip")}
    if tv.profile is not None:
        entry["profile"] = tv.profile
    entry["criteria"] = [_criterion(tv, cid, i, texts) for cid in tv.outcomes if tv.listed(cid, i)]
    for criterion in entry["criteria"]:
        if tv.tier == "hnte" and criterion["id"] == "rd_ratio":
            criterion["outlook"] = rd_ratio_outlook(verdicts.context, i)
    if tv.tier == "hnte":
        entry["innovation_estimate"] = innovation_estimate(verdicts, i)
    return entry


def _criterion(tv: TierVerdicts, cid: str, i: int, texts: Texts) -> dict:
    outcome = tv.outcomes[cid]
    gap, unit = _gap(outcome, i)
    entry = {"id": cid, "passed": as_bool(outcome.passed[i]),
             "actual": outcome.actual.at(i) if outcome.actual else None,
             "required": outcome.required.at(i) if outcome.required else None,
             "gap": gap, "unit": unit, "clause": tv.clauses[cid], "kind": outcome.value_kind}
    gate = tv.gates.get(cid)
    gate_failed = gate is not None and tv.outcomes[gate].passed[i] == FALSE
    entry["label"] = texts(f"criterion.{cid}")
    shown = _shown(outcome, entry, i)
    entry["shown"] = {part: texts.render(text) for part, text in shown.items()}
    entry["explanation"] = texts(*_explanation(entry, shown, gate if gate_failed else None))
    return entry


def _shown(outcome: Outcome, entry: dict, i: int) -> dict[str, Callable[[str], str]]:
    """The actual, required and gap values as people read them (rules/display.py), each a
    function of the language: "4.70%", "≥ 5%", "3.46 万元"; yes/no in words, never true/false."""
    kind, required = entry["kind"], outcome.required
    if entry["id"] == "tech_field":  # field ids read as names, the list as its official title
        field = Message(f"tech_field.{entry['actual']}" if entry["actual"] else "value.unknown")
        return {"actual": partial(translate, field.key, None),
                "required": partial(translate, "tech_field.supported", None),
                "gap": lambda lang: "—"}
    return {"actual": partial(display.value_text, entry["actual"], kind),
            "required": partial(display.requirement_text, required.op if required else "",
                                required.measure.at(i) if required else None, kind),
            "gap": partial(display.gap_text, entry["gap"], entry["unit"])}


def _explanation(entry: dict, shown: dict, failed_gate: str | None) -> tuple[str, dict]:
    """The message key and parameters explaining one criterion entry."""
    label = Message(f"criterion.{entry['id']}")
    if failed_gate:
        return "explain.not_evaluated", {"label": label,
                                         "gate": Message(f"criterion.{failed_gate}")}
    params = {"label": label, "actual": shown["actual"], "required": shown["required"]}
    if entry["passed"] is None:
        return "explain.unknown", params
    if entry["passed"]:
        return "explain.passed", params
    if entry["gap"]:
        return "explain.failed_gap", {**params, "gap": shown["gap"]}
    return "explain.failed", params


def _flags(verdicts: BatchVerdicts, i: int, texts: Texts) -> list[dict]:
    flags = []
    for flag_id in (flag_id for flag_id, raised in verdicts.flags.items() if raised[i]):
        entry: dict[str, Any] = {"id": flag_id}
        if flag_id == "hnte_near_miss":
            cid = near_miss_criterion(verdicts, i)
            gap, unit = _gap(verdicts.tiers["hnte"].outcomes[cid], i)
            entry.update(criterion=cid, gap=gap, unit=unit)
            entry["detail"] = texts("flag.hnte_near_miss.detail", {
                "criterion": Message(f"criterion.{cid}"), "gap": display.amount_text(gap, unit),
                "unit": Message(f"unit.{unit}")})
        elif flag_id == "rd_mismatch":
            entry.update(rd_mismatch_detail(verdicts, i))
            entry["detail"] = texts("flag.rd_mismatch.detail", {
                "year": entry["fiscal_year"], "reported": display.money(entry["reported"]),
                "official": display.money(entry["official"]), "source": Message("source.statistics"),
                "threshold": display.percent(_max_deviation(verdicts), None)})
        else:
            entry["detail"] = texts(f"flag.{flag_id}.detail",
                                    {"expires": _hnte_expires(verdicts, i)})
        flags.append(entry)
    return flags


def rd_mismatch_detail(verdicts: BatchVerdicts, i: int) -> dict:
    """Both figures of FY Y-1 behind an `rd_mismatch` flag (万元) and the official one's source."""
    columns = verdicts.columns
    return {"fiscal_year": columns.as_of.year - 1, "source": "statistics",
            "reported": from_fixed(int(columns.rd_expense.value[i, Y_1])),
            "official": from_fixed(int(columns.rd_expense_official.value[i, Y_1]))}


def _max_deviation(verdicts: BatchVerdicts) -> Decimal:
    tolerance = verdicts.params.root("flags").section("rd_mismatch").ratio("max_deviation")
    return Decimal(tolerance.numerator) / tolerance.denominator


def near_miss_criterion(verdicts: BatchVerdicts, i: int) -> str:
    """The one failed HNTE criterion of a firm with the near-miss flag."""
    return _ids(verdicts.tiers["hnte"], i, FALSE)[0]


def _hnte_expires(verdicts: BatchVerdicts, i: int) -> str | None:
    ordinal = int(verdicts.columns.hnte_expires[i])
    return date.fromordinal(ordinal).isoformat() if ordinal else None


def _applying(verdicts: BatchVerdicts, i: int) -> list[tuple[str, IncentiveVerdicts]]:
    return [(key, incentive) for key, incentive in verdicts.incentives.items()
            if incentive.applies[i]]


def _incentive(incentive_id: str, incentive: IncentiveVerdicts, i: int, texts: Texts) -> dict:
    entry = {"id": incentive_id, "saving": _saving(incentive, i),
             "label": texts(f"incentive.{incentive_id}")}
    if incentive.estimated is not None and incentive.estimated[i]:
        entry["note"] = texts("incentive.note.q4_share_estimated")
    return entry


def _saving(incentive: IncentiveVerdicts, i: int) -> Decimal | None:
    return from_fixed(int(incentive.saving[i]), SAVING_SCALE) if incentive.saving_known[i] else None


# The criteria that bound a tech SME's size: a firm beyond one of them cannot be a tech SME, so
# it is never pointed at that tier.
SIZE_BOUNDS = ("size_employees", "size_revenue", "size_assets")


def _reachable(verdicts: BatchVerdicts, tier: str, i: int) -> bool:
    outcomes = verdicts.tiers[tier].outcomes
    return tier != "tech_sme" or not any(
        outcomes[cid].passed[i] == FALSE for cid in SIZE_BOUNDS if cid in outcomes)


def _next_tier(verdicts: BatchVerdicts, i: int) -> str | None:
    """The tier to work towards, never below or beside what the firm has: of the tiers above the
    highest one it holds a valid certificate of (a tech SME only within the size bounds), the
    highest it is eligible for (it may apply now), else the lowest; None above the top."""
    held = [k for k, tier in enumerate(TIERS) if verdicts.columns.holds(tier)[i]]
    above = [tier for tier in TIERS[max(held) + 1 if held else 0:] if _reachable(verdicts, tier, i)]
    eligible = [tier for tier in above if STATUS_NAMES[int(verdicts.tiers[tier].status[i])] == "eligible"]
    return eligible[-1] if eligible else next(iter(above), None)


def _next_step(verdicts: BatchVerdicts, i: int) -> dict | None:
    """The next tier to apply for, with its failed and unknown criteria and their gaps."""
    tier = _next_tier(verdicts, i)
    if tier is None:
        return None
    tv = verdicts.tiers[tier]

    def criteria(code: int) -> list[dict]:
        return [_step_criterion(verdicts, tier, cid, i) for cid in _ids(tv, i, code)]
    return {"tier": tier, "status": STATUS_NAMES[int(tv.status[i])], "failed": criteria(FALSE),
            "unknown": criteria(UNKNOWN)}


def _step_criterion(verdicts: BatchVerdicts, tier: str, cid: str, i: int) -> dict:
    entry = dict(zip(("id", "gap", "unit"), (cid, *_gap(verdicts.tiers[tier].outcomes[cid], i))))
    if tier == "hnte" and cid == "rd_ratio":
        entry["outlook"] = rd_ratio_outlook(verdicts.context, i)
    return entry


# ---- a candidate's margin and R&D intensity (the officers' queue sorts by them) ------------

# The criterion whose slack is a tier's margin: how far above its requirement the firm stands
# (score points, a ratio's difference, 万元 of FY Y-1 sales).
MARGIN_CRITERIA = {"tech_sme": "score", "hnte": "rd_ratio", "gazelle": "rd_intensity",
                   "leader": "revenue"}


def margins(verdicts: BatchVerdicts, tier: str, rows: np.ndarray) -> list[float | None]:
    """Each firm's (at `rows`) actual value of its tier's margin criterion minus the requirement
    (score points for a tech SME, a ratio's difference otherwise), to 4 places; None when either
    is unknown. Approximate (float64): for sorting and showing, never for a decision."""
    outcome = verdicts.tiers[tier].outcomes.get(MARGIN_CRITERIA[tier])
    if outcome is None or outcome.actual is None or outcome.required is None:
        return [None] * len(rows)
    actual, required = approximate(outcome.actual, rows), approximate(outcome.required.measure, rows)
    if actual is None or required is None:
        return [None] * len(rows)
    values, known = np.round(actual[0] - required[0], 4), actual[1] & required[1]
    return [float(value) if is_known else None for value, is_known in zip(values.tolist(), known.tolist())]


def rd_intensities(verdicts: BatchVerdicts, rows: np.ndarray) -> list[float | None]:
    """FY Y-1 R&D expenses over sales revenue of the firms at `rows`, floored to 4 places."""
    rd, revenue = verdicts.context.latest("rd_expense"), verdicts.context.latest("revenue")
    values, known = approximate(Ratio(rd.value, revenue.value, rd.known & revenue.known), rows)
    return [float(value) if is_known else None for value, is_known in zip(values.tolist(), known.tolist())]


# ---- HNTE innovation score: an estimate range, never a decision ----------------------------

def innovation_estimate(verdicts: BatchVerdicts, i: int) -> dict:
    """min/max of the estimable parts (growth, IP quantity) and of the total (others 0..max)."""
    p = verdicts.params.tier("hnte").section("innovation_estimate")
    growth = p.section("growth")
    parts = {
        "net_asset_growth": _growth_points(verdicts, "net_assets", i, growth),
        "sales_growth": _growth_points(verdicts, "revenue", i, growth),
        "ip_quantity": _ip_quantity_points(verdicts, i, p.section("ip_quantity")),
    }
    estimable_max = 2 * growth.integer("max") + p.section("ip_quantity").integer("max")
    low = sum(part[0] for part in parts.values())
    high = sum(part[1] for part in parts.values()) + p.integer("total") - estimable_max
    return {"decided": False, "pass_above": p.integer("pass_above"), "min": low, "max": high,
            "parts": {name: {"min": lo, "max": hi} for name, (lo, hi) in parts.items()}}


def _growth_points(verdicts: BatchVerdicts, name: str, i: int, p: Section) -> tuple[int, int]:
    """½·(V2/V1 + V3/V2) − 1 over FY Y-3..Y-1, banded; (0, max) when not computable."""
    figure = verdicts.context.figure(name)
    if not all(figure.known[i, (Y_3, Y_2, Y_1)]):
        return 0, p.integer("max")
    v1, v2, v3 = (int(figure.value[i, column]) for column in (Y_3, Y_2, Y_1))
    if v1 <= 0 or v2 <= 0:
        return 0, p.integer("max")
    growth = (Fraction(v2, v1) + Fraction(v3, v2)) / 2 - 1
    for band in p.items("bands"):
        reached = growth >= band.ratio("min") if "min" in band else growth > band.ratio("above")
        if reached:
            return band.integer("low"), band.integer("high")
    return 0, 0


def _ip_quantity_points(verdicts: BatchVerdicts, i: int, p: Section) -> tuple[int, int]:
    class1, class2 = verdicts.columns.ip_class1, verdicts.columns.ip_class2
    for figure, bands in ((class1, p.items("class1")), (class2, p.items("class2"))):
        if not figure.known[i]:
            return 0, p.integer("max")
        for band in bands:
            if figure.value[i] >= band.integer("min"):
                return band.integer("low"), band.integer("high")
    return 0, 0


# ---- readable text (rules explain) ---------------------------------------------------------

MARKS = {True: "✓", False: "✗", None: "?"}


def render_text(result: dict, lang: str, as_of: str, policy_year: str) -> str:
    """A firm's report (firm_result in one language) as readable lines."""
    def t(key: str, **params: Any) -> str:
        return translate(key, params, lang)

    lines = [t("text.header", firm=result["id"], as_of=as_of, parameters=policy_year)]
    for tier, entry in result["tiers"].items():
        heading = [t("text.tier", tier=Message(f"tier.{tier}"),
                     status=Message(f"status.{entry['status']}"))]
        if "route" in entry:
            heading.append(t(f"route.{entry['route']}"))
        if "score" in entry:
            heading.append(t("text.score", score=entry["score"]))
        lines.append(" ".join(heading))
        lines.extend(f"  {MARKS[c['passed']]} {c['explanation']}  [{c['clause']}]"
                     for c in entry["criteria"])
        if "innovation_estimate" in entry:
            estimate = entry["innovation_estimate"]
            lines.append("  " + t("text.innovation_estimate", low=estimate["min"],
                                  high=estimate["max"], pass_above=estimate["pass_above"]))
    lines.append(t("text.flags"))
    lines.extend(_items([flag["detail"] for flag in result["flags"]], t))
    lines.append(t("text.incentives"))
    lines.extend(_items([f"{item['label']}: {t('text.saving', saving=item['saving'])}"
                         for item in result["incentives"]], t))
    step = result["next_step"]
    lines.append(t("text.next_step", tier=Message(f"tier.{step['tier']}")) if step
                 else t("text.top"))
    return "\n".join(lines)


def _items(texts: list[str], t: Callable[..., str]) -> list[str]:
    return [f"  - {text}" for text in texts] or ["  " + t("text.none")]

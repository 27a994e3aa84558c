"""An independent computation of the programs (programs.md §R), firm by firm in plain Python
(Fraction and Decimal), for comparing with the vectorised engine and the CLI."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def reference_reward(firms: list[dict], bands: list[tuple[str, str]], cap: str,
                     budget: str | None) -> dict:
    """firms: {"id", "revenue", "rd", "rd_survey", "incidents"} (Decimal 万元 or None, bool or None);
    bands: [(minimum, rate)] as decimal strings. The CLI's output shape, amounts as Decimal."""
    bands = sorted((Fraction(Decimal(low)), Decimal(rate)) for low, rate in bands)
    out = []
    for firm in firms:
        rd, revenue = firm["rd"], firm["revenue"]
        defined = rd is not None and revenue is not None and revenue > 0
        intensity = Fraction(rd) / Fraction(revenue) if defined else None
        criteria = {
            "rd_survey": firm["rd_survey"],
            "rd_positive": None if rd is None else rd > 0,
            "no_incidents": None if firm["incidents"] is None else not firm["incidents"],
            "intensity": None if intensity is None else intensity >= bands[0][0],
        }
        values = list(criteria.values())
        eligible = False if False in values else (None if None in values else True)
        rate = max(r for low, r in bands if intensity >= low) if eligible else None
        entitlement = min(rate * rd, Decimal(cap)) if eligible else None
        out.append({"id": firm["id"], "eligible": eligible,
                    "failed": [name for name, value in criteria.items() if value is False],
                    "rate": rate, "entitlement": entitlement, "award": entitlement})
    total = sum((f["entitlement"] for f in out if f["eligible"]), Decimal(0))
    if budget is not None and total > Decimal(budget):
        for firm in out:
            if firm["eligible"]:
                exact = Fraction(firm["entitlement"]) * Fraction(Decimal(budget)) / Fraction(total)
                firm["award"] = Decimal((exact * 10000).__floor__()) / 10000
    awarded = sum((f["award"] for f in out if f["eligible"]), Decimal(0))
    return {"budget": None if budget is None else Decimal(budget), "total_entitlement": total,
            "total_award": awarded, "remainder": None if budget is None else Decimal(budget) - awarded,
            "firms": out}


def reference_priority(firms: list[dict], above: str = "0.05") -> list[str]:
    return [f["id"] for f in firms if f["rd"] is not None and f["revenue"] is not None
            and f["revenue"] > 0 and Fraction(f["rd"]) / Fraction(f["revenue"]) > Fraction(Decimal(above))]


def reference_top(firms: list[dict], min_revenue: str = "2000", weights: tuple[str, str] = ("0.5", "0.5"),
                  top: int = 50) -> dict:
    eligible = [f for f in firms if f["revenue"] is not None and f["revenue"] >= Decimal(min_revenue)
                and f["rd_survey"] is True and f["rd"] is not None and f["rd"] > 0 and f["incidents"] is False]
    n = len(eligible)
    w_a, w_i = (Fraction(Decimal(w)) for w in weights)
    rows = []
    for firm in eligible:
        intensity = Fraction(firm["rd"]) / Fraction(firm["revenue"])
        a = 1 + sum(1 for other in eligible if other["rd"] > firm["rd"])
        i = 1 + sum(1 for other in eligible if Fraction(other["rd"]) / Fraction(other["revenue"]) > intensity)
        points = w_a * (n - a + 1) + w_i * (n - i + 1)
        rows.append((points, firm["rd"], firm["id"], a, i))
    rows.sort(key=lambda row: (-row[0], -row[1], row[2]))
    return {"eligible": n, "ranking": [
        {"rank": position, "id": firm_id, "points": Decimal(points.numerator) / points.denominator, "rd": rd,
         "amount_rank": a, "intensity_rank": i}
        for position, (points, rd, firm_id, a, i) in enumerate(rows[:top], 1)]}

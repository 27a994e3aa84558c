"""A random but reproducible registry for scan tests: firms with missing facts, filings in every
status, certificates of every status; written with a few bulk inserts."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import insert, select

from registry.creditcode import make_credit_code
from registry.models import Certificate, District, Filing, Firm
from registry.models.filing import FIGURES
from registry.rules.facts import TECH_FIELDS

STATUSES = ("submitted", "accepted", "accepted", "accepted", "draft", "returned")
CERT_STATUSES = ("valid", "valid", "valid", "expired", "public_notice", "revoked", "withdrawn")


def _maybe(rng: random.Random, value, missing: float = 0.08):
    return None if rng.random() < missing else value


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 10000, high * 10000)) / 10000


def make_registry(session, n: int, seed: int = 5, prefix: int = 0) -> list[int]:
    """Insert n firms (with filings FY 2020-2024 and certificates); returns their ids."""
    rng = random.Random(seed)
    extra = random.Random(seed + 1000)   # the facts of policy history, drawn apart from the rest
    if session.get(District, "haishu") is None:
        session.add(District(code="haishu", name_zh="海曙区", name_en="Haishu"))
        session.flush()
    firms = []
    for i in range(n):
        firms.append({
            "credit_code": make_credit_code(f"91330{prefix:03d}{seed:02d}{i:07d}"),
            "name": f"企业{seed}-{i}", "district": "haishu", "status": "active",
            "founded": dt.date(rng.choice([2005, 2012, 2018, 2021, 2022, 2024]), rng.randint(1, 12), rng.randint(1, 28)),
            "industrial": _maybe(rng, rng.random() < 0.6), "resident": _maybe(rng, rng.random() < 0.97),
            "industry_excluded": _maybe(rng, rng.random() < 0.1), "incidents": _maybe(rng, rng.random() < 0.05),
            "tech_field": _maybe(rng, rng.choice(TECH_FIELDS + ("other",))),
            "ip_class1": _maybe(rng, rng.choice([0, 0, 1, 3])), "ip_class2": _maybe(rng, rng.randint(0, 6)),
            "route_national_award": rng.random() < 0.03, "route_provincial_rd_institution": rng.random() < 0.03,
            "route_led_standard": rng.random() < 0.03,
            "rd_staff_fulltime": _maybe(rng, Decimal(rng.randint(0, 120)), 0.3),
            "core_product_share": _maybe(rng, Decimal(rng.randint(0, 10000)) / 10000, 0.3),
            "ic_or_mother_machine": _maybe(rng, rng.random() < 0.1, 0.2),
            "advanced_manufacturing_list": _maybe(rng, rng.random() < 0.2, 0.2),
            "rd_institution": _maybe(extra, extra.random() < 0.4, 0.2),
        })
    session.execute(insert(Firm), firms)
    codes = [firm["credit_code"] for firm in firms]
    ids = session.scalars(select(Firm.id).where(Firm.credit_code.in_(codes)).order_by(Firm.id)).all()
    filings, certificates = [], []
    for firm_id in ids:
        scale = rng.choice([50, 800, 3000, 15000, 60000])
        revenue = _money(rng, scale // 2, scale)
        for year in range(2020, 2025):
            if rng.random() < 0.1:
                continue
            revenue = revenue * Decimal(rng.choice(["0.9", "1.1", "1.3", "1.5"])).quantize(Decimal(1))
            rd = (revenue * Decimal(rng.choice(["0", "0.02", "0.035", "0.05", "0.08"]))).quantize(Decimal("0.0001"))
            employees = Decimal(rng.randint(3, 600))
            total_income = revenue + _money(rng, 0, 50)
            values = {"revenue": revenue, "rd_expense": rd, "rd_domestic": (rd * Decimal("0.7")).quantize(Decimal("0.0001")),
                      "employees": employees, "st_staff": (employees * Decimal(rng.choice(["0.05", "0.1", "0.3"]))).quantize(Decimal(1)),
                      "total_income": total_income, "hightech_income": (total_income * Decimal(rng.choice(["0.3", "0.6", "0.8"]))).quantize(Decimal("0.0001")),
                      "total_cost": (revenue * Decimal("0.9")).quantize(Decimal(1)),
                      "total_assets": (revenue * Decimal("1.2")).quantize(Decimal(1)),
                      "net_assets": (revenue * Decimal(rng.choice(["0.5", "-0.1"]))).quantize(Decimal(1)),
                      "taxable_income": _money(rng, -100, 400), "input_vat": _money(rng, 0, 80),
                      "rd_expense_q4": (rd * Decimal(extra.choice(["0", "0.25", "0.4", "1"]))).quantize(Decimal("0.0001"))
                      if year == 2022 else None,
                      "manufacturer": _maybe(extra, extra.random() < 0.5, 0.2),
                      "rd_survey": _maybe(extra, extra.random() < 0.5, 0.2)}
            values = {name: _maybe(rng, values[name], 0.04) for name in FIGURES}
            filings.append({"firm_id": firm_id, "fiscal_year": year, "status": rng.choice(STATUSES), "revision": 1,
                            **values})
        for _ in range(rng.choice([0, 0, 1, 2])):
            issued = dt.date(rng.choice([2019, 2021, 2022, 2023, 2025]), rng.randint(1, 12), rng.randint(1, 28))
            certificates.append({"firm_id": firm_id, "tier": rng.choice(["hnte", "hnte", "tech_sme", "gazelle"]),
                                 "number": f"GR{firm_id}{rng.randint(0, 10**6)}", "issued": issued,
                                 "expires": issued.replace(year=issued.year + 3) - dt.timedelta(days=1),
                                 "status": rng.choice(CERT_STATUSES)})
    session.execute(insert(Filing), filings)
    if certificates:
        session.execute(insert(Certificate), certificates)
    session.flush()
    return list(ids)

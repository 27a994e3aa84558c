"""The generator alone (no database): deterministic, consistent, and near every threshold."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from registry.creditcode import is_valid_credit_code
from registry.demo.generate import PERSON, YUAN, Rows, generate
from registry.demo.showcase import SHOWCASES
from tests.demo.conftest import AS_OF


def _tables(firms: int, seed: int, as_of: dt.date = AS_OF, chunk_size: int = 100_000
            ) -> dict[str, Rows]:
    """The chunks of every table joined into one Rows per table."""
    chunks = list(generate(firms, seed, as_of, chunk_size))
    joined = {}
    for table in ("firms", "filings", "certificates"):
        parts = [getattr(chunk, table) for chunk in chunks]
        columns = {name: _concat([part.columns[name] for part in parts])
                   for name in parts[0].columns}
        nulls = {name: np.concatenate([part.nulls[name] for part in parts])
                 for name in parts[0].nulls}
        joined[table] = Rows(table, columns, nulls)
    return joined


def _concat(values: list) -> np.ndarray:
    return np.concatenate([np.asarray(value, dtype=object) if isinstance(value, list) else value
                           for value in values])


def _same(a: dict[str, Rows], b: dict[str, Rows]) -> bool:
    return all(
        a[table].columns.keys() == b[table].columns.keys()
        and all(np.array_equal(a[table].columns[name], b[table].columns[name])
                for name in a[table].columns)
        and all(np.array_equal(a[table].nulls[name], b[table].nulls[name])
                for name in a[table].nulls)
        for table in a)


@pytest.fixture(scope="module")
def registry():
    return _tables(20_000, seed=11)


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first, again, other = _tables(500, 3), _tables(500, 3), _tables(500, 4)
    assert _same(first, again)
    assert not _same(first, other)
    assert not np.array_equal(first["filings"].columns["revenue"][:100],
                              other["filings"].columns["revenue"][:100])


def test_chunks_continue_ids_and_keep_credit_codes_unique_and_valid():
    tables = _tables(1_000, seed=5, chunk_size=300)
    firms, filings, certificates = tables["firms"], tables["filings"], tables["certificates"]
    assert firms.columns["id"].tolist() == list(range(1, 1_001))
    assert filings.columns["id"].tolist() == list(range(1, len(filings) + 1))
    assert certificates.columns["id"].tolist() == list(range(1, len(certificates) + 1))
    assert set(filings.columns["firm_id"].tolist()) <= set(range(1, 1_001))
    codes = firms.columns["credit_code"].tolist()
    assert len(set(codes)) == len(codes)
    assert all(is_valid_credit_code(code) and code.startswith("913302") for code in codes)
    # Chunk boundaries draw fresh streams: the second chunk is not a copy of the first.
    assert not np.array_equal(firms.columns["founded"][:300], firms.columns["founded"][300:600])


def test_showcase_firms_come_first():
    names = _tables(10, seed=1)["firms"].columns["name"][: len(SHOWCASES)].tolist()
    assert names == [showcase.name for showcase in SHOWCASES]
    with pytest.raises(ValueError):
        next(generate(len(SHOWCASES) - 1, 1, AS_OF))


def _value(rows: Rows, name: str) -> np.ma.MaskedArray:
    return np.ma.masked_array(rows.columns[name], mask=rows.nulls.get(name, False))


def test_figures_are_consistent_and_within_the_fiscal_window(registry):
    firms, filings = registry["firms"], registry["filings"]
    for part, whole in (("rd_domestic", "rd_expense"), ("st_staff", "employees"),
                        ("hightech_income", "total_income")):
        both = ~(filings.nulls[part] | filings.nulls[whole])
        assert (filings.columns[part][both] <= filings.columns[whole][both]).all()
    for name in ("revenue", "rd_expense", "rd_domestic", "employees", "st_staff", "total_income",
                 "hightech_income", "total_cost", "total_assets", "input_vat"):
        assert (filings.columns[name] >= 0).all(), name
        assert filings.columns[name].dtype == np.int64       # whole yuan / 10^-4 persons
    for signed in ("net_assets", "taxable_income"):
        assert (filings.columns[signed] < 0).any(), signed
    years = filings.columns["fiscal_year"]
    assert set(years.tolist()) == {AS_OF.year - 4, AS_OF.year - 3, AS_OF.year - 2, AS_OF.year - 1}
    founded_year = firms.columns["founded"].astype("datetime64[Y]").astype(int) + 1970
    assert (years >= founded_year[filings.columns["firm_id"] - 1]).all()
    assert (firms.columns["founded"] <= np.datetime64(AS_OF)).all()
    assert len(set(zip(filings.columns["firm_id"].tolist(), years.tolist()))) == len(filings)


def test_filings_vary_as_a_registry_does(registry):
    firms, filings = registry["firms"], registry["filings"]
    per_firm = np.bincount(filings.columns["firm_id"], minlength=len(firms) + 1)[1:]
    assert (per_firm == 4).mean() > 0.8
    assert 0.01 < (per_firm < 4).mean() < 0.15          # young firms and skipped years
    assert (per_firm == 0).any()                        # founded this year
    latest = filings.columns["fiscal_year"] == AS_OF.year - 1
    status = filings.columns["status"]
    assert {"draft", "returned"} <= set(status[latest].tolist())
    assert set(status[~latest].tolist()) == {"accepted", "submitted"}
    assert 0.005 < filings.nulls["hightech_income"].mean() < 0.05
    rd = filings.columns["rd_expense"][latest]
    assert 0.01 < (rd == 0).mean() < 0.1
    assert (filings.nulls["submitted_at"] == (status == "draft")).all()
    assert (filings.nulls["officer_comment"] == (status != "returned")).all()


def _near(values, threshold, exact) -> tuple[float, int]:
    """The share of values within 5% of threshold, and how many are exactly on it (`exact`)."""
    return float(np.mean(np.abs(values / threshold - 1) <= 0.05)), int(np.sum(exact))


def test_a_few_percent_of_firms_sit_near_every_threshold(registry):
    filings = registry["filings"]
    latest = (filings.columns["fiscal_year"] == AS_OF.year - 1) & ~filings.nulls["revenue"]
    f = {name: filings.columns[name][latest] for name in filings.columns}
    revenue = f["revenue"]
    checks = {
        **{f"revenue {t}": _near(revenue / YUAN, t, revenue == t * YUAN)
           for t in (2000, 5000, 20000, 50000)},
        "S&T staff 10%": _near(f["st_staff"] / np.maximum(f["employees"], 1), 0.1,
                               f["st_staff"] * 10 == f["employees"]),
        "high-tech income 60%": _near(f["hightech_income"] / np.maximum(f["total_income"], 1),
                                      0.6, f["hightech_income"] * 10 == f["total_income"] * 6),
        "employees 500": _near(f["employees"] / PERSON, 500, f["employees"] == 500 * PERSON),
        "assets 20000": _near(f["total_assets"] / YUAN, 20000, f["total_assets"] == 20000 * YUAN),
        "R&D 5% band": _near(f["rd_expense"] / np.maximum(revenue, 1), 0.05,
                             f["rd_expense"] * 20 == revenue),
        "R&D 4%": _near(f["rd_expense"] / np.maximum(revenue, 1), 0.04,
                        f["rd_expense"] * 25 == revenue),
        "R&D 3% band": _near(f["rd_expense"] / np.maximum(revenue, 1), 0.03,
                             f["rd_expense"] * 100 == revenue * 3),
    }
    for name, (near, exact) in checks.items():
        assert 0.01 <= near <= 0.2, (name, near)
        assert exact >= 5, (name, exact)


def test_gazelle_growth_thresholds_are_populated(registry):
    filings = registry["filings"]
    by_firm = {}
    for firm_id, year, revenue, unknown in zip(
            filings.columns["firm_id"].tolist(), filings.columns["fiscal_year"].tolist(),
            filings.columns["revenue"].tolist(), filings.nulls["revenue"].tolist()):
        if not unknown:
            by_firm.setdefault(firm_id, {})[year] = revenue
    pairs = np.array([(years[AS_OF.year - 4], years[AS_OF.year - 1]) for years in by_firm.values()
                      if AS_OF.year - 4 in years and AS_OF.year - 1 in years])
    first, last = pairs.T
    assert 0.01 < np.mean(np.abs(first / (1000 * YUAN) - 1) <= 0.05) < 0.2   # base revenue
    assert np.mean(np.abs(last / first / 1.728 - 1) <= 0.03) > 0.02           # CAGR 20%
    assert (last * 1000 == first * 1728).sum() > 10                            # exactly 20%


def test_certificates_follow_their_tiers_rules(registry):
    firms, certificates = registry["firms"], registry["certificates"]
    c = certificates.columns
    tier, issued, expires, status = c["tier"], c["issued"], c["expires"], c["status"]
    assert (issued <= expires).all()
    hnte = tier == "hnte"
    # Three years from the issue date, the last day inclusive.
    years_later = [day.replace(year=day.year + 3) - dt.timedelta(days=1)
                   for day in issued[hnte].astype(dt.date).tolist()]
    assert expires[hnte].astype(dt.date).tolist() == years_later
    tech_sme = tier == "tech_sme"
    assert all(day.month == 12 and day.day == 31 for day in expires[tech_sme].astype(dt.date))
    as_of = np.datetime64(AS_OF)
    counting = np.isin(status, ["valid", "expired"])
    valid_hnte = hnte & counting & (issued <= as_of) & (as_of <= expires)
    holders = np.unique(c["firm_id"][valid_hnte])
    assert 0.12 < holders.size / len(firms) < 0.3
    assert (valid_hnte & (expires <= np.datetime64(dt.date(AS_OF.year, 12, 31)))).any()
    assert ((status == "expired") & hnte & (expires < as_of)).any()
    assert (status[counting & (expires < as_of)] == "expired").all()
    assert {"revoked", "public_notice", "withdrawn"} <= set(status.tolist())
    assert 0 < np.isin(tier, ["gazelle", "leader"]).sum() < 0.03 * len(firms)
    assert (certificates.nulls["reason"] == ~np.isin(status, ["revoked", "withdrawn"])).all()


def test_firm_facts_have_realistic_mixes(registry):
    firms = registry["firms"]
    c = firms.columns
    assert len(set(c["district"].tolist())) == 11
    assert {"C34", "I65", "M73", "F51", "K70"} <= set(c["industry_code"].tolist())
    excluded = c["industry_excluded"] & ~firms.nulls["industry_excluded"]
    assert set(np.asarray(c["industry_code"])[excluded].tolist()) <= {"F51", "F52", "K70", "L72",
                                                                      "H62"}
    fields = np.asarray(c["tech_field"], dtype=object)
    assert 0.01 < np.mean(fields == None) < 0.15
    assert 0.05 < np.mean(fields == "other") < 0.3
    for route in ("route_national_award", "route_provincial_rd_institution", "route_led_standard"):
        assert 0 < c[route].mean() < 0.02, route
    assert 0 < c["ic_or_mother_machine"].mean() < 0.05
    assert all(name.endswith("有限公司") for name in c["name"].tolist())
    assert len(set(c["name"].tolist())) == len(firms)

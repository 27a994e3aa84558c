"""The zh/en catalogs: compiled .mo files match their .po sources and cover every message key."""
from __future__ import annotations

import io

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from registry.rules.criteria import CRITERIA
from registry.rules.engine import FLAGS
from registry.rules.facts import TIERS
from registry.rules.i18n import LANGS, TRANSLATIONS_DIR, translate
from registry.rules.logic import STATUS_NAMES

KEYS = ([f"criterion.{cid}" for cid in CRITERIA] + [f"flag.{flag}.detail" for flag in FLAGS]
        + [f"incentive.{name}" for name in ("rd_super_deduction", "hnte_rate", "vat_credit")]
        + [f"tier.{tier}" for tier in TIERS] + [f"status.{name}" for name in STATUS_NAMES.values()]
        + ["unit.万元", "unit.persons", "route.direct", "route.score", "source.statistics"]
        + [f"explain.{name}"
           for name in ("passed", "failed", "failed_gap", "unknown", "not_evaluated")])
PARAMS = {name: "" for name in ("label", "actual", "required", "gap", "unit", "gate", "criterion",
                                "expires", "year", "reported", "official", "source", "threshold")}


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_is_up_to_date(lang):
    folder = TRANSLATIONS_DIR / lang / "LC_MESSAGES"
    with (folder / "rules.po").open("rb") as source:
        expected = io.BytesIO()
        write_mo(expected, read_po(source, locale=lang))
    with (folder / "rules.mo").open("rb") as compiled:
        actual = {m.id: m.string for m in read_mo(compiled) if m.id}
    expected.seek(0)
    expected_messages = {m.id: m.string for m in read_mo(expected) if m.id}
    assert actual == expected_messages, "run: python -m registry.rules.i18n"


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_is_translated(lang):
    for key in KEYS:
        assert translate(key, PARAMS, lang) != key, key


def test_languages_differ_and_unknown_language_is_refused():
    assert translate("tier.hnte", None, "zh") == "高新技术企业"
    assert translate("tier.hnte", None, "en") == "High and New Technology Enterprise"
    with pytest.raises(ValueError):
        translate("tier.hnte", None, "fr")


def test_tech_field_explanations_name_fields_not_ids():
    from registry.rules import check_document
    document = {"as_of": "2025-06-30",
                "firms": [{"id": "X", "founded": "2020-01-01", "tech_field": "new_energy"}]}
    [criterion] = [c for c in check_document(document)["firms"][0]["tiers"]["hnte"]["criteria"]
                   if c["id"] == "tech_field"]
    assert "新能源与节能" in criterion["explanation"]["zh"]
    assert "new energy and energy saving" in criterion["explanation"]["en"]
    assert "new_energy" not in criterion["explanation"]["zh"] + criterion["explanation"]["en"]
    assert criterion["actual"] == "new_energy"  # the JSON keeps the machine id

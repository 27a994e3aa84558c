"""Translation of the rules' message keys through Babel catalogs, without Flask.

The rules emit message keys with parameters; `translate` renders them in zh (zh-CN) or en from
translations/{zh,en}/LC_MESSAGES/rules.po, compiled to rules.mo by `compile_catalogs()`
(`python -m registry.rules.i18n`, or `pybabel compile -d registry/rules/translations -D rules`).
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .units import tidy

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
DOMAIN = "rules"
LANGS = ("zh", "en")
VALUE_KEYS = {True: "value.true", False: "value.false", None: "value.unknown"}


class Message(NamedTuple):
    """A message key with its parameters, translated lazily (parameters may be Messages too)."""
    key: str
    params: Mapping[str, Any] = {}


def translate(key: str, params: Mapping[str, Any] | None, lang: str) -> str:
    """The text of `key` in `lang` with `params` filled in ({name} placeholders)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")
    template = _catalog(lang).gettext(key)
    return template.format(**{name: _text(value, lang) for name, value in (params or {}).items()})


def _text(value: Any, lang: str) -> str:
    if isinstance(value, Message):
        return translate(value.key, value.params, lang)
    if callable(value):  # a value written per language (rules/display.py)
        return value(lang)
    if isinstance(value, bool) or value is None:
        return translate(VALUE_KEYS[value], None, lang)
    if isinstance(value, Decimal):
        return str(tidy(value))
    return str(value)


@cache
def _catalog(lang: str) -> Translations:
    translations = Translations.load(str(TRANSLATIONS_DIR), [lang], DOMAIN)
    if not isinstance(translations, Translations):
        raise RuntimeError(f"missing {lang}/LC_MESSAGES/{DOMAIN}.mo: run compile_catalogs()")  # noqa: TRY004
    return translations


def compile_catalogs() -> list[Path]:
    """Compile every rules.po into rules.mo beside it; returns the written paths."""
    written = []
    for po_path in sorted(TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name, domain=DOMAIN)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        written.append(mo_path)
    _catalog.cache_clear()
    return written


if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path}")

"""Build and check the web UI's translation catalogs.

Each area of the app keeps its Chinese translations in its own file,
`registry/translations/zh/LC_MESSAGES/parts/<area>.po`, so parallel work never edits one
shared file. `build` merges the parts into messages.po and compiles messages.mo;
`check` extracts every translatable string from the code and templates and lists those
no part translates (exit 1 if any).

    python scripts/i18n.py build
    python scripts/i18n.py check
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
ZH_DIR = REPO / "registry" / "translations" / "zh" / "LC_MESSAGES"
METHOD_MAP = [("registry/rules/**.py", "ignore"), ("registry/**.py", "python"),
              ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "lazy_ngettext": (1, 2)}


def merged_catalog() -> Catalog:
    catalog = Catalog(locale="zh", project="yanzhen", charset="utf-8")
    for part in sorted((ZH_DIR / "parts").glob("*.po")):
        with part.open("rb") as handle:
            for message in read_po(handle, locale="zh"):
                if message.id and message.string:
                    catalog.add(message.id, message.string, context=message.context)
    return catalog


def build() -> int:
    catalog = merged_catalog()
    with (ZH_DIR / "messages.po").open("wb") as handle:
        write_po(handle, catalog, width=100)
    with (ZH_DIR / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    print(f"compiled {len(catalog)} messages into {ZH_DIR / 'messages.mo'}")
    return 0


def extracted_ids() -> dict[str, str]:
    ids = {}
    options = {pattern: {"extensions": "jinja2.ext.i18n"}
               for pattern in ("templates/**.html", "templates/**.txt")}
    for filename, _lineno, message, _comments, context in extract_from_dir(
            str(REPO), METHOD_MAP, options_map=options, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        ids[(context, msgid)] = filename
    return ids


def check() -> int:
    translated = {(m.context, m.id) for m in merged_catalog() if m.id}
    missing = {key: where for key, where in extracted_ids().items() if key not in translated}
    for (context, msgid), where in sorted(missing.items(), key=lambda item: item[1]):
        print(f"{where}: untranslated: {msgid!r}" + (f" (context {context})" if context else ""))
    print(f"{len(missing)} untranslated")
    return 1 if missing else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "build"
    sys.exit({"build": build, "check": check}[command]())

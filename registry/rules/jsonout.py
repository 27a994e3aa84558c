"""JSON output with exact decimals: a Decimal is written as a JSON number with its exact digits."""
from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from .units import tidy


def dumps(value: Any, indent: int | None = 1) -> str:
    """JSON text of `value` (dicts keep their key order; Decimal -> exact number, never a float)."""
    return "".join(_encode(value, indent, 0))


def _encode(value: Any, indent: int | None, level: int) -> Iterator[str]:
    if isinstance(value, Decimal):
        yield format(tidy(value), "f")
    elif isinstance(value, dict):
        yield from _container("{", "}", [(json.dumps(str(key), ensure_ascii=False) + ": ", item)
                                         for key, item in value.items()], indent, level)
    elif isinstance(value, (list, tuple)):
        yield from _container("[", "]", [("", item) for item in value], indent, level)
    else:
        yield json.dumps(value, ensure_ascii=False)


def _container(opening: str, closing: str, entries: list[tuple[str, Any]], indent: int | None,
               level: int) -> Iterator[str]:
    if not entries:
        yield opening + closing
        return
    inner = "\n" + " " * (indent * (level + 1)) if indent is not None else ""
    outer = "\n" + " " * (indent * level) if indent is not None else ""
    yield opening
    for position, (prefix, item) in enumerate(entries):
        yield ("," if position else "") + inner + prefix
        yield from _encode(item, indent, level + 1)
    yield outer + closing

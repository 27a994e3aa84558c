"""Options shared by the commands."""
from __future__ import annotations

import click

from registry.rules.facts import parse_date


def _parse_as_of(_ctx, _param, value):
    try:
        return parse_date(value) if value is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def as_of_option(help_text: str):
    """`--as-of YYYY-MM-DD`, parsed strictly (a bad date is a usage error, exit 2)."""
    return click.option("--as-of", callback=_parse_as_of, metavar="YYYY-MM-DD", help=help_text)


def key_value_pairs(_ctx, _param, values: tuple[str, ...]) -> dict[str, str]:
    """Callback of a repeatable KEY=VALUE option (--profile, --set): a dict, or a usage error."""
    pairs = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not (sep and key.strip() and item.strip()):
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}")
        pairs[key.strip()] = item.strip()
    return pairs

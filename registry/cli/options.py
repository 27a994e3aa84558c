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

"""`flask --app registry indicators show|snapshot`: the monitoring indicators (programs.md §I)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from registry.cli.options import as_of_option
from registry.extensions import db
from registry.models import District
from registry.models.monitoring import CITY_SCOPE
from registry.rules import ParameterError, today_in_shanghai
from registry.services import snapshots
from registry.services.indicators import compute

indicators_cli = AppGroup("indicators", help="The bureau's monitoring indicators.")


@indicators_cli.command("show")
@as_of_option("Date of the indicators (default: today, Asia/Shanghai).")
@click.option("--district", metavar="CODE", help="One district (default: the city).")
@click.option("--fy", type=click.IntRange(2000, 2100), metavar="F",
              help="Fiscal year of the 规上 R&D indicators (default: the year before --as-of).")
def show(as_of, district: str | None, fy: int | None) -> None:
    """Compute every indicator from the records at exactly the date (never from a snapshot)."""
    as_of = as_of or today_in_shanghai()
    if district is not None and db.session.get(District, district) is None:
        raise click.BadParameter(f"no district {district!r}", param_hint="--district")
    try:
        figures = compute(db.session, as_of, fiscal_year=fy, district=district)
    except ParameterError as error:
        raise click.ClickException(str(error)) from None
    scope = district or CITY_SCOPE
    click.echo(json.dumps({"as_of": as_of.isoformat(), "scope": scope,
                           "indicators": figures[scope].indicators()}, ensure_ascii=False))


@indicators_cli.command("snapshot")
@as_of_option("Date of the snapshot (default: today, Asia/Shanghai).")
def snapshot(as_of) -> None:
    """Store the snapshot of a date (a past date is backfilled from today's records); a date that
    has one keeps it."""
    today = today_in_shanghai()
    as_of = as_of or today
    if as_of > today:
        raise click.BadParameter("a snapshot of a future date cannot be taken", param_hint="--as-of")
    kind = "backfilled" if as_of < today else "manual"
    try:
        stored, taken = snapshots.take(db.session, None, as_of, kind)
    except ParameterError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(json.dumps({"as_of": stored.as_of.isoformat(), "kind": stored.kind,
                           "taken": taken, "seconds": stored.seconds}))

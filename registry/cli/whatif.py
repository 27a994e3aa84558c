"""`flask --app registry whatif run`: try changed parameters on the registry without touching it."""
from __future__ import annotations

import json
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.cli.options import as_of_option, key_value_pairs
from registry.extensions import db
from registry.models import District, WhatifRun
from registry.services.whatif import ScenarioError, run_inline, save_scenario, start_run, summary

whatif_cli = AppGroup("whatif", help="What-if scenarios: evaluate changed parameters without writing live records.")


@whatif_cli.command("run")
@as_of_option("Base date of the scenario (default: today, Asia/Shanghai).")
@click.option("--district", "districts", multiple=True, metavar="CODE",
              help="Only this district (repeatable; default: the whole city).")
@click.option("--set", "overrides", multiple=True, callback=key_value_pairs, metavar="KEY=VALUE",
              help="Change a parameter, e.g. gazelle.default.revenue_cagr.bands.0.min=0.15.")
@click.option("--profile", "profiles", multiple=True, callback=key_value_pairs, metavar="TIER=NAME",
              help="Switch a tier's profile, e.g. gazelle=binjiang_2017.")
@click.option("--name", help="Name of the saved scenario (default: its changes).")
@click.option("--inline", is_flag=True, help="Run the chunks in this process (the workers' code).")
def run(as_of, districts: tuple[str, ...], overrides: dict, profiles: dict, name: str | None,
        inline: bool) -> None:
    """Save a scenario, run it against its base and print the counts as JSON."""
    known = set(db.session.scalars(select(District.code)))
    unknown = sorted(set(districts) - known)
    if unknown:
        raise click.BadParameter(f"unknown district(s): {', '.join(unknown)}", param_hint="--district")
    label = name or ", ".join([f"{key}={value}" for key, value in {**overrides, **profiles}.items()]) or "base"
    try:
        scenario = save_scenario(db.session, None, name=label[:120], as_of=as_of, districts=districts,
                                 overrides=overrides, profiles=profiles)
        run_ = start_run(db.session, None, scenario, dispatch=not inline)
    except ScenarioError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if inline:
        run_ = run_inline(db.session, run_.id)
    while run_.status in ("queued", "running"):
        time.sleep(0.5)
        db.session.rollback()  # end the read transaction: SQLite would keep showing its snapshot
        run_ = db.session.get(WhatifRun, run_.id)
    if run_.status != "done":
        raise click.ClickException(f"run {run_.id} {run_.status}: {run_.error or ''}")
    click.echo(json.dumps(summary(db.session, run_), ensure_ascii=False))

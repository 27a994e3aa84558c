"""`flask --app registry demo load|logins`: the demo registry and its accounts (not in production)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.demo.accounts import demo_logins
from registry.demo.load import DemoRefused, app_tables, load_demo, non_empty_tables
from registry.demo.monitoring import SNAPSHOT_MONTHS, add_monitoring
from registry.demo.showcase import SHOWCASES
from registry.extensions import db
from registry.models import Base
from registry.rules import today_in_shanghai

demo_cli = AppGroup("demo", help="A realistic, deterministic demo registry with demo accounts.")


def _refuse_in_production() -> None:
    if current_app.config.get("YANZHEN_CONFIG") == "production":
        raise click.ClickException(
            "demo commands never run in production: they would mix made-up firms and accounts "
            "with a bureau's registry")


@demo_cli.command("load")
@click.option("--firms", type=click.IntRange(min=len(SHOWCASES)), default=2000, show_default=True,
              help="How many firms.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed, firm count and date give the same rows.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The registry's date (default: today, Asia/Shanghai); filings cover "
                   "FY Y-4..Y-1.")
@click.option("--reset", is_flag=True, help="Empty every table of the app first.")
@click.option("--months", type=click.IntRange(0, 120), default=SNAPSHOT_MONTHS, show_default=True,
              help="Monthly snapshots to backfill for the dashboard's trends.")
@click.option("--if-empty", is_flag=True,
              help="If the database already holds data, print the demo logins and exit.")
def load(firms: int, seed: int, as_of, reset: bool, months: int, if_empty: bool) -> None:
    """Load the demo registry: firms, filings, certificates and the demo accounts."""
    _refuse_in_production()
    if reset and if_empty:
        raise click.UsageError("--reset and --if-empty contradict each other")
    if if_empty:
        with db.engine.connect() as connection:
            occupied = non_empty_tables(connection, app_tables(connection, Base.metadata))
        if occupied:
            click.echo("The database already holds data; the demo registry was not loaded.")
            _print_logins()
            return
    as_of = as_of.date() if as_of else today_in_shanghai()
    click.echo(f"Loading {firms:,} demo firms (seed {seed}, as of {as_of}, "
               f"FY {as_of.year - 4}-{as_of.year - 1}) into {db.engine.dialect.name} ...")
    try:
        summary = load_demo(db.engine, firms=firms, seed=seed, as_of=as_of, reset=reset,
                            progress=_progress)
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Loaded {summary.firms:,} firms, {summary.filings:,} filings and "
               f"{summary.certificates:,} certificates in {summary.seconds:.1f} s "
               f"({summary.rows / summary.seconds:,.0f} rows/s).")
    written, taken = add_monitoring(db.session, as_of, months)
    db.session.commit()
    click.echo(f"Set {written} targets for {as_of.year} and backfilled {taken} monthly snapshots.")
    _print_logins()


def _progress(summary) -> None:
    click.echo(f"  {summary.firms:>10,} firms {summary.filings:>11,} filings "
               f"{summary.certificates:>10,} certificates  {summary.seconds:7.1f} s")


@demo_cli.command("logins")
def logins() -> None:
    """Print the demo accounts and their password."""
    _refuse_in_production()
    _print_logins()


def _print_logins() -> None:
    rows = demo_logins(db.session)
    if not rows:
        click.echo("No demo accounts in this database (flask --app registry demo load adds them).")
        return
    table = [("role", "e-mail", "password", "what it shows")]
    table += [(login.role, login.email, login.password, login.shows) for login in rows]
    widths = [max(len(row[column]) for row in table) for column in range(3)]
    click.echo("\nDemo logins:")
    for row in table:
        click.echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths))
                   + "  " + row[3])

"""`flask --app registry programs rd-reward|rd-top|rd-priority`: the bureau programs of program
year P over the registry's FY P−1 data (programs.md §R), as JSON. With --district, a program is
computed among that district's firms only (its own eligible set, ranks, points and budget)."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from registry.extensions import db
from registry.models import District
from registry.rules.params import ParameterError
from registry.rules.programs import fine_text, rd_priority, rd_reward, rd_top
from registry.rules.units import to_fixed
from registry.services.programs import load_firms, settings_for
from registry.services.settings import program_district_budgets

programs_cli = AppGroup("programs", help="Bureau programs: R&D reward, R&D top N, priority list.")


def _budget(_ctx, _param, value):
    if value is None:
        return None
    try:
        amount = Decimal(value.strip())
        to_fixed(amount)
    except (InvalidOperation, ValueError):
        raise click.BadParameter(f"{value!r} is not an amount in 万元 with at most 4 decimals") from None
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter(f"{value!r} is not an amount of at least 0")
    return amount


def _inputs(year: int, district: str | None):
    if district is not None and db.session.get(District, district) is None:
        raise click.BadParameter(f"no district {district!r}", param_hint="--district")
    try:
        settings = settings_for(db.session, year)
    except ParameterError as error:
        raise click.ClickException(str(error)) from None
    firms = load_firms(db.session, year, district).firms
    return firms, settings


year_option = click.option("--year", type=click.IntRange(1900, 9999), required=True, metavar="P",
                           help="Program year P (uses FY P-1 data).")
district_option = click.option("--district", metavar="CODE",
                               help="Only this district's firms.")


@programs_cli.command("rd-reward")
@year_option
@district_option
@click.option("--budget", callback=_budget, metavar="B",
              help="Budget in 万元 (awards shared pro rata); with --district, default: the district's own.")
def reward(year: int, district: str | None, budget: Decimal | None) -> None:
    """R&D post-subsidy reward (§R1): eligibility, rate, entitlement and award of every firm.
    With --district and no --budget, the district's own budget of the bureau's settings (if any)."""
    firms, settings = _inputs(year, district)
    if budget is None and district is not None:
        budget = program_district_budgets(db.session, year).get(district)
    result = rd_reward(firms, settings, None if budget is None else to_fixed(budget))
    remainder = result.remainder
    click.echo(json.dumps({
        "year": year, "budget": None if budget is None else format(budget, "f"),
        "total_entitlement": fine_text(result.total_entitlement), "total_award": fine_text(result.total_award),
        "remainder": None if remainder is None else fine_text(remainder),
        "firms": [result.firm_result(i) for i in range(len(firms))]}, ensure_ascii=False, indent=1))


@programs_cli.command("rd-top")
@year_option
@district_option
@click.option("--top", type=click.IntRange(min=1), metavar="N", help="How many firms (default: the year's size).")
def top(year: int, district: str | None, top: int | None) -> None:
    """R&D-input top N (§R3): the ranking with both sub-ranks and the points."""
    firms, settings = _inputs(year, district)
    result = rd_top(firms, settings)
    click.echo(json.dumps({"year": year, "eligible": result.count, "ranking": result.ranking(top)},
                          ensure_ascii=False, indent=1))


@programs_cli.command("rd-priority")
@year_option
@district_option
def priority(year: int, district: str | None) -> None:
    """Firms whose R&D intensity is above the priority threshold (§R2)."""
    firms, settings = _inputs(year, district)
    chosen = rd_priority(firms, settings)
    click.echo(json.dumps({"year": year, "firms": [firms.ids[i] for i in chosen.nonzero()[0].tolist()]},
                          ensure_ascii=False, indent=1))

"""`flask --app registry rules check|explain`: the ladder's rules on a facts file (rules.md §7)."""
from __future__ import annotations

from datetime import date
from typing import IO, Any

import click
from flask.cli import AppGroup

from registry.cli.options import as_of_option, key_value_pairs
from registry.rules import FactsError, ParameterError, check_document, evaluate_document
from registry.rules.facts import load_json
from registry.rules.jsonout import dumps
from registry.rules.report import render_text

rules_cli = AppGroup("rules", help="Evaluate firms against the ladder's rules.")


def evaluation_options(command):
    """--as-of, --profile and --set, shared by check and explain."""
    options = [
        click.argument("file", type=click.File("rb")),
        as_of_option("Evaluation date (default: the file's as_of, else today in "
                     "Asia/Shanghai)."),
        click.option("--profile", "profiles", multiple=True, callback=key_value_pairs,
                     metavar="TIER=NAME",
                     help="Profile of a tier, e.g. gazelle=binjiang_2017."),
        click.option("--set", "overrides", multiple=True, callback=key_value_pairs,
                     metavar="KEY=VALUE",
                     help="Override a parameter, e.g. hnte.rd_ratio.bands.1.min=0.035."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _read(file: IO[bytes]) -> Any:
    try:
        return load_json(file.read())
    except FactsError as error:
        raise click.ClickException(str(error)) from None


def _fail(error: FactsError | ParameterError) -> click.ClickException:
    return click.ClickException(f"input rejected, no verdicts printed:\n{error}"
                                if isinstance(error, FactsError) else str(error))


@rules_cli.command("check", with_appcontext=False)
@evaluation_options
def check(file: IO[bytes], as_of: date | None, profiles: dict, overrides: dict) -> None:
    """Print the verdicts of every firm in FILE (- for stdin) as JSON."""
    try:
        result = check_document(_read(file), as_of, profiles, overrides)
    except (FactsError, ParameterError) as error:
        raise _fail(error) from None
    click.echo(dumps(result))


@rules_cli.command("explain", with_appcontext=False)
@evaluation_options
@click.option("--firm", "firm_id", required=True, help="Id of the firm to explain.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def explain(file: IO[bytes], as_of: date | None, profiles: dict, overrides: dict, firm_id: str,
            lang: str) -> None:
    """Print a readable explanation of one firm's verdicts."""
    try:
        verdicts = evaluate_document(_read(file), as_of, profiles, overrides)
    except (FactsError, ParameterError) as error:
        raise _fail(error) from None
    ids = list(verdicts.columns.ids)
    if firm_id not in ids:
        raise click.ClickException(f"no firm {firm_id!r} in the file")
    index = ids.index(firm_id)
    click.echo(render_text(verdicts.firm_result(index, lang), lang,
                           verdicts.columns.as_of.isoformat(), str(verdicts.params.policy_year)))

"""`flask --app registry facts export|import`: firms' facts in the rules.md §7 input shape."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from registry.cli.options import as_of_option
from registry.extensions import db
from registry.models import District
from registry.rules import FactsError, today_in_shanghai
from registry.rules.facts import load_json
from registry.rules.jsonout import dumps
from registry.services.facts import export_facts, import_facts

facts_cli = AppGroup("facts", help="Export or import firms' facts (rules.md §7 input).")


@facts_cli.command("export")
@as_of_option("Date of the facts (default: today).")
@click.option("--firm", "firms", multiple=True, metavar="CODE", help="Only this firm (credit code or reference).")
@click.option("--district", metavar="CODE", help="Only this district's firms.")
def export(as_of, firms: tuple[str, ...], district: str | None) -> None:
    """Print firms' facts as a §7 input document."""
    as_of = as_of or today_in_shanghai()
    if district is not None and db.session.get(District, district) is None:
        raise click.BadParameter(f"no district {district!r}", param_hint="--district")
    out = sys.stdout
    out.write(f'{{"as_of": "{as_of.isoformat()}", "firms": [')
    for position, entry in enumerate(export_facts(db.session, as_of, list(firms) or None, district)):
        out.write(("," if position else "") + "\n" + dumps(entry, indent=None))
    out.write("\n]}\n")


@facts_cli.command("import")
@click.argument("file", type=click.File("rb"))
def import_(file) -> None:
    """Create or update firms, accepted filings and certificates from a §7 input document."""
    try:
        document = load_json(file.read())
    except FactsError as error:
        raise click.ClickException(str(error)) from None
    report = import_facts(db.session, document)
    if not report.ok:
        db.session.rollback()
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        raise click.ClickException(f"{len(report.errors)} error(s): nothing imported")
    db.session.commit()
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))

"""`flask --app registry official import FILE --source statistics|tax`: official figures from the
statistics bureau's R&D survey or the tax bureau's super-deduction declarations (issue 14)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from registry.extensions import db
from registry.services.official import import_official, report_dict

official_cli = AppGroup("official", help="Import official figures (statistics bureau, tax bureau).")


@official_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", type=click.Choice(["statistics", "tax"]), required=True,
              help="statistics: credit_code,fiscal_year,rd_expense,revenue,rd_staff; "
                   "tax: credit_code,tax_year,rd_deduction_base (amounts in 万元).")
def import_(file: Path, source: str) -> None:
    """Import a CSV (UTF-8 or GBK) or XLSX all or nothing; print the row report as JSON. Exits
    non-zero, importing nothing, when any row is bad."""
    record = import_official(db.session, None, source, file.name, file.read_bytes(), locale="en")
    db.session.commit()    # the import's record, applied or rejected, is kept either way
    click.echo(json.dumps(report_dict(record), ensure_ascii=False, indent=1))
    if record.status != "applied":
        raise click.ClickException(f"{len(record.report)} bad row(s): nothing imported")

"""`flask --app registry audit verify`: check the audit trail's hash chain."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from registry.extensions import db
from registry.services import audit_chain

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("verify")
def verify() -> None:
    """Recompute the audit trail's hash chain; print where it breaks and exit 1 if it does."""
    report = audit_chain.verify(db.session)
    db.session.rollback()
    if report.intact:
        click.echo(f"audit trail intact: {report.events} events chained")
        return
    click.echo(f"audit trail BROKEN: {len(report.breaks)} problems in {report.events} events",
               err=True)
    for line in report.breaks:
        click.echo("  " + line, err=True)
    sys.exit(1)

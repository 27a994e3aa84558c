"""`flask --app registry scan run|export`: whole-registry scans from the command line."""
from __future__ import annotations

import json
import sys
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from registry.cli.options import as_of_option, key_value_pairs
from registry.extensions import db
from registry.models import Scan
from registry.rules import ParameterError, output_header
from registry.rules.jsonout import dumps
from registry.services.evaluation import verdict_results
from registry.services.scans import run_inline, scan_parameters, start_full_scan

scan_cli = AppGroup("scan", help="Scan every firm against the current rules.")


def _summary(scan: Scan, seconds: float | None = None) -> str:
    return json.dumps({"scan_id": scan.id, "status": scan.status, "as_of": scan.as_of.isoformat(),
                       "firms": scan.firms_done, "opened": scan.opened, "closed": scan.closed,
                       "flags": scan.flags, "seconds": round(seconds if seconds is not None else (scan.seconds or 0), 3)})


@scan_cli.command("run")
@as_of_option("Evaluation date (default: today, Asia/Shanghai).")
@click.option("--inline", is_flag=True, help="Run the chunks in this process (the workers' code).")
@click.option("--wait", is_flag=True, help="Wait until the workers are done.")
@click.option("--set", "overrides", multiple=True, callback=key_value_pairs, metavar="KEY=VALUE",
              help="Refused: a scan writes live records; try parameters with `whatif run --set`.")
def run(as_of, inline: bool, wait: bool, overrides: dict[str, str]) -> None:
    """Queue a full scan (or return the one queued or running) and print it as JSON."""
    if overrides:
        raise click.UsageError(
            "scan run writes live verdicts, candidates, flags and opportunities, so it takes no --set: "
            "live rules change only through the parameter files and the bureau's profile settings. "
            "To try changed parameters without touching records, run "
            "`flask --app registry whatif run --set KEY=VALUE ...`.")
    started = time.monotonic()
    try:
        scan, _created = start_full_scan(db.session, as_of=as_of, dispatch=not inline)
    except (ParameterError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if inline:
        scan = run_inline(db.session, scan.id)
        click.echo(_summary(scan, time.monotonic() - started))
        return
    while wait and scan.status in ("queued", "running"):
        time.sleep(0.5)
        db.session.rollback()  # end the read transaction: SQLite would keep showing its snapshot
        scan = db.session.get(Scan, scan.id)
    click.echo(_summary(scan))


@scan_cli.command("export")
@click.argument("scan_id", type=int)
def export(scan_id: int) -> None:
    """Print the verdicts of a done full scan in the rules.md §7 output shape (the latest one)."""
    scan = db.session.get(Scan, scan_id)
    latest = db.session.scalar(select(Scan.id).where(Scan.kind == "full", Scan.status == "done")
                               .order_by(Scan.finished_at.desc(), Scan.id.desc()).limit(1))
    if scan is None or scan.kind != "full" or scan.status != "done":
        raise click.ClickException(f"scan {scan_id} is not a done full scan")
    if scan.id != latest:
        raise click.ClickException(f"scan {scan_id} is not the latest done full scan ({latest}); "
                                   "only the latest keeps every firm's verdict")
    params, _key = scan_parameters(scan)
    out = sys.stdout
    out.write(dumps(output_header(scan.as_of, params), indent=None)[:-1])
    out.write(', "firms": [')
    changed, first = 0, True
    for _firm_id, result, newer in verdict_results(db.session, scan.as_of, params):
        changed += newer
        out.write(("" if first else ",") + "\n" + dumps(result, indent=None))
        first = False
    out.write("\n]}\n")
    if changed:
        click.echo(f"note: the facts of {changed} firm(s) changed since they were evaluated; "
                   "printed from their current facts (pending re-evaluation)", err=True)

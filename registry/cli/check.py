"""`flask --app registry check`: the self-test an operator runs after deploying. One line per
part (ok, or the problem and its fix); the exit status is 1 if any part has a problem."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from registry.services.health import run_checks


@click.command("check")
@click.option("--worker-timeout", default=15.0, show_default=True, metavar="SECONDS",
              help="How long to wait for a worker to answer.")
@with_appcontext
def check_cli(worker_timeout: float) -> None:
    """Configuration, database, migrations, broker, a worker, catalogs and beat."""
    results = run_checks(worker_timeout=worker_timeout)
    width = max(len(result.name) for result in results)
    for result in results:
        click.echo(f"{result.name:<{width}}  {'ok' if result.ok else result.problem}")
    if not all(result.ok for result in results):
        raise SystemExit(1)

"""`flask --app registry ...` commands."""
from flask import Flask


def register_commands(app: Flask) -> None:
    from registry.cli.facts import facts_cli
    from registry.cli.scan import scan_cli
    app.cli.add_command(scan_cli)
    app.cli.add_command(facts_cli)

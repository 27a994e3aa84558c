"""`flask --app registry ...` commands."""
from flask import Flask


def register_commands(app: Flask) -> None:
    from registry.cli.audit import audit_cli
    from registry.cli.check import check_cli
    from registry.cli.demo import demo_cli
    from registry.cli.facts import facts_cli
    from registry.cli.indicators import indicators_cli
    from registry.cli.official import official_cli
    from registry.cli.programs import programs_cli
    from registry.cli.rules import rules_cli
    from registry.cli.scan import scan_cli
    from registry.cli.tokens import tokens_cli
    from registry.cli.users import users_cli
    from registry.cli.whatif import whatif_cli
    app.cli.add_command(scan_cli)
    app.cli.add_command(facts_cli)
    app.cli.add_command(rules_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(indicators_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(check_cli)
    app.cli.add_command(whatif_cli)
    app.cli.add_command(programs_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(official_cli)

"""`flask --app registry tokens create|revoke`: API tokens from the command line (scripts build on
`tokens create`, which prints the new token alone on standard output)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from registry.extensions import db
from registry.models import ApiToken
from registry.models.token import TOKEN_SCOPES
from registry.services import accounts, tokens
from registry.services.tokens import TokenError

tokens_cli = AppGroup("tokens", help="Create and revoke API tokens.")


def _fail(error: TokenError):
    db.session.rollback()
    with force_locale("en"):
        return click.ClickException(str(error.message))


@tokens_cli.command("create")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(TOKEN_SCOPES), help="read, file or decide (repeat for several).")
@click.option("--days", type=int, default=None,
              help="Days the token lasts (default API_TOKEN_DEFAULT_DAYS).")
@click.option("--name", default="", help="What the token is for (shown in the token lists).")
@click.option("--service", is_flag=True, help="A service token (the account must be an admin).")
def create(email: str, scopes: tuple[str, ...], days: int | None, name: str,
           service: bool) -> None:
    """Create a token and print it alone on standard output (it is never shown again)."""
    user = accounts.find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    config = current_app.config
    try:
        _, secret = tokens.create(
            db.session, None, user, scopes=scopes, service=service, name=name or "cli",
            days=days if days is not None else config["API_TOKEN_DEFAULT_DAYS"],
            max_days=config["API_TOKEN_MAX_DAYS"])
    except TokenError as error:
        raise _fail(error) from None
    db.session.commit()
    click.echo(secret)


@tokens_cli.command("revoke")
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke the token whose shown prefix (its first characters) is PREFIX."""
    token = db.session.query(ApiToken).filter_by(prefix=prefix).one_or_none()
    if token is None:
        raise click.ClickException(f"no token starts with {prefix}")
    tokens.revoke(db.session, None, token)
    db.session.commit()
    click.echo(f"token {prefix} revoked")

"""`flask --app registry users create-admin|list|deactivate|set-password`: the bureau's accounts
from the command line (bootstrap on an empty system, recovery when nobody can log in)."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from registry.extensions import db
from registry.models.user import ROLES
from registry.services import accounts, settings, users
from registry.services.accounts import AccountError
from registry.services.users import UserAdminError

users_cli = AppGroup("users", help="Create administrators, list, deactivate, set passwords, "
                                  "reset two-step login.")


def _fail(error: AccountError | UserAdminError):
    """The service's reason, in English, as a command error (exit 1); nothing is kept."""
    db.session.rollback()
    with force_locale("en"):
        return click.ClickException(str(error.message))


def _password(from_stdin: bool) -> str:
    """From standard input (one line), or typed twice on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.UsageError("no terminal to type the password on: pass --password-stdin")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _user_or_fail(email: str):
    user = accounts.find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    return user


@users_cli.command("create-admin")
@click.option("--email", required=True, help="The administrator's e-mail address (the login).")
@click.option("--name", default="", help="Their name as shown to others.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(email: str, name: str, password_stdin: bool) -> None:
    """Create an administrator (the first one on an empty system, or another)."""
    password = _password(password_stdin)
    try:
        user = accounts.create_admin(db.session, None, email=email, name=name,
                                     password=password, via="cli")
    except AccountError as error:
        raise _fail(error) from None
    # The first run: the shipped districts go into the database (nothing once any exists).
    districts = settings.load_defaults(db.session, user)
    db.session.commit()
    click.echo(f"administrator {user.email} created")
    if districts:
        click.echo(f"{districts} districts loaded from registry/params/districts.toml")


@users_cli.command("list")
@click.option("--role", type=click.Choice(ROLES), help="Only this role.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects.")
def list_users(role: str | None, as_json: bool) -> None:
    """List the accounts: e-mail, name, role, districts, active."""
    rows = [{"email": user.email, "name": user.name, "role": user.role,
             "districts": sorted(user.district_codes), "active": user.active}
            for user in accounts.users(db.session, role)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        click.echo("\t".join([row["email"], row["name"] or "-", row["role"],
                              ",".join(row["districts"]) or "-",
                              "active" if row["active"] else "inactive"]))


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Deactivate an account: it can no longer log in and its open sessions end at once."""
    user = _user_or_fail(email)
    try:
        changed = users.deactivate(db.session, None, user, via="cli")
    except UserAdminError as error:
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"{user.email} deactivated" if changed else f"{user.email} was already inactive")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(email: str, password_stdin: bool) -> None:
    """Set an account's password; its open sessions end at once."""
    user = _user_or_fail(email)
    password = _password(password_stdin)
    try:
        accounts.set_password(db.session, None, user, password, via="cli")
    except AccountError as error:
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"password of {user.email} set")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Forget an account's authenticator and recovery codes (a lost phone, and no other
    administrator to do it on the web): it sets up two-step login again at its next login."""
    user = _user_or_fail(email)
    try:
        users.reset_two_factor(db.session, None, user, via="cli")
    except UserAdminError as error:
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"two-step login of {user.email} reset")

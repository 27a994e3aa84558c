"""Blueprints: thin views (form -> one service call -> commit -> redirect)."""
from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

# Primary keys are 32-bit integers in the database.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` with an upper bound: an absurd id is simply not found (404), never an
    integer overflow inside the database driver (500)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def as_id(value: str) -> int:
    """`value` as a database id; ValueError if it is none (fits `type=` of request.args.get)."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"not an id: {value}")
    return number


def id_arg(name: str) -> int | None:
    """The query argument `name` as an id (ids, cursors), None when absent; anything else
    (not a number, beyond a 32-bit key) is a bad request, never an overflow in the database."""
    value = request.args.get(name)
    if value in (None, ""):
        return None
    try:
        return as_id(value)
    except ValueError:
        abort(400)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from registry.views import display
    display.init_app(app)
    from registry.views import (
        account,
        admin,
        dashboard,
        health,
        inbox,
        officer,
        onboarding,
        portal,
        public,
        scans,
        tokens,
        whatif,
    )
    for module in (public, health, account, onboarding, portal, scans, officer, inbox, admin,
                   dashboard, whatif, tokens):
        app.register_blueprint(module.bp)
    from registry.views import api
    api.init_app(app)

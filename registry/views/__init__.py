"""Blueprints: thin views (form -> one service call -> commit -> redirect)."""
from flask import Flask
from werkzeug.routing import IntegerConverter

# Primary keys are 32-bit integers in the database.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` with an upper bound: an absurd id is simply not found (404), never an
    integer overflow inside the database driver (500)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


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
    )
    for module in (public, health, account, onboarding, portal, scans, officer, inbox, admin,
                   dashboard):
        app.register_blueprint(module.bp)

"""Blueprints: thin views (form -> one service call -> commit -> redirect)."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from registry.views import health, public
    app.register_blueprint(public.bp)
    app.register_blueprint(health.bp)

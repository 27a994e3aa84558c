"""Blueprints: thin views (form -> one service call -> commit -> redirect)."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from registry.views import health, public
    app.register_blueprint(public.bp)
    app.register_blueprint(health.bp)
    from registry.views import account, onboarding, portal
    app.register_blueprint(account.bp)
    app.register_blueprint(onboarding.bp)
    app.register_blueprint(portal.bp)
    from registry.views import scans
    app.register_blueprint(scans.bp)
    from registry.views import inbox, officer
    app.register_blueprint(officer.bp)
    app.register_blueprint(inbox.bp)

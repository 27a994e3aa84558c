"""Yanzhen (雁阵): the registry S&T bureaus use to grow firms up the innovation ladder."""
from __future__ import annotations

from flask import Flask

from config import BASE_DIR, load_config


def create_app(config: str | None = None, **overrides) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands, in that order."""
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"),
                static_folder=str(BASE_DIR / "static"))
    app.config.from_mapping(load_config(config))
    app.config.from_mapping(overrides)

    from registry import database, i18n, jobs, navigation, security
    database.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    jobs.init_app(app)
    navigation.init_app(app)

    from registry.views import register_blueprints
    register_blueprints(app)

    from registry.cli import register_commands
    register_commands(app)
    return app

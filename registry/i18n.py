"""Language selection (简体中文 / English) with Flask-Babel."""
from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

from config import BASE_DIR
from registry.extensions import babel


def _lazy_string_as_text(self) -> Markup:
    return escape(str(self))


# Flask-Babel's lazy strings present themselves to Jinja as safe HTML (`__html__` returns the
# raw text), so whatever was interpolated into one (a workbook's cell, an officer's name) ran as
# script. A lazy string is text: Jinja escapes it like any other string.
LazyString.__html__ = _lazy_string_as_text


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(list(languages)) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(BASE_DIR / "registry" / "translations"))
    app.jinja_env.globals["current_locale"] = current_locale

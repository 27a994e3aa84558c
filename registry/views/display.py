"""How verdict values and the rules' own words are shown, the same on every page."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.figures import display_count, display_figure, display_money, display_percent
from registry.forms.portal import TECH_FIELD_LABELS
from registry.i18n import current_locale
from registry.rules import display
from registry.rules.i18n import Message, translate


def rules_text(key: str, **params) -> str:
    """A message of the rules' own catalog (tier, status, criterion names) in this language."""
    return translate(key, params, current_locale())


def profile_label(tier: str, name: str | None) -> str:
    """A rule profile (registry/rules/params: gazelle.default, gazelle.shandong ...) by its name in
    this language; a profile the catalog does not name yet reads as its key."""
    if not name:
        return "—"
    text = rules_text(f"profile.{tier}.{name}")
    return name if text == f"profile.{tier}.{name}" else text


def show_gap(gap, unit: str | None) -> str:
    """How much more would pass, with its unit, as the engine's explanations say it."""
    return display.gap_text(gap, unit, current_locale())


def flag_detail(detail: dict | None) -> str:
    """A flag's stored detail as one line in the reader's language: the criterion a near miss
    fails and how much more would pass, the day a certificate expires, or the R&D the firm filed
    against the official figure and its source (never an id)."""
    detail = detail or {}
    if detail.get("criterion"):
        gap = detail.get("gap")
        return _("%(criterion)s: %(gap)s more", criterion=rules_text(f"criterion.{detail['criterion']}"),
                 gap=show_gap(None if gap is None else Decimal(str(gap)), detail.get("unit")))
    if detail.get("expires"):
        return _("expires %(day)s", day=detail["expires"])
    if detail.get("official") is not None:
        return _("FY %(year)s: filed %(reported)s 万元, %(source)s %(official)s 万元",
                 year=detail.get("fiscal_year"), source=rules_text(f"source.{detail.get('source')}"),
                 reported=display_money(Decimal(str(detail.get("reported")))),
                 official=display_money(Decimal(str(detail["official"]))))
    return ""


def message_text(message) -> str:
    """A service's message in this language: a message of the rules' catalog (a parameter the
    rules refuse, say) or a lazy string of the app's."""
    if isinstance(message, Message):
        return rules_text(message.key, **message.params)
    return str(message)


def show_value(value) -> str:
    """A criterion's actual/required/gap value for reading."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, (Decimal, int)):
        return display_figure(Decimal(value))
    return str(TECH_FIELD_LABELS.get(value, value))


# What ends a sentence or clause, in either language: a person's text set inside a sentence of
# ours loses it, so "理由：材料不全。。" and "Reason: missing papers.." do not happen.
CLAUSE_ENDINGS = "。．.！!？?；;，,、 \t\r\n"


def clause(text) -> str:
    """A person's free text (a reason, a comment) as a clause inside one of our sentences: its
    closing punctuation dropped, since the sentence supplies its own."""
    return str(text or "").rstrip(CLAUSE_ENDINGS)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(rules_text=rules_text, show_value=show_value,
                                  show_gap=show_gap, flag_detail=flag_detail,
                                  profile_label=profile_label)
    app.jinja_env.filters["clause"] = clause
    app.jinja_env.globals.update(display_money=display_money, display_count=display_count,
                                 display_percent=display_percent)

"""Forms of API tokens: one's own, and an administrator's service tokens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from registry.forms.auth import strip

SCOPE_LABELS = {
    "read": _l("Read (every list and detail the account sees)"),
    "file": _l("File (create, update and submit the firm's drafts)"),
    "decide": _l("Decide (officers' decisions on candidates, starting scans and what-if runs, official imports)"),
}
SCOPE_NAMES = {"read": _l("Read"), "file": _l("File drafts"), "decide": _l("Decide")}
LIFETIMES = (30, 90, 180, 365)


class ScopesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), filters=[strip],
                       validators=[Optional(), Length(max=100)],
                       description=_l("For example the finance tool's name, shown in the list."))
    scopes = ScopesField(_l("Scopes"), validators=[DataRequired(_l("Choose at least one scope."))])
    days = SelectField(_l("Valid for"), coerce=int, default=90)

    def set_choices(self, scopes, max_days: int) -> None:
        self.scopes.choices = [(scope, SCOPE_LABELS[scope]) for scope in scopes]
        self.days.choices = [(days, _l("%(days)s days", days=days))
                             for days in LIFETIMES if days <= max_days]


class ServiceTokenForm(TokenForm):
    name = StringField(_l("Integration"), filters=[strip],
                       validators=[DataRequired(), Length(max=100)],
                       description=_l("The system that uses it, e.g. the city's data platform."))

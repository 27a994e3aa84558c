"""The what-if scenario form: name, base date, scope and changes. Field checks only; whether the
changes apply to the parameters is the service's decision (its errors are shown by the field)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from registry.forms import IsoDateField
from registry.forms.auth import strip

CHANGES_MAX = 4000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def parse_changes(text: str) -> dict[str, str]:
    """`path = value` lines (or `path=value`; `15%` is 0.15) as an overrides dict; ValueError
    naming the line at fault."""
    changes: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        path, sep, value = line.partition("=")
        path, value = path.strip(), value.strip()
        if not (sep and path and value):
            raise ValueError(number)
        try:
            amount = Decimal(value[:-1].strip()) / 100 if value.endswith("%") else Decimal(value)
        except InvalidOperation:
            raise ValueError(number) from None
        if not amount.is_finite():
            raise ValueError(number)
        changes[path] = format(amount.normalize(), "f") if value.endswith("%") else value
    return changes


class ScenarioForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    as_of = IsoDateField(_l("Base date"), validators=[Optional()],
                      description=_l("The date the rules are applied on; empty: today."))
    districts = MultiCheckboxField(_l("Districts"), choices=[],
                                   description=_l("None ticked: the whole city."))
    changes = TextAreaField(_l("Parameter changes"), filters=[strip], validators=[Length(max=CHANGES_MAX)],
                            render_kw={"rows": 4, "spellcheck": "false"},
                            description=_l("One per line: parameter = value, e.g. "
                                           "gazelle.default.revenue_cagr.bands.0.min = 15%"))
    gazelle = SelectField(_l("Gazelle profile"), choices=[], validate_choice=True)
    leader = SelectField(_l("Tech leader profile"), choices=[], validate_choice=True)

    def validate_changes(self, field) -> None:
        try:
            self.overrides = parse_changes(field.data)
        except ValueError as error:
            raise ValidationError(_("Line %(line)s is not “parameter = value” with a number.",
                                    line=error.args[0])) from None


class CopyForm(FlaskForm):
    name = StringField(_l("Name of the copy"), filters=[strip], validators=[DataRequired(), Length(max=120)])

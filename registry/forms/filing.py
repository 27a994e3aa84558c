"""The annual filing form: one field per figure, parsed exactly, checked field by field and
across fields. The Excel upload is validated by this same form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from registry.figures import (
    FIGURE_SPECS,
    ORDERED,
    Figure,
    cross_field_errors,
    format_figure,
    missing_for_submission,
    parse_figure,
    parse_yes_no,
)
from registry.forms.auth import strip

YES_NO_CHOICES = (("", _l("Not stated")), ("yes", _l("Yes")), ("no", _l("No")))


class FigureField(StringField):
    """A figure typed as text: kept verbatim for re-display, parsed into an exact Decimal."""

    def __init__(self, figure: Figure, **kwargs):
        super().__init__(figure.label, description=figure.help, **kwargs)
        self.figure = figure

    def process_formdata(self, valuelist):
        # A FigureError is a ValueError: WTForms keeps it as this field's error.
        if valuelist:
            self.data = None  # never fall back to the stored value behind a bad entry
            self.data = parse_figure(valuelist[0], self.figure)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_figure(self.data)


class YesNoFigureField(SelectField):
    """A yes/no figure: yes, no or not stated (unknown, never guessed); typed values such as
    是/否 from the Excel template are parsed like the web form's choices."""

    def __init__(self, figure: Figure, **kwargs):
        super().__init__(figure.label, description=figure.help, validate_choice=False,
                         coerce=parse_yes_no,
                         choices=[SelectChoice(value, label) for value, label in YES_NO_CHOICES],
                         **kwargs)
        self.figure = figure

    def process_formdata(self, valuelist):
        # A FigureError is a ValueError: WTForms keeps it as this field's error.
        if valuelist:
            self.data = None
            self.data = parse_figure(valuelist[0], self.figure)


class FilingForm(FlaskForm):
    """Figures, the revision the firm edited, the warnings it confirms and the action."""

    revision = HiddenField()
    confirm = SelectMultipleField(validate_choice=False, validators=[Optional()])
    # Sent by the button pressed (save or submit); never rendered as a field of its own.
    action = StringField(default="save")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        figures = self.figures()
        for name, message in cross_field_errors(figures).items():
            field = self[name]
            if not field.errors:
                field.errors.append(message)
                valid = False
        if self.submitting:
            for name in missing_for_submission(figures):
                if not self[name].errors:
                    self[name].errors.append(_l("Required to submit."))
                    valid = False
        return valid

    @property
    def submitting(self) -> bool:
        return self.action.data == "submit"

    def figures(self) -> dict:
        """The parsed figures (None for blank or unparseable ones)."""
        return {name: self[name].data for name in ORDERED}

    def figure_fields(self) -> list[Field]:
        return [self[name] for name in ORDERED]

    def expected_revision(self) -> int | None:
        try:
            return int(self.revision.data)
        except (TypeError, ValueError):
            return None


for _name in ORDERED:
    _spec = FIGURE_SPECS[_name]
    setattr(FilingForm, _name, YesNoFigureField(_spec) if _spec.yes_no else FigureField(_spec))



class CorrectionRequestForm(FlaskForm):
    """The firm asks to correct an accepted filing, saying what and why."""

    reason = TextAreaField(_l("What must be corrected, and why"), filters=[strip],
                           validators=[DataRequired(), Length(max=2000)])

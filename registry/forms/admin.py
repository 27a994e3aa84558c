"""Forms of bureau administration (inviting staff, roles and districts, handing over work, the
settings page's sections) and of one's own account (password, e-mail)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from registry.forms import IsoDateField
from registry.forms.auth import strip


class DistrictsField(SelectMultipleField):
    """Districts as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteStaffForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    districts = DistrictsField(_l("Districts"), validators=[Optional()],
                               description=_l("An officer needs at least one; a manager without "
                                              "districts sees the whole city."))


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    districts = DistrictsField(_l("Districts"), validators=[Optional()])


class ReassignForm(FlaskForm):
    to = SelectField(_l("Hand over to"), coerce=int, validators=[DataRequired()])


class DistrictForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=[DataRequired(), Length(max=32)])
    name_zh = StringField(_l("Chinese name"), filters=[strip],
                          validators=[DataRequired(), Length(max=64)])
    name_en = StringField(_l("English name"), filters=[strip],
                          validators=[DataRequired(), Length(max=64)])
    active = BooleanField(_l("Active"), default=True)


class YearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


class CalendarUploadForm(YearForm):
    file = FileField(_l("Holiday and make-up day list (CSV or XLSX)"),
                     validators=[DataRequired()])


class RoundDatesForm(YearForm):
    """Opening and closing dates per tier; the fields are added per tier by the view."""


class RuleProfilesForm(FlaskForm):
    gazelle = SelectField(_l("Gazelle profile"), validators=[DataRequired()])
    leader = SelectField(_l("Tech leader profile"), validators=[DataRequired()])
    effective = IsoDateField(_l("In force from"), validators=[DataRequired()])
    queue_scan = BooleanField(_l("Queue a full scan now"), default=True)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])
    current = PasswordField(_l("Current password"), validators=[DataRequired()])

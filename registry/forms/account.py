"""Account forms: registering a firm, accepting an invitation, resetting a password, and the
officer's invitation of a firm."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from registry.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from registry.creditcode import CreditCodeError, normalise_credit_code
from registry.forms import IsoDateField
from registry.forms.auth import strip
from registry.forms.portal import founded_in_the_past


def _credit_code(value):
    """Normalise a credit code (trim, upper-case); validation happens in `validate_credit_code`."""
    return value.strip().upper() if isinstance(value, str) else value


class CreditCodeField(StringField):
    def pre_validate(self, form) -> None:
        if self.data:
            try:
                self.data = normalise_credit_code(self.data)
            except CreditCodeError:
                raise ValidationError(_l("Not a valid unified social credit code (18 characters, "
                                         "check character last).")) from None


def strong_password(form, field) -> None:
    """`auth.passwords.password_problem`, against the form's e-mail address when it has one."""
    email = getattr(getattr(form, "email", None), "data", None) or ""
    problem = password_problem(field.data or "", email)
    if problem is not None:
        raise ValidationError(problem)


def password_fields():
    """A new password typed twice."""
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(max=200), strong_password],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    return password, confirm


class RegisterFirmForm(FlaskForm):
    credit_code = CreditCodeField(_l("Unified social credit code"), filters=[_credit_code],
                                  validators=[DataRequired()])
    firm_name = StringField(_l("Firm name"), filters=[strip],
                            validators=[DataRequired(), Length(max=200)])
    district = SelectField(_l("District"), validators=[DataRequired()])
    founded = IsoDateField(_l("Founded"), validators=[DataRequired(), founded_in_the_past])
    name = StringField(_l("Your name"), filters=[strip],
                       validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])
    password, confirm = password_fields()


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[strip],
                       validators=[DataRequired(), Length(max=100)])
    password, confirm = password_fields()


class RequestResetForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password, confirm = password_fields()


class InviteFirmForm(FlaskForm):
    """An officer invites a firm's first user; a firm not yet in the registry is created."""

    credit_code = CreditCodeField(_l("Unified social credit code"), filters=[_credit_code],
                                  validators=[DataRequired()])
    firm_name = StringField(_l("Firm name"), filters=[strip],
                            validators=[Optional(), Length(max=200)],
                            description=_l("Needed only for a firm not yet in the registry."))
    district = SelectField(_l("District"), validators=[Optional()])
    founded = IsoDateField(_l("Founded"), validators=[Optional(), founded_in_the_past])
    email = EmailField(_l("E-mail of the firm's administrator"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])


class RejectRegistrationForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip],
                           validators=[DataRequired(), Length(max=2000)])

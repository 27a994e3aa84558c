"""Forms of the officer workspace: review decisions, objections, revocation, outreach, spot
checks and imports. Field and cross-field checks only; the services decide what may happen."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.forms import IsoDateField
from registry.forms.auth import strip
from registry.models.review import OUTREACH_STATUSES, SPOT_CHECK_RESULTS

REASON_MAX = 2000


class DecisionForm(FlaskForm):
    """One form for every decision on a candidate; which fields count depends on the decision."""
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[Length(max=REASON_MAX)],
                           description=_l("Required to reject or return; the firm reads it."))
    valid_until = IsoDateField(_l("Valid until"), validators=[Optional()],
                            description=_l("For registrations without a fixed validity."))
    until = IsoDateField(_l("Deferred until"), validators=[Optional()])
    filing_year = SelectField(_l("Filing to return"), coerce=int, choices=[],
                              validate_choice=False)


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), coerce=str, choices=[], validate_choice=False)


class BulkForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[
        SelectChoice("approve", _l("Approve into public notice")),
        SelectChoice("assign", _l("Assign to an officer"))])
    assignee = SelectField(_l("Assign to"), coerce=str, choices=[], validate_choice=False)
    confirm = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip],
                           validators=[DataRequired(), Length(max=REASON_MAX)])


class ObjectionForm(FlaskForm):
    received_on = IsoDateField(_l("Received on"), validators=[DataRequired()])
    objector = StringField(_l("From (may stay anonymous)"), filters=[strip],
                           validators=[Length(max=200)])
    summary = TextAreaField(_l("What the objection says"), filters=[strip],
                            validators=[DataRequired(), Length(max=REASON_MAX)])


class ReturnFilingForm(FlaskForm):
    comment = TextAreaField(_l("What the firm must correct"), filters=[strip],
                            validators=[DataRequired(), Length(max=REASON_MAX)])


class OutreachForm(FlaskForm):
    status = SelectField(_l("Status"),
                         choices=[SelectChoice(status) for status in OUTREACH_STATUSES])
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=REASON_MAX)])


class SpotCheckForm(FlaskForm):
    district = SelectField(_l("District"), choices=[], validators=[DataRequired()])
    tier = SelectField(_l("Certificates"), choices=[])
    as_of = IsoDateField(_l("Certified on"), validators=[DataRequired()])
    sample_size = IntegerField(_l("Sample size"), validators=[Optional(), NumberRange(min=1)],
                               description=_l("Empty: the bureau's share of the population."))
    seed = StringField(_l("Seed"), filters=[strip], validators=[Length(max=40)],
                       description=_l("Empty: a random seed. A public number (e.g. a lottery "
                                      "draw) lets anyone check the draw was not chosen."))


class SpotCheckResultForm(FlaskForm):
    result = SelectField(_l("Result"),
                         choices=[SelectChoice(result) for result in SPOT_CHECK_RESULTS])
    findings = TextAreaField(_l("Findings"), filters=[strip], validators=[Length(max=REASON_MAX)])


class InspectorForm(FlaskForm):
    district = SelectField(_l("District"), choices=[], validators=[DataRequired()])
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    unit = StringField(_l("Unit"), filters=[strip], validators=[Length(max=200)])


class CertificateImportForm(FlaskForm):
    file = FileField(_l("Certificate list (CSV or XLSX)"), validators=[FileRequired()])


class OfficialImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=[
        SelectChoice("statistics", _l("Statistics bureau R&D survey (研发统计)")),
        SelectChoice("tax", _l("Tax bureau super-deduction declarations")),
        SelectChoice("roster", _l("Firm roster (creates firms, invites their contacts)"))])
    file = FileField(_l("File (CSV in UTF-8 or GBK, or XLSX)"), validators=[FileRequired()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (accept a filing, mark as read, ...)."""


class DeregisterForm(FlaskForm):
    """注销: the day the firm ceased to exist and why."""
    on = IsoDateField(_l("Deregistered on"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), filters=[strip],
                           validators=[DataRequired(), Length(max=REASON_MAX)],
                           description=_l("For example: business licence cancelled."))


class MoveFirmForm(FlaskForm):
    district = SelectField(_l("New district"), choices=[], validators=[DataRequired()])

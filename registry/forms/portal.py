"""Portal forms: the firm's profile (its facts) and inviting a colleague."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from registry.figures import Figure
from registry.forms import IsoDateField
from registry.forms.auth import strip
from registry.forms.filing import FigureField
from registry.models.firm import TECH_FIELDS
from registry.rules import today_in_shanghai

TECH_FIELD_LABELS = {
    "electronic_information": _l("Electronic information"),
    "biomedicine": _l("Biology and new medicine"),
    "aerospace": _l("Aerospace"),
    "new_materials": _l("New materials"),
    "hightech_services": _l("High-tech services"),
    "new_energy": _l("New energy and energy saving"),
    "resources_environment": _l("Resources and environment"),
    "advanced_manufacturing": _l("Advanced manufacturing and automation"),
    "other": _l("Other (outside the eight fields)"),
}
assert set(TECH_FIELD_LABELS) == set(TECH_FIELDS)

_TRI_STATE = {"": None, "yes": True, "no": False}


def _tri_state(value):
    """'yes'/'no'/'' (or a stored bool/None) to True/False/None; anything else is refused."""
    if value is None or isinstance(value, bool):
        return value
    if value not in _TRI_STATE:
        raise ValueError(_l("Choose yes, no or not stated."))
    return _TRI_STATE[value]


def tri_state_field(label, description=None) -> SelectField:
    """A fact that may be true, false or not stated (unknown, never guessed)."""
    return SelectField(label, description=description, coerce=_tri_state,
                       choices=[SelectChoice("", _l("Not stated")), SelectChoice("yes", _l("Yes")),
                                SelectChoice("no", _l("No"))])


class PercentField(FigureField):
    """A share typed in percent (72.5) and kept as a fraction (0.725), 0 to 100%."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            if self.data > 100:
                self.data = None
                raise ValueError(_l("At most 100%."))
            if -self.data.as_tuple().exponent > 2:
                self.data = None
                raise ValueError(_l("At most 2 decimal places."))
            self.data = self.data / 100

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{(self.data * 100).normalize():f}"


RD_STAFF = Figure("rd_staff_fulltime", "headcount", _l("Full-time R&D staff"), _l(
    "Staff working full time on R&D (the tech-leader tier asks for at least 50)."))
CORE_SHARE = Figure("core_product_share", "percent", _l("Core products' share of sales (%)"), _l(
    "The share of sales revenue that comes from the firm's core products, in percent."))


def founded_in_the_past(form, field) -> None:
    """A firm's founding date (profile, registration, invitation) is not after today in China
    (the server's own clock may still be on yesterday)."""
    if field.data and field.data > today_in_shanghai():
        raise ValidationError(_l("The founding date cannot be in the future."))


class ProfileForm(FlaskForm):
    name = StringField(_l("Firm name"), filters=[strip],
                       validators=[DataRequired(), Length(max=200)])
    founded = IsoDateField(_l("Founded"), validators=[DataRequired(), founded_in_the_past],
                        description=_l("The date on the business licence."))
    industry_code = StringField(
        _l("Industry code (GB/T 4754)"), filters=[strip, lambda v: v.upper() if v else v],
        validators=[Optional(), Regexp(r"^[A-T](\d{2,4})?$",
                                       message=_l("A letter and 2 to 4 digits, e.g. C39."))])
    industrial = tri_state_field(_l("Industrial enterprise"))
    tech_field = SelectField(
        _l("Technology field of the core technology"),
        choices=[SelectChoice("", _l("Not stated"))]
        + [SelectChoice(key, label) for key, label in TECH_FIELD_LABELS.items()],
        description=_l("One of the eight fields supported for high-tech enterprises."))
    resident = tri_state_field(_l("Resident enterprise paying income tax on actual accounts"))
    industry_excluded = tri_state_field(
        _l("In an industry excluded from the R&D super-deduction"),
        _l("Tobacco, accommodation and catering, wholesale and retail, real estate, leasing and "
           "business services, entertainment."))
    incidents = tri_state_field(
        _l("A major incident in the last year"),
        _l("A major safety or quality accident, serious environmental violation, serious fraud "
           "or research misconduct, or listing as abnormal or seriously dishonest."))
    ip_class1 = IntegerField(_l("Class I IP rights owned"), validators=[
        Optional(), NumberRange(min=0, max=10**9)],
        description=_l("Invention patents, new plant varieties, national new drugs, IC layout "
                       "designs and the like."))
    ip_class2 = IntegerField(_l("Class II IP rights owned"), validators=[
        Optional(), NumberRange(min=0, max=10**9)],
        description=_l("Utility models, designs and software copyrights (trademarks do not "
                       "count)."))
    route_national_award = BooleanField(
        _l("A national S&T award in the last 5 years (top-3 unit)"))
    route_provincial_rd_institution = BooleanField(
        _l("A recognised provincial-or-higher R&D institution"))
    route_led_standard = BooleanField(
        _l("Led an international, national or industry standard in the last 5 years"))
    rd_staff_fulltime = FigureField(RD_STAFF)
    core_product_share = PercentField(CORE_SHARE)
    ic_or_mother_machine = tri_state_field(
        _l("Integrated-circuit or industrial-mother-machine enterprise"),
        _l("These firms deduct 120% instead of 100% of R&D."))
    advanced_manufacturing_list = tri_state_field(
        _l("On the advanced manufacturing VAT-credit list"))
    rd_institution = tri_state_field(
        _l("Has an R&D institution"),
        _l("Yes when the firm runs at least one R&D institution of its own (研发机构: an "
           "engineering or technology centre, a research institute, a key laboratory and the "
           "like), recognised or not."))
    contact_name = StringField(_l("Contact person"), filters=[strip],
                               validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), filters=[strip],
                                validators=[Optional(), Length(max=40)])
    contact_email = EmailField(_l("Contact e-mail"), filters=[strip],
                               validators=[Optional(), Email(), Length(max=254)])
    bank_name = StringField(_l("Bank (opening branch)"), filters=[strip],
                            validators=[Optional(), Length(max=100)],
                            description=_l("Where the bureau pays a program's award."))
    bank_account = StringField(_l("Bank account number"), filters=[strip],
                               validators=[Optional(), Length(max=40), Regexp(
                                   r"^[0-9][0-9 -]*$", message=_l("Digits only (spaces and dashes allowed)."))])

    def values(self) -> dict:
        """The facts as the model stores them (blank text is None)."""
        values = {field.name: field.data for field in self if field.name != "csrf_token"}
        for name in ("industry_code", "tech_field", "contact_name", "contact_phone",
                     "contact_email", "bank_name", "bank_account"):
            values[name] = values[name] or None
        return values


class InviteColleagueForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])
    is_firm_admin = BooleanField(_l("May invite colleagues too (firm administrator)"))


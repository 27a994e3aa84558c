"""Forms of the programs area: compute a reward list with a budget, exclude a firm with a reason,
put a list on public notice."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from registry.figures import Figure
from registry.forms import IsoDateField
from registry.forms.auth import strip
from registry.forms.filing import FigureField
from registry.forms.officer import REASON_MAX

BUDGET = Figure("budget", "money", _l("Budget (10k yuan)"),
                _l("Leave empty for no budget: every award is then its entitlement."))


class ComputeRewardForm(FlaskForm):
    budget = FigureField(BUDGET, validators=[Optional()])


class ExcludeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=REASON_MAX)])


class NoticeForm(FlaskForm):
    start = IsoDateField(_l("Notice from"), validators=[DataRequired()])
    end = IsoDateField(_l("Notice until"), validators=[DataRequired()])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The notice cannot end before it starts."))

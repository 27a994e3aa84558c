"""WTForms classes: field and cross-field validation only."""

from wtforms import DateField
from wtforms.widgets import TextInput

# A date is typed as YYYY-MM-DD in a plain text box, whatever the browser's language: the
# browser's own date input shows dates in its locale's order (月/日/年 or mm/dd/yyyy).
ISO_DATE_ATTRIBUTES = {"pattern": r"\d{4}-\d{2}-\d{2}", "placeholder": "YYYY-MM-DD",
                       "inputmode": "numeric", "maxlength": 10, "autocomplete": "off"}


class IsoDateField(DateField):
    """A DateField typed as YYYY-MM-DD in a text input (ISO_DATE_ATTRIBUTES)."""
    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = {**ISO_DATE_ATTRIBUTES, **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)

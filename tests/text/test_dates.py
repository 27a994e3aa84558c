"""Date inputs that do not depend on the browser's language (issue 15 point 9): every date is
typed as YYYY-MM-DD in a plain text box (a browser's own date input shows 月/日/年 or mm/dd/yyyy
by its locale), and is read back as the same date."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from werkzeug.datastructures import MultiDict

from registry.forms import IsoDateField
from tests.conftest import REPO


def test_no_template_uses_the_browsers_date_input():
    offenders = [str(path.relative_to(REPO)) for path in Path(REPO, "templates").rglob("*.html")
                 if 'type="date"' in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_a_date_field_is_an_iso_text_box(app):
    from flask_wtf import FlaskForm

    class Form(FlaskForm):
        day = IsoDateField("Day")

    with app.test_request_context():
        form = Form(MultiDict({"day": "2026-03-09"}), meta={"csrf": False})
        html = str(form.day())
        assert 'type="text"' in html and 'pattern="\\d{4}-\\d{2}-\\d{2}"' in html
        assert 'placeholder="YYYY-MM-DD"' in html
        assert form.validate() and form.day.data == dt.date(2026, 3, 9)
        assert not Form(MultiDict({"day": "03/09/2026"}), meta={"csrf": False}).validate()

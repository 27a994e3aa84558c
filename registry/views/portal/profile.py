"""The firm's profile: its facts (all but the credit code and district), with their history."""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.portal import ProfileForm
from registry.i18n import current_locale
from registry.models import District
from registry.services import firms
from registry.services.firms import ProfileError
from registry.views.display import show_value
from registry.views.keep import EXPIRED_NOTICE, csrf_expired, keeps_input, restore_input
from registry.views.portal import bp, current_firm


@bp.route("/profile", methods=["GET", "POST"])
@requires(Permission.PORTAL_USE)
@keeps_input
def profile():
    firm = current_firm()
    kept = restore_input() if request.method == "GET" else None
    if kept is not None:
        flash(str(EXPIRED_NOTICE), "warning")
        form = ProfileForm(formdata=kept, obj=firm)
    else:
        form = ProfileForm(obj=firm)
    problem = None
    if form.validate_on_submit():
        try:
            changes = firms.update_profile(db.session, firm, current_user, form.values())
        except ProfileError as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Profile saved: %(count)s change(s) recorded.", count=len(changes))
                  if changes else _("Nothing changed."), "success" if changes else "info")
            return redirect(url_for(".profile"))
    if csrf_expired(form):
        problem = EXPIRED_NOTICE
    district = db.session.get(District, firm.district)
    district_name = (district.name_zh if current_locale() == "zh" else district.name_en) \
        if district else firm.district
    return render_template("portal/profile.html", firm=firm, form=form, problem=problem,
                           history=_history(firm, form), district_name=district_name)


def _history(firm, form: ProfileForm) -> list[dict]:
    """The fact changes as rows for reading: the fact's label and readable old/new values."""
    labels = {field.name: field.label.text for field in form if field.name != "csrf_token"}
    labels["district"] = _("District")
    return [{"when": change.changed_at, "who": name or email, "field": change.field,
             "label": labels.get(change.field, change.field),
             "old": _readable(change.field, change.old_value),
             "new": _readable(change.field, change.new_value)}
            for change, name, email in firms.fact_history(db.session, firm)]


def _readable(field: str, value) -> str:
    """A fact's stored JSON value for reading: the share as a percentage, the rest as everywhere."""
    if field == "core_product_share" and value is not None:
        return f"{Decimal(value) * 100:f}".rstrip("0").rstrip(".") + "%"
    return show_value(value)

"""The firm's profile: its facts (all but the credit code and district), with their history."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.portal import TECH_FIELD_LABELS, ProfileForm
from registry.services import firms
from registry.services.firms import ProfileError
from registry.views.portal import bp, current_firm
from registry.views.portal.keep import EXPIRED_NOTICE, csrf_expired, keeps_input, restore_input


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
    return render_template("portal/profile.html", firm=firm, form=form, problem=problem,
                           history=firms.fact_history(db.session, firm),
                           labels=_fact_labels(form))


def _fact_labels(form: ProfileForm) -> dict:
    """Readable names of the facts for the history table."""
    labels = {field.name: field.label.text for field in form if field.name != "csrf_token"}
    labels["district"] = _("District")
    labels.update({f"tech_field:{key}": label for key, label in TECH_FIELD_LABELS.items()})
    return labels

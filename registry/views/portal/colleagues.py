"""A firm administrator invites colleagues to the portal and revokes open invitations."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.portal import InviteColleagueForm
from registry.models.base import utcnow
from registry.services import firms, onboarding
from registry.services.onboarding import OnboardingError
from registry.views.keep import EXPIRED_NOTICE, csrf_expired, keeps_input
from registry.views.onboarding import revoke_in_scope
from registry.views.portal import bp, current_firm


@bp.route("/colleagues", methods=["GET", "POST"])
@requires(Permission.PORTAL_ADMIN)
@keeps_input
def colleagues():
    firm = current_firm()
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            invitation = onboarding.invite(db.session, firm, form.email.data, current_user,
                                           is_firm_admin=form.is_firm_admin.data)
        except OnboardingError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s (valid 7 days).", email=invitation.email),
                  "success")
            return redirect(url_for(".colleagues"))
    return render_template("portal/colleagues.html", firm=firm, form=form, now=utcnow(),
                           users=firms.firm_users(db.session, firm),
                           invitations=onboarding.invitations_in_scope(db.session, current_user),
                           problem=EXPIRED_NOTICE if csrf_expired(form) else None)


@bp.post("/invitations/<int(min=1, max=2147483647):invitation_id>/revoke")
@requires(Permission.PORTAL_ADMIN)
def revoke_invitation(invitation_id: int):
    return revoke_in_scope(invitation_id, url_for(".colleagues"))

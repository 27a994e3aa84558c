"""A firm administrator invites colleagues to the portal and revokes open invitations; deactivates,
reactivates or removes a colleague and passes the administrator role on."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.portal import InviteColleagueForm
from registry.models import User
from registry.models.base import utcnow
from registry.services import firms, onboarding, own_account
from registry.services.onboarding import OnboardingError
from registry.services.own_account import OwnAccountError
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


def _colleague_action(user_id: int, action, message: str):
    """Run `action(colleague)` on a user of the admin's own firm (another firm's: 404)."""
    colleague = db.session.get(User, user_id)
    if colleague is None or colleague.firm_id != current_user.firm_id:
        abort(404)
    try:
        action(colleague)
    except OwnAccountError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".colleagues"))


@bp.post("/colleagues/<int(min=1, max=2147483647):user_id>/deactivate")
@requires(Permission.PORTAL_ADMIN)
def deactivate_colleague(user_id: int):
    return _colleague_action(user_id, lambda c: own_account.set_colleague_active(
        db.session, current_user, c, False), _("Deactivated; their sessions have ended."))


@bp.post("/colleagues/<int(min=1, max=2147483647):user_id>/reactivate")
@requires(Permission.PORTAL_ADMIN)
def reactivate_colleague(user_id: int):
    return _colleague_action(user_id, lambda c: own_account.set_colleague_active(
        db.session, current_user, c, True), _("Active again."))


@bp.post("/colleagues/<int(min=1, max=2147483647):user_id>/remove")
@requires(Permission.PORTAL_ADMIN)
def remove_colleague(user_id: int):
    return _colleague_action(user_id, lambda c: own_account.remove_colleague(
        db.session, current_user, c), _("Removed."))


@bp.post("/colleagues/<int(min=1, max=2147483647):user_id>/make-admin")
@requires(Permission.PORTAL_ADMIN)
def pass_admin_role(user_id: int):
    return _colleague_action(user_id, lambda c: own_account.pass_admin_role(
        db.session, current_user, c), _("They now administer the firm's accounts."))

"""The officer's side of onboarding: invite firms, approve or reject registrations, revoke
invitations, all within the officer's districts (anything else answers 404)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from registry.auth.permissions import Permission, requires
from registry.auth.scope import scoped_firm_or_404, visible_district_codes
from registry.extensions import db
from registry.forms.account import InviteFirmForm, RejectRegistrationForm
from registry.models import Firm
from registry.models.base import utcnow
from registry.navigation import add_nav
from registry.services import onboarding
from registry.services.onboarding import OnboardingError
from registry.views.account import district_choices
from registry.views.keep import init_blueprint, keeps_input

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")
init_blueprint(bp)


def _officer_districts() -> list[SelectChoice]:
    choices = district_choices()
    codes = visible_district_codes(current_user, [choice.value for choice in choices])
    return [choice for choice in choices if choice.value in codes]


def _render(invite_form=None, reject_form=None, rejecting: int | None = None, status=200):
    invite_form = invite_form or _invite_form()
    return render_template(
        "onboarding/index.html", invite_form=invite_form,
        reject_form=reject_form or RejectRegistrationForm(), rejecting=rejecting,
        pending=onboarding.pending_registrations(db.session, current_user),
        invitations=onboarding.invitations_in_scope(db.session, current_user),
        now=utcnow()), status


def _invite_form() -> InviteFirmForm:
    form = InviteFirmForm()
    form.district.choices = [SelectChoice("", "—")] + _officer_districts()
    return form


@bp.get("/")
@requires(Permission.FIRMS_INVITE)
def index():
    return _render()


@bp.post("/invite")
@requires(Permission.FIRMS_INVITE)
@keeps_input
def invite():
    form = _invite_form()
    if form.validate_on_submit():
        existing = db.session.scalar(select(Firm.id).where(
            Firm.credit_code == form.credit_code.data))
        if existing is None and not _new_firm_details_given(form):
            return _render(invite_form=form)
        try:
            invitation = onboarding.invite_new_firm(
                db.session, current_user, credit_code=form.credit_code.data,
                name=form.firm_name.data or "", district=form.district.data,
                founded=form.founded.data, email=form.email.data)
        except OnboardingError as error:
            db.session.rollback()
            form[error.field or "email"].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s for %(firm)s (valid 7 days).",
                    email=invitation.email, firm=invitation.firm.name), "success")
            return redirect(url_for(".index"))
    return _render(invite_form=form)


def _new_firm_details_given(form: InviteFirmForm) -> bool:
    """A firm not yet in the registry needs its name, district and founding date."""
    missing = False
    for field in (form.firm_name, form.district, form.founded):
        if not field.data:
            field.errors.append(_l("Needed for a firm not yet in the registry."))
            missing = True
    return not missing


def _pending_firm_or_404(firm_id: int) -> Firm:
    firm = scoped_firm_or_404(current_user, firm_id)
    if firm.status != "pending":
        abort(404)
    return firm


@bp.post("/registrations/<int(min=1, max=2147483647):firm_id>/approve")
@requires(Permission.FIRMS_INVITE)
def approve(firm_id: int):
    firm = _pending_firm_or_404(firm_id)
    onboarding.approve_registration(db.session, firm, current_user)
    db.session.commit()
    flash(_("%(firm)s is approved; its users have been told.", firm=firm.name), "success")
    return redirect(url_for(".index"))


@bp.post("/registrations/<int(min=1, max=2147483647):firm_id>/reject")
@requires(Permission.FIRMS_INVITE)
@keeps_input
def reject(firm_id: int):
    firm = _pending_firm_or_404(firm_id)
    form = RejectRegistrationForm()
    if not form.validate_on_submit():
        return _render(reject_form=form, rejecting=firm.id)
    name = firm.name
    onboarding.reject_registration(db.session, firm, current_user, form.reason.data)
    db.session.commit()
    flash(_("The registration of %(firm)s is rejected; the registrant has been told why.",
            firm=name), "success")
    return redirect(url_for(".index"))


@bp.post("/invitations/<int(min=1, max=2147483647):invitation_id>/revoke")
@requires(Permission.FIRMS_INVITE)
def revoke(invitation_id: int):
    return revoke_in_scope(invitation_id, url_for(".index"))


def revoke_in_scope(invitation_id: int, back: str):
    """Revoke an invitation the current user may see (404 otherwise), then go `back`."""
    invitation = onboarding.scoped_invitation(db.session, current_user, invitation_id)
    if invitation is None:
        abort(404)
    onboarding.revoke_invitation(db.session, invitation, current_user)
    db.session.commit()
    flash(_("The invitation to %(email)s is revoked.", email=invitation.email), "success")
    return redirect(back)


add_nav("onboarding.index", _l("Onboarding"), Permission.FIRMS_INVITE, order=60, group="admin")

"""`/admin/users`: find users, invite staff, change roles and districts, deactivate, reactivate,
hand over a leaving officer's work, send a password reset."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auth import sessions
from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.admin import InviteStaffForm, ReassignForm, UserRoleForm
from registry.i18n import current_locale
from registry.models import Invitation, User
from registry.models.user import ROLES
from registry.services import settings, two_factor, users
from registry.services.users import STAFF_ROLES, UserAdminError, UserFilters
from registry.views import id_arg
from registry.views.admin import ID, bp


def _district_choices(active_only: bool = True) -> list[tuple[str, str]]:
    return list(settings.district_names(db.session, current_locale(), active_only).items())


def _role_choices() -> list[tuple[str, str]]:
    return [(role, str(users.ROLE_LABELS[role])) for role in STAFF_ROLES]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _filters() -> UserFilters:
    args = request.args
    names = settings.district_names(db.session, current_locale())
    return UserFilters(q=(args.get("q") or "").strip()[:100] or None,
                       role=args.get("role") if args.get("role") in ROLES else None,
                       district=args.get("district") if args.get("district") in names else None,
                       status=args.get("status") if args.get("status") in ("active", "inactive")
                       else None)


@bp.route("/users", methods=["GET", "POST"])
@requires(Permission.USERS_ADMIN)
def users_index():
    form = InviteStaffForm()
    form.role.choices = _role_choices()
    form.districts.choices = _district_choices()
    if form.validate_on_submit():
        try:
            invitation = users.invite_staff(db.session, current_user, email=form.email.data,
                                            role=form.role.data, districts=form.districts.data)
        except UserAdminError as error:
            db.session.rollback()
            form[error.field or "email"].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s (valid 7 days).", email=invitation.email),
                  "success")
            return redirect(url_for(".users_index"))
    filters = _filters()
    rows, next_after = users.users_page(db.session, filters, id_arg("after"))
    return render_template("admin/users.html", form=form, filters=filters, rows=rows,
                           next_after=next_after, roles=ROLES,
                           districts=settings.district_names(db.session, current_locale()),
                           invitations=users.open_staff_invitations(db.session))


@bp.route(f"/users/<{ID}:user_id>", methods=["GET", "POST"])
@requires(Permission.USERS_ADMIN)
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    form = UserRoleForm(obj=None if request.method == "POST" else user)
    form.role.choices = _role_choices()
    form.districts.choices = _district_choices()
    if request.method == "GET":
        form.districts.data = sorted(user.district_codes)
    if user.role != "firm" and form.validate_on_submit():
        try:
            changed = users.change_role(db.session, current_user, user, role=form.role.data,
                                        districts=form.districts.data)
        except UserAdminError as error:
            db.session.rollback()
            form[error.field or "role"].errors.append(error.message)
        else:
            db.session.commit()
            if changed:
                flash(_("Role and districts saved."), "success")
            return redirect(url_for(".user_detail", user_id=user.id))
    reassign = ReassignForm()
    colleagues = users.colleagues_for(db.session, user)
    reassign.to.choices = [(c.id, c.name or c.email) for c in colleagues]
    return render_template("admin/user.html", user=user, form=form, reassign=reassign,
                           work=users.open_work(db.session, user), colleagues=colleagues,
                           two_factor_required=sessions.second_factor_required(user),
                           recovery_codes_left=two_factor.recovery_codes_left(db.session, user),
                           districts=settings.district_names(db.session, current_locale()))


def _act(user_id: int, action, message: str):
    user = _user_or_404(user_id)
    try:
        action(user)
    except UserAdminError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".user_detail", user_id=user_id))


@bp.post(f"/users/<{ID}:user_id>/deactivate")
@requires(Permission.USERS_ADMIN)
def deactivate(user_id: int):
    return _act(user_id, lambda user: users.deactivate(db.session, current_user, user),
                _("The user is deactivated; their sessions have ended."))


@bp.post(f"/users/<{ID}:user_id>/reactivate")
@requires(Permission.USERS_ADMIN)
def reactivate(user_id: int):
    return _act(user_id, lambda user: users.reactivate(db.session, current_user, user),
                _("The user is active again."))


@bp.post(f"/users/<{ID}:user_id>/password-reset")
@requires(Permission.USERS_ADMIN)
def password_reset(user_id: int):
    return _act(user_id, lambda user: users.send_password_reset(db.session, current_user, user),
                _("A password reset link has been mailed (valid one hour)."))


@bp.post(f"/users/<{ID}:user_id>/two-factor-reset")
@requires(Permission.USERS_ADMIN)
def two_factor_reset(user_id: int):
    return _act(user_id, lambda user: users.reset_two_factor(db.session, current_user, user),
                _("Two-step login is reset: the user sets it up again at their next login."))


@bp.post(f"/users/<{ID}:user_id>/reassign")
@requires(Permission.USERS_ADMIN)
def reassign(user_id: int):
    user = _user_or_404(user_id)
    form = ReassignForm()
    form.to.choices = [(c.id, c.name) for c in users.colleagues_for(db.session, user)]
    if not form.validate_on_submit():
        flash(_("Choose an active officer of the same district."), "danger")
        return redirect(url_for(".user_detail", user_id=user_id))
    to = _user_or_404(form.to.data)
    try:
        moved = users.reassign_open_work(db.session, current_user, user, to)
    except UserAdminError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("Handed over to %(name)s: %(candidates)s candidates, %(outreach)s outreach "
                "entries, %(spot_checks)s spot-check inspections.", name=to.name or to.email,
                **moved), "success")
    return redirect(url_for(".user_detail", user_id=user_id))


@bp.post(f"/invitations/<{ID}:invitation_id>/revoke")
@requires(Permission.USERS_ADMIN)
def revoke_invitation(invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.role == "firm":
        abort(404)
    users.revoke_staff_invitation(db.session, current_user, invitation)
    db.session.commit()
    flash(_("Invitation revoked."), "success")
    return redirect(url_for(".users_index"))

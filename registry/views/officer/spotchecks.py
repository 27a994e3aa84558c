"""Spot checks (双随机): draw, replay, record results, export; the districts' inspector rosters."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from registry.auth.permissions import Permission, requires
from registry.auth.scope import district_scope, may_see_district
from registry.extensions import db
from registry.forms.officer import ActionForm, InspectorForm, SpotCheckForm, SpotCheckResultForm
from registry.models import Inspector, SpotCheck, SpotCheckItem
from registry.models.certificate import TIERS
from registry.rules import today_in_shanghai
from registry.services import spotchecks
from registry.services.spotchecks import RESULT_LABELS
from registry.views.officer import (
    ID,
    bp,
    district_names,
    district_or_404,
    tier_label,
    visible_districts,
)
from registry.views.officer.export import table_response


def _spot_check_form() -> SpotCheckForm:
    form = SpotCheckForm()
    form.district.choices = _district_choices()
    form.tier.choices = [SelectChoice("", _("Any certificate"))] + [
        SelectChoice(tier, tier_label(tier)) for tier in TIERS]
    if form.as_of.data is None:
        form.as_of.data = today_in_shanghai()
    return form


def _inspector_form() -> InspectorForm:
    form = InspectorForm()
    form.district.choices = _district_choices()
    return form


def _district_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in visible_districts().items()]


def render_index(form=None, inspector_form=None, status=200):
    checks = db.session.scalars(select(SpotCheck)
                                .where(district_scope(SpotCheck.district, current_user))
                                .order_by(SpotCheck.id.desc()).limit(100)).all()
    inspectors = db.session.scalars(select(Inspector)
                                    .where(district_scope(Inspector.district, current_user))
                                    .order_by(Inspector.district, Inspector.name)).all()
    return render_template("officer/spot_checks.html", checks=checks, inspectors=inspectors,
                           form=form or _spot_check_form(),
                           inspector_form=inspector_form or _inspector_form(),
                           districts=district_names(), action_form=ActionForm()), status


@bp.get("/spot-checks", endpoint="spot_checks")
@requires(Permission.CERTIFICATES_VIEW)
def spot_check_index():
    return render_index()


@bp.post("/spot-checks")
@requires(Permission.CERTIFICATES_MANAGE)
def spot_check_draw():
    form = _spot_check_form()
    if not form.validate_on_submit():
        return render_index(form=form, status=400)
    try:
        check = spotchecks.create(db.session, current_user,
                                  district=district_or_404(form.district.data),
                                  tier=form.tier.data or None, as_of=form.as_of.data,
                                  sample_size=form.sample_size.data, seed=form.seed.data)
    except spotchecks.SpotCheckError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return render_index(form=form, status=409)
    db.session.commit()
    flash(_("Drawn: %(count)s firms.", count=check.sample_size), "success")
    return redirect(url_for("officer.spot_check", check_id=check.id))


def _check_or_404(check_id: int) -> SpotCheck:
    check = db.session.get(SpotCheck, check_id)
    if check is None or not may_see_district(current_user, check.district):
        abort(404)
    return check


@bp.get(f"/spot-checks/<{ID}:check_id>")
@requires(Permission.CERTIFICATES_VIEW)
def spot_check(check_id: int):
    check = _check_or_404(check_id)
    items = spotchecks.items_of(db.session, check)
    inspectors = spotchecks.inspectors_by_id(db.session, check.roster)
    return render_template("officer/spot_check.html", check=check, items=items,
                           inspectors=inspectors, replayed=spotchecks.replay(check, items),
                           district=district_names().get(check.district, check.district),
                           result_labels=RESULT_LABELS, form=SpotCheckResultForm())


@bp.post(f"/spot-checks/items/<{ID}:item_id>")
@requires(Permission.CERTIFICATES_MANAGE)
def spot_check_result(item_id: int):
    item = db.get_or_404(SpotCheckItem, item_id)
    check = _check_or_404(item.spot_check_id)
    form = SpotCheckResultForm()
    if form.validate_on_submit():
        try:
            spotchecks.record_result(db.session, item, current_user, result=form.result.data,
                                     findings=form.findings.data)
            db.session.commit()
            flash(_("Result saved."), "success")
        except spotchecks.SpotCheckError as error:
            db.session.rollback()
            flash(error.message, "danger")
    else:
        flash(_("Choose a result."), "danger")
    return redirect(url_for("officer.spot_check", check_id=check.id, _anchor=f"item-{item.id}"))


@bp.get(f"/spot-checks/<{ID}:check_id>/export.<fmt>")
@requires(Permission.CERTIFICATES_VIEW)
def spot_check_export(check_id: int, fmt: str):
    check = _check_or_404(check_id)
    items = spotchecks.items_of(db.session, check)
    inspectors = spotchecks.inspectors_by_id(db.session, check.roster)
    headers = [_("Rank"), _("Credit code"), _("Firm"), _("Inspectors"), _("Assigned to"),
               _("Result"), _("Findings"), _("Recorded at"), _("Seed")]
    rows = ([item.rank, item.firm.credit_code, item.firm.name,
             "、".join(inspectors[i].name for i in item.inspector_ids if i in inspectors),
             (item.assigned_to.name or item.assigned_to.email) if item.assigned_to else "",
             str(RESULT_LABELS[item.result]), item.findings, item.recorded_at, check.seed]
            for item in items)
    return table_response(f"spot-check-{check.as_of.isoformat()}", headers, rows, fmt)


@bp.post("/inspectors")
@requires(Permission.CERTIFICATES_MANAGE)
def inspector_add():
    form = _inspector_form()
    if not form.validate_on_submit():
        return render_index(inspector_form=form, status=400)
    spotchecks.add_inspector(db.session, current_user, district=district_or_404(form.district.data),
                             name=form.name.data, unit=form.unit.data)
    db.session.commit()
    flash(_("Inspector added to the roster."), "success")
    return redirect(url_for("officer.spot_checks", _anchor="roster"))


@bp.post(f"/inspectors/<{ID}:inspector_id>/toggle")
@requires(Permission.CERTIFICATES_MANAGE)
def inspector_toggle(inspector_id: int):
    inspector = db.session.get(Inspector, inspector_id)
    if inspector is None or not may_see_district(current_user, inspector.district):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    spotchecks.set_inspector_active(db.session, current_user, inspector, not inspector.active)
    db.session.commit()
    return redirect(url_for("officer.spot_checks", _anchor="roster"))

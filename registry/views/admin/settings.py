"""`/admin/settings`: the bureau's name and procedures, districts, yearly targets, working-day
calendars, rule profiles, application rounds and the year rollover checklist. Every change is versioned and
audited by `services/settings.py` and in force at the next request."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.admin import CalendarUploadForm, DistrictForm, RuleProfilesForm
from registry.i18n import current_locale
from registry.models import Firm, Target
from registry.models.certificate import TIERS
from registry.models.monitoring import DIRECTIONS, TARGET_INDICATORS
from registry.rules import today_in_shanghai
from registry.services import ServiceError, calendar, scans, settings, targets
from registry.services.settings import BUREAU_VALUES, SettingsError
from registry.views.admin import bp
from registry.views.dashboard import INDICATOR_LABELS
from registry.views.display import profile_label
from registry.views.officer import tier_label

BUREAU_LABELS = {
    "bureau.name": _l("Bureau name"),
    "public_notice.working_days": _l("Public notice (working days)"),
    "filings.deadline": _l("Filing deadline of a fiscal year (month-day of the next year)"),
    "spot_checks.sample_share": _l("Spot checks: share of certified firms drawn"),
    "spot_checks.minimum_sample": _l("Spot checks: at least this many firms"),
    "spot_checks.inspectors_per_firm": _l("Spot checks: inspectors per firm"),
    "certificates.region": _l("Region code in certificate numbers"),
    "certificates.tech_sme.valid_until": _l("Tech-SME registration valid until (month-day)"),
}


def bureau_labels() -> dict[str, str]:
    """The bureau values' labels in the reader's language (tiers named by the rules' catalog)."""
    return {**{path: str(label) for path, label in BUREAU_LABELS.items()},
            **{f"certificates.{tier}.number_format":
               _("Certificate number format: %(tier)s", tier=tier_label(tier)) for tier in TIERS}}


def show_setting(value) -> str:
    """A stored value for reading: text as is, anything else as JSON (Chinese kept)."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _year_arg() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else today_in_shanghai().year + 1


def _rollover(year: int) -> list[dict]:
    """What next year needs, each missing until set."""
    return [
        {"item": _("Working-day calendar"), "ready": settings.calendar_document(db.session, year)
         is not None},
        {"item": _("Yearly targets"), "ready": bool(targets.targets_of_year(db.session, year))},
        {"item": _("Application round dates"), "ready": bool(settings.round_dates(db.session, year))},
    ]


def _page(*, bureau_errors=None, district_form=None, calendar_form=None, calendar_rows=None,
          calendar_error=None, profiles_form=None, round_errors=None, target_error=None,
          status=200):
    today = today_in_shanghai()
    year = _year_arg()
    bureau = settings.bureau(db.session)
    values = {}
    for spec in BUREAU_VALUES:
        value = bureau
        for part in spec.path.split("."):
            value = value[part]
        values[spec.path] = value
    firms = dict(db.session.execute(select(Firm.district, func.count()).group_by(Firm.district)).all())
    calendars = {y: settings.calendar_document(db.session, y)
                 for y in range(today.year - 1, today.year + 3)}
    profiles_form = profiles_form or _profiles_form()
    return render_template(
        "admin/settings.html", specs=BUREAU_VALUES, labels=bureau_labels(), values=values,
        bureau_errors=bureau_errors or {}, districts=settings.districts(db.session),
        firms_per_district=firms, district_form=district_form or DistrictForm(),
        calendar_form=calendar_form or CalendarUploadForm(year=year), calendars=calendars,
        calendar_rows=calendar_rows, calendar_error=calendar_error,
        profile_changes=settings.profile_changes(db.session), profiles_form=profiles_form,
        round_year=year, rounds=settings.round_dates(db.session, year), tiers=TIERS,
        tier_label=tier_label, round_errors=round_errors or {}, rollover=_rollover(year),
        history=settings.history(db.session), show_setting=show_setting,
        targets=targets.targets_of_year(db.session, year), indicator_labels=INDICATOR_LABELS,
        target_indicators=TARGET_INDICATORS, directions=DIRECTIONS, show_target=show_target,
        district_names=settings.district_names(db.session, current_locale()),
        target_error=target_error), status


def show_target(target: Target) -> str:
    """A target's value as people read it: a ratio in percent, money in 万元, a count."""
    if target.kind == "ratio":
        return f"{target.value * 100:,.2f}%"
    if target.kind == "money":
        return _("%(value)s 10k yuan", value=f"{target.value:,.4f}".rstrip("0").rstrip("."))
    return f"{int(target.value):,}"


def _target_version(target: Target | None) -> dict | None:
    if target is None:
        return None
    return {"value": str(target.value), "direction": target.direction, "source": target.source}


def _profiles_form(form: RuleProfilesForm | None = None) -> RuleProfilesForm:
    form = form or RuleProfilesForm(effective=today_in_shanghai())
    known = settings.known_profiles(today_in_shanghai().year)
    form.gazelle.choices = [(name, profile_label("gazelle", name)) for name in known["gazelle"]]
    form.leader.choices = [(name, profile_label("leader", name)) for name in known["leader"]]
    return form


@bp.get("/settings")
@requires(Permission.USERS_ADMIN)
def settings_index():
    return _page()


def _saved(changed: bool):
    db.session.commit()
    flash(_("Saved; in force from now on.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".settings_index", year=request.args.get("year")))


@bp.post("/settings/bureau")
@requires(Permission.USERS_ADMIN)
def save_bureau():
    errors, changed = {}, False
    for spec in BUREAU_VALUES:
        if spec.path not in request.form:
            continue
        try:
            with db.session.begin_nested():
                changed |= settings.set_bureau_value(db.session, spec.path,
                                                     request.form[spec.path], current_user)
        except SettingsError as error:
            errors[spec.path] = error.message
    if errors:
        db.session.rollback()
        return _page(bureau_errors=errors, status=422)
    return _saved(changed)


@bp.post("/settings/districts")
@requires(Permission.USERS_ADMIN)
def save_district():
    form = DistrictForm()
    new = request.form.get("new") == "1"
    if form.validate_on_submit():
        try:
            settings.save_district(db.session, current_user, code=form.code.data,
                                   name_zh=form.name_zh.data, name_en=form.name_en.data,
                                   active=form.active.data, new=new)
        except SettingsError as error:
            db.session.rollback()
            form[error.field or "code"].errors.append(error.message)
        else:
            return _saved(True)
    if new:
        return _page(district_form=form, status=422)
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "danger")
    return redirect(url_for(".settings_index"))


@bp.post("/settings/districts/<code>/delete")
@requires(Permission.USERS_ADMIN)
def delete_district(code: str):
    try:
        settings.delete_district(db.session, code, current_user)
    except SettingsError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for(".settings_index"))
    return _saved(True)


@bp.post("/settings/districts/load-defaults")
@requires(Permission.USERS_ADMIN)
def load_default_districts():
    return _saved(settings.load_defaults(db.session, current_user) > 0)


@bp.post("/settings/calendar")
@requires(Permission.USERS_ADMIN)
def upload_calendar():
    form = CalendarUploadForm()
    if not form.validate_on_submit():
        return _page(calendar_form=form, status=422)
    upload = form.file.data
    document, rows, error = calendar.read_calendar(upload.filename or "", upload.read(),
                                                   form.year.data, request.form.get("source", ""))
    if document is None:
        return _page(calendar_form=form, calendar_rows=rows, calendar_error=error, status=422)
    changed = settings.set_calendar(db.session, form.year.data, document, current_user)
    return _saved(changed)


@bp.post("/settings/profiles")
@requires(Permission.USERS_ADMIN)
def save_profiles():
    form = _profiles_form(RuleProfilesForm())
    if not form.validate_on_submit():
        return _page(profiles_form=form, status=422)
    try:
        changed = settings.set_rule_profiles(
            db.session, {"gazelle": form.gazelle.data, "leader": form.leader.data},
            form.effective.data, current_user)
    except SettingsError as error:
        db.session.rollback()
        form.gazelle.errors.append(error.message)
        return _page(profiles_form=form, status=422)
    if changed and form.queue_scan.data:
        scans.start_full_scan(db.session, current_user)
    return _saved(changed)


@bp.post("/settings/rounds")
@requires(Permission.USERS_ADMIN)
def save_rounds():
    year = _year_arg()
    dates, errors = {}, {}
    for tier in TIERS:
        pair = []
        for end in ("opens", "closes"):
            text = request.form.get(f"{tier}-{end}", "").strip()
            try:
                pair.append(dt.date.fromisoformat(text) if text else None)
            except ValueError:
                errors[tier] = _l("Enter dates as YYYY-MM-DD.")
        dates[tier] = None if pair == [None, None] else tuple(pair)
    if not errors:
        try:
            return _saved(settings.set_round_dates(db.session, year, dates, current_user))
        except SettingsError as error:
            db.session.rollback()
            errors[error.field] = error.message
    return _page(round_errors=errors, status=422)


@bp.post("/settings/targets")
@requires(Permission.USERS_ADMIN)
def save_target():
    """Set (or replace) the target of an indicator for the year and the city or one district;
    a ratio is entered in percent."""
    year, form = _year_arg(), request.form
    indicator = form.get("indicator", "")
    district = form.get("district") or None
    value = (form.get("value") or "").strip().replace(",", "")
    try:
        if TARGET_INDICATORS.get(indicator) == "ratio":
            value = str(Decimal(value.rstrip("%")) / 100)
    except InvalidOperation:
        value = "not a number"
    key = f"targets.{year}.{indicator}.{district or 'city'}"
    try:
        old = _target_version(targets.target_for(db.session, indicator, year, district))
        target = targets.set_target(db.session, current_user, indicator=indicator, year=year,
                                    value=value, district=district,
                                    direction=form.get("direction", ""),
                                    source=form.get("source", "")[:500])
    except ServiceError as error:
        db.session.rollback()
        return _page(target_error=error.message, status=422)
    new = _target_version(target)
    if old != new:
        settings.record_version(db.session, key, old, new, current_user)
    return _saved(old != new)


@bp.post("/settings/targets/<int(min=1, max=2147483647):target_id>/delete")
@requires(Permission.USERS_ADMIN)
def delete_target(target_id: int):
    target = db.session.get(Target, target_id)
    if target is None:
        abort(404)
    key = f"targets.{target.year}.{target.indicator}.{target.district or 'city'}"
    settings.record_version(db.session, key, _target_version(target), None, current_user)
    targets.delete_target(db.session, current_user, target)
    return _saved(True)

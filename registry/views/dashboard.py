"""The bureau's dashboard (managers' start page), the firms behind each number, its XLSX export,
"snapshot now" for admins, and the officer's home page `/today`.

A user sees the city when scope.py says they see every district, else only their districts; any
other district answers 404.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.auth.permissions import Permission, requires
from registry.auth.scope import sees_every_district
from registry.extensions import db
from registry.figures import display_count, display_money, display_percent
from registry.models.certificate import TIERS
from registry.models.monitoring import CITY_SCOPE, TARGET_INDICATORS
from registry.navigation import add_nav
from registry.rules import ParameterError, today_in_shanghai
from registry.services import dashboard, settings, snapshots, today
from registry.services.export import (
    COUNT_FORMAT,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    XLSX_MIMETYPE,
    Column,
    Number,
    xlsx_workbook_bytes,
)
from registry.services.indicators import Period, firm_sets
from registry.views.display import rules_text
from registry.views.officer import district_names, district_or_404, visible_districts

bp = Blueprint("dashboard", __name__)
add_nav("dashboard.index", _l("Dashboard"), Permission.FIRMS_VIEW, order=5)
add_nav("dashboard.today", _l("Today"), Permission.CANDIDATES_DECIDE, order=6)


@bp.record_once
def _start_pages(state) -> None:
    """Managers start on the dashboard, officers on their day's work."""
    homes = dict(state.app.config.get("HOME_ENDPOINTS") or {})
    homes["manager"] = ("dashboard.index",)
    homes["officer"] = ("dashboard.today",)
    state.app.config["HOME_ENDPOINTS"] = homes


def _visible() -> list[str]:
    """The district codes the current user sees (auth.scope), in the order of their codes."""
    return list(visible_districts())


def _scope() -> str | None:
    """The scope asked for: a visible district (else 404), or by default the city for those who
    see it, else their first district; None for a user who sees no district."""
    district = request.args.get("district") or None
    if district is not None:
        return district_or_404(district)
    if sees_every_district(current_user):
        return CITY_SCOPE
    visible = _visible()
    return visible[0] if visible else None


def _as_of() -> tuple[dt.date, str | None]:
    """The date asked for (default today); a bad or future date falls back to today with a note."""
    today_ = today_in_shanghai()
    raw = request.args.get("as_of")
    if not raw:
        return today_, None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return today_, _("That date could not be read; showing today.")
    if day > today_:
        return today_, _("A future date cannot be shown; showing today.")
    if day.year < 2000:
        return today_, _("Dates before 2000 cannot be shown; showing today.")
    return day, None


def _board(as_of: dt.date, scope: str, problem: str | None):
    """The dashboard of the date; today's when the rules have no parameters for the date."""
    live = request.args.get("live") == "1"
    try:
        return dashboard.build(db.session, as_of, scope, _visible(), live=live), problem
    except ParameterError:
        db.session.rollback()
        today_ = today_in_shanghai()
        return (dashboard.build(db.session, today_, scope, _visible(), live=live),
                _("The rules have no parameters for %(day)s; showing today.",
                  day=as_of.isoformat()))


@bp.get("/dashboard")
@requires(Permission.FIRMS_VIEW)
def index():
    scope = _scope()
    if scope is None:
        return render_template("dashboard/no_scope.html")
    as_of, problem = _as_of()
    board, problem = _board(as_of, scope, problem)
    return render_template(
        "dashboard/index.html", board=board, problem=problem, names=district_names(),
        visible=_visible(), city_visible=sees_every_district(current_user),
        labels=INDICATOR_LABELS, set_of=set_of, status_labels=STATUS_LABELS,
        source_notes=SOURCE_NOTES, forecast_parts=FORECAST_PARTS, tiers=TIERS,
        last_month=(board.as_of.replace(day=1) - dt.timedelta(days=1)),
        can_snapshot=current_user.role == "admin", today=today_in_shanghai(),
        month_labels=month_labels(),
        bureau_name=settings.bureau_name(db.session))


@bp.get("/dashboard/firms")
@requires(Permission.FIRMS_VIEW)
def firms():
    scope = _scope()
    if scope is None:
        return redirect(url_for("dashboard.index"))
    as_of, problem = _as_of()
    name = request.args.get("set", "hnte_valid")
    try:
        sets = firm_sets(Period(as_of, as_of.year - 1))
    except ParameterError:
        problem = _("The rules have no parameters for %(day)s; showing today.",
                    day=as_of.isoformat())
        as_of = today_in_shanghai()
        sets = firm_sets(Period(as_of, as_of.year - 1))
    if name not in sets:
        abort(404)
    district = None if scope == CITY_SCOPE else scope
    page = dashboard.firms_behind(db.session, current_user, name, as_of, district,
                                  request.args.get("after"))
    return render_template("dashboard/firms.html", page=page, name=name, scope=scope,
                           as_of=as_of, problem=problem, names=district_names(),
                           set_label=SET_LABELS.get(name, name))


@bp.get("/dashboard/export.xlsx")
@requires(Permission.FIRMS_VIEW)
def export():
    scope = _scope()
    if scope is None:
        return redirect(url_for("dashboard.index"))
    as_of, problem = _as_of()
    board, _problem = _board(as_of, scope, problem)
    content = xlsx_workbook_bytes(export_sheets(board, district_names()))
    filename = f"dashboard-{scope}-{as_of.isoformat()}.xlsx"
    return Response(content, mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/dashboard/snapshot")
@requires(Permission.USERS_ADMIN)
def snapshot_now():
    stored, taken = snapshots.take(db.session, current_user, today_in_shanghai(), "manual")
    db.session.commit()
    if taken:
        flash(_("The snapshot of %(day)s is stored.", day=stored.as_of.isoformat()), "success")
    else:
        flash(_("Today's snapshot was already stored; it stays as it was."), "info")
    return redirect(url_for("dashboard.index"))


@bp.get("/today", endpoint="today")
@requires(Permission.CANDIDATES_DECIDE)
def today_view():
    items = today.items(db.session, current_user, today_in_shanghai())
    return render_template("dashboard/today.html", items=items)


# ---- labels and numbers as people read them ---------------------------------------------------

INDICATOR_LABELS = {
    "hnte_valid": _l("Valid high-tech enterprises (HNTE)"),
    "hnte_new": _l("New HNTE certificates this year"),
    "hnte_new.first": _l("First-time HNTE certificates"),
    "hnte_new.renewed": _l("Renewed HNTE certificates"),
    "hnte_net": _l("Net change in valid HNTEs this year"),
    "hnte_expiring": _l("HNTE certificates expiring this year"),
    "tech_sme_registered": _l("Tech SMEs registered this year"),
    "tech_sme_valid": _l("Valid tech SMEs"),
    "gazelle_valid": _l("Valid gazelle firms"),
    "leader_valid": _l("Valid tech leaders"),
    "guishang_rd_ratio": _l("R&D intensity of large industrial firms (规上)"),
    "guishang_rd_active": _l("Share of large industrial firms doing R&D"),
    "rd_institution_rate": _l("Share of large industrial firms with an R&D institution"),
    "tax_relief": _l("Tax relief (10k yuan)"),
    "tax_relief.firms": _l("Firms receiving tax relief"),
}
# The set of firms behind an indicator's number (registry/services/indicators.py firm_sets).
INDICATOR_SETS = {
    "hnte_valid": "hnte_valid", "hnte_new": "hnte_new", "hnte_new.first": "hnte_new.first",
    "hnte_new.renewed": "hnte_new.renewed", "hnte_expiring": "hnte_expiring",
    "tech_sme_registered": "tech_sme_registered", "tech_sme_valid": "tech_sme_valid",
    "gazelle_valid": "gazelle_valid", "leader_valid": "leader_valid",
    "guishang_rd_ratio": "guishang", "guishang_rd_active": "guishang",
    "rd_institution_rate": "guishang",
}
SET_LABELS = {
    **{INDICATOR_SETS[key]: label for key, label in INDICATOR_LABELS.items()
       if key in INDICATOR_SETS},
    "guishang": _l("Large industrial firms (规上) of the fiscal year"),
    "forecast.held": _l("Certificate still valid on 31 December"),
    "forecast.coming": _l("Approved or in public notice"),
    "forecast.pipeline": _l("Open or in review"),
    "forecast.lapsing": _l("Lapsing by 31 December with no application"),
    "funnel.firms": _l("Firms"),
    "funnel.filed": _l("Filed last year's figures"),
}
FORECAST_PARTS = ("held", "coming", "pipeline", "lapsing")
STATUS_LABELS = {"on_track": _l("On track"), "at_risk": _l("At risk"), "met": _l("Met"),
                 "not_met": _l("Not yet met")}
SOURCE_NOTES = {"scheduled": _l("monthly snapshot"), "manual": _l("snapshot taken on demand"),
                "backfilled": _l("backfilled snapshot (computed later from the records)")}
FUNNEL_STEPS = (("eligible", _l("Eligible")), ("candidates", _l("Candidates")),
                ("approved", _l("Approved")), ("certified", _l("Certified this year")))


def set_of(indicator: str) -> str | None:
    return INDICATOR_SETS.get(indicator)


def month_labels() -> list[str]:
    return [_("Month %(month)s", month=month) for month in range(1, 13)]


def indicator_kind(indicator: str) -> str:
    """count, money (万元) or ratio (a fraction): how an indicator or its part is read."""
    return TARGET_INDICATORS.get(indicator, "count")


def show_number(value, indicator: str) -> str:
    """A count with separators, 万元 with separators and two decimals, a fraction as a
    percentage with two decimals."""
    if value is None:
        return "—"
    kind = indicator_kind(indicator)
    if kind == "ratio":
        return display_percent(value)
    if kind == "money":
        return _("%(amount)s 10k yuan", amount=display_money(value))
    return display_count(value)


def show_share(value) -> str:
    """A progress or a share of a target, to a tenth of a percent."""
    return display_percent(value, 1)


@bp.app_context_processor
def _helpers():
    return {"show_number": show_number, "show_share": show_share, "show_count": display_count,
            "indicator_value": dashboard.indicator_value, "funnel_steps": FUNNEL_STEPS,
            "set_labels": SET_LABELS, "indicator_kind": indicator_kind}


EXPORT_FORMATS = {"count": COUNT_FORMAT, "money": MONEY_FORMAT, "ratio": PERCENT_FORMAT}


def number_cell(value, kind: str = "count", format_: str | None = None):
    """A number cell in the format people read the kind in (counts with separators, 万元 with
    two decimals, fractions as percentages); blank when there is no number."""
    if value is None:
        return None
    return Number(Decimal(value), format_ or EXPORT_FORMATS[kind])


def export_sheets(board: dashboard.Dashboard, names: dict[str, str]) -> list[tuple]:
    """One sheet per view of the dashboard: (title, headers, rows); numbers as number cells in
    the format of their kind."""
    def label(indicator):
        return str(INDICATOR_LABELS.get(indicator, indicator))

    share = "0.0%"
    cards = [[label(c.target.indicator), number_cell(c.value, c.target.kind),
              number_cell(c.target.value, c.target.kind), number_cell(c.progress, format_=share),
              str(STATUS_LABELS[c.status]), c.target.source] for c in board.cards]
    forecast = board.values["forecast"]
    districts = [[label(indicator), names.get(row.code, row.code),
                  number_cell(row.value, indicator_kind(indicator)),
                  number_cell(row.target.value, indicator_kind(indicator)) if row.target else None,
                  number_cell(row.share, format_=share), number_cell(row.rank or None)]
                 for indicator, rows in board.tables.items() for row in rows]
    trends = [[label(indicator), year,
               *(number_cell(value, indicator_kind(indicator)) for value in values)]
              for indicator, years in board.trends.items() for year, values in years.items()]
    funnel = [[names.get(code, code), number_cell(values["funnel"]["firms"]),
               number_cell(values["funnel"]["filed"]),
               *[number_cell(values["funnel"]["tiers"][tier][step]) for tier in TIERS
                 for step, _label in FUNNEL_STEPS]]
              for code, values in board.districts.items()]
    # Each sheet keeps the year it is about; several districts' funnels add up to a totals row.
    year, summed = board.as_of.year, len(board.districts) > 1
    return [
        (f"{_('Targets')} {year}", [_("Indicator"), _("Value"), _("Target"), _("Progress"),
                                    _("Status"), _("Source")], cards),
        (f"{_('Forecast')} {year}", [_("Part"), _("Firms")],
         [[str(SET_LABELS[f"forecast.{part}"]), number_cell(forecast[part])] for part in FORECAST_PARTS]
         + [[_("Approval rate"), number_cell(forecast["rate"], "ratio")],
            [_("Forecast on 31 December"), number_cell(forecast["value"])]]),
        (f"{_('Districts')} {year}", [_("Indicator"), _("District"), _("Value"), _("Target"),
                                      _("Share of target"), _("Rank")], districts),
        (f"{_('Trends')} {year - 1}-{year}", [_("Indicator"), _("Year"), *month_labels()],
         trends),
        (f"{_('Funnel')} {year}", [_("District"), Column(_("Firms"), total=summed),
                                   Column(_("Filed"), total=summed),
                                   *[Column(f"{rules_text('tier.' + tier)} {step_label}",
                                            total=summed)
                                     for tier in TIERS for _step, step_label in FUNNEL_STEPS]],
         funnel),
    ]

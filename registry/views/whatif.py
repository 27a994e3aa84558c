"""What-if for officers: scenarios (new, copy, delete), runs with live progress and cancel,
results (tiers, winners and losers by district, incentives), the winners and losers lists with
their export, one firm's explanation under both parameter sets, and two runs side by side.

A scenario is visible to a user who sees every district of its scope (a city-wide scenario: one
who sees every district); anything else answers 404. Winners and losers are listed within the
user's firm scope."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from registry.auth.permissions import Permission, has_permission, requires
from registry.auth.scope import (
    firm_scope,
    may_see_district,
    sees_every_district,
    visible_district_codes,
)
from registry.extensions import db
from registry.figures import criterion_figure, display_money
from registry.forms.whatif import CopyForm, ScenarioForm
from registry.i18n import current_locale
from registry.models import Firm, Scenario, WhatifRun
from registry.models.whatif import LOSER, WINNER
from registry.navigation import add_nav
from registry.rules import today_in_shanghai
from registry.rules.facts import TIERS
from registry.rules.logic import STATUS_NAMES
from registry.services import whatif
from registry.services.export import Column
from registry.views import MAX_ID
from registry.views.dashboard import INDICATOR_LABELS, number_cell
from registry.views.display import message_text, profile_label, rules_text
from registry.views.officer import district_names, tier_label, visible_districts
from registry.views.officer.export import table_response, workbook_response

bp = Blueprint("whatif", __name__, url_prefix="/whatif")
add_nav("whatif.index", _l("What-if"), Permission.WHATIF_VIEW, order=85)
KINDS = {"winners": WINNER, "losers": LOSER}
PAGE_SIZE = 100
MAX_PAGE = 100_000
UNIT_LABELS = {"万元": _l("10k yuan"), "persons": _l("persons"), "ratio": _l("ratio (0.15 = 15%)"),
               "share": _l("share (0.6 = 60%)"), "factor": _l("factor"), "days": _l("days"),
               "years": _l("years"), "points": _l("points"), "count": _l("count")}


PROGRAM_LABELS = {"rd_reward": _l("R&D reward"), "rd_priority": _l("Priority list"), "rd_top": _l("R&D top N"),
                  "budget": _l("budget"), "cap": _l("cap per firm"), "rate": _l("rate"), "min": _l("from intensity"),
                  "above": _l("intensity above"), "min_revenue": _l("revenue at least"),
                  "weight_amount": _l("weight of the amount rank"),
                  "weight_intensity": _l("weight of the intensity rank"), "size": _l("size")}


# ---- scope ------------------------------------------------------------------------------------

def _visible(districts: list[str]) -> bool:
    """Whether the user sees a scope: every one of its districts, or the whole city."""
    if not districts:
        return sees_every_district(current_user)
    return all(may_see_district(current_user, code) for code in districts)


def _scenario_or_404(scenario_id: int) -> Scenario:
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not _visible(scenario.districts):
        abort(404)
    return scenario


def _run_or_404(run_id: int) -> WhatifRun:
    run = db.session.get(WhatifRun, run_id)
    if run is None or not _visible(run.districts):
        abort(404)
    return run


def _scope_districts() -> list[str] | None:
    """The districts whose results the user may read; None: all."""
    if sees_every_district(current_user):
        return None
    return sorted(visible_district_codes(current_user, district_names()))


# ---- formatting -------------------------------------------------------------------------------

def wan(value: Decimal) -> str:
    """An amount of 万元 to the hundredth, with separators."""
    return display_money(value)


def parameter_label(path: str) -> str:
    """A parameter path for reading: the criterion's name where one appears in it, and the path."""
    parts = path.split(".")
    named = next((rules_text(f"criterion.{part}") for part in parts
                  if rules_text(f"criterion.{part}") != f"criterion.{part}"), None)
    if parts[0] == "programs" and len(parts) > 1:
        band = _("band %(n)s", n=int(parts[3]) + 1) if len(parts) > 3 and parts[2] == "bands" else None
        named = " · ".join(map(str, filter(None, (PROGRAM_LABELS.get(parts[1]), band,
                                                  PROGRAM_LABELS.get(parts[-1])))))
    tier = tier_label(parts[0]) if parts[0] in TIERS else None
    return " · ".join(filter(None, (tier, named))) or path


@bp.app_context_processor
def _helpers():
    return {"whatif_wan": wan, "parameter_label": parameter_label, "indicator_labels": INDICATOR_LABELS,
            "status_label": lambda code: rules_text(f"status.{STATUS_NAMES[int(code)]}")}


# ---- scenarios --------------------------------------------------------------------------------

@bp.get("/")
@requires(Permission.WHATIF_VIEW)
def index():
    scenarios = [s for s in db.session.scalars(select(Scenario).order_by(Scenario.id.desc())) if _visible(s.districts)]
    runs: dict[int, list[WhatifRun]] = {}
    if scenarios:
        for run in db.session.scalars(select(WhatifRun).where(WhatifRun.scenario_id.in_([s.id for s in scenarios]))
                                      .order_by(WhatifRun.id.desc())):
            runs.setdefault(run.scenario_id, []).append(run)
    done = [run for group in runs.values() for run in group if run.status == "done"]
    return render_template("whatif/index.html", scenarios=scenarios, runs=runs, done=done,
                           names=district_names(), can_run=has_permission(current_user, Permission.WHATIF_RUN))


def _form(scenario: Scenario | None = None) -> tuple[ScenarioForm, whatif.ParameterSet]:
    form = ScenarioForm(obj=None)
    form.districts.choices = list(visible_districts().items())
    base, _changed = whatif.resolve(db.session, today_in_shanghai(), {}, {})
    choices = whatif.profile_choices(base)
    for tier in ("gazelle", "leader"):
        field = getattr(form, tier)
        field.choices = [("", _("The bureau's (%(name)s)", name=profile_label(tier, base.profiles[tier])))] + [
            (key, profile_label(tier, key)) for key in choices[tier]]
    if scenario is not None and request.method == "GET":
        form.name.data = scenario.name
        form.as_of.data = scenario.as_of
        form.districts.data = scenario.districts
        form.changes.data = "\n".join(f"{path} = {value}" for path, value in scenario.overrides.items())
        form.gazelle.data = scenario.profiles.get("gazelle", "")
        form.leader.data = scenario.profiles.get("leader", "")
    return form, base


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.WHATIF_RUN)
def new():
    form, base = _form()
    if form.validate_on_submit():
        if not form.districts.data and not sees_every_district(current_user):
            form.districts.errors.append(_("Choose at least one of your districts."))
        else:
            try:
                scenario = whatif.save_scenario(
                    db.session, current_user, name=form.name.data, as_of=form.as_of.data,
                    districts=form.districts.data, overrides=form.overrides,
                    profiles={"gazelle": form.gazelle.data, "leader": form.leader.data})
            except whatif.ScenarioError as error:
                db.session.rollback()
                getattr(form, {"overrides": "changes", "profiles": "gazelle"}.get(error.field, error.field)
                        ).errors.append(_("Not applicable: %(reason)s", reason=message_text(error.message)))
            else:
                db.session.commit()
                flash(_("Scenario saved."), "success")
                return redirect(url_for("whatif.index", _anchor=f"scenario-{scenario.id}"))
    budget = whatif.base_budget(db.session, today_in_shanghai().year, [])
    parameters = [*whatif.numeric_parameters(base), (whatif.BUDGET_PATH, "—" if budget is None else budget, "万元")]
    return render_template("whatif/form.html", form=form, parameters=parameters,
                           policy_year=base.policy_year, unit_labels=UNIT_LABELS), (422 if form.errors else 200)


def _scenario_step(action, done: str | None = None, then=lambda _result: url_for("whatif.index")):
    """Run a service action on a scenario: commit and go on to `then(result)`, or roll back and
    say why the scenario does not apply."""
    try:
        result = action()
    except whatif.ScenarioError as error:
        db.session.rollback()
        flash(_("Not applicable: %(reason)s", reason=message_text(error.message)), "danger")
        return redirect(url_for("whatif.index"))
    db.session.commit()
    if done:
        flash(done, "success")
    return redirect(then(result))


@bp.post("/<int:scenario_id>/copy")
@requires(Permission.WHATIF_RUN)
def copy(scenario_id: int):
    scenario = _scenario_or_404(scenario_id)
    form = CopyForm()
    if not form.validate_on_submit():
        flash(_("A copy needs a name."), "danger")
        return redirect(url_for("whatif.index"))
    return _scenario_step(lambda: whatif.copy_scenario(db.session, current_user, scenario, form.name.data),
                          _("Scenario copied."))


@bp.post("/<int:scenario_id>/delete")
@requires(Permission.WHATIF_RUN)
def delete(scenario_id: int):
    scenario = _scenario_or_404(scenario_id)
    return _scenario_step(lambda: whatif.delete_scenario(db.session, current_user, scenario),
                          _("Scenario deleted."))


@bp.post("/<int:scenario_id>/run")
@requires(Permission.WHATIF_RUN)
def run(scenario_id: int):
    scenario = _scenario_or_404(scenario_id)
    return _scenario_step(lambda: whatif.start_run(db.session, current_user, scenario),
                          then=lambda run_: url_for("whatif.results", run_id=run_.id))


# ---- runs -------------------------------------------------------------------------------------

def run_json(run: WhatifRun) -> dict:
    return {"id": run.id, "status": run.status, "progress": round(run.progress, 4),
            "firms_done": run.firms_done, "firms_total": run.firms_total,
            "chunks_done": run.chunks_done, "chunks_total": run.chunks_total,
            "seconds": round(run.seconds, 1) if run.seconds is not None else None}


@bp.get("/runs/<int:run_id>/progress.json")
@requires(Permission.WHATIF_VIEW)
def progress(run_id: int):
    return jsonify(run_json(_run_or_404(run_id)))


@bp.post("/runs/<int:run_id>/cancel")
@requires(Permission.WHATIF_RUN)
def cancel(run_id: int):
    run_ = _run_or_404(run_id)
    if whatif.cancel_run(db.session, current_user, run_):
        flash(_("Run cancelled."), "info")
    db.session.commit()
    return redirect(url_for("whatif.results", run_id=run_.id))


def _results(run: WhatifRun) -> dict:
    districts = _scope_districts()
    by_district = whatif.tier_results(db.session, run, districts)
    done = run.status == "done"
    return {"run": run, "by_district": by_district, "totals": whatif.tier_totals(by_district),
            "incentives": whatif.incentive_results(db.session, run, districts),
            "programs": whatif.program_results(db.session, run, districts),
            "targets": whatif.target_results(db.session, run, districts) if done else [],
            "names": district_names()}


@bp.get("/runs/<int:run_id>")
@requires(Permission.WHATIF_VIEW)
def results(run_id: int):
    run = _run_or_404(run_id)
    data = _results(run)
    base, changed = whatif.run_parameters(run)
    names = district_names()
    chart = {"districts": [names.get(code, code) for code in sorted({d for rows in data["by_district"].values()
                                                                      for d in rows})]}
    codes = sorted({d for rows in data["by_district"].values() for d in rows})
    chart["series"] = [{"tier": tier_label(tier), "winners": [rows.get(code, {}).get("winners", 0) for code in codes],
                        "losers": [-rows.get(code, {}).get("losers", 0) for code in codes]}
                       for tier, rows in data["by_district"].items()
                       if any(v["winners"] or v["losers"] for v in rows.values())]
    return render_template("whatif/results.html", **data, codes=codes, chart=chart,
                           base_values={p: v for p, v, _u in whatif.numeric_parameters(base)},
                           changed=changed, kinds=KINDS,
                           can_run=has_permission(current_user, Permission.WHATIF_RUN))


def _kind_or_404(kind: str) -> int:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


@bp.get("/runs/<int:run_id>/<kind>")
@requires(Permission.WHATIF_VIEW)
def changes(run_id: int, kind: str):
    change = _kind_or_404(kind)
    run = _run_or_404(run_id)
    tier = request.args.get("tier", "gazelle")
    if tier not in TIERS:
        abort(404)
    district = request.args.get("district") or None
    if district is not None and not may_see_district(current_user, district):
        abort(404)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    query = whatif.changes_query(run, tier, change, [district] if district else None).where(firm_scope(current_user))
    rows = db.session.execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    shown = _figures(run, tier)
    return render_template("whatif/changes.html", run=run, tier=tier, kind=kind, district=district,
                           rows=[(change, firm, shown(change)) for change, firm in rows[:PAGE_SIZE]],
                           page=page, more=len(rows) > PAGE_SIZE, names=district_names())


def _figures(run: WhatifRun, tier: str):
    """A function giving a change's (firm's figure, base requirement, scenario requirement) in
    the units people use: a growth multiple as the yearly rate in percent, ratios as
    percentages, 万元 with separators (registry/figures.py)."""
    years, lang = whatif.growth_years(run, tier), current_locale()

    def shown(change) -> tuple[str, str, str]:
        base_years, scenario_years = years.get(change.criterion, (None, None))
        return (criterion_figure(change.actual, change.kind, lang, scenario_years),
                criterion_figure(change.base_required, change.kind, lang, base_years),
                criterion_figure(change.scenario_required, change.kind, lang, scenario_years))
    return shown


@bp.get("/runs/<int:run_id>/export/<kind>/<fmt>")
@requires(Permission.WHATIF_VIEW)
def export(run_id: int, kind: str, fmt: str):
    change = _kind_or_404(kind)
    run = _run_or_404(run_id)
    tier = request.args.get("tier", "gazelle")
    if tier not in TIERS:
        abort(404)
    district = request.args.get("district") or None
    if district is not None and not may_see_district(current_user, district):
        abort(404)
    names, shown = district_names(), _figures(run, tier)
    query = whatif.changes_query(run, tier, change, [district] if district else None).where(firm_scope(current_user))
    headers = [_("Firm"), _("Credit code"), _("District"), _("Tier"), _("Base"), _("Scenario"),
               _("Deciding criterion"), _("Firm's figure"), _("Base requirement"), _("Scenario requirement")]
    rows = ([firm.name, firm.identifier, names.get(change.district, change.district), tier_label(tier),
             rules_text(f"status.{STATUS_NAMES[change.base_status]}"),
             rules_text(f"status.{STATUS_NAMES[change.scenario_status]}"),
             rules_text(f"criterion.{change.criterion}") if change.criterion else "", *shown(change)]
            for change, firm in db.session.execute(query))
    return table_response(f"whatif-{run.as_of.isoformat()}-{tier}-{kind}", headers, rows, fmt,
                          title=f"{tier_label(tier)} {run.as_of.isoformat()}")


@bp.get("/runs/<int:run_id>/results.xlsx")
@requires(Permission.WHATIF_VIEW)
def export_results(run_id: int):
    """The results page as a workbook: tiers by district, incentives, the R&D reward by district,
    the targets."""
    data = _results(_run_or_404(run_id))
    names, programs = data["names"], data["programs"]
    tiers = [[names.get(code, code), tier_label(tier), c["base"], c["scenario"], c["winners"], c["losers"]]
             for tier, rows in data["by_district"].items() for code, c in rows.items()]
    incentives = [[rules_text(f"incentive.{key}"), row["base_firms"], row["scenario_firms"], row["base"],
                   row["scenario"], row["scenario"] - row["base"]] for key, row in data["incentives"].items()]
    reward = [[names.get(code, code), row["firms"]["base"], row["firms"]["scenario"], row["entitlement"]["base"],
               row["entitlement"]["scenario"]] for code, row in programs["districts"].items()]
    reward += [[_("Total"), programs["firms"]["base"], programs["firms"]["scenario"],
                programs["entitlement"]["base"], programs["entitlement"]["scenario"]],
               [_("Budget (10k yuan)"), "", "", programs["budget"]["base"], programs["budget"]["scenario"]],
               [_("Awards paid (10k yuan)"), "", "", programs["award"]["base"], programs["award"]["scenario"]],
               [_("Budget needed to pay every entitlement (10k yuan)"), "", "", "", programs["needed"]]]
    targets = [[str(INDICATOR_LABELS.get(row["target"].indicator, row["target"].indicator)),
                names.get(row["target"].district, row["target"].district) if row["target"].district
                else _("Whole city"), *(number_cell(value, row["target"].kind) for value in
                                        (row["target"].value, row["base"], row["scenario"]))]
               for row in data["targets"]]
    # Each sheet keeps the run's date; the incentives' reliefs add up to the change's fiscal cost.
    day = data["run"].as_of.isoformat()
    sheets = [
        (f"{_('Tiers')} {day}", [_("District"), _("Tier"), _("Eligible, base"), _("Eligible, scenario"),
                                 _("Winners"), _("Losers")], tiers),
        (f"{_('Tax relief')} {day}", [_("Incentive"), _("Firms, base"), _("Firms, scenario"),
                                      Column(_("Relief, base (10k yuan)"), total=True),
                                      Column(_("Relief, scenario (10k yuan)"), total=True),
                                      Column(_("Fiscal cost of the change (10k yuan)"), total=True)],
         incentives),
        (f"{_('R&D reward')} {day}", [_("District"), _("Eligible firms, base"), _("Eligible firms, scenario"),
                                      _("Entitlement, base (10k yuan)"), _("Entitlement, scenario (10k yuan)")],
         reward),
        (f"{_('Targets')} {day}", [_("Target"), _("Scope"), _("Target value"), _("Base"), _("Scenario")],
         targets),
    ]
    return workbook_response(f"whatif-{data['run'].as_of.isoformat()}-results", sheets)


@bp.get("/runs/<int:run_id>/firms/<int:firm_id>")
@requires(Permission.WHATIF_VIEW)
def firm(run_id: int, firm_id: int):
    run = _run_or_404(run_id)
    firm_ = db.session.scalar(select(Firm).where(Firm.id == firm_id, firm_scope(current_user))) or abort(404)
    tier = request.args.get("tier", "gazelle")
    if tier not in TIERS:
        abort(404)
    results_ = whatif.firm_results(db.session, run, firm_.id, current_locale())
    if results_ is None:
        abort(404)
    base, changed = results_
    return render_template("whatif/firm.html", run=run, firm=firm_, tier=tier,
                           base=base["tiers"][tier], changed=changed["tiers"][tier])


@bp.get("/compare")
@requires(Permission.WHATIF_VIEW)
def compare():
    first_id, second_id = request.args.get("a", type=int), request.args.get("b", type=int)
    if not (first_id and second_id and 0 < first_id <= MAX_ID and 0 < second_id <= MAX_ID):
        return redirect(url_for("whatif.index"))
    first, second = _run_or_404(first_id), _run_or_404(second_id)
    return render_template("whatif/compare.html", left=_results(first), right=_results(second))

"""The programs area (programs.md §R): the R&D reward list and its workflow, the R&D top-N
ranking and the priority list. Lists are stored when computed, so the pages only read them."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from registry.auth.contacts import contact_cells
from registry.auth.permissions import Permission, has_permission, requires
from registry.auth.scope import firm_scope, sees_every_district
from registry.extensions import db
from registry.figures import FigureError, display_money, display_percent, parse_figure
from registry.forms.programs import BUDGET, ComputeRewardForm, ExcludeForm, NoticeForm
from registry.models import Firm, ProgramEntry, ProgramList
from registry.rules import today_in_shanghai
from registry.rules.params import ParameterError, load_parameters
from registry.rules.programs import rd_priority
from registry.rules.units import from_fixed, tidy
from registry.services import programs
from registry.services import settings as bureau_settings
from registry.services.export import PERCENT_FORMAT, Column, Number
from registry.services.programs import ProgramError
from registry.services.settings import SettingsError
from registry.views.officer import ID, YEAR, bp, district_names, firm_or_404, visible_districts
from registry.views.officer.export import contact_table_response, table_response
from registry.views.officer.firms import SURVEY_LABELS

PAGE_SIZE = programs.PAGE_SIZE
LIST_STATUS_LABELS = {"draft": _l("Draft"), "approved": _l("Approved (frozen)"),
                      "public_notice": _l("Public notice"), "published": _l("Published (frozen)")}
CRITERION_LABELS = {
    "rd_survey": _l("Filed the R&D statistics survey"), "rd_positive": _l("R&D above zero"),
    "no_incidents": _l("No incidents"), "intensity": _l("R&D intensity at least the lowest band"),
    "revenue": _l("Revenue at least the threshold (large firms)"),
}


class FirmName(NamedTuple):
    """What a list row shows of its firm."""
    id: int
    name: str
    credit_code: str | None


def percent(value) -> str:
    """A ratio (Fraction or Decimal) as a percentage with two decimals, for reading."""
    return display_percent(value)


def intensity(entry: ProgramEntry) -> str:
    if entry.rd_expense is None or not entry.revenue:
        return "—"
    return percent(Fraction(entry.rd_expense) / Fraction(entry.revenue))


def money(yuan: int) -> str:
    """An amount of yuan (a setting) in 万元 for reading."""
    return display_money(from_fixed(yuan))


@bp.app_context_processor
def _program_helpers():
    return {"percent": percent, "money": money, "program_status_labels": LIST_STATUS_LABELS,
            "program_criterion_labels": CRITERION_LABELS}


def _year() -> int:
    return request.args.get("year", type=int) or today_in_shanghai().year


def _settings_or_404(year: int):
    try:
        return programs.settings_for(db.session, year)
    except ParameterError:
        abort(404)


@bp.get("/programs")
@requires(Permission.PROGRAMS_VIEW)
def programs_index():
    year = _year()
    if not 1900 <= year <= 9999:
        abort(404)
    lists = {lst.program: lst for lst in db.session.scalars(select(ProgramList).where(ProgramList.year == year))}
    return render_template("officer/programs/index.html", year=year, lists=lists)


# ---- R&D reward -----------------------------------------------------------------------------------

def _reward_list(year: int) -> ProgramList | None:
    return programs.program_list(db.session, "rd_reward", year)


def _reward_or_404(year: int) -> ProgramList:
    lst = _reward_list(year)
    if lst is None:
        abort(404)
    return lst


def _scoped_entries(lst: ProgramList):
    return (select(ProgramEntry, Firm).join(Firm, Firm.id == ProgramEntry.firm_id)
            .where(ProgramEntry.list_id == lst.id, firm_scope(current_user)))


@bp.get(f"/programs/rd-reward/<{YEAR}:program_year>")
@requires(Permission.PROGRAMS_VIEW)
def reward_list(program_year: int):
    settings = _settings_or_404(program_year)
    lst = _reward_list(program_year)
    show = request.args.get("show") if request.args.get("show") in ("eligible", "unknown", "excluded") \
        else "eligible"
    after = request.args.get("after") or None
    page, totals = None, None
    if lst is not None:
        page = programs.reward_page(db.session, lst, show, firm_scope(current_user), after)
        totals = programs.reward_totals(db.session, lst, None if sees_every_district(current_user)
                                        else set(visible_districts()))
    compute = ComputeRewardForm(budget=lst.budget if lst is not None and lst.budget is not None
                                else bureau_settings.program_budget(db.session, program_year))
    return render_template(
        "officer/programs/reward.html", year=program_year, lst=lst, settings=settings,
        rows=[(row[0], FirmName(row.firm_id, row.name, row.credit_code)) for row in page.rows] if page else [], next_cursor=page.next_cursor if page else None, after=after,
        show=show, totals=totals, districts=district_names(), compute=compute, notice=NoticeForm(),
        exclude_form=ExcludeForm(), payable=lst is not None and programs.payable(lst, today_in_shanghai()),
        district_budgets=bureau_settings.program_district_budgets(db.session, program_year),
        may_approve=has_permission(current_user, Permission.PROGRAMS_APPROVE),
        may_work=has_permission(current_user, Permission.PROGRAMS_WORK),
        intensity=intensity)


def _back(year: int):
    return redirect(url_for("officer.reward_list", program_year=year, show=request.form.get("show") or None))


def _step(action, done: str, back):
    """Run one service action: commit and say it is done, or roll back and say why not (the
    service's reason, in the reader's language); then go `back`."""
    try:
        action()
    except ProgramError as error:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=error.message), "danger")
        return back
    db.session.commit()
    flash(done, "success")
    return back


@bp.post(f"/programs/rd-reward/<{YEAR}:program_year>/compute")
@requires(Permission.PROGRAMS_WORK)
def reward_compute(program_year: int):
    _settings_or_404(program_year)
    form = ComputeRewardForm()
    if not form.validate_on_submit():
        flash(_("Budget: %(error)s", error="; ".join(map(str, form.budget.errors)) or _("try again")), "danger")
        return _back(program_year)
    return _step(lambda: programs.compute_reward(db.session, current_user, program_year, form.budget.data),
                 _("The reward list of %(year)s was computed.", year=program_year), _back(program_year))


@bp.post(f"/programs/rd-reward/<{YEAR}:program_year>/firms/<{ID}:firm_id>/exclude")
@requires(Permission.PROGRAMS_WORK)
def reward_exclude(program_year: int, firm_id: int):
    lst, firm = _reward_or_404(program_year), firm_or_404(firm_id)
    form = ExcludeForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for excluding %(firm)s.", firm=firm.name), "danger")
        return _back(program_year)
    return _step(lambda: programs.exclude(db.session, current_user, lst, firm, form.reason.data),
                 _("%(firm)s was excluded.", firm=firm.name), _back(program_year))


@bp.post(f"/programs/rd-reward/<{YEAR}:program_year>/firms/<{ID}:firm_id>/restore")
@requires(Permission.PROGRAMS_WORK)
def reward_restore(program_year: int, firm_id: int):
    lst, firm = _reward_or_404(program_year), firm_or_404(firm_id)
    return _step(lambda: programs.restore(db.session, current_user, lst, firm),
                 _("%(firm)s is back on the list.", firm=firm.name), _back(program_year))


@bp.post(f"/programs/rd-reward/<{YEAR}:program_year>/approve")
@requires(Permission.PROGRAMS_APPROVE)
def reward_approve(program_year: int):
    lst = _reward_or_404(program_year)
    return _step(lambda: programs.approve(db.session, current_user, lst),
                 _("The reward list of %(year)s is approved and frozen.", year=program_year), _back(program_year))


@bp.post(f"/programs/rd-reward/<{YEAR}:program_year>/notice")
@requires(Permission.PROGRAMS_APPROVE)
def reward_notice(program_year: int):
    lst = _reward_or_404(program_year)
    form = NoticeForm()
    if not form.validate_on_submit():
        errors = [str(e) for field in (form.start, form.end) for e in field.errors]
        flash(_("Public notice: %(error)s", error="; ".join(errors)), "danger")
        return _back(program_year)
    return _step(lambda: programs.start_notice(db.session, current_user, lst, form.start.data, form.end.data),
                 _("The reward list is on public notice."), _back(program_year))


@bp.post(f"/programs/rd-reward/<{YEAR}:program_year>/firms/<{ID}:firm_id>/paid")
@requires(Permission.PROGRAMS_WORK)
def reward_paid(program_year: int, firm_id: int):
    lst, firm = _reward_or_404(program_year), firm_or_404(firm_id)
    return _step(lambda: programs.mark_paid(db.session, current_user, lst, firm, today_in_shanghai()),
                 _("%(firm)s is marked paid.", firm=firm.name), _back(program_year))


@bp.get(f"/programs/rd-reward/<{YEAR}:program_year>/export.<fmt>")
@requires(Permission.PROGRAMS_VIEW)
def reward_export(program_year: int, fmt: str):
    """The list for payment (once approved; a draft's export says so in its name): each awarded
    firm with its bank account. Before any list is computed, the headers alone."""
    lst = _reward_list(program_year)
    names = district_names()
    headers = [_("Credit code"), _("Firm"), _("District"), _("Bank"), _("Bank account"),
               _("R&D (10k yuan)"), _("Revenue (10k yuan)"), _("R&D survey"), _("Rate"),
               Column(_("Entitlement (10k yuan)"), total=True), Column(_("Award (10k yuan)"), total=True),
               _("Paid")]

    def rows():
        if lst is None:
            return
        query = _scoped_entries(lst).where(ProgramEntry.eligible.is_(True), ProgramEntry.excluded.is_(False))
        for entry, firm in db.session.execute(query.order_by(ProgramEntry.district, ProgramEntry.firm_id)):
            yield [firm.credit_code or firm.external_ref, firm.name, names.get(entry.district, entry.district),
                   firm.bank_name, firm.bank_account, entry.rd_expense, entry.revenue,
                   str(SURVEY_LABELS["confirmed" if entry.survey_confirmed else "unverified"]),
                   Number(tidy(entry.rate), PERCENT_FORMAT),
                   tidy(entry.entitlement), tidy(entry.award), entry.paid_at.date() if entry.paid_at else ""]
    draft = "" if lst is not None and lst.frozen else "-draft"
    return table_response(f"rd-reward-{program_year}{draft}", headers, rows(), fmt)


# ---- R&D top N ----------------------------------------------------------------------------------------

def _top_list(year: int) -> ProgramList | None:
    return programs.program_list(db.session, "rd_top", year)


@bp.get(f"/programs/rd-top/<{YEAR}:program_year>")
@requires(Permission.PROGRAMS_VIEW)
def top_list(program_year: int):
    settings = _settings_or_404(program_year)
    lst = _top_list(program_year)
    district = request.args.get("district") or None
    if district is not None and district not in visible_districts():
        abort(404)
    rows = _top_rows(lst, district, settings.top_size) if lst is not None else []
    return render_template("officer/programs/top.html", year=program_year, lst=lst, settings=settings, rows=rows,
                           district=district, districts=visible_districts(), names=district_names(),
                           may_publish=has_permission(current_user, Permission.PROGRAMS_APPROVE),
                           may_work=has_permission(current_user, Permission.PROGRAMS_WORK))


def _top_rows(lst: ProgramList, district: str | None, size: int) -> list[dict]:
    """The first `size` firms: city-wide from the stored ranking, or ranked within a district."""
    if district is None:
        found = db.session.execute(select(ProgramEntry, Firm).join(Firm, Firm.id == ProgramEntry.firm_id)
                                   .where(ProgramEntry.list_id == lst.id, ProgramEntry.rank <= size)
                                   .order_by(ProgramEntry.rank)).all()
        return [{"rank": e.rank, "firm": f, "entry": e, "points": e.points, "amount_rank": e.amount_rank,
                 "intensity_rank": e.intensity_rank} for e, f in found]
    result = programs.district_ranking(db.session, lst, district)
    chosen = result.ranking(size)
    firm_ids = [int(row["id"]) for row in chosen]
    firms = {f.id: f for f in db.session.scalars(select(Firm).where(Firm.id.in_(firm_ids)))}
    entries = {e.firm_id: e for e in db.session.scalars(select(ProgramEntry).where(
        ProgramEntry.list_id == lst.id, ProgramEntry.firm_id.in_(firm_ids)))}
    return [{"rank": row["rank"], "firm": firms[int(row["id"])], "entry": entries[int(row["id"])],
             "points": Decimal(row["points"]), "amount_rank": row["amount_rank"],
             "intensity_rank": row["intensity_rank"]} for row in chosen]


@bp.post(f"/programs/rd-top/<{YEAR}:program_year>/compute")
@requires(Permission.PROGRAMS_WORK)
def top_compute(program_year: int):
    _settings_or_404(program_year)
    return _step(lambda: programs.compute_top(db.session, current_user, program_year),
                 _("The ranking of %(year)s was computed.", year=program_year),
                 redirect(url_for("officer.top_list", program_year=program_year)))


@bp.post(f"/programs/rd-top/<{YEAR}:program_year>/publish")
@requires(Permission.PROGRAMS_APPROVE)
def top_publish(program_year: int):
    lst = _top_list(program_year)
    if lst is None:
        abort(404)
    return _step(lambda: programs.publish(db.session, current_user, lst),
                 _("The ranking of %(year)s is published: the firms in it see their rank.", year=program_year),
                 redirect(url_for("officer.top_list", program_year=program_year)))


@bp.get(f"/programs/rd-top/<{YEAR}:program_year>/export.<fmt>")
@requires(Permission.PROGRAMS_VIEW)
def top_export(program_year: int, fmt: str):
    settings = _settings_or_404(program_year)
    lst = _top_list(program_year)
    district = request.args.get("district") or None
    if district is not None and district not in visible_districts():
        abort(404)
    names = district_names()
    headers = [_("Rank"), _("Credit code"), _("Firm"), _("District"), _("Points"), _("R&D (10k yuan)"),
               _("Revenue (10k yuan)"), _("Amount rank"), _("Intensity rank"), _("Rank last year")]
    rows = [[row["rank"], row["firm"].credit_code or row["firm"].external_ref, row["firm"].name,
             names.get(row["entry"].district, row["entry"].district), row["points"], row["entry"].rd_expense,
             row["entry"].revenue, row["amount_rank"], row["intensity_rank"], row["entry"].last_rank]
            for row in (_top_rows(lst, district, settings.top_size) if lst is not None else [])]
    return table_response(f"rd-top-{program_year}" + (f"-{district}" if district else ""), headers, rows, fmt)


# ---- priority list ----------------------------------------------------------------------------------------

@bp.get(f"/programs/rd-priority/<{YEAR}:program_year>")
@requires(Permission.PROGRAMS_VIEW)
def priority_list(program_year: int):
    settings = _settings_or_404(program_year)
    rows = _priority_rows(program_year, settings)
    shown = [(firm, percent(share)) for firm, share in rows[:PAGE_SIZE * 5]]
    return render_template("officer/programs/priority.html", year=program_year, settings=settings, rows=shown,
                           total=len(rows), names=district_names())


def _priority_rows(year: int, settings) -> list[tuple[Firm, Fraction]]:
    """The firms in the officer's scope above the priority threshold, with their R&D intensity."""
    firms, ids = programs.load_firms(db.session, year, where=firm_scope(current_user))[:2]
    chosen = rd_priority(firms, settings).nonzero()[0]
    shares = {int(ids[i]): Fraction(int(firms.rd_expense.value[i]), int(firms.revenue.value[i]))
              for i in chosen.tolist()}
    found = []
    chosen_ids = list(shares)
    for start in range(0, len(chosen_ids), programs.IN_BATCH):
        found += db.session.scalars(select(Firm).where(Firm.id.in_(chosen_ids[start:start + programs.IN_BATCH]))
                                    .order_by(Firm.id)).all()
    return [(firm, shares[firm.id]) for firm in found]


INTENSITY_PLACES = Decimal("0.000001")


@bp.get(f"/programs/rd-priority/<{YEAR}:program_year>/export.<fmt>")
@requires(Permission.PROGRAMS_VIEW)
def priority_export(program_year: int, fmt: str):
    settings = _settings_or_404(program_year)
    names = district_names()
    headers = [_("Credit code"), _("Firm"), _("District"), _("R&D intensity"), _("Contact"), _("Phone"),
               _("E-mail")]
    # The intensity as a number in a percentage cell (to the basis point's hundredth).
    rows = [[firm.credit_code or firm.external_ref, firm.name, names.get(firm.district, firm.district),
             Number((Decimal(share.numerator) / Decimal(share.denominator)).quantize(INTENSITY_PLACES),
                    PERCENT_FORMAT),
             *contact_cells(current_user, firm)]
            for firm, share in _priority_rows(program_year, settings)]
    return contact_table_response(f"rd-priority-{program_year}", headers, rows, fmt,
                                  export_name="rd_priority")


# ---- the bureau's own numbers per year ---------------------------------------------------------------

def _setting_fields(year: int) -> list[dict]:
    """The programs' numbers an admin may set for `year`: parameter path, label, kind."""
    params = load_parameters(year)
    reward = params.root("programs").section("rd_reward")
    fields = []
    for index, _band in enumerate(reward.items("bands")):
        fields.append({"path": f"programs.rd_reward.bands.{index}.min", "kind": "percent",
                       "label": _("Band %(n)s: R&D intensity from", n=index + 1)})
        fields.append({"path": f"programs.rd_reward.bands.{index}.rate", "kind": "percent",
                       "label": _("Band %(n)s: share of R&D paid", n=index + 1)})
    fields += [
        {"path": "programs.rd_reward.cap", "kind": "money", "label": _("Reward cap per firm (10k yuan)")},
        {"path": "programs.rd_priority.above", "kind": "percent", "label": _("Priority list: R&D intensity above")},
        {"path": "programs.rd_top.min_revenue", "kind": "money", "label": _("Top list: revenue at least (10k yuan)")},
        {"path": "programs.rd_top.weight_amount", "kind": "percent", "label": _("Top list: weight of the amount rank")},
        {"path": "programs.rd_top.weight_intensity", "kind": "percent",
         "label": _("Top list: weight of the intensity rank")},
        {"path": "programs.rd_top.size", "kind": "count", "label": _("Top list: how many firms")},
    ]
    current = load_parameters(year, overrides=bureau_settings.program_overrides(db.session, year))
    for item in fields:
        value = _leaf(current.data, item["path"])
        item["value"] = format(tidy(Decimal(value) * 100), "f") if item["kind"] == "percent" \
            else format(tidy(Decimal(value)), "f")
    return fields


def _leaf(data, path: str):
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


@bp.get(f"/programs/settings/<{YEAR}:program_year>")
@requires(Permission.PROGRAMS_VIEW)
def program_settings(program_year: int):
    """The programs' numbers in force for the year; an admin changes them here."""
    _settings_or_404(program_year)
    budget = bureau_settings.program_budget(db.session, program_year)
    own = bureau_settings.program_district_budgets(db.session, program_year)
    return _settings_page(program_year, _setting_fields(program_year), {},
                          "" if budget is None else format(tidy(budget), "f"),
                          {code: format(tidy(amount), "f") for code, amount in own.items()})


def _settings_page(year: int, fields: list[dict], errors: dict, budget: str, district_budgets: dict[str, str]):
    return render_template("officer/programs/settings.html", year=year, fields=fields, errors=errors,
                           budget=budget, district_budgets=district_budgets, names=district_names(),
                           may_configure=has_permission(current_user, Permission.PROGRAMS_APPROVE)
                           ), 400 if errors else 200


@bp.post(f"/programs/settings/<{YEAR}:program_year>")
@requires(Permission.PROGRAMS_APPROVE)
def program_settings_save(program_year: int):
    _settings_or_404(program_year)
    fields, errors, overrides = _setting_fields(program_year), {}, {}
    defaults = {item["path"]: item for item in _setting_fields_of_file(program_year)}
    for item in fields:
        item["value"] = raw = (request.form.get(item["path"]) or "").strip()
        try:
            value = parse_figure(raw, BUDGET)
            if value is None:
                raise FigureError(_("Enter a number."))
            if item["kind"] == "count" and value != int(value):
                raise FigureError(_("Enter a whole number."))
        except FigureError as error:
            errors[item["path"]] = str(error)
            continue
        if value != Decimal(defaults[item["path"]]["value"]):
            overrides[item["path"]] = str(value / 100 if item["kind"] == "percent" else value)
    budget_text = (request.form.get("budget") or "").strip()
    budget = None
    try:
        budget = parse_figure(budget_text, BUDGET)
    except FigureError as error:
        errors["budget"] = str(error)
    district_texts, district_budgets = {}, {}
    for code in district_names():
        district_texts[code] = raw = (request.form.get(f"budget.{code}") or "").strip()
        try:
            district_budgets[code] = parse_figure(raw, BUDGET)
        except FigureError as error:
            errors[f"budget.{code}"] = str(error)
    if not errors:
        try:
            changed = bureau_settings.set_program_settings(db.session, program_year, overrides, budget,
                                                           current_user, district_budgets)
        except SettingsError as error:
            db.session.rollback()
            errors[error.field or "form"] = str(error.message)
        else:
            db.session.commit()
            flash(_("The programs' settings of %(year)s are saved.", year=program_year) if changed
                  else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("officer.program_settings", program_year=program_year))
    return _settings_page(program_year, fields, errors, budget_text, district_texts)


def _setting_fields_of_file(year: int) -> list[dict]:
    """The fields with the values of the year's parameter file (what the bureau starts from)."""
    params = load_parameters(year)
    return [{**item, "value": format(tidy(Decimal(_leaf(params.data, item["path"])) *
                                          (100 if item["kind"] == "percent" else 1)), "f")}
            for item in _setting_fields(year)]

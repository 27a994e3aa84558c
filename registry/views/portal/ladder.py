"""My ladder: the certificates a firm holds, every tier's verdict with each criterion explained,
the next tier and what it takes, flags and the incentives it may claim."""
from __future__ import annotations

from flask import jsonify, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.figures import FIGURE_SPECS
from registry.i18n import current_locale
from registry.models import Certificate, FirmVerdict
from registry.rules.logic import as_bool
from registry.rules.units import SAVING_SCALE, from_fixed
from registry.services import certificates as certificate_service
from registry.services import evaluation, filings, outreach, programs
from registry.views.portal import bp, current_firm

# Where a firm supplies what a criterion reads: its profile, else its annual filings.
PROFILE_CRITERIA = frozenset({
    "resident", "industry", "no_incidents", "core_ip", "tech_field", "registered_1y", "age",
    "history", "rd_staff", "core_product_share", "score"})
CERTIFICATE_CRITERIA = frozenset({"hnte_valid"})

# The policy behind each incentive the rules estimate (rules.md §6).
INCENTIVE_POLICIES = {
    "rd_super_deduction": _l(
        "MOF/STA Announcement 2023 No. 7: R&D expenses are deducted once more (100%) from "
        "taxable income; integrated-circuit and industrial-mother-machine firms 120% under "
        "Announcement 2023 No. 44, until the end of 2027."),
    "hnte_rate": _l(
        "Enterprise Income Tax Law, article 28: high and new technology enterprises pay 15% "
        "instead of 25% corporate income tax."),
    "vat_credit": _l(
        "MOF/STA Announcement 2023 No. 43: advanced manufacturers credit an extra 5% of "
        "deductible input VAT against VAT payable, until the end of 2027."),
}


# What a firm reads about a flag whose engine detail speaks to officers (rules.md §5).
FIRM_FLAG_NOTES = {
    "hnte_zero_rd": _l(
        "Your firm holds an HNTE certificate but reported no R&D expenses last year: the "
        "certificate may be reviewed and the tax relief reclaimed. Check last year's R&D "
        "figures."),
}


# Flags the firm reads in another form: the renewal is an expiry warning against the bureau's
# application rounds (services.certificates.expiry_warnings).
SHOWN_ELSEWHERE = frozenset({"hnte_renewal_due"})


def for_the_firm(result: dict | None) -> dict | None:
    """The verdict as the firm reads it: flags in words meant for the firm, and no incentive
    it is not offered because of a risk it carries (it sees the risk, not a saving)."""
    if not result:
        return result
    flags = [flag["id"] for flag in result["flags"]]
    return {**result,
            "flags": [{**flag, "detail": str(FIRM_FLAG_NOTES.get(flag["id"], flag["detail"]))}
                      for flag in result["flags"] if flag["id"] not in SHOWN_ELSEWHERE],
            "incentives": [item for item in result["incentives"]
                           if outreach.offered(item["id"], flags)]}


@bp.get("/")
@requires(Permission.PORTAL_USE)
def ladder():
    firm = current_firm()
    state = evaluation.ladder(db.session, firm.id, current_locale())
    flags = [flag["id"] for flag in state["result"]["flags"]] if state["result"] else []
    state["result"] = for_the_firm(state["result"])
    certificates = list(db.session.scalars(select(Certificate).where(
        Certificate.firm_id == firm.id).order_by(Certificate.expires.desc())))
    today = filings.today()
    warnings = certificate_service.expiry_warnings(db.session, firm.id, today, flags)
    last_year = today.year - 1
    last_filing = filings.get_filing(db.session, firm, last_year)
    return render_template(
        "portal/ladder.html", firm=firm, state=state, result=state["result"],
        programs=_programs(firm.id, today.year),
        certificates=certificates, today=today, expiry_warnings=warnings,
        checklist=filings.checklist(db.session, firm, today), figure_specs=FIGURE_SPECS, last_year=last_year, last_filing=last_filing,
        can_file_last_year=last_year in filings.fiscal_years(firm, today),
        policies=INCENTIVE_POLICIES,
        profile_criteria=PROFILE_CRITERIA, certificate_criteria=CERTIFICATE_CRITERIA)


def _programs(firm_id: int, year: int) -> dict:
    """The firm's R&D reward of program year `year` (its band, or what the next band takes) and its
    rank if it is in the published top list."""
    reward = programs.firm_reward(db.session, firm_id, year)
    upgrade = reward.next_band(0)
    return {"year": year, "reward": reward, "criteria": reward.explain(0), "eligible": as_bool(reward.eligible[0]),
            "rate": reward.rate(0), "entitlement": from_fixed(int(reward.entitlement[0]), SAVING_SCALE),
            "next_rate": upgrade[0].rate if upgrade else None,
            "next_gap": from_fixed(upgrade[1]) if upgrade else None,
            "illustrative": reward.settings.illustrative["rd_reward"],
            "rank": programs.published_rank(db.session, firm_id, year)}


@bp.get("/ladder/status")
@requires(Permission.PORTAL_USE)
def ladder_status():
    """Polled by the ladder page while the firm is being evaluated."""
    verdict = db.session.get(FirmVerdict, current_firm().id)
    evaluated_at = verdict.evaluated_at if verdict is not None else None
    return jsonify(pending=bool(verdict and verdict.pending),
                   evaluated_at=evaluated_at.isoformat() if evaluated_at else None)

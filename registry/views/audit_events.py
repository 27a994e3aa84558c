"""Audit events as people read them: a name for each action (the audit log's filter and column)
and a sentence per event in the reader's language, with districts, tiers, roles and statuses
named, counts and money formatted, and no internal id or code.

Every action recorded by `services.audit.record` has an entry in `ACTIONS`: its name and a
function that writes the sentence from the event's details (each a translatable template with
typed parameters). A test checks every recorded action has one. `EventText` reads what the
sentences name (districts, the users an event mentions) once for a page of events.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.figures import FIGURE_SPECS, display_count, display_money
from registry.forms.tokens import SCOPE_NAMES
from registry.i18n import current_locale
from registry.models import User
from registry.models.monitoring import TARGET_INDICATORS
from registry.services import settings
from registry.services.outreach import OUTREACH_LISTS
from registry.services.outreach import STATUS_LABELS as OUTREACH_STATUS_LABELS
from registry.services.spotchecks import RESULT_LABELS
from registry.services.users import ROLE_LABELS
from registry.views.display import profile_label
from registry.views.officer import CANDIDATE_STATUS_LABELS, CERTIFICATE_STATUS_LABELS, tier_label

OBJECT_LABELS = {
    "firm": _l("Firm"), "user": _l("User"), "candidate": _l("Candidate"), "filing": _l("Filing"),
    "certificate": _l("Certificate"), "scan": _l("Scan"), "invitation": _l("Invitation"),
    "publicnotice": _l("Public notice"), "spotcheck": _l("Spot check"), "none": _l("None"),
    "objection": _l("Objection"), "filingcorrection": _l("Filing correction"),
    "noticebatch": _l("Notice batch"), "certificateimport": _l("Certificate import"),
    "indicatorsnapshot": _l("Monitoring snapshot"), "spotcheckitem": _l("Spot-check item"),
    "inspector": _l("Inspector"), "outreachentry": _l("Outreach entry"),
    "programlist": _l("Program list"), "target": _l("Target"),
    "whatifscenario": _l("What-if scenario"), "whatifrun": _l("What-if run"),
    "apitoken": _l("API token"),
}
EXPORT_LABELS = {"directory": _l("the firm directory"), "not_filed": _l("the not-filed list"),
                 "outreach": _l("an outreach list"), "rd_priority": _l("the R&D priority list")}
DIRECTION_LABELS = {"at_least": _l("at least"), "at_most": _l("at most")}


def _official_source(details: dict) -> str:
    return str({"statistics": _l("statistics bureau R&D survey"),
                "tax": _l("tax bureau super-deduction declarations")}.get(details.get("kind"), "—"))


def _count(value) -> str:
    try:
        return display_count(int(value))
    except (TypeError, ValueError):
        return "—"


def _money(value) -> str:
    """An amount in 万元 (a decimal string) with separators and two decimals."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    return _("%(value)s 10k yuan", value=display_money(amount))


def _quoted(text) -> str:
    return f"“{text}”" if text else "—"


class EventText:
    """Writes the sentences of a set of events; reads the names they need once."""

    def __init__(self, session, events=()):
        self.session = session
        self.district_names = settings.district_names(session, current_locale())
        ids = set()
        for event in events:
            details = event.details or {}
            if event.object_type == "user" and event.object_id:
                ids.add(event.object_id)
            ids.update(details.get(key) for key in ("to_user_id", "from_officer", "to_officer",
                                                    "owner"))
        ids = {i for i in ids if isinstance(i, int)}
        self.users = {} if not ids else {
            user_id: name or email for user_id, name, email in session.execute(
                select(User.id, User.name, User.email).where(User.id.in_(ids)))}
        self._profile_labels = None

    # --- Names ------------------------------------------------------------------------------

    def user(self, user_id) -> str:
        return self.users.get(user_id) or _("a removed account")

    def district(self, code) -> str:
        return self.district_names.get(code, code) if code else _("the whole city")

    def districts(self, codes) -> str:
        if not codes:
            return _("the whole city")
        separator = "、" if current_locale() == "zh" else ", "
        return separator.join(self.district(code) for code in codes)

    def role(self, value) -> str:
        """A role and its districts: "Officer (海曙区、江北区)"."""
        if not isinstance(value, dict):
            return str(ROLE_LABELS.get(value, value))
        role = str(ROLE_LABELS.get(value.get("role"), value.get("role")))
        if not value.get("districts"):
            return role
        return _("%(role)s (%(districts)s)", role=role, districts=self.districts(value["districts"]))

    def figure_names(self, fields) -> str:
        names = [str(FIGURE_SPECS[f].label) if f in FIGURE_SPECS else None for f in fields or ()]
        if None in names:
            return _count(len(names))
        return "、".join(names) if current_locale() == "zh" else ", ".join(names)

    def profile_names(self, fields) -> str:
        if self._profile_labels is None:
            from registry.forms.portal import ProfileForm
            form = ProfileForm(meta={"csrf": False}, formdata=None)
            self._profile_labels = {field.name: field.label.text for field in form}
        names = [str(self._profile_labels.get(f, "")) for f in fields or ()]
        if not all(names):
            return _count(len(names))
        return "、".join(names) if current_locale() == "zh" else ", ".join(names)

    def target_value(self, indicator, value) -> str:
        from registry.views.admin.settings import show_target
        try:
            return show_target(SimpleNamespace(kind=TARGET_INDICATORS.get(indicator, "count"),
                                               value=Decimal(str(value))))
        except (InvalidOperation, ValueError):
            return "—"

    def indicator(self, indicator) -> str:
        from registry.views.dashboard import INDICATOR_LABELS
        return str(INDICATOR_LABELS.get(indicator, indicator))

    # --- Sentences ---------------------------------------------------------------------------

    def sentence(self, event) -> str:
        """What happened, as one or two sentences in the reader's language."""
        entry = ACTIONS.get(event.action) or _transition_entry(event.action)
        if entry is None:
            return ""
        text = entry[1](self, event.details or {}, event)
        if (event.details or {}).get("via") == "cli":
            text = _("%(text)s (from the command line)", text=text)
        return text


def action_label(action: str) -> str:
    entry = ACTIONS.get(action) or _transition_entry(action)
    return str(entry[0]) if entry else action.replace("_", " ").replace(".", " ")


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type) or object_type)


# --- One entry per action: (name, sentence) ------------------------------------------------------

def _moved(t: EventText, d: dict, labels: dict) -> str:
    """A status change of a candidate or certificate, with its reason and date if any."""
    old, new = d.get("from_status"), d.get("to_status")
    text = _("%(tier)s: %(old)s → %(new)s.", tier=tier_label(d.get("tier")),
             old=labels.get(old, old) or "—", new=labels.get(new, new) or "—")
    if d.get("cycle"):
        text = _("%(tier)s, cycle %(cycle)s: %(old)s → %(new)s.", tier=tier_label(d.get("tier")),
                 cycle=d["cycle"], old=labels.get(old, old) or "—", new=labels.get(new, new) or "—")
    if d.get("reason"):
        text += " " + _("Reason: %(reason)s", reason=_quoted(d["reason"]))
    if d.get("until"):
        text += " " + _("Until %(day)s.", day=d["until"])
    return text


def _candidate(t, d, e):
    return _moved(t, d, CANDIDATE_STATUS_LABELS)


def _certificate(t, d, e):
    return _moved(t, d, CERTIFICATE_STATUS_LABELS)


CANDIDATE_ACTIONS = {
    "start_review": _l("Review started"), "approve": _l("Candidate approved"),
    "reject": _l("Candidate rejected"), "return": _l("Candidate returned to the firm"),
    "defer": _l("Candidate deferred"), "resubmitted": _l("Candidate resubmitted by the firm"),
    "reopen": _l("Deferred candidate reopened"), "withdraw": _l("Approval withdrawn"),
    "close": _l("Candidate closed"),
}
CERTIFICATE_ACTIONS = {
    "validate": _l("Certificate in force"), "withdraw": _l("Certificate withdrawn"),
    "expire": _l("Certificate expired"), "revoke": _l("Certificate revoked"),
}
FILING_ACTIONS = {
    "save": _l("Filing draft saved"), "autosave": _l("Filing draft saved automatically"),
    "import": _l("Filing imported from a workbook"), "submit": _l("Filing submitted"),
    "return": _l("Filing returned to the firm"), "accept": _l("Filing accepted"),
    "reopen": _l("Filing reopened"), "api": _l("Filing draft saved through the API"),
}


def _filing(t, d, e):
    text = _("Filing for %(year)s, revision %(revision)s.", year=d.get("fiscal_year", "—"),
             revision=d.get("revision", "—"))
    if d.get("fields"):
        text += " " + _("Changed: %(fields)s.", fields=t.figure_names(d["fields"]))
    return text


def _transition_entry(action: str):
    """Candidates', certificates' and filings' actions are named after their transitions."""
    for prefix, names, sentence in (("candidate_", CANDIDATE_ACTIONS, _candidate),
                                    ("certificate_", CERTIFICATE_ACTIONS, _certificate),
                                    ("filing_", FILING_ACTIONS, _filing)):
        if action.startswith(prefix) and action[len(prefix):] in names:
            return names[action[len(prefix):]], sentence
    return None


def _setting(t: EventText, d: dict, e) -> str:
    return setting_change_text(t, d.get("key") or "", d.get("old"), d.get("new"))


def setting_change_text(t: EventText, key: str, old, new) -> str:
    """A bureau setting's change (`services.settings` keys) as a sentence."""
    family, _dot, rest = key.partition(".")
    if family == "params":
        from registry.views.admin.settings import bureau_labels
        label = bureau_labels().get(rest, rest)
        return _("“%(setting)s”: %(old)s → %(new)s.", setting=label, old=_plain(old),
                 new=_plain(new))
    if family == "calendar":
        if not new:
            return _("Removed the working-day calendar of %(year)s.", year=rest)
        return _("Working-day calendar of %(year)s: %(holidays)s holidays and %(workdays)s "
                 "make-up working days (%(source)s).", year=rest,
                 holidays=_count(len(new.get("holidays", []))),
                 workdays=_count(len(new.get("workdays", []))), source=new.get("source") or "—")
    if family == "rounds":
        if not new:
            return _("Cleared the application rounds of %(year)s.", year=rest)
        rounds = "; ".join(_("%(tier)s %(opens)s to %(closes)s", tier=tier_label(tier),
                             opens=dates.get("opens"), closes=dates.get("closes"))
                           for tier, dates in sorted(new.items()))
        return _("Application rounds of %(year)s: %(rounds)s.", year=rest, rounds=rounds)
    if family == "rules" and rest == "profiles":
        latest = (new or [{}])[-1]
        return _("Rule profiles from %(day)s: gazelle %(gazelle)s, leader %(leader)s.",
                 day=latest.get("effective", "—"), gazelle=profile_label("gazelle", latest.get("gazelle")),
                 leader=profile_label("leader", latest.get("leader")))
    if family == "programs":
        if not new:
            return _("Cleared the program numbers of %(year)s.", year=rest)
        budget = new.get("budget")
        return _("Program numbers of %(year)s: %(count)s parameters set, budget %(budget)s.",
                 year=rest, count=_count(len(new.get("overrides") or {})),
                 budget=_money(budget) if budget is not None else _("none"))
    if family == "districts":
        name = (new or old or {}).get("name_zh" if current_locale() == "zh" else "name_en") or rest
        if old is None:
            return _("Added the district %(name)s.", name=name)
        if new is None:
            return _("Deleted the district %(name)s.", name=name)
        if old.get("active") != new.get("active"):
            return (_("Reactivated the district %(name)s.", name=name) if new.get("active")
                    else _("Deactivated the district %(name)s.", name=name))
        return _("Renamed the district %(old)s (%(old_en)s) to %(new)s (%(new_en)s).",
                 old=old.get("name_zh"), old_en=old.get("name_en"), new=new.get("name_zh"),
                 new_en=new.get("name_en"))
    if family == "targets":
        year, _dot, rest = rest.partition(".")
        indicator, _dot, scope = rest.rpartition(".")
        where = t.district(None if scope == "city" else scope)
        if new is None:
            return _("Removed the %(year)s target for “%(indicator)s” (%(scope)s).", year=year,
                     indicator=t.indicator(indicator), scope=where)
        return _("%(year)s target for “%(indicator)s” (%(scope)s): %(direction)s %(value)s.",
                 year=year, indicator=t.indicator(indicator), scope=where,
                 direction=DIRECTION_LABELS.get(new.get("direction"), new.get("direction")),
                 value=t.target_value(indicator, new.get("value")))
    return _("A bureau setting changed.")


def _plain(value) -> str:
    """A single bureau value: a number with separators, text as it is."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)).normalize():,f}"
    return str(value)


def _login_sentence(d: dict) -> str:
    method = d.get("method")
    if method == "totp":
        return _("Logged in with a password and an authenticator code.")
    if method == "recovery_code":
        return _("Logged in with a password and a recovery code (%(count)s left).",
                 count=_count(d.get("left")))
    if method == "enrolment":
        return _("Logged in, setting up two-step login.")
    return _("Logged in.")


def _scope(t: EventText, d: dict) -> str:
    return t.districts(d.get("districts"))


def _token_scopes(details: dict) -> str:
    separator = "、" if current_locale() == "zh" else ", "
    return separator.join(str(SCOPE_NAMES.get(scope, scope))
                          for scope in str(details.get("scopes") or "").split()) or "—"


def _token_created(t: EventText, d: dict, e) -> str:
    if d.get("service"):
        return _("Created the service token “%(name)s” (scopes: %(scopes)s; valid %(days)s days).",
                 name=d.get("name") or "—", scopes=_token_scopes(d), days=_count(d.get("days")))
    return _("Created an API token “%(name)s” for %(user)s (scopes: %(scopes)s; valid %(days)s "
             "days).", name=d.get("name") or "—", user=t.user(d.get("owner")),
             scopes=_token_scopes(d), days=_count(d.get("days")))


def _token_revoked(t: EventText, d: dict, e) -> str:
    if d.get("service"):
        return _("Revoked the service token “%(name)s”.", name=d.get("name") or "—")
    return _("Revoked the API token “%(name)s” of %(user)s.", name=d.get("name") or "—",
             user=t.user(d.get("owner")))


ACTIONS = {
    # Accounts and users
    "token_created": (_l("API token created"), _token_created),
    "token_revoked": (_l("API token revoked"), _token_revoked),
    "login": (_l("Logged in"), lambda t, d, e: _login_sentence(d)),
    "contacts_exported": (_l("Contact persons exported"), lambda t, d, e: _(
        "Exported %(list)s with the contact persons of %(count)s firms (%(format)s).",
        list=EXPORT_LABELS.get(d.get("export"), _("a list")), count=_count(d.get("rows")),
        format=str(d.get("format") or "—").upper())),
    "password_accepted": (_l("Password accepted"), lambda t, d, e: _(
        "Gave the right password; the second step of the login was asked next.")),
    "second_factor_failed": (_l("Wrong two-step code"), lambda t, d, e: _(
        "Typed a wrong code in the second step of a login.")),
    "two_factor_enrolled": (_l("Two-step login set up"), lambda t, d, e: _(
        "Set up two-step login with an authenticator app; ten recovery codes were made.")),
    "two_factor_reset": (_l("Two-step login reset"), lambda t, d, e: _(
        "Reset the two-step login of %(user)s; their sessions ended.",
        user=t.user(e.object_id))),
    "login_failed": (_l("Failed login"),
                     lambda t, d, e: _("A login as %(email)s failed.", email=d.get("email", "—"))),
    "user_created": (_l("User created"), lambda t, d, e: _(
        "Created the administrator account of %(user)s.", user=t.user(e.object_id))),
    "password_set": (_l("Password set"), lambda t, d, e: _(
        "Set a new password for %(user)s; their sessions ended.", user=t.user(e.object_id))),
    "password_reset": (_l("Password reset"),
                       lambda t, d, e: _("Set a new password with a mailed reset link.")),
    "password_reset_requested": (_l("Password reset asked"),
                                 lambda t, d, e: _("Asked for a password reset link.")),
    "password_reset_sent": (_l("Password reset sent by an administrator"), lambda t, d, e: _(
        "Mailed %(user)s a link to reset their password.", user=t.user(e.object_id))),
    "password_reset_unknown": (_l("Password reset for an unknown address"), lambda t, d, e: _(
        "A password reset was asked for %(email)s, which has no account.",
        email=d.get("email", "—"))),
    "user_role_changed": (_l("Role or districts changed"), lambda t, d, e: _(
        "Changed %(user)s from %(old)s to %(new)s.", user=t.user(e.object_id),
        old=t.role(d.get("old")), new=t.role(d.get("new")))),
    "user_deactivated": (_l("User deactivated"), lambda t, d, e: _(
        "Deactivated %(user)s; their sessions ended.", user=t.user(e.object_id))),
    "user_reactivated": (_l("User reactivated"), lambda t, d, e: _(
        "Reactivated %(user)s.", user=t.user(e.object_id))),
    "user_work_reassigned": (_l("Open work handed over"), lambda t, d, e: _(
        "Handed the open work of %(user)s to %(to)s: %(candidates)s candidates, "
        "%(outreach)s outreach entries and %(spot_checks)s spot-check inspections.",
        user=t.user(e.object_id), to=t.user(d.get("to_user_id")),
        candidates=_count(d.get("candidates", 0)), outreach=_count(d.get("outreach", 0)),
        spot_checks=_count(d.get("spot_checks", 0)))),
    "staff_invitation_sent": (_l("Staff invitation sent"), lambda t, d, e: _(
        "Invited %(email)s as %(role)s.", email=d.get("email", "—"),
        role=t.role({"role": d.get("role"), "districts": d.get("districts")}))),
    "invitation_sent": (_l("Invitation sent"), lambda t, d, e: _(
        "Invited %(email)s to the firm as its administrator.", email=d.get("email", "—"))
        if d.get("is_firm_admin") else _("Invited %(email)s to the firm.",
                                         email=d.get("email", "—"))),
    "invitation_accepted": (_l("Invitation accepted"),
                            lambda t, d, e: _("Accepted an invitation and created their account.")),
    "invitation_revoked": (_l("Invitation revoked"), lambda t, d, e: _(
        "Revoked the invitation of %(email)s.", email=d.get("email", "—"))),
    "email_change_requested": (_l("E-mail change asked"), lambda t, d, e: _(
        "Asked to change their e-mail address to %(email)s.", email=d.get("new_email", "—"))),
    "email_changed": (_l("E-mail address changed"), lambda t, d, e: _(
        "Changed their e-mail address from %(old)s to %(new)s.", old=d.get("old", "—"),
        new=d.get("new", "—"))),
    "colleague_activated": (_l("Colleague reactivated"), lambda t, d, e: _(
        "Reactivated their colleague %(user)s.", user=t.user(e.object_id))),
    "colleague_deactivated": (_l("Colleague deactivated"), lambda t, d, e: _(
        "Deactivated their colleague %(user)s; their sessions ended.", user=t.user(e.object_id))),
    "colleague_removed": (_l("Colleague removed"), lambda t, d, e: _(
        "Removed their colleague %(email)s.", email=d.get("email", "—"))),
    "firm_admin_passed": (_l("Firm administrator role passed on"), lambda t, d, e: _(
        "Passed the firm's administrator role to %(user)s.", user=t.user(e.object_id))),
    # Firms
    "firm_created": (_l("Firm created"), lambda t, d, e: _(
        "Created the firm %(name)s (credit code %(code)s).", name=d.get("name", "—"),
        code=d.get("credit_code", "—"))),
    "firm_registered": (_l("Firm registered itself"), lambda t, d, e: _(
        "Registered the firm (credit code %(code)s); it awaits approval.",
        code=d.get("credit_code", "—"))),
    "registration_approved": (_l("Registration approved"),
                              lambda t, d, e: _("Approved the firm's registration.")),
    "registration_rejected": (_l("Registration rejected"), lambda t, d, e: _(
        "Rejected the registration of %(name)s (%(district)s). Reason: %(reason)s",
        name=d.get("name", "—"), district=t.district(d.get("district")),
        reason=_quoted(d.get("reason")))),
    "registration_address_taken": (_l("Registration with a taken address"), lambda t, d, e: _(
        "A registration for credit code %(code)s gave %(email)s, which already has an account.",
        code=d.get("credit_code", "—"), email=d.get("email", "—"))),
    "firm_profile_updated": (_l("Firm profile updated"), lambda t, d, e: _(
        "Updated the firm's profile: %(fields)s.", fields=t.profile_names(d.get("fields")))),
    "firm_deregistered": (_l("Firm deregistered"), lambda t, d, e: _(
        "Deregistered the firm from %(day)s. Reason: %(reason)s", day=d.get("on", "—"),
        reason=_quoted(d.get("reason")))),
    "firm_reinstated": (_l("Firm reinstated"), lambda t, d, e: _(
        "Reinstated the firm deregistered from %(day)s. Reason: %(reason)s",
        day=d.get("was", "—"), reason=_quoted(d.get("reason")))),
    "firm_moved": (_l("Firm moved to another district"), lambda t, d, e: _(
        "Moved the firm from %(old)s to %(new)s.", old=t.district(d.get("from_district")),
        new=t.district(d.get("to_district")))),
    "facts.import": (_l("Facts imported"), lambda t, d, e: _(
        "Imported facts of %(firms)s firms: %(created)s created, %(updated)s updated.",
        firms=_count(d.get("firms")), created=_count(d.get("created")),
        updated=_count(d.get("updated")))),
    # Review, notices, certificates
    "candidate_assign": (_l("Candidate assigned"), lambda t, d, e: _(
        "Assigned the candidate to %(to)s.", to=t.user(d["to_officer"]))
        if d.get("to_officer") else _("Took the candidate off %(officer)s's list.",
                                      officer=t.user(d.get("from_officer")))),
    "objection_record": (_l("Objection recorded"), lambda t, d, e: _(
        "Recorded an objection received on %(day)s.", day=d.get("received_on", "—"))),
    "objection_uphold": (_l("Objection upheld"), lambda t, d, e: _(
        "Upheld the objection; the public notice is withdrawn. Reason: %(reason)s",
        reason=_quoted(d.get("reason")))),
    "objection_dismiss": (_l("Objection dismissed"), lambda t, d, e: _(
        "Dismissed the objection. Reason: %(reason)s", reason=_quoted(d.get("reason")))),
    "notice_batch_issue": (_l("Notice batch issued"), lambda t, d, e: _(
        "Issued the certificates of notice batch %(number)s: %(certified)s certified, "
        "%(waiting)s still waiting.", number=d.get("number", "—"),
        certified=_count(d.get("certified")), waiting=_count(d.get("waiting")))),
    "notice_batch_end": (_l("Notice batch ended"), lambda t, d, e: _(
        "Ended notice batch %(number)s (%(tier)s, cycle %(cycle)s).", number=d.get("number", "—"),
        tier=tier_label(d.get("tier")), cycle=d.get("cycle", "—"))),
    "certificate_import": (_l("Certificates imported"), lambda t, d, e: _(
        "Imported %(file)s: %(rows)s rows, %(created)s certificates created.",
        file=d.get("filename") or "—", rows=_count(d.get("rows")),
        created=_count(d.get("created")))
        if d.get("status") != "rejected" else _(
        "Refused %(file)s (%(rows)s rows): nothing was imported.", file=d.get("filename") or "—",
        rows=_count(d.get("rows")))),
    "official_import": (_l("Official figures imported"), lambda t, d, e: _(
        "Imported %(file)s (%(source)s): %(rows)s rows, %(created)s figures added and "
        "%(updated)s changed.", file=d.get("filename") or "—", source=_official_source(d),
        rows=_count(d.get("rows")), created=_count(d.get("created")),
        updated=_count(d.get("updated")))
        if d.get("status") != "rejected" else _(
        "Refused %(file)s (%(source)s, %(rows)s rows, %(errors)s with errors): nothing was "
        "imported.", file=d.get("filename") or "—", source=_official_source(d),
        rows=_count(d.get("rows")), errors=_count(d.get("errors")))),
    "roster_import": (_l("Firm roster imported"), lambda t, d, e: _(
        "Imported the firm roster %(file)s: %(rows)s rows, %(created)s firms created and their "
        "contacts invited.", file=d.get("filename") or "—", rows=_count(d.get("rows")),
        created=_count(d.get("created")))
        if d.get("status") != "rejected" else _(
        "Refused the firm roster %(file)s (%(rows)s rows, %(errors)s with errors): nothing was "
        "imported.", file=d.get("filename") or "—", rows=_count(d.get("rows")),
        errors=_count(d.get("errors")))),
    # Filings
    "filing_correction_request": (_l("Correction asked"), lambda t, d, e: _(
        "Asked to correct the filing for %(year)s. Reason: %(reason)s",
        year=d.get("fiscal_year", "—"), reason=_quoted(d.get("reason")))),
    "filing_correction_reopen": (_l("Filing reopened for correction"), lambda t, d, e: _(
        "Reopened the filing for %(year)s for correction. Reason: %(reason)s",
        year=d.get("fiscal_year", "—"), reason=_quoted(d.get("reason")))),
    "filing_correction_decline": (_l("Correction declined"), lambda t, d, e: _(
        "Declined the correction of the filing for %(year)s. Reason: %(reason)s",
        year=d.get("fiscal_year", "—"), reason=_quoted(d.get("reason")))),
    "filing_correction_complete": (_l("Correction accepted"), lambda t, d, e: _(
        "Accepted the corrected filing for %(year)s.", year=d.get("fiscal_year", "—"))),
    "filing_reminder": (_l("Filing reminder sent"), lambda t, d, e: _(
        "Reminded the firm to file for %(year)s (%(count)s recipients).",
        year=d.get("fiscal_year", "—"), count=_count(d.get("recipients")))),
    # Outreach and spot checks
    "outreach_update": (_l("Outreach updated"), lambda t, d, e: _(
        "%(list)s, cycle %(cycle)s: %(old)s → %(new)s.",
        list=OUTREACH_LISTS[d["list"]].title if d.get("list") in OUTREACH_LISTS else "—",
        cycle=d.get("cycle", "—"),
        old=OUTREACH_STATUS_LABELS.get(d.get("from_status"), "—"),
        new=OUTREACH_STATUS_LABELS.get(d.get("to_status"), "—"))),
    "spot_check_draw": (_l("Spot check drawn"), lambda t, d, e: _(
        "Drew %(sample)s of %(population)s %(tier)s firms in %(district)s for a spot check.",
        sample=_count(d.get("sample_size")), population=_count(d.get("population")),
        tier=tier_label(d.get("tier")), district=t.district(d.get("district")))),
    "spot_check_result": (_l("Spot check result"), lambda t, d, e: _(
        "Spot-check result: %(old)s → %(new)s.",
        old=RESULT_LABELS.get(d.get("from_result"), "—"),
        new=RESULT_LABELS.get(d.get("to_result"), "—"))),
    "inspector_add": (_l("Inspector added"), lambda t, d, e: _(
        "Added an inspector in %(district)s.", district=t.district(d.get("district")))),
    "inspector_active": (_l("Inspector available"), lambda t, d, e: _(
        "An inspector of %(district)s is available again.", district=t.district(d.get("district")))),
    "inspector_inactive": (_l("Inspector unavailable"), lambda t, d, e: _(
        "An inspector of %(district)s is no longer available.",
        district=t.district(d.get("district")))),
    # Scans, settings, monitoring, programs, what-if
    "scan.start": (_l("Scan started"), lambda t, d, e: _(
        "Started a full scan as of %(day)s in %(chunks)s parts.", day=d.get("as_of", "—"),
        chunks=_count(d.get("chunks")))),
    "setting_changed": (_l("Setting changed"), _setting),
    "target.set": (_l("Target set"), lambda t, d, e: _(
        "%(year)s target for “%(indicator)s” (%(scope)s): %(direction)s %(value)s.",
        year=d.get("year", "—"), indicator=t.indicator(d.get("indicator")),
        scope=t.district(d.get("district")),
        direction=DIRECTION_LABELS.get(d.get("direction"), "—"),
        value=t.target_value(d.get("indicator"), d.get("value")))),
    "target.delete": (_l("Target removed"), lambda t, d, e: _(
        "Removed the %(year)s target for “%(indicator)s” (%(scope)s).", year=d.get("year", "—"),
        indicator=t.indicator(d.get("indicator")), scope=t.district(d.get("district")))),
    "snapshot.take": (_l("Monitoring snapshot taken"), lambda t, d, e: _(
        "Took a snapshot of the monitoring indicators as of %(day)s.", day=d.get("as_of", "—"))),
    "programs.reward.compute": (_l("R&D reward list computed"), lambda t, d, e: _(
        "Computed the R&D reward list of %(year)s: %(firms)s firms, budget %(budget)s.",
        year=d.get("year", "—"), firms=_count(d.get("firms")),
        budget=_money(d["budget"]) if d.get("budget") is not None else _("none"))),
    "programs.reward.exclude": (_l("Firm excluded from the reward list"), lambda t, d, e: _(
        "Excluded the firm from the R&D reward list. Reason: %(reason)s",
        reason=_quoted(d.get("reason")))),
    "programs.reward.restore": (_l("Firm restored to the reward list"),
                                lambda t, d, e: _("Restored the firm to the R&D reward list.")),
    "programs.reward.approve": (_l("R&D reward list approved"), lambda t, d, e: _(
        "Approved the R&D reward list of %(year)s: %(firms)s firms, %(total)s in all.",
        year=d.get("year", "—"), firms=_count(d.get("firms")),
        total=_money(d.get("total_award")))),
    "programs.reward.notice": (_l("R&D reward list on public notice"), lambda t, d, e: _(
        "Put the R&D reward list on public notice from %(start)s to %(end)s.",
        start=d.get("start", "—"), end=d.get("end", "—"))),
    "programs.reward.paid": (_l("R&D reward paid"), lambda t, d, e: _(
        "Paid the firm's R&D reward of %(award)s.", award=_money(d.get("award")))),
    "programs.top.compute": (_l("Ranking computed"), lambda t, d, e: _(
        "Computed the ranking of %(year)s: %(eligible)s eligible firms.",
        year=d.get("year", "—"), eligible=_count(d.get("eligible")))),
    "programs.top.publish": (_l("Ranking published"), lambda t, d, e: _(
        "Published the ranking of %(year)s.", year=d.get("year", "—"))),
    "whatif.scenario_save": (_l("What-if scenario saved"), lambda t, d, e: _(
        "Saved the what-if scenario %(name)s (as of %(day)s, %(scope)s).",
        name=_quoted(d.get("name")), day=d.get("as_of", "—"), scope=_scope(t, d))),
    "whatif.scenario_delete": (_l("What-if scenario deleted"), lambda t, d, e: _(
        "Deleted the what-if scenario %(name)s.", name=_quoted(d.get("name")))),
    "whatif.run": (_l("What-if run started"), lambda t, d, e: _(
        "Started a what-if run as of %(day)s over %(scope)s.", day=d.get("as_of", "—"),
        scope=_scope(t, d))),
    "whatif.cancel": (_l("What-if run cancelled"), lambda t, d, e: _("Cancelled a what-if run.")),
    "demo_loaded": (_l("Demo loaded"), lambda t, d, e: _(
        "Loaded the demo data as of %(day)s with %(accounts)s accounts.",
        day=d.get("as_of", "—"), accounts=_count(d.get("accounts")))),
}

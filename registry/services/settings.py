"""The bureau's settings: read by the rest of the code, changed by admins, every change versioned.

Each setting is a key with a JSON value (`registry/models/settings.py`). A key without a row takes
the default shipped in `registry/params/` (the bureau's name and procedures in `bureau.toml`, the
official calendars in `calendar/<year>.toml`, the districts in `districts.toml`); `load_defaults`
writes the shipped districts into the database on the first run. Values are read from the database
on every call, so a change takes effect on the next request of every process, without a restart.

What other code reads:
    bureau_name(session)                       the bureau's name
    bureau(session)                            `bureau.toml`'s tables with the admins' changes
    calendar_year(session, year)               a year's official calendar, or None
    round_dates(session, year)                 {tier: (opens, closes)} of a year's application rounds
    rule_profiles(session, as_of)              {"gazelle": ..., "leader": ...} in force on a date
    program_overrides(session, year)           the bureau's own program numbers of a year (dotted paths)
    program_budget(session, year)              the bureau's R&D reward budget of a year (万元), or None
    program_district_budgets(session, year)    each district's own R&D reward budget of a year
    districts(session, active_only=False)      District rows by code
    district_names(session, locale)            {code: name in the locale}

Every change goes through `change(...)`, or `record_version(...)` for what lives in a table of
its own (districts, targets): a `SettingChange` row (who, when, old -> new, version) and an audit
event.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import District, Firm, Setting, SettingChange
from registry.models.base import utcnow
from registry.models.certificate import TIERS
from registry.params import bureau as shipped_bureau
from registry.params import calendar_year as shipped_calendar
from registry.params import districts as shipped_districts
from registry.params import month_day
from registry.rules.params import DEFAULT_PROFILES, PROFILE_TIERS, ParameterError, load_parameters
from registry.rules.programs import ProgramSettings
from registry.services import ServiceError, audit


class SettingsError(ServiceError):
    """A setting that cannot take this value; `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- The store ----------------------------------------------------------------------------------

def stored(session: Session, key: str):
    """The value stored for `key`, or None when the shipped default applies."""
    return session.scalar(select(Setting.value).where(Setting.key == key))


def change(session: Session, key: str, value, actor, *, default=None) -> bool:
    """Set `key` to `value` (JSON-able): a new version with who, when and old -> new, audited.
    `default` is the value in force before the first change (the shipped one). Returns False and
    records nothing when the value is unchanged."""
    row = session.get(Setting, key)
    old = row.value if row is not None else default
    if old == value:
        return False
    now = utcnow()
    if row is None:
        row = Setting(key=key, value=value, version=1, updated_at=now,
                      updated_by_id=getattr(actor, "id", None))
        session.add(row)
    else:
        row.value, row.version = value, row.version + 1
        row.updated_at, row.updated_by_id = now, getattr(actor, "id", None)
    _record(session, key, row.version, old, value, actor, now)
    return True


def _record(session: Session, key: str, version: int, old, new, actor, now: dt.datetime) -> None:
    session.add(SettingChange(key=key, version=version, old_value=old, new_value=new,
                              actor_id=getattr(actor, "id", None), at=now))
    audit.record(session, actor, "setting_changed", None, key=key, version=version, old=old,
                 new=new)


def record_version(session: Session, key: str, old, new, actor) -> None:
    """Version a change kept in a table of its own (a district, a target): the next version of
    `key` with who, when and old -> new, audited."""
    version = 1 + (session.scalar(select(func.count()).select_from(SettingChange)
                                  .where(SettingChange.key == key)) or 0)
    _record(session, key, version, old, new, actor, utcnow())


def history(session: Session, prefix: str | None = None, limit: int = 50) -> list[SettingChange]:
    """The latest changes, newest first; only keys starting with `prefix` if given."""
    query = select(SettingChange).order_by(SettingChange.id.desc()).limit(limit)
    if prefix:
        query = query.where(SettingChange.key.startswith(prefix, autoescape=True))
    return list(session.scalars(query))


# --- The bureau and its procedures (bureau.toml) --------------------------------------------------

@dataclass(frozen=True)
class BureauValue:
    """One value of `bureau.toml` an admin may change: its dotted path and its type."""

    path: str
    kind: type  # int, float or str
    minimum: float | None = None
    maximum: float | None = None

    @property
    def key(self) -> str:
        return f"{BUREAU_PREFIX}{self.path}"

    def shipped(self):
        value = shipped_bureau()
        for part in self.path.split("."):
            value = value[part]
        return value


BUREAU_PREFIX = "params."  # + the value's dotted path in bureau.toml
BUREAU_VALUES = (
    BureauValue("bureau.name", str),
    BureauValue("public_notice.working_days", int, 1, 60),
    BureauValue("filings.deadline", str),
    BureauValue("spot_checks.sample_share", float, 0.0001, 1),
    BureauValue("spot_checks.minimum_sample", int, 0, 1000),
    BureauValue("spot_checks.inspectors_per_firm", int, 1, 10),
    BureauValue("certificates.region", str),
    BureauValue("certificates.tech_sme.valid_until", str),
    *(BureauValue(f"certificates.{tier}.number_format", str) for tier in TIERS),
)
BUREAU_VALUE_BY_PATH = {value.path: value for value in BUREAU_VALUES}


def bureau(session: Session) -> dict:
    """The tables of `bureau.toml` (a nested dict), with every value the admins changed."""
    data = copy.deepcopy(shipped_bureau())
    rows = session.execute(select(Setting.key, Setting.value)
                           .where(Setting.key.startswith(BUREAU_PREFIX, autoescape=True)))
    for key, value in rows:
        *tables, leaf = key.removeprefix(BUREAU_PREFIX).split(".")
        target = data
        for table in tables:
            target = target.setdefault(table, {})
        target[leaf] = value
    return data


def bureau_name(session: Session) -> str:
    return bureau(session)["bureau"]["name"]


def set_bureau_value(session: Session, path: str, raw, actor) -> bool:
    """Change one value of the bureau's procedures after checking it; False if unchanged."""
    spec = BUREAU_VALUE_BY_PATH.get(path)
    if spec is None:
        raise SettingsError(_l("There is no such setting."))
    value = _checked_bureau_value(spec, raw)
    return change(session, spec.key, value, actor, default=_current(session, spec))


def _current(session: Session, spec: BureauValue):
    value = stored(session, spec.key)
    return spec.shipped() if value is None else value


def _checked_bureau_value(spec: BureauValue, raw):
    field = spec.path
    if spec.kind is str:
        value = str(raw or "").strip()
        if not value:
            raise SettingsError(_l("Enter a value."), field)
        if spec.path.endswith("number_format"):
            _check_number_format(value, field)
        elif spec.path in ("filings.deadline", "certificates.tech_sme.valid_until"):
            try:
                month_day(value, 2024)  # a leap year: 02-29 is a valid month-day
            except ValueError:
                raise SettingsError(_l("Enter a month and day as MM-DD, e.g. 05-31."),
                                    field) from None
        elif spec.path == "certificates.region" and not (value.isdigit() and len(value) == 6):
            raise SettingsError(_l("Enter the six-digit administrative division code."), field)
        return value
    try:
        value = spec.kind(raw)
    except (TypeError, ValueError):
        raise SettingsError(_l("Enter a number."), field) from None
    if spec.kind is int and isinstance(raw, float) and raw != value:
        raise SettingsError(_l("Enter a whole number."), field)
    if (spec.minimum is not None and value < spec.minimum) or \
            (spec.maximum is not None and value > spec.maximum):
        raise SettingsError(_l("Enter a value from %(low)s to %(high)s.", low=spec.minimum,
                               high=spec.maximum), field)
    return value


def _check_number_format(value: str, field: str) -> None:
    """A certificate number format may use {year}, {region} and {seq} (with a format spec)."""
    try:
        sample = value.format(year=2026, region="330200", seq=1)
    except (KeyError, IndexError, ValueError):
        raise SettingsError(_l("Use only {year}, {region} and {seq} in the format, e.g. "
                               "GR{year}{region}{seq:05d}."), field) from None
    if "{seq" not in value or len(sample) > 40:
        raise SettingsError(_l("The format must contain {seq} and give at most 40 characters."),
                            field)


# --- Working-day calendars ----------------------------------------------------------------------

def calendar_key(year: int) -> str:
    return f"calendar.{year}"


def calendar_document(session: Session, year: int) -> dict | None:
    """A year's calendar as stored (JSON: source, holidays with ISO dates, workdays), or the
    shipped one, or None."""
    value = stored(session, calendar_key(year))
    if value is not None:
        return value
    shipped = shipped_calendar(year)
    if shipped is None:
        return None
    return {"source": shipped["source"],
            "holidays": [{"name": h["name"], "first": h["first"].isoformat(),
                          "last": h["last"].isoformat()} for h in shipped["holidays"]],
            "workdays": sorted(day.isoformat() for day in shipped["workdays"])}


def calendar_year(session: Session, year: int) -> dict | None:
    """The official calendar of `year` in the shape `registry.params.calendar_year` gives
    (source, days_off, workdays, holidays), or None when the year has none."""
    document = calendar_document(session, year)
    if document is None:
        return None
    holidays = [{"name": h["name"], "first": dt.date.fromisoformat(h["first"]),
                 "last": dt.date.fromisoformat(h["last"])} for h in document["holidays"]]
    days_off = set()
    for holiday in holidays:
        day = holiday["first"]
        while day <= holiday["last"]:
            days_off.add(day)
            day += dt.timedelta(days=1)
    return {"source": document["source"], "days_off": frozenset(days_off),
            "workdays": frozenset(dt.date.fromisoformat(d) for d in document["workdays"]),
            "holidays": holidays}


def set_calendar(session: Session, year: int, document: dict, actor) -> bool:
    """Replace a year's calendar by a checked document (see `services/calendar_upload.py`)."""
    return change(session, calendar_key(year), document, actor,
                  default=calendar_document(session, year))


# --- Application rounds -----------------------------------------------------------------------

def rounds_key(year: int) -> str:
    return f"rounds.{year}"


def round_dates(session: Session, year: int) -> dict[str, tuple[dt.date, dt.date]]:
    """{tier: (opens, closes)} of the application rounds of `year`; tiers without dates are
    missing (no dates are shipped: each bureau sets its own)."""
    value = stored(session, rounds_key(year)) or {}
    return {tier: (dt.date.fromisoformat(dates["opens"]), dt.date.fromisoformat(dates["closes"]))
            for tier, dates in value.items()}


def set_round_dates(session: Session, year: int, dates: dict, actor) -> bool:
    """`dates`: {tier: (opens, closes) or None}. Each round opens on or before it closes."""
    value = {}
    for tier, pair in dates.items():
        if tier not in TIERS:
            raise SettingsError(_l("There is no such tier."))
        if pair is None:
            continue
        opens, closes = pair
        if opens is None or closes is None:
            raise SettingsError(_l("Give both dates, or neither."), tier)
        if closes < opens:
            raise SettingsError(_l("The round closes before it opens."), tier)
        value[tier] = {"opens": opens.isoformat(), "closes": closes.isoformat()}
    return change(session, rounds_key(year), value or None, actor,
                  default=stored(session, rounds_key(year)))


# --- Rule profiles ------------------------------------------------------------------------------

PROFILES_KEY = "rules.profiles"


def profile_changes(session: Session, default_profiles: dict | None = None) -> list[dict]:
    """The profile choices, oldest first: [{"effective": ISO date or None, "gazelle", "leader"}];
    the first (effective None) is what applies before any dated change."""
    base = {**DEFAULT_PROFILES, **(default_profiles or {})}
    return [{"effective": None, **base}, *(stored(session, PROFILES_KEY) or [])]


def rule_profiles(session: Session, as_of: dt.date, default_profiles: dict | None = None) -> dict:
    """The gazelle and leader profiles in force on `as_of`."""
    chosen = profile_changes(session, default_profiles)[0]
    for entry in profile_changes(session, default_profiles)[1:]:
        if dt.date.fromisoformat(entry["effective"]) <= as_of:
            chosen = entry
    return {tier: chosen[tier] for tier in PROFILE_TIERS}


def set_rule_profiles(session: Session, profiles: dict, effective: dt.date, actor) -> bool:
    """From `effective` on, scans use these profiles (a later date keeps the earlier choice
    until then). The names are checked against the parameter file in force on that date."""
    try:
        load_parameters(effective, profiles)
    except ParameterError:
        raise SettingsError(_l("This profile does not exist for that date."), "gazelle") from None
    entries = [e for e in stored(session, PROFILES_KEY) or [] if e["effective"] != effective.isoformat()]
    entries.append({"effective": effective.isoformat(),
                    **{tier: profiles[tier] for tier in PROFILE_TIERS}})
    entries.sort(key=lambda entry: entry["effective"])
    return change(session, PROFILES_KEY, entries, actor, default=stored(session, PROFILES_KEY))


def known_profiles(year: int) -> dict[str, list[str]]:
    """{tier: [profile keys]} of the parameter file in force in `year`."""
    params = load_parameters(year)
    return {tier: sorted(params.data[tier].keys()) for tier in PROFILE_TIERS}


# --- Bureau programs per year (programs.md §R) -----------------------------------------------

def programs_key(year: int) -> str:
    return f"programs.{year}"


def program_overrides(session: Session, year: int) -> dict[str, str]:
    """{dotted parameter path: decimal text} the bureau set for program year `year` (its bands,
    rates, cap, weights...); the year's parameter file gives the rest."""
    return dict((stored(session, programs_key(year)) or {}).get("overrides", {}))


def program_budget(session: Session, year: int) -> Decimal | None:
    """The R&D reward budget (万元) the bureau set for `year`, or None."""
    value = (stored(session, programs_key(year)) or {}).get("budget")
    return None if value is None else Decimal(value)


def program_district_budgets(session: Session, year: int) -> dict[str, Decimal]:
    """{district: R&D reward budget (万元)} the bureau set for `year`: each such district shares
    its own budget among its firms."""
    found = (stored(session, programs_key(year)) or {}).get("district_budgets") or {}
    return {code: Decimal(value) for code, value in found.items()}


def set_program_settings(session: Session, year: int, overrides: dict[str, str],
                         budget: Decimal | None, actor,
                         district_budgets: dict[str, Decimal] | None = None) -> bool:
    """Replace the bureau's program numbers of `year`: `overrides` maps `programs.*` paths of the
    parameter file to decimals (checked against the file: path, unit, bands still ascending);
    `budget` is the city's reward budget, `district_budgets` each district's that has one."""
    if any(not path.startswith("programs.") for path in overrides):
        raise SettingsError(_l("Only the programs' numbers can be set here."))
    try:
        ProgramSettings.from_parameters(load_parameters(year, overrides=overrides))
    except (ParameterError, ValueError):
        raise SettingsError(_l("These numbers cannot be used: shares and rates lie between 0 and "
                               "100%, amounts have at most 4 decimals.")) from None
    if budget is not None and budget < 0:
        raise SettingsError(_l("The budget cannot be negative."), "budget")
    district_budgets = {code: amount for code, amount in (district_budgets or {}).items() if amount is not None}
    known = {district.code for district in districts(session)}
    for code, amount in district_budgets.items():
        if code not in known:
            raise SettingsError(_l("Choose one of the bureau's districts."), f"budget.{code}")
        if amount < 0:
            raise SettingsError(_l("The budget cannot be negative."), f"budget.{code}")
    value = {"overrides": {path: str(Decimal(raw)) for path, raw in sorted(overrides.items())},
             "budget": None if budget is None else str(budget)}
    if district_budgets:
        value["district_budgets"] = {code: str(amount) for code, amount in sorted(district_budgets.items())}
    empty = not value["overrides"] and value["budget"] is None and not district_budgets
    return change(session, programs_key(year), None if empty else value, actor,
                  default=stored(session, programs_key(year)))


# --- Districts ----------------------------------------------------------------------------------

def districts(session: Session, active_only: bool = False) -> list[District]:
    query = select(District).order_by(District.code)
    if active_only:
        query = query.where(District.active.is_(True))
    return list(session.scalars(query))


def district_names(session: Session, locale: str, active_only: bool = False) -> dict[str, str]:
    return {d.code: (d.name_zh if locale == "zh" else d.name_en)
            for d in districts(session, active_only)}


def _district_value(district: District) -> dict:
    return {"name_zh": district.name_zh, "name_en": district.name_en, "active": district.active}


def save_district(session: Session, actor, *, code: str, name_zh: str, name_en: str,
                  active: bool = True, new: bool = False) -> District:
    """Add a district or change its names and whether it is active; versioned and audited."""
    code = (code or "").strip().lower()
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if not code or not code.replace("_", "").isascii() or not code.replace("_", "").isalnum() \
            or len(code) > 32:
        raise SettingsError(_l("Use lower-case letters, digits and _ (at most 32)."), "code")
    if not name_zh:
        raise SettingsError(_l("Enter the Chinese name."), "name_zh")
    if not name_en:
        raise SettingsError(_l("Enter the English name."), "name_en")
    district = session.get(District, code)
    if new and district is not None:
        raise SettingsError(_l("This code is already used."), "code")
    if district is None and not new:
        raise SettingsError(_l("There is no such district."), "code")
    clash = session.scalar(select(District.code).where(District.name_zh == name_zh,
                                                       District.code != code))
    if clash is not None:
        raise SettingsError(_l("Another district has this name."), "name_zh")
    old = None if district is None else _district_value(district)
    if district is None:
        district = District(code=code)
        session.add(district)
    district.name_zh, district.name_en, district.active = name_zh, name_en, bool(active)
    new_value = _district_value(district)
    if old != new_value:
        session.flush()
        record_version(session, f"districts.{code}", old, new_value, actor)
    return district


def delete_district(session: Session, code: str, actor) -> None:
    """Remove a district that never had firms (one with firms can only be deactivated)."""
    district = session.get(District, code)
    if district is None:
        raise SettingsError(_l("There is no such district."))
    if session.scalar(select(Firm.id).where(Firm.district == code).limit(1)) is not None:
        raise SettingsError(_l("This district has firms: deactivate it instead."))
    old = _district_value(district)
    session.delete(district)
    session.flush()
    record_version(session, f"districts.{code}", old, None, actor)


def load_defaults(session: Session, actor=None) -> int:
    """First run: write the shipped districts into an empty districts table (versioned like any
    change). Returns how many were added; does nothing once any district exists."""
    if session.scalar(select(District.code).limit(1)) is not None:
        return 0
    rows = shipped_districts()
    for row in rows:
        save_district(session, actor, code=row["code"], name_zh=row["name_zh"],
                      name_en=row["name_en"], new=True)
    return len(rows)

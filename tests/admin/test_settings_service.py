"""The settings store: shipped defaults until changed, every change versioned and audited, read
again on every call (no restart), and the readers other code uses."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, District, Setting, SettingChange
from registry.params import bureau as shipped_bureau
from registry.params import districts as shipped_districts
from registry.services import settings
from registry.services.calendar import WorkingDays
from registry.services.settings import SettingsError
from tests.factories import FirmFactory, UserFactory


def test_bureau_values_default_to_the_shipped_file_and_changes_are_versioned(db_session, admin):
    assert settings.bureau(db_session) == shipped_bureau()
    assert settings.bureau_name(db_session) == shipped_bureau()["bureau"]["name"]

    assert settings.set_bureau_value(db_session, "public_notice.working_days", "7", admin)
    assert settings.set_bureau_value(db_session, "public_notice.working_days", 12, admin)
    assert not settings.set_bureau_value(db_session, "public_notice.working_days", 12, admin)
    assert settings.bureau(db_session)["public_notice"]["working_days"] == 12
    # The rest of the file is untouched.
    assert settings.bureau(db_session)["filings"] == shipped_bureau()["filings"]

    changes = settings.history(db_session, "params.public_notice")
    assert [(c.version, c.old_value, c.new_value, c.actor_id) for c in changes] == [
        (2, 7, 12, admin.id), (1, shipped_bureau()["public_notice"]["working_days"], 7, admin.id)]
    assert db_session.get(Setting, "params.public_notice.working_days").version == 2
    settings.set_bureau_value(db_session, "bureau.name", "测试市科学技术局", admin)
    assert settings.bureau_name(db_session) == "测试市科学技术局"
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "setting_changed")).all()
    assert [e.details["new"] for e in events] == [7, 12, "测试市科学技术局"]


@pytest.mark.parametrize("path, value, field", [
    ("public_notice.working_days", "ten", "public_notice.working_days"),
    ("public_notice.working_days", "0", "public_notice.working_days"),
    ("filings.deadline", "02-30", "filings.deadline"),
    ("certificates.region", "33020", "certificates.region"),
    ("certificates.hnte.number_format", "GR{year}{nope}", "certificates.hnte.number_format"),
    ("certificates.hnte.number_format", "GR{year}", "certificates.hnte.number_format"),
    ("spot_checks.sample_share", "1.5", "spot_checks.sample_share"),
])
def test_bad_bureau_values_are_refused_with_the_field(db_session, admin, path, value, field):
    with pytest.raises(SettingsError) as error:
        settings.set_bureau_value(db_session, path, value, admin)
    assert error.value.field == field
    assert db_session.scalar(select(SettingChange.id)) is None


def test_a_changed_bureau_value_is_used_at_once(db_session, admin):
    from registry.services import directory, review
    settings.set_bureau_value(db_session, "filings.deadline", "06-30", admin)
    assert directory.filing_deadline(db_session, 2025) == dt.date(2026, 6, 30)
    settings.set_bureau_value(db_session, "certificates.tech_sme.valid_until", "06-30", admin)
    assert review.expiry_date(db_session, "tech_sme", dt.date(2026, 1, 5)) == dt.date(2026, 6, 30)


def test_calendars_default_to_the_shipped_years_and_an_upload_replaces_one(db_session, admin):
    assert settings.calendar_year(db_session, 2026)["workdays"] >= {dt.date(2026, 2, 14)}
    assert settings.calendar_year(db_session, 2031) is None
    days = WorkingDays(db_session)
    assert days.is_working_day(dt.date(2031, 1, 1))  # a Wednesday, no calendar
    assert days.missing_years == {2031}

    settings.set_calendar(db_session, 2031, {
        "source": "国务院办公厅通知", "workdays": ["2031-01-04"],
        "holidays": [{"name": "元旦", "first": "2031-01-01", "last": "2031-01-03"}]}, admin)
    days = WorkingDays(db_session)
    assert not days.is_working_day(dt.date(2031, 1, 1))
    assert days.is_working_day(dt.date(2031, 1, 4))  # a Saturday worked
    assert days.missing_years == set()
    assert settings.history(db_session, "calendar.2031")[0].old_value is None


def test_round_dates_per_tier_and_year(db_session, admin):
    assert settings.round_dates(db_session, 2027) == {}
    settings.set_round_dates(db_session, 2027, {
        "hnte": (dt.date(2027, 5, 1), dt.date(2027, 6, 30)), "gazelle": None}, admin)
    assert settings.round_dates(db_session, 2027) == {
        "hnte": (dt.date(2027, 5, 1), dt.date(2027, 6, 30))}
    with pytest.raises(SettingsError) as error:
        settings.set_round_dates(db_session, 2027, {
            "leader": (dt.date(2027, 7, 1), dt.date(2027, 6, 1))}, admin)
    assert error.value.field == "leader"


def test_rule_profiles_take_effect_on_their_date(db_session, admin):
    assert settings.rule_profiles(db_session, dt.date(2026, 1, 1)) == {
        "gazelle": "default", "leader": "default"}
    profiles = settings.known_profiles(2026)
    other = next(name for name in profiles["gazelle"] if name != "default")
    settings.set_rule_profiles(db_session, {"gazelle": other, "leader": "default"},
                               dt.date(2026, 7, 1), admin)
    assert settings.rule_profiles(db_session, dt.date(2026, 6, 30))["gazelle"] == "default"
    assert settings.rule_profiles(db_session, dt.date(2026, 7, 1))["gazelle"] == other
    with pytest.raises(SettingsError):
        settings.set_rule_profiles(db_session, {"gazelle": "nope", "leader": "default"},
                                   dt.date(2026, 8, 1), admin)


def test_districts_are_versioned_and_one_with_firms_is_only_deactivated(db_session, admin,
                                                                          districts):
    settings.save_district(db_session, admin, code="zhenhai", name_zh="镇海区",
                           name_en="Zhenhai District", new=True)
    with pytest.raises(SettingsError) as error:
        settings.save_district(db_session, admin, code="zhenhai", name_zh="镇海",
                               name_en="Zhenhai", new=True)
    assert error.value.field == "code"
    with pytest.raises(SettingsError) as error:
        settings.save_district(db_session, admin, code="cixi", name_zh="镇海区",
                               name_en="Cixi", new=True)
    assert error.value.field == "name_zh"

    FirmFactory(district="haishu")
    with pytest.raises(SettingsError):
        settings.delete_district(db_session, "haishu", admin)
    settings.save_district(db_session, admin, code="haishu", name_zh="海曙区",
                           name_en="Haishu District", active=False)
    assert db_session.get(District, "haishu").active is False
    assert "haishu" not in settings.district_names(db_session, "en", active_only=True)

    settings.delete_district(db_session, "zhenhai", admin)
    assert db_session.get(District, "zhenhai") is None
    versions = [(c.version, c.old_value, c.new_value)
                for c in reversed(settings.history(db_session, "districts.zhenhai"))]
    assert versions[0][1] is None and versions[-1] == (2, versions[0][2], None)


def test_load_defaults_writes_the_shipped_districts_once(db_session):
    admin = UserFactory(admin=True)  # a first run: no district yet
    assert settings.load_defaults(db_session, admin) == len(shipped_districts())
    assert settings.load_defaults(db_session, admin) == 0
    names = settings.district_names(db_session, "zh")
    assert names == {d["code"]: d["name_zh"] for d in shipped_districts()}

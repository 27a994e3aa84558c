"""Snapshots keep what they stored; the schedule is monthly and claimed once; the forecast
counts each firm once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import AuditEvent, Certificate, IndicatorSnapshot, IndicatorSnapshotScope
from registry.services import scans, snapshots
from registry.services.indicators import compute
from tests.factories import (
    CandidateFactory,
    CertificateFactory,
    DistrictFactory,
    FirmFactory,
    UserFactory,
)

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def in_app(app, db_session):
    with app.app_context():
        yield db_session


@pytest.fixture
def firms(in_app):
    DistrictFactory(code="haishu"), DistrictFactory(code="jiangbei")
    holder = FirmFactory(district="haishu")
    CertificateFactory(firm=holder, issued=dt.date(2024, 3, 1), expires=dt.date(2027, 2, 28))
    lapsing = FirmFactory(district="haishu")
    CertificateFactory(firm=lapsing, issued=dt.date(2023, 9, 1), expires=dt.date(2026, 8, 31))
    renewing = FirmFactory(district="jiangbei")
    CertificateFactory(firm=renewing, issued=dt.date(2023, 9, 1), expires=dt.date(2026, 8, 31))
    CandidateFactory(firm=renewing, tier="hnte", cycle=2026, status="approved")
    pending = FirmFactory(district="jiangbei")
    CandidateFactory(firm=pending, tier="hnte", cycle=2026, status="in_review")
    # Held on 31 Dec and also a candidate: counted once, as held.
    CandidateFactory(firm=holder, tier="hnte", cycle=2026, status="open")
    return holder, lapsing, renewing, pending


def test_forecast_counts_each_firm_once_with_its_parts(firms):
    figures = compute(db.session, DAY)
    forecast = figures["city"].forecast()
    assert (forecast["held"], forecast["coming"], forecast["pipeline"]) == (1, 1, 1)
    assert forecast["lapsing"] == 1 and forecast["rate"] == "0"
    assert Decimal(forecast["value"]) == 2
    assert figures["haishu"].forecast()["lapsing"] == 1
    assert figures["city"].indicators()["hnte_expiring"] == 2


def test_a_snapshot_never_changes_when_records_do(firms):
    admin = UserFactory(admin=True)
    snapshot, taken = snapshots.take(db.session, admin, DAY, "manual")
    assert taken and snapshot.kind == "manual"
    stored = {row.scope: row.values for row in db.session.scalars(
        select(IndicatorSnapshotScope).where(IndicatorSnapshotScope.snapshot_id == snapshot.id))}
    assert set(stored) == {"city", "haishu", "jiangbei"}
    assert stored["city"]["indicators"]["hnte_valid"] == 3
    for certificate in db.session.scalars(select(Certificate)):
        certificate.status = "revoked"
    again, taken = snapshots.take(db.session, admin, DAY, "backfilled")
    assert not taken and again.id == snapshot.id and again.kind == "manual"
    assert db.session.get(IndicatorSnapshotScope, (snapshot.id, "city")).values == stored["city"]
    assert compute(db.session, DAY)["city"].indicators()["hnte_valid"] == 0
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.object_type == "indicatorsnapshot")) == "snapshot.take"


def test_backfill_cli_labels_a_past_date(app, firms):
    result = app.test_cli_runner().invoke(args=["indicators", "snapshot", "--as-of", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert '"kind": "backfilled"' in result.output
    assert db.session.scalar(select(IndicatorSnapshot.kind)) == "backfilled"
    future = app.test_cli_runner().invoke(args=["indicators", "snapshot", "--as-of", "2999-01-01"])
    assert future.exit_code == 2


def test_the_monthly_schedule_is_due_on_the_first_in_shanghai():
    spec = {"at": "03:00", "day": 1}
    now = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    assert scans.due_time(spec, now, "Asia/Shanghai") == dt.datetime(2026, 11, 30, 19, 0, tzinfo=dt.UTC)
    early = dt.datetime(2026, 1, 31, 18, 0, tzinfo=dt.UTC)   # 1 Feb 02:00 in Shanghai
    assert scans.due_time(spec, early, "Asia/Shanghai") == dt.datetime(2025, 12, 31, 19, 0, tzinfo=dt.UTC)


def test_the_scheduled_snapshot_runs_once_per_due_time(app, in_app, firms):
    assert scans.run_scheduled("monthly_snapshot") is True
    assert scans.run_scheduled("monthly_snapshot") is False
    assert db.session.scalar(select(IndicatorSnapshot.kind)) == "scheduled"

"""Facts import/export, the public vectors end to end, single-firm evaluation, the reconciler and
the guarded schedule."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import func, select, update

from registry import jobs
from registry.extensions import db
from registry.models import Firm, ScanChunk, ScheduleRun
from registry.rules import check_document
from registry.rules.jsonout import dumps
from registry.services import scans
from registry.services.evaluation import evaluate_firm, ladder, request_evaluation
from registry.services.facts import export_facts, import_facts
from tests.conftest import VECTORS
from tests.scan.test_scan import AS_OF, exported_verdicts, run_scan


def _vectors() -> dict:
    return json.loads((VECTORS / "public.json").read_text(), parse_float=Decimal)


def test_public_vectors_through_import_scan_export_equal_rules_check(in_app):
    document = _vectors()
    report = import_facts(db.session, document)
    assert report.ok and report.created == len(document["firms"])
    db.session.commit()
    as_of = dt.date.fromisoformat(document["as_of"])
    scan = run_scan(as_of=as_of)
    expected = {firm["id"]: dumps(firm, indent=None) for firm in check_document(document)["firms"]}
    assert exported_verdicts(scan) == expected


def test_reimporting_the_same_file_changes_nothing_and_export_round_trips(in_app):
    document = _vectors()
    import_facts(db.session, document)
    db.session.commit()
    again = import_facts(db.session, document)
    assert again.ok and again.created == 0 and again.updated == 0 and again.unchanged == len(document["firms"])
    exported = {firm["id"]: firm for firm in json.loads(dumps(
        {"firms": list(export_facts(db.session, dt.date(2025, 6, 30)))}), parse_float=Decimal)["firms"]}
    firm = db.session.scalar(select(Firm).where(Firm.external_ref == "F01"))
    assert firm.name == "F01" and firm.district == "unassigned"
    assert exported["F01"]["years"]["2024"]["revenue"] == 1000


def test_a_bad_file_imports_nothing_and_reports_every_firm(in_app):
    document = {"firms": [{"id": "OK1", "founded": "2020-01-01"},
                          {"id": "BAD1", "founded": "2020-13-01"},
                          {"id": "BAD2", "founded": "2020-01-01", "years": {"2024": {"revenue": -5}}}]}
    report = import_facts(db.session, document)
    assert not report.ok and {error["firm"] for error in report.errors} == {"BAD1", "BAD2"}
    assert db.session.scalar(select(func.count()).select_from(Firm)) == 0


def test_export_leaves_out_certificates_that_never_count(in_app):
    from tests.factories import CertificateFactory, FirmFactory
    firm = FirmFactory()
    for status in ("valid", "public_notice", "revoked", "withdrawn", "expired"):
        CertificateFactory(firm=firm, status=status)
    entry = next(export_facts(db.session, AS_OF, [firm.credit_code]))
    assert sorted(c["status"] for c in entry["certificates"]) == ["expired", "valid"]


def test_request_evaluation_is_pending_until_the_firm_is_evaluated(in_app):
    from tests.factories import FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1))
    FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    db.session.commit()
    assert ladder(db.session, firm.id)["result"] is None
    request_evaluation(db.session, firm.id)
    db.session.commit()
    assert ("evaluate_firm", (firm.id,)) in jobs.sent_jobs()
    assert ladder(db.session, firm.id)["pending"] is True
    changes = evaluate_firm(firm.id, AS_OF)
    assert changes.verdicts == 1 and changes.opened >= 1
    view = ladder(db.session, firm.id, "en")
    assert view["pending"] is False and view["as_of"] == AS_OF
    assert view["result"]["id"] == firm.credit_code and view["result"]["tiers"]["tech_sme"]["status"] == "eligible"


def test_the_reconciler_resends_chunks_not_done_and_closes_finished_scans(in_app, app):
    from tests.scan.registry_data import make_registry
    make_registry(db.session, 90, seed=21)
    scan, _ = scans.start_full_scan(db.session, as_of=AS_OF, dispatch=True)
    db.session.commit()
    assert [name for name, _ in jobs.sent_jobs()].count("scan_chunk") == 3
    jobs.sent_jobs().clear()
    assert scans.reconcile() == 0  # just dispatched: nothing stale yet
    long_ago = scans.utcnow() - dt.timedelta(hours=2)
    db.session.execute(update(ScanChunk).values(dispatched_at=long_ago))
    db.session.commit()
    assert scans.reconcile() == 3 and [args[0] for _, args in jobs.sent_jobs()] == sorted(
        db.session.scalars(select(ScanChunk.id).where(ScanChunk.scan_id == scan.id)))
    for _name, (chunk_id,) in list(jobs.sent_jobs()):
        scans.run_chunk(chunk_id)
    db.session.expire_all()
    assert db.session.get(type(scan), scan.id).status == "done"


def test_two_beats_run_a_scheduled_job_once_per_due_time(in_app, app, monkeypatch):
    calls = []
    functions = jobs.job_functions()
    monkeypatch.setitem(jobs.JOB_QUEUES, "fake_job", jobs.BULK)
    monkeypatch.setattr(jobs, "job_functions", lambda: {**functions, "fake_job": _fake_job})
    monkeypatch.setitem(app.config["SCAN_SCHEDULE"], "fake", {"every": 3600, "job": "fake_job"})
    monkeypatch.setattr("tests.scan.test_facts_and_jobs._CALLS", calls)
    assert scans.run_scheduled("fake") is True
    assert scans.run_scheduled("fake") is False  # the second beat's message
    assert len(calls) == 1
    assert db.session.scalar(select(func.count()).select_from(ScheduleRun).where(ScheduleRun.name == "fake")) == 1


_CALLS: list = []


def _fake_job():
    _CALLS.append(1)


def test_due_time_is_the_latest_occurrence_in_shanghai():
    now = dt.datetime(2025, 6, 30, 17, 30, tzinfo=dt.UTC)  # 01:30 on 1 July in Shanghai
    assert scans.due_time({"at": "02:00"}, now, "Asia/Shanghai") == dt.datetime(2025, 6, 29, 18, 0, tzinfo=dt.UTC)
    assert scans.due_time({"at": "01:00"}, now, "Asia/Shanghai") == dt.datetime(2025, 6, 30, 17, 0, tzinfo=dt.UTC)
    assert scans.due_time({"every": 60}, now, "Asia/Shanghai") == now


def test_the_beat_schedule_has_the_nightly_scan_certificate_pass_and_reconciler():
    from config import load_config
    from workers.schedule import beat_schedule
    schedule = beat_schedule(load_config("testing", env={}))
    assert set(schedule) >= {"nightly_scan", "certificate_pass", "scan_reconcile"}
    assert all(entry["task"] == "scheduled" for entry in schedule.values())
    assert {"scheduled", "scan_chunk", "scan_reconcile", "nightly_scan", "evaluate_firm"} <= set(jobs.JOB_QUEUES)


def test_the_ladder_explains_current_facts_and_is_pending_when_they_changed(in_app):
    from tests.factories import FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1))
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    db.session.commit()
    evaluate_firm(firm.id, AS_OF)
    view = ladder(db.session, firm.id, "en")
    assert view["pending"] is False and view["result"]["tiers"]["tech_sme"]["status"] == "eligible"
    filing.employees = None  # changed without a re-evaluation being queued
    db.session.commit()
    view = ladder(db.session, firm.id, "en")
    assert view["pending"] is True and view["result"]["tiers"]["tech_sme"]["status"] == "insufficient_data"
    evaluate_firm(firm.id, AS_OF)
    assert ladder(db.session, firm.id, "en")["pending"] is False

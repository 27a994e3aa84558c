"""Full scans: exact verdicts (equal to `rules check` on `facts export`), idempotent re-runs,
candidates' life cycle, set-based chunks, one active scan at a time, failing chunks."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import event, func, select, update

from registry.extensions import db
from registry.models import (
    Candidate,
    Filing,
    FirmFlag,
    FirmVerdict,
    IncentiveOpportunity,
    Scan,
    ScanChunk,
)
from registry.rules import check_document
from registry.rules.facts import TIERS
from registry.rules.jsonout import dumps
from registry.scan import apply
from registry.scan.snapshot import failed_ids
from registry.services import scans
from registry.services.evaluation import verdict_results
from registry.services.facts import export_facts
from tests.scan.registry_data import make_registry

AS_OF = dt.date(2025, 6, 30)


def run_scan(as_of=AS_OF, **kwargs) -> Scan:
    scan, _created = scans.start_full_scan(db.session, as_of=as_of, dispatch=False, **kwargs)
    db.session.commit()
    return scans.run_inline(db.session, scan.id)


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Candidate, FirmFlag, IncentiveOpportunity, FirmVerdict)}


def exported_verdicts(scan: Scan) -> dict[str, str]:
    """What `scan export` prints, by firm identifier; every firm unchanged since its verdict."""
    params, _key = scans.parameters_for(scan.as_of, scan.overrides, scan.profiles)
    results = list(verdict_results(db.session, scan.as_of, params))
    assert not any(changed for _firm_id, _result, changed in results)
    return {result["id"]: dumps(result, indent=None) for _firm_id, result, _changed in results}


def stored_verdicts() -> dict[str, dict]:
    """Each firm's stored statuses and failed criteria, in the §7 names."""
    from registry.models import Firm
    from registry.rules.logic import STATUS_NAMES
    rows = db.session.execute(select(Firm, FirmVerdict).join(FirmVerdict, FirmVerdict.firm_id == Firm.id)).all()
    return {firm.identifier: {tier: (STATUS_NAMES[getattr(verdict, f"status_{tier}")], sorted(failed_ids(getattr(verdict, f"failed_{tier}") or 0)))
                              for tier in TIERS} for firm, verdict in rows}


def test_scan_verdicts_equal_rules_check_on_facts_export(in_app, scan_config):
    scan_config["SCAN_CHUNK_SIZE"] = 300
    make_registry(db.session, 2400, seed=11)
    scan = run_scan()
    assert scan.status == "done" and scan.firms_done == 2400 and scan.chunks_total == 8
    document = json.loads(dumps({"as_of": AS_OF.isoformat(), "firms": list(export_facts(db.session, AS_OF))}),
                          parse_float=__import__("decimal").Decimal)
    checked = check_document(document)["firms"]
    assert exported_verdicts(scan) == {firm["id"]: dumps(firm, indent=None) for firm in checked}
    assert stored_verdicts() == {firm["id"]: {tier: (verdict["status"], sorted(verdict["failed"]))
                                              for tier, verdict in firm["tiers"].items()} for firm in checked}
    assert stored_flags_and_savings() == (
        {(firm["id"], flag["id"]): {key: flag[key] if key != "gap" or flag[key] is None else str(flag[key])
                                    for key in ("criterion", "gap", "unit") if key in flag} or None
         for firm in checked for flag in firm["flags"]},
        {(firm["id"], incentive["id"]): incentive["saving"] for firm in checked for incentive in firm["incentives"]})


def stored_flags_and_savings() -> tuple[dict, dict]:
    """The open flags (a near miss's detail, else None) and opportunities (saving) by firm identifier."""
    from registry.models import Firm
    names = {firm.id: firm.identifier for firm in db.session.scalars(select(Firm))}
    flags = {(names[flag.firm_id], flag.flag): flag.detail if flag.flag == "hnte_near_miss" else None
             for flag in db.session.scalars(select(FirmFlag).where(FirmFlag.status == "open"))}
    savings = {(names[row.firm_id], row.incentive): row.saving
               for row in db.session.scalars(select(IncentiveOpportunity).where(IncentiveOpportunity.status == "open"))}
    return flags, savings


def test_unchanged_rerun_writes_nothing_and_reports_zero(in_app):
    make_registry(db.session, 120, seed=12)
    first = run_scan()
    assert first.opened > 0 and first.flags > 0 and first.verdicts_written == 120
    before = counts()
    second = run_scan()
    assert (second.opened, second.closed, second.flags, second.verdicts_written) == (0, 0, 0, 0)
    assert second.firms_done == 120 and counts() == before


def test_a_chunk_delivered_twice_writes_nothing_twice(in_app):
    make_registry(db.session, 60, seed=13)
    scan, _ = scans.start_full_scan(db.session, as_of=AS_OF, dispatch=False)
    db.session.commit()
    chunk_id = db.session.scalars(select(ScanChunk.id).where(ScanChunk.scan_id == scan.id)).first()
    scans.run_chunk(chunk_id)
    after_first = counts()
    scans.run_chunk(chunk_id)  # a redelivered message: the chunk is done, nothing happens
    assert counts() == after_first
    chunk = db.session.get(ScanChunk, chunk_id)
    db.session.refresh(chunk)
    assert chunk.status == "done" and chunk.attempts == 1
    # Evaluating the same range again directly (as a duplicate would) adds no row either.
    evaluation = scans.evaluation_of(db.session.get(Scan, scan.id))
    changes = apply.evaluate_range(db.session, chunk.first_firm_id, chunk.last_firm_id, evaluation)
    assert (changes.verdicts, changes.opened, changes.flags) == (0, 0, 0) and counts() == after_first


def test_only_one_full_scan_is_queued_or_running(in_app):
    make_registry(db.session, 10, seed=14)
    first, created = scans.start_full_scan(db.session, as_of=AS_OF, dispatch=False)
    again, created_again = scans.start_full_scan(db.session, as_of=AS_OF, dispatch=False)
    assert created and not created_again and again.id == first.id


def test_chunk_reads_with_a_handful_of_statements(in_app):
    make_registry(db.session, 200, seed=15)
    evaluation = scans.evaluation_of(run_scan())
    statements = []
    engine = db.session.get_bind()

    def count(*_args):
        statements.append(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        apply.evaluate_range(db.session, 0, 10**9, evaluation)   # 200 firms, unchanged
        unchanged = len(statements)
        db.session.execute(update(Filing).values(rd_expense=None))  # every firm changes
        statements.clear()
        changes = apply.evaluate_range(db.session, 0, 10**9, evaluation)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert changes.verdicts > 150  # (firms without a counting filing did not change)
    # Reads: firms, certificates, filings, official figures, verdict digests,
    # candidates+flags+opportunities. Writes per table: stage (drop, create, fill) and move
    # (insert, update).
    assert unchanged <= 6 and len(statements) <= 25, (unchanged, len(statements))


def _candidate(tier: str) -> Candidate | None:
    return db.session.scalar(select(Candidate).where(Candidate.tier == tier))


def test_candidates_open_go_stale_close_and_in_review_stays(in_app):
    from tests.factories import FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1), ip_class1=1)
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    db.session.commit()
    run_scan()
    candidate = _candidate("tech_sme")
    assert candidate is not None and candidate.status == "open" and not candidate.stale
    assert candidate.verdict["status"] == "eligible" and candidate.verdict["as_of"] == "2025-06-30"
    filing.employees = None  # insufficient data: stays open, marked stale
    db.session.commit()
    scan = run_scan()
    db.session.refresh(candidate)
    assert candidate.status == "open" and candidate.stale and scan.closed == 0
    filing.employees, filing.revenue = 50, 30000  # ineligible (size): closed by the scan
    db.session.commit()
    scan = run_scan()
    db.session.refresh(candidate)
    assert candidate.status == "closed" and scan.closed >= 1 and candidate.closed_scan_id == scan.id
    filing.revenue = 1000  # eligible again in the same cycle: reopened
    db.session.commit()
    scan = run_scan()
    db.session.refresh(candidate)
    assert candidate.status == "open" and not candidate.stale and scan.opened >= 1
    candidate.status = "in_review"
    frozen = dict(candidate.verdict)
    filing.revenue = 30000
    db.session.commit()
    run_scan(as_of=dt.date(2025, 7, 1))
    db.session.refresh(candidate)
    assert candidate.status == "in_review" and candidate.verdict == frozen


def test_flags_and_opportunities_close_reopen_and_refresh_in_place(in_app):
    """Flags and opportunities are found again by firm, subject and cycle (they have no id):
    each scan updates the one row, never adds a second."""
    from tests.factories import CertificateFactory, FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1), ic_or_mother_machine=False)   # a known saving
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="accepted", rd_expense=0)
    CertificateFactory(firm=firm, tier="hnte", issued=dt.date(2024, 1, 1), expires=dt.date(2026, 12, 31))
    unknown = FilingFactory(firm=FirmFactory(founded=dt.date(2015, 3, 1), ic_or_mother_machine=None),
                            fiscal_year=2024, status="accepted").firm
    db.session.commit()

    def rows(model, subject_column, subject):
        return db.session.scalars(select(model).where(model.firm_id == firm.id, subject_column == subject)
                                  .execution_options(populate_existing=True)).all()

    def state() -> tuple:
        [flag] = rows(FirmFlag, FirmFlag.flag, "hnte_zero_rd")
        opportunities = rows(IncentiveOpportunity, IncentiveOpportunity.incentive, "rd_super_deduction")
        return flag, opportunities

    first = run_scan()
    flag, opportunities = state()
    assert flag.status == "open" and flag.raised_scan_id == first.id and opportunities == []
    verdict = db.session.get(FirmVerdict, firm.id)   # dates and times written as bound values read
    assert verdict.as_of == AS_OF and verdict.scan_id == first.id and flag.raised_at == verdict.evaluated_at
    assert abs(verdict.evaluated_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    [unknown_saving] = db.session.scalars(select(IncentiveOpportunity).where(
        IncentiveOpportunity.firm_id == unknown.id, IncentiveOpportunity.incentive == "rd_super_deduction"))
    assert unknown_saving.status == "open" and unknown_saving.saving is None
    filing.rd_expense = 60   # R&D again: the flag clears, the super deduction opens
    db.session.commit()
    second = run_scan()
    flag, [opportunity] = state()
    assert flag.status == "closed" and flag.cleared_scan_id == second.id
    assert opportunity.status == "open" and opportunity.opened_scan_id == second.id
    saving = opportunity.saving
    filing.rd_expense = 90   # a larger deduction: the same row, refreshed
    db.session.commit()
    run_scan()
    flag, [opportunity] = state()
    assert opportunity.status == "open" and opportunity.saving == saving * 90 / 60
    filing.rd_expense = 0    # zero again: the flag reopens, the opportunity closes
    db.session.commit()
    fourth = run_scan()
    flag, [opportunity] = state()
    assert flag.status == "open" and flag.raised_scan_id == fourth.id and flag.cleared_scan_id is None
    assert opportunity.status == "closed" and opportunity.closed_scan_id == fourth.id


def test_a_firm_holding_the_certificate_gets_no_candidate(in_app):
    from tests.factories import CertificateFactory, FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1))
    FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    CertificateFactory(firm=firm, tier="tech_sme", issued=dt.date(2025, 1, 1), expires=dt.date(2025, 12, 31))
    db.session.commit()
    run_scan()
    assert _candidate("tech_sme") is None


def test_drafts_and_returned_filings_do_not_count(in_app):
    from tests.factories import FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1))
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="returned")
    db.session.commit()
    run_scan()
    assert db.session.get(FirmVerdict, firm.id).status_tech_sme == 0  # FY 2024 missing
    filing.status = "submitted"
    db.session.commit()
    run_scan()
    assert db.session.get(FirmVerdict, firm.id).status_tech_sme == 1


def test_a_poison_chunk_fails_after_max_attempts(in_app, monkeypatch):
    make_registry(db.session, 50, seed=16)

    def poison(*_args, **_kwargs):
        raise ValueError("poison")
    monkeypatch.setattr(scans, "evaluate_range", poison)
    scan = run_scan()
    chunks = db.session.scalars(select(ScanChunk).where(ScanChunk.scan_id == scan.id)).all()
    assert scan.status == "failed" and "poison" in scan.error
    assert all(chunk.status == "failed" and chunk.attempts == 3 for chunk in chunks)


def test_a_transient_database_error_is_retried_by_the_task(in_app, monkeypatch):
    from sqlalchemy.exc import OperationalError
    make_registry(db.session, 30, seed=17)
    real = scans.evaluate_range
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)
    monkeypatch.setattr(scans, "evaluate_range", flaky)
    scan, _ = scans.start_full_scan(db.session, as_of=AS_OF, dispatch=False)
    db.session.commit()
    chunk_id = db.session.scalars(select(ScanChunk.id).where(ScanChunk.scan_id == scan.id)).one()
    import importlib
    tasks = importlib.import_module("workers.tasks")
    result = tasks.scan_chunk.apply(args=[chunk_id])  # eager: the retry runs at once
    assert result.successful(), result.traceback
    chunk = db.session.get(ScanChunk, chunk_id)
    db.session.refresh(chunk)
    assert len(calls) == 2 and chunk.status == "done" and chunk.attempts == 2


def test_deleting_a_firm_deletes_what_scans_wrote_for_it(in_app):
    from registry.models import Firm
    ids = make_registry(db.session, 40, seed=18)
    run_scan()
    firm_id = next(firm_id for firm_id in ids
                   if db.session.scalar(select(func.count()).select_from(IncentiveOpportunity)
                                       .where(IncentiveOpportunity.firm_id == firm_id)))
    before = counts()
    db.session.execute(Firm.__table__.delete().where(Firm.id == firm_id))
    after = counts()
    assert after["FirmVerdict"] == before["FirmVerdict"] - 1
    assert after["IncentiveOpportunity"] < before["IncentiveOpportunity"]
    for model in (Candidate, FirmFlag, IncentiveOpportunity, FirmVerdict):
        assert not db.session.scalar(select(func.count()).select_from(model).where(model.firm_id == firm_id))


def test_a_candidate_an_officer_takes_while_the_chunk_runs_is_left_alone(in_app, monkeypatch):
    from tests.factories import FilingFactory, FirmFactory
    firm = FirmFactory(founded=dt.date(2015, 3, 1), ip_class1=1)
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="accepted")
    db.session.commit()
    evaluation = scans.evaluation_of(run_scan())
    candidate = _candidate("tech_sme")
    filing.employees, filing.revenue = 50, 30000  # ineligible: the chunk will close it...
    db.session.commit()
    read = apply._Batch._stored_lifecycle_rows

    def read_then_an_officer_acts(batch):
        stored = read(batch)   # ...having read it open
        db.session.execute(update(Candidate).where(Candidate.id == candidate.id).values(status="in_review"))
        return stored
    monkeypatch.setattr(apply._Batch, "_stored_lifecycle_rows", read_then_an_officer_acts)
    apply.evaluate_range(db.session, firm.id, firm.id, evaluation)
    db.session.refresh(candidate)
    assert candidate.status == "in_review" and candidate.closed_scan_id is None


def test_a_scan_leaves_out_the_firms_deregistered_by_its_date(in_app):
    """models.firm.active_on in the loader: no verdict, candidate, flag or opportunity for a
    firm deregistered on or before the scan's date; one deregistered later is evaluated."""
    from registry.models import Firm
    make_registry(db.session, 120, seed=16)
    firms = db.session.scalars(select(Firm).order_by(Firm.id)).all()
    gone, later = firms[:40], firms[40:60]
    for firm in gone:
        firm.deregistered_on = AS_OF
    for firm in later:
        firm.deregistered_on = AS_OF + dt.timedelta(days=1)
    db.session.commit()
    scan = run_scan()
    assert scan.status == "done"
    gone_ids = {firm.id for firm in gone}
    for model in (Candidate, FirmFlag, IncentiveOpportunity, FirmVerdict):
        assert not gone_ids & set(db.session.scalars(select(model.firm_id))), model.__name__
    # The others' verdicts are exactly `rules check` on `facts export` (which leaves out the
    # same firms): no filing or certificate of a firm left out lands on another.
    document = json.loads(dumps({"as_of": AS_OF.isoformat(),
                                 "firms": list(export_facts(db.session, AS_OF))}),
                          parse_float=__import__("decimal").Decimal)
    checked = check_document(document)["firms"]
    assert len(checked) == 80
    assert stored_verdicts() == {firm["id"]: {tier: (verdict["status"], sorted(verdict["failed"]))
                                              for tier, verdict in firm["tiers"].items()}
                                 for firm in checked}

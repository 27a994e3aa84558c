"""One firm's evaluation: queued when its facts change, run by a worker with the code path of a
scan chunk of one firm, and read back (with the full explanation) for the portal and officers.

A verdict row keeps statuses, failed criteria and the digest of the inputs it was decided on, not
the inputs: its explanation is rebuilt by evaluating the firm's current facts at the verdict's
as_of with its parameters. That is exact while the inputs' digest is the stored one; otherwise
the firm's facts changed since, and the verdict is reported pending."""
from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import jobs
from registry.extensions import db
from registry.models import Filing, Firm, FirmVerdict, Scan
from registry.models.base import utcnow
from registry.models.filing import COUNTING_STATUSES
from registry.rules import today_in_shanghai
from registry.rules.engine import evaluate
from registry.rules.params import ParameterSet
from registry.rules.units import from_fixed
from registry.scan.apply import Changes, Evaluation, describe_parameters, evaluate_range, upsert
from registry.scan.loader import load_columns
from registry.scan.snapshot import from_bytes, inputs_digest, unpack
from registry.services.scans import current_parameters, parameters_for, scan_parameters

RESULTS_BATCH = 5000


def request_evaluation(session: Session, firm_id: int) -> None:
    """Mark the firm's evaluation pending and queue it for after the commit (a filing submitted,
    facts changed). Flushes, never commits."""
    upsert(session, FirmVerdict.__table__, [{"firm_id": firm_id, "requested_at": utcnow()}], ["firm_id"])
    jobs.enqueue_after_commit(session, "evaluate_firm", firm_id)


def evaluate_firm(firm_id: int, as_of: dt.date | None = None) -> Changes:
    """Evaluate one firm now and store its verdict, candidates, flags and opportunities (the job
    target "evaluate_firm"); recorded as a scan of kind "firm". Commits."""
    session = db.session
    as_of = as_of or today_in_shanghai()
    params, key = current_parameters(session, as_of)
    now = utcnow()
    scan = Scan(kind="firm", as_of=as_of, **describe_parameters(params), status="running", started_at=now,
                firms_total=1, chunks_total=1)
    session.add(scan)
    session.flush()
    changes = evaluate_range(session, firm_id, firm_id, Evaluation(as_of, params, key, scan.id, now))
    scan.status, scan.finished_at = "done", utcnow()
    scan.firms_done, scan.chunks_done = changes.firms, 1
    scan.opened, scan.closed, scan.flags, scan.verdicts_written = (changes.opened, changes.closed, changes.flags,
                                                                   changes.verdicts)
    session.commit()
    return changes


def rebuild(snapshot: bytes, as_of: dt.date, params: ParameterSet, identifier: str, lang: str | None = None) -> dict:
    """The rules §7 output entry of a candidate's snapshot, exactly as it was decided."""
    columns = unpack(from_bytes([snapshot]), as_of, [identifier])
    return evaluate(columns, params).firm_result(0, lang)


def _parameters_of(session: Session, scan: Scan | None, as_of: dt.date) -> ParameterSet:
    return current_parameters(session, as_of)[0] if scan is None else scan_parameters(scan)[0]


def current_results(session: Session, first: int, last: int, as_of: dt.date, params: ParameterSet,
                    lang: str | None = None,
                    statuses=COUNTING_STATUSES) -> Iterator[tuple[int, dict, int]]:
    """(firm id, rules §7 output entry, inputs digest) of each firm with an id in [first, last],
    evaluated on its current facts at as_of (the scan's own loader and engine path)."""
    firm_ids, columns = load_columns(session.connection(), first, last, as_of, statuses)
    names = {firm_id: code or ref for firm_id, code, ref in session.execute(
        select(Firm.id, Firm.credit_code, Firm.external_ref).where(Firm.id.between(first, last)))}
    columns = replace(columns, ids=[names[firm_id] for firm_id in firm_ids.tolist()])
    verdicts = evaluate(columns, params)
    digests = inputs_digest(columns)
    for i, firm_id in enumerate(firm_ids.tolist()):
        yield firm_id, verdicts.firm_result(i, lang), int(digests[i])


def verdict_results(session: Session, as_of: dt.date, params: ParameterSet,
                    lang: str | None = None) -> Iterator[tuple[int, dict, bool]]:
    """(firm id, rules §7 output entry, changed since evaluated) of every firm with a verdict, in
    id order, a batch of firms at a time; `changed` means the entry is of the newer facts."""
    after = 0
    while True:
        stored = dict(session.execute(
            select(FirmVerdict.firm_id, FirmVerdict.inputs_digest)
            .where(FirmVerdict.firm_id > after, FirmVerdict.inputs_digest.is_not(None))
            .order_by(FirmVerdict.firm_id).limit(RESULTS_BATCH)).all())
        if not stored:
            return
        first, last = min(stored), max(stored)
        for firm_id, result, inputs in current_results(session, first, last, as_of, params, lang):
            if firm_id in stored:
                yield firm_id, result, inputs != stored[firm_id]
        after = last


def ladder(session: Session, firm_id: int, lang: str | None = None) -> dict:
    """The firm's current verdict for "My ladder" and the officer's firm file:
    {"pending", "evaluated_at", "as_of", "parameters", "result", "returned"} (result None if never
    evaluated). Pending also when the firm's facts no longer match the inputs the verdict was
    decided on (the result then explains the newer facts).

    While filings are returned for correction ("returned": those filings, latest year first) the
    result still reads their figures: the firm sees the verdict it had, held as pending until it
    submits again, instead of every tier lacking data."""
    verdict = session.get(FirmVerdict, firm_id)
    pending = bool(verdict and verdict.pending)
    returned = list(session.scalars(select(Filing).where(Filing.firm_id == firm_id,
                                                         Filing.status == "returned")
                                    .order_by(Filing.fiscal_year.desc())))
    statuses = (*COUNTING_STATUSES, "returned") if returned else COUNTING_STATUSES
    results = []
    if verdict is not None and verdict.inputs_digest is not None:
        scan = session.get(Scan, verdict.scan_id) if verdict.scan_id else None
        params = _parameters_of(session, scan, verdict.as_of)
        results = list(current_results(session, firm_id, firm_id, verdict.as_of, params, lang,
                                       statuses))
    if not results:
        return {"pending": pending, "evaluated_at": None, "as_of": None, "parameters": None,
                "result": None, "returned": returned}
    _firm_id, result, inputs = results[0]
    # A held verdict differs from the stored one by the returned figures: only a running
    # evaluation makes it pending (else the page would wait for an evaluation that never comes).
    changed = inputs != verdict.inputs_digest and not returned
    return {"pending": pending or changed, "evaluated_at": verdict.evaluated_at,
            "as_of": verdict.as_of,
            "parameters": describe_parameters(params),
            "result": result, "returned": returned}


# The per-year figures the candidate page shows behind the criteria (the HNTE window's sums).
EVIDENCE_FIGURES = ("revenue", "rd_expense", "rd_domestic")


def candidate_evidence(session: Session, candidate, firm: Firm, lang: str | None = None) -> dict | None:
    """The figures behind a candidate's verdict, from the snapshot it was decided on: each data
    year's figures with the firm's filing of that year (its status now), the HNTE window's years
    and sums, the IP rights by class and the innovation-score estimate; "result" is the candidate's
    tier verdict, every criterion explained. None without a stored snapshot."""
    verdict = candidate.verdict or {}
    if "snapshot" not in verdict:
        return None
    as_of = dt.date.fromisoformat(verdict["as_of"])
    parameters = verdict["parameters"]
    params = parameters_for(as_of, parameters.get("overrides"), parameters.get("profiles"))[0]
    columns = unpack(from_bytes([base64.b64decode(verdict["snapshot"])]), as_of, [firm.identifier])
    result = evaluate(columns, params).firm_result(0, lang)  # exactly as it was decided
    hnte = result["tiers"]["hnte"]
    window = next((criterion["outlook"]["years"] for criterion in hnte["criteria"]
                   if criterion["id"] == "rd_ratio"), [])
    filed = {filing.fiscal_year: filing for filing in session.scalars(
        select(Filing).where(Filing.firm_id == firm.id, Filing.fiscal_year.in_(columns.data_years)))}

    def figure(name: str, column: int):
        values = getattr(columns, name)
        return from_fixed(int(values.value[0, column])) if values.known[0, column] else None

    years = [{"year": year, "filing": filed.get(year), "in_window": year in window,
              **{name: figure(name, column) for name in EVIDENCE_FIGURES}}
             for column, year in enumerate(columns.data_years)]
    in_window = [row for row in years if row["in_window"]]
    sums = {name: (sum(row[name] for row in in_window)
                   if in_window and all(row[name] is not None for row in in_window) else None)
            for name in EVIDENCE_FIGURES}
    ip = {name: int(getattr(columns, f"ip_{name}").value[0]) if getattr(columns, f"ip_{name}").known[0]
          else None for name in ("class1", "class2")}
    return {"result": result["tiers"][verdict["tier"]], "years": years, "window": window,
            "sums": sums, "ip": ip, "estimate": hnte.get("innovation_estimate")}

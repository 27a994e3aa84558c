"""Evaluate one range of firms and write, in bulk, only what changed.

A range is read with three queries (`loader`), evaluated by the engine's batch path, compared
with what is stored (four more queries: verdicts, candidates, flags, opportunities), and the
differences are written with a few executemany statements: upserts on the unique keys, updates by
primary key. Running it again on unchanged data writes nothing.

Candidates (rules: issue "Scans"): opened when a firm is eligible for a tier it holds no valid
certificate for; an open candidate is marked stale on insufficient_data and closed only on
ineligible; candidates past `open` (in review, decided) are never touched. Flags and incentive
opportunities open while raised/applicable and close when no longer.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from registry.models import Candidate, FirmFlag, FirmVerdict, IncentiveOpportunity
from registry.models.candidate import CANDIDATE_STATUSES
from registry.rules.engine import BatchVerdicts, evaluate
from registry.rules.facts import TIERS
from registry.rules.logic import FALSE, STATUS_NAMES, TRUE, UNKNOWN
from registry.rules.params import ParameterSet
from registry.rules.report import near_miss_criterion
from registry.rules.units import SAVING_SCALE, from_fixed
from registry.scan.loader import fetch_ints, load_columns
from registry.scan.snapshot import digest, pack, to_bytes, verdict_matrix

OPEN, CLOSED = CANDIDATE_STATUSES.index("open"), CANDIDATE_STATUSES.index("closed")
NONE = -1


@dataclass
class Evaluation:
    """Where and how a range is evaluated."""
    as_of: dt.date
    params: ParameterSet
    params_key: str
    scan_id: int | None
    now: dt.datetime

    @property
    def cycle(self) -> int:
        return self.as_of.year

    @property
    def parameters(self) -> dict:
        return {"policy_year": self.params.policy_year, "profiles": dict(self.params.profiles),
                "overrides": dict(self.params.overrides)}


@dataclass
class Changes:
    """What one range changed."""
    firms: int = 0
    verdicts: int = 0
    opened: int = 0
    closed: int = 0
    flags: int = 0

    def __iadd__(self, other: Changes) -> Changes:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def evaluate_range(session: Session, first: int, last: int, evaluation: Evaluation) -> Changes:
    """Evaluate firms with ids in [first, last] and write what changed (flushes, never commits)."""
    connection = session.connection()
    firm_ids, columns = load_columns(connection, first, last, evaluation.as_of)
    if not len(firm_ids):
        return Changes()
    verdicts = evaluate(columns, evaluation.params)
    batch = _Batch(session, firm_ids, verdicts, evaluation, first, last)
    changes = Changes(firms=len(firm_ids))
    changes.verdicts = batch.write_verdicts()
    changes.opened, changes.closed = batch.write_candidates()
    changes.flags = batch.write_flags()
    batch.write_opportunities()
    return changes


class _Batch:
    def __init__(self, session: Session, firm_ids: np.ndarray, verdicts: BatchVerdicts,
                 evaluation: Evaluation, first: int, last: int):
        self.session, self.firm_ids, self.verdicts = session, firm_ids, verdicts
        self.evaluation, self.first, self.last = evaluation, first, last
        self.connection = session.connection()
        self.snapshot = pack(verdicts.columns)
        self.inputs_digest = digest(self.snapshot)
        self.verdict_digest = digest(verdict_matrix(verdicts))
        self.changed = self._changed()
        self._snapshot_bytes: dict[int, bytes] = {}

    # ---- firm verdicts ------------------------------------------------------------------------

    def _changed(self) -> np.ndarray:
        """Firms whose stored verdict is missing, pending, or differs in inputs, verdict or parameters."""
        key = self.evaluation.params_key.replace("'", "")
        stored = fetch_ints(self.connection, (
            "SELECT firm_id, COALESCE(inputs_digest, 0), COALESCE(verdict_digest, 0), "
            f"CASE WHEN params_key = '{key}' AND snapshot IS NOT NULL THEN 1 ELSE 0 END, "
            "CASE WHEN requested_at IS NOT NULL AND (evaluated_at IS NULL OR requested_at > evaluated_at) "
            "THEN 1 ELSE 0 END FROM firm_verdicts "
            f"WHERE firm_id BETWEEN {int(self.first)} AND {int(self.last)}"), 5)
        same = np.zeros(len(self.firm_ids), dtype=bool)
        rows = np.searchsorted(self.firm_ids, stored[:, 0])
        same[rows] = ((stored[:, 1] == self.inputs_digest[rows]) & (stored[:, 2] == self.verdict_digest[rows])
                      & (stored[:, 3] == 1) & (stored[:, 4] == 0))
        return ~same

    def snapshot_of(self, i: int) -> bytes:
        if i not in self._snapshot_bytes:
            self._snapshot_bytes[i] = to_bytes(self.snapshot[i:i + 1])[0]
        return self._snapshot_bytes[i]

    def write_verdicts(self) -> int:
        rows = np.flatnonzero(self.changed)
        if not len(rows):
            return 0
        e = self.evaluation
        statuses = {tier: self.verdicts.status(tier) for tier in TIERS}
        snapshots = to_bytes(self.snapshot[rows])
        values = [{"firm_id": int(self.firm_ids[i]), "scan_id": e.scan_id, "as_of": e.as_of,
                   "params_key": e.params_key, "evaluated_at": e.now,
                   "inputs_digest": int(self.inputs_digest[i]), "verdict_digest": int(self.verdict_digest[i]),
                   **{f"status_{tier}": int(statuses[tier][i]) for tier in TIERS},
                   "snapshot": snapshot}
                  for i, snapshot in zip(rows.tolist(), snapshots)]
        upsert(self.session, FirmVerdict.__table__, values, ["firm_id"])
        return len(values)

    # ---- candidates ---------------------------------------------------------------------------

    def _existing(self, table: str, subject: str, codes: dict[str, int], statuses: tuple[str, ...]) -> np.ndarray:
        """(id, row, subject code, status code, stale) of this range's rows of the cycle."""
        subject_case = " ".join(f"WHEN '{name}' THEN {code}" for name, code in codes.items())
        status_case = " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(statuses))
        stale = "CASE WHEN stale THEN 1 ELSE 0 END" if table == "candidates" else "0"
        found = fetch_ints(self.connection, (
            f"SELECT id, firm_id, CASE {subject} {subject_case} ELSE -1 END, "
            f"CASE status {status_case} ELSE -1 END, {stale} FROM {table} "
            f"WHERE firm_id BETWEEN {int(self.first)} AND {int(self.last)} "
            f"AND cycle = {int(self.evaluation.cycle)}"), 5)
        found[:, 1] = np.searchsorted(self.firm_ids, found[:, 1])
        return found

    def _state(self, existing: np.ndarray, code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per firm of the batch: the row id, status code (NONE if absent) and stale flag for `code`."""
        n = len(self.firm_ids)
        ids, status, stale = np.full(n, NONE), np.full(n, NONE), np.zeros(n, dtype=bool)
        mine = existing[existing[:, 2] == code]
        ids[mine[:, 1]], status[mine[:, 1]], stale[mine[:, 1]] = mine[:, 0], mine[:, 3], mine[:, 4] == 1
        return ids, status, stale

    def write_candidates(self) -> tuple[int, int]:
        e = self.evaluation
        existing = self._existing("candidates", "tier", {t: c for c, t in enumerate(TIERS)}, CANDIDATE_STATUSES)
        inserts, reopens, refreshes, stale_rows, closes = [], [], [], [], []
        for code, tier in enumerate(TIERS):
            status = self.verdicts.status(tier)
            ids, current, stale = self._state(existing, code)
            eligible = (status == TRUE) & ~self.verdicts.columns.holds(tier)
            for i in np.flatnonzero(eligible & (current == NONE)).tolist():
                inserts.append({"firm_id": int(self.firm_ids[i]), "tier": tier, "cycle": e.cycle,
                                "status": "open", "stale": False, "verdict": self.candidate_verdict(tier, i),
                                "opened_scan_id": e.scan_id, "last_scan_id": e.scan_id,
                                "opened_at": e.now, "updated_at": e.now})
            reopen = eligible & (current == CLOSED)
            reopens.extend({"id": int(ids[i]), "status": "open", "stale": False,
                            "verdict": self.candidate_verdict(tier, i), "opened_scan_id": e.scan_id,
                            "last_scan_id": e.scan_id, "opened_at": e.now, "updated_at": e.now,
                            "closed_at": None, "closed_scan_id": None}
                           for i in np.flatnonzero(reopen).tolist())
            refresh = eligible & (current == OPEN) & (stale | self.changed)
            refreshes.extend({"id": int(ids[i]), "stale": False, "verdict": self.candidate_verdict(tier, i),
                              "last_scan_id": e.scan_id, "updated_at": e.now}
                             for i in np.flatnonzero(refresh).tolist())
            stale_rows.extend({"id": int(ids[i]), "stale": True, "last_scan_id": e.scan_id, "updated_at": e.now}
                              for i in np.flatnonzero((status == UNKNOWN) & (current == OPEN) & ~stale).tolist())
            closes.extend({"id": int(ids[i]), "status": "closed", "closed_scan_id": e.scan_id, "closed_at": e.now,
                           "last_scan_id": e.scan_id, "updated_at": e.now}
                          for i in np.flatnonzero((status == FALSE) & (current == OPEN)).tolist())
        table = Candidate.__table__
        insert_ignoring(self.session, table, inserts, ["firm_id", "tier", "cycle"])
        for rows in (reopens, refreshes, stale_rows, closes):
            update_by_id(self.session, table, rows)
        return len(inserts) + len(reopens), len(closes)

    def candidate_verdict(self, tier: str, i: int) -> dict:
        """The tier verdict a candidate keeps, with what rebuilds its explanation exactly."""
        tv = self.verdicts.tiers[tier]
        verdict = {"tier": tier, "status": STATUS_NAMES[int(tv.status[i])],
                   "failed": [cid for cid, outcome in tv.outcomes.items()
                              if tv.listed(cid, i) and outcome.passed[i] == FALSE],
                   "as_of": self.evaluation.as_of.isoformat(), "parameters": self.evaluation.parameters,
                   "snapshot": base64.b64encode(self.snapshot_of(i)).decode("ascii")}
        if tv.route_direct is not None:
            verdict["route"] = "direct" if tv.route_direct[i] else "score"
            if not tv.route_direct[i] and tv.score.decided[i]:
                verdict["score"] = int(tv.score.total[i])
        return verdict

    # ---- flags and incentive opportunities ----------------------------------------------------

    def write_flags(self) -> int:
        e = self.evaluation
        flag_ids = list(self.verdicts.flags)
        existing = self._existing("firm_flags", "flag", {f: c for c, f in enumerate(flag_ids)}, ("open", "closed"))
        inserts, reopens, refreshes, clears = [], [], [], []
        for code, flag_id in enumerate(flag_ids):
            raised = self.verdicts.flags[flag_id]
            ids, current, _ = self._state(existing, code)
            for i in np.flatnonzero(raised & (current == NONE)).tolist():
                inserts.append({"firm_id": int(self.firm_ids[i]), "flag": flag_id, "cycle": e.cycle,
                                "detail": self.flag_detail(flag_id, i), "status": "open",
                                "raised_scan_id": e.scan_id, "raised_at": e.now})
            reopens.extend({"id": int(ids[i]), "status": "open", "detail": self.flag_detail(flag_id, i),
                            "raised_scan_id": e.scan_id, "raised_at": e.now, "cleared_scan_id": None,
                            "cleared_at": None}
                           for i in np.flatnonzero(raised & (current == 1)).tolist())
            refreshes.extend({"id": int(ids[i]), "detail": self.flag_detail(flag_id, i)}
                             for i in np.flatnonzero(raised & (current == 0) & self.changed).tolist())
            clears.extend({"id": int(ids[i]), "status": "closed", "cleared_scan_id": e.scan_id, "cleared_at": e.now}
                          for i in np.flatnonzero(~raised & (current == 0)).tolist())
        table = FirmFlag.__table__
        insert_ignoring(self.session, table, inserts, ["firm_id", "flag", "cycle"])
        for rows in (reopens, refreshes, clears):
            update_by_id(self.session, table, rows)
        return len(inserts) + len(reopens)

    def flag_detail(self, flag_id: str, i: int) -> dict:
        if flag_id == "hnte_near_miss":
            cid = near_miss_criterion(self.verdicts, i)
            gap = self.verdicts.tiers["hnte"].outcomes[cid].gap
            return {"criterion": cid, "gap": _text(gap.at(i)), "unit": gap.unit}
        expires = int(self.verdicts.columns.hnte_expires[i])
        return {"expires": dt.date.fromordinal(expires).isoformat() if expires else None}

    def write_opportunities(self) -> None:
        e = self.evaluation
        incentive_ids = list(self.verdicts.incentives)
        existing = self._existing("incentive_opportunities", "incentive",
                                  {name: c for c, name in enumerate(incentive_ids)}, ("open", "closed"))
        inserts, reopens, refreshes, closes = [], [], [], []
        for code, incentive_id in enumerate(incentive_ids):
            incentive = self.verdicts.incentives[incentive_id]
            ids, current, _ = self._state(existing, code)

            def saving(i: int):
                return from_fixed(int(incentive.saving[i]), SAVING_SCALE) if incentive.saving_known[i] else None
            applies = incentive.applies
            for i in np.flatnonzero(applies & (current == NONE)).tolist():
                inserts.append({"firm_id": int(self.firm_ids[i]), "incentive": incentive_id, "cycle": e.cycle,
                                "saving": saving(i), "status": "open", "opened_scan_id": e.scan_id,
                                "opened_at": e.now})
            reopens.extend({"id": int(ids[i]), "status": "open", "saving": saving(i), "opened_scan_id": e.scan_id,
                            "opened_at": e.now, "closed_scan_id": None, "closed_at": None}
                           for i in np.flatnonzero(applies & (current == 1)).tolist())
            refreshes.extend({"id": int(ids[i]), "saving": saving(i)}
                             for i in np.flatnonzero(applies & (current == 0) & self.changed).tolist())
            closes.extend({"id": int(ids[i]), "status": "closed", "closed_scan_id": e.scan_id, "closed_at": e.now}
                          for i in np.flatnonzero(~applies & (current == 0)).tolist())
        table = IncentiveOpportunity.__table__
        insert_ignoring(self.session, table, inserts, ["firm_id", "incentive", "cycle"])
        for rows in (reopens, refreshes, closes):
            update_by_id(self.session, table, rows)


def _text(value) -> str | None:
    return None if value is None else str(value)


# ---- bulk statements --------------------------------------------------------------------------

def _insert(session: Session, table):
    dialect = session.connection().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def upsert(session: Session, table, rows: list[dict], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other given column, as one executemany."""
    if not rows:
        return
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in rows[0] if name not in keys})
    session.execute(statement, rows)


def insert_ignoring(session: Session, table, rows: list[dict], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO NOTHING: a row delivered twice is written once."""
    if rows:
        session.execute(_insert(session, table).on_conflict_do_nothing(index_elements=keys), rows)


def update_by_id(session: Session, table, rows: list[dict]) -> None:
    """UPDATE ... WHERE id = :id for rows sharing one set of keys, as one executemany."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    statement = (update(table).where(table.c.id == bindparam("row_id"))
                 .values({name: bindparam(f"new_{name}") for name in names}))
    session.execute(statement, [{"row_id": row["id"], **{f"new_{name}": row[name] for name in names}}
                                for row in rows])

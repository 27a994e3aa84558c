"""Evaluate one range of firms and write, in bulk, only what changed.

A range is read with three queries (`loader`) and two more for what is stored (the verdict digests;
the candidates, flags and opportunities of the cycle), evaluated by the engine's batch path, and
compared in numpy. New verdicts, flags and opportunities go straight into their tables (`stage`:
one binary COPY per table and subject on PostgreSQL); new candidates and changed rows are staged in
a temporary table and moved with one INSERT ... SELECT (candidates, with their firm's district)
and one UPDATE ... FROM per table. Running it again on unchanged data writes nothing. New rows are
plain inserts, without a conflict check per row: a chunk delivered twice waits for the first
delivery's lock and then finds itself done (services/scans.py), and a row inserted meanwhile by a
one-firm evaluation makes the chunk fail on the unique key and be retried.

A firm's verdict row keeps the tier statuses, the failed criteria (bit masks), and digests of the
inputs and of the whole verdict; its explanation is rebuilt from the firm's facts (evaluation.py).

Candidates (issue "Scans"): opened when a firm is eligible for a tier it holds no valid
certificate for; an open candidate is marked stale on insufficient_data and closed only on
ineligible; candidates past `open` (in review, decided) are never touched, even if an officer
moves one while the chunk runs (every update checks the status it read). Flags and incentive
opportunities open while raised/applicable and close when no longer.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Self

import numpy as np
from sqlalchemy import Date, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from registry.models import FirmVerdict
from registry.models.base import Base, UTCDateTime
from registry.models.candidate import CANDIDATE_STATUSES
from registry.rules.engine import BatchVerdicts, evaluate
from registry.rules.facts import TIERS
from registry.rules.logic import FALSE, STATUS_NAMES, TRUE, UNKNOWN
from registry.rules.params import ParameterSet
from registry.rules.report import margins, rd_intensities, rd_mismatch_detail
from registry.scan.loader import fetch_ints, load_columns, use_own_parallelism
from registry.scan.snapshot import (
    failed_ids,
    failed_mask,
    inputs_digest,
    pack,
    to_bytes,
    verdict_digest,
)
from registry.scan.stage import BOOL, DATE, INT2, INT4, INT8, TEXT, TIMESTAMPTZ, insert_rows, stage

STATUS_CODES = {name: code for code, name in enumerate(CANDIDATE_STATUSES)}
OPEN, CLOSED = STATUS_CODES["open"], STATUS_CODES["closed"]
ABSENT = -1
# What a scan does to a candidate, flag or opportunity row.
NEW, REOPEN, REFRESH, MARK_STALE, CLOSE = range(5)


@dataclass
class Evaluation:
    """Where and how a range is evaluated."""
    as_of: dt.date
    params: ParameterSet
    params_key: int
    scan_id: int | None
    now: dt.datetime

    @property
    def cycle(self) -> int:
        return self.as_of.year

    @property
    def parameters(self) -> dict:
        return describe_parameters(self.params)


def describe_parameters(params: ParameterSet) -> dict:
    """A parameter set as scans store and show it (the names of the `scans` columns)."""
    return {"policy_year": params.policy_year, "profiles": dict(params.profiles),
            "overrides": dict(params.overrides)}


@dataclass
class Changes:
    """What one range changed."""
    firms: int = 0
    verdicts: int = 0
    opened: int = 0
    closed: int = 0
    flags: int = 0

    def __iadd__(self, other: Changes) -> Self:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


@dataclass(frozen=True)
class Lifecycle:
    """A table of rows that scans open and close, one per firm, subject and cycle."""
    table: str
    subject: str        # the column naming what the row is about: tier, flag, incentive
    payload: str        # the column a scan refreshes: verdict, detail, saving
    opened: str         # prefix of the <prefix>_scan_id and <prefix>_at set on (re)opening
    closed: str         # ... and on closing
    candidates: bool = False   # also stale, last_scan_id, updated_at, the firm's district; an id

    @property
    def json(self) -> bool:
        return self.payload != "saving"

    @property
    def row_id(self) -> str:
        """What the stored rows read as their id: candidates have one; flags and opportunities
        are found again by firm and subject (their key, with the cycle)."""
        return "id" if self.candidates else "0"


CANDIDATES = Lifecycle("candidates", "tier", "verdict", "opened", "closed", candidates=True)
FLAGS = Lifecycle("firm_flags", "flag", "detail", "raised", "cleared")
OPPORTUNITIES = Lifecycle("incentive_opportunities", "incentive", "saving", "opened", "closed")
LIFECYCLES = (CANDIDATES, FLAGS, OPPORTUNITIES)


def evaluate_range(session: Session, first: int, last: int, evaluation: Evaluation) -> Changes:
    """Evaluate firms with ids in [first, last] and write what changed (flushes, never commits)."""
    connection = session.connection()
    use_own_parallelism(connection)
    firm_ids, columns = load_columns(connection, first, last, evaluation.as_of)
    if not len(firm_ids):
        return Changes()
    batch = _Batch(session, firm_ids, evaluate(columns, evaluation.params), evaluation, first, last)
    changes = Changes(firms=len(firm_ids), verdicts=batch.write_verdicts())
    opened, changes.closed, _ = batch.write_lifecycle(CANDIDATES)
    raised, _, _ = batch.write_lifecycle(FLAGS)
    batch.write_lifecycle(OPPORTUNITIES)
    changes.opened, changes.flags = opened, raised
    return changes


@dataclass
class _Plan:
    """Rows of one lifecycle table to write: batch row, subject code, action, row id, stale."""
    parts: list[tuple] = field(default_factory=list)

    def add(self, action: int, where: np.ndarray, subject: int, ids: np.ndarray, stale) -> None:
        rows = np.flatnonzero(where)
        if len(rows):
            stale = np.broadcast_to(stale, where.shape)[rows]
            self.parts.append((rows, np.full(len(rows), subject), np.full(len(rows), action),
                               ids[rows], stale))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate(column) for column in zip(*self.parts))

    def count(self, *actions: int) -> int:
        return sum(len(rows) for rows, _s, action, _i, _st in self.parts if action[0] in actions)


class _Batch:
    def __init__(self, session: Session, firm_ids: np.ndarray, verdicts: BatchVerdicts,
                 evaluation: Evaluation, first: int, last: int):
        self.session, self.firm_ids, self.verdicts = session, firm_ids, verdicts
        self.evaluation, self.first, self.last = evaluation, first, last
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.inputs_digest = inputs_digest(verdicts.columns)
        self.failed = {tier: failed_mask(verdicts.tiers[tier]) for tier in TIERS}
        self.verdict_digest = verdict_digest(verdicts)
        self.changed, self.exists = self._changed()
        self.stored = self._stored_lifecycle_rows()

    def _range(self, column: str = "firm_id") -> str:
        return f"{column} BETWEEN {int(self.first)} AND {int(self.last)}"

    def _rows_of(self, found_firm_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Batch rows of stored firm ids, and which of them are firms of the batch."""
        rows = np.minimum(np.searchsorted(self.firm_ids, found_firm_ids), len(self.firm_ids) - 1)
        return rows, self.firm_ids[rows] == found_firm_ids

    # ---- firm verdicts ------------------------------------------------------------------------

    def _changed(self) -> tuple[np.ndarray, np.ndarray]:
        """Per firm: whether its stored verdict is missing, pending, or differs in inputs, verdict
        or parameters; and whether a verdict row exists."""
        stored = fetch_ints(self.connection, (
            "SELECT firm_id, COALESCE(inputs_digest, 0), COALESCE(verdict_digest, 0), "
            f"CASE WHEN params_key = {int(self.evaluation.params_key)} THEN 1 ELSE 0 END, "
            "CASE WHEN requested_at IS NOT NULL AND (evaluated_at IS NULL OR requested_at > evaluated_at) "
            f"THEN 1 ELSE 0 END FROM firm_verdicts WHERE {self._range()}"), 5)
        rows, present = self._rows_of(stored[:, 0])
        stored, rows = stored[present], rows[present]
        same = np.zeros(len(self.firm_ids), dtype=bool)
        same[rows] = ((stored[:, 1] == self.inputs_digest[rows]) & (stored[:, 2] == self.verdict_digest[rows])
                      & (stored[:, 3] == 1) & (stored[:, 4] == 0))
        exists = np.zeros(len(self.firm_ids), dtype=bool)
        exists[rows] = True
        return ~same, exists

    def write_verdicts(self) -> int:
        """Insert the new verdicts; stage the changed ones and update them."""
        rows = np.flatnonzero(self.changed)
        if not len(rows):
            return 0
        e = self.evaluation
        new, stored = rows[~self.exists[rows]], rows[self.exists[rows]]
        # A firm's first verdict is a plain insert (no conflict check per row): should another
        # process insert the row meanwhile, the chunk fails and its retry updates it.
        if len(new):
            insert_rows(self.connection, FirmVerdict.__table__, {
                **self._verdict_columns(new), "scan_id": (INT4, e.scan_id), "as_of": (DATE, e.as_of),
                "params_key": (INT8, e.params_key), "evaluated_at": (TIMESTAMPTZ, e.now)})
        if len(stored):
            columns = self._verdict_columns(stored)
            stage(self.connection, "stage_verdicts", columns)
            decided = list(columns)[1:]
            sets = ["scan_id = :scan_id", "as_of = :as_of", "params_key = :params_key", "evaluated_at = :now",
                    *(f"{name} = s.{name}" for name in decided)]
            self.session.execute(text(
                f"UPDATE firm_verdicts SET {', '.join(sets)} FROM stage_verdicts s "
                f"WHERE firm_verdicts.firm_id = s.firm_id AND {self._range('firm_verdicts.firm_id')}")
                .bindparams(bindparam("as_of", type_=Date()), bindparam("now", type_=UTCDateTime())),
                {"scan_id": e.scan_id, "as_of": e.as_of, "params_key": e.params_key, "now": e.now})
        return len(rows)

    def _verdict_columns(self, rows: np.ndarray) -> dict:
        return {"firm_id": (INT4, self.firm_ids[rows]), "inputs_digest": (INT8, self.inputs_digest[rows]),
                "verdict_digest": (INT8, self.verdict_digest[rows]),
                **{f"status_{tier}": (INT2, self.verdicts.status(tier)[rows]) for tier in TIERS},
                **{f"failed_{tier}": (INT4, self.failed[tier][rows]) for tier in TIERS}}

    # ---- candidates, flags and opportunities --------------------------------------------------

    def _subjects(self, life: Lifecycle) -> list[str]:
        if life is CANDIDATES:
            return list(TIERS)
        return list(self.verdicts.flags if life is FLAGS else self.verdicts.incentives)

    def _stored_lifecycle_rows(self) -> dict[str, np.ndarray]:
        """Per table, this range's rows of the cycle: (id, batch row, subject code, status code, stale)."""
        status_case = " ".join(f"WHEN '{name}' THEN {code}" for name, code in STATUS_CODES.items())
        selects = []
        for kind, life in enumerate(LIFECYCLES):
            subject_case = " ".join(f"WHEN '{name}' THEN {code}"
                                    for code, name in enumerate(self._subjects(life)))
            stale = "CASE WHEN stale THEN 1 ELSE 0 END" if life.candidates else "0"
            selects.append(f"SELECT {kind}, {life.row_id}, firm_id, CASE {life.subject} {subject_case} ELSE -1 END, "
                           f"CASE status {status_case} ELSE -1 END, {stale} FROM {life.table} "
                           f"WHERE {self._range()} AND cycle = {int(self.evaluation.cycle)}")
        found = fetch_ints(self.connection, " UNION ALL ".join(selects), 6)
        found[:, 2], present = self._rows_of(found[:, 2])
        found = found[present]
        return {life.table: found[found[:, 0] == kind, 1:] for kind, life in enumerate(LIFECYCLES)}

    def _state(self, life: Lifecycle, code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per firm of the batch: the stored row id, status code (ABSENT if none) and stale flag."""
        n = len(self.firm_ids)
        ids, status, stale = np.zeros(n, dtype=np.int64), np.full(n, ABSENT), np.zeros(n, dtype=bool)
        mine = self.stored[life.table]
        mine = mine[mine[:, 2] == code]
        ids[mine[:, 1]], status[mine[:, 1]], stale[mine[:, 1]] = mine[:, 0], mine[:, 3], mine[:, 4] == 1
        return ids, status, stale

    def _plan(self, life: Lifecycle) -> _Plan:
        plan = _Plan()
        for code, subject in enumerate(self._subjects(life)):
            ids, current, stale = self._state(life, code)
            is_open = current == OPEN
            if life is CANDIDATES:
                status = self.verdicts.status(subject)
                wanted = (status == TRUE) & ~self.verdicts.columns.holds(subject)
                plan.add(MARK_STALE, (status == UNKNOWN) & is_open & ~stale, code, ids, True)
                closing = (status == FALSE) & is_open
            else:
                wanted = (self.verdicts.flags[subject] if life is FLAGS
                          else self.verdicts.incentives[subject].applies)
                closing = ~wanted & is_open
            plan.add(NEW, wanted & (current == ABSENT), code, ids, False)
            plan.add(REOPEN, wanted & (current == CLOSED), code, ids, False)
            plan.add(REFRESH, wanted & is_open & (stale | self.changed), code, ids, False)
            plan.add(CLOSE, closing, code, ids, stale)
        return plan

    def write_lifecycle(self, life: Lifecycle) -> tuple[int, int, int]:
        """Write what changed in one table; (opened, closed, refreshed or marked)."""
        plan = self._plan(life)
        if not plan.parts:
            return 0, 0, 0
        rows, subjects, actions, ids, stale = plan.arrays()
        staged = np.ones(len(rows), dtype=bool)
        if not life.candidates:   # new flags and opportunities go straight in
            staged = actions != NEW
            self._insert_new(life, rows[~staged], subjects[~staged])
        if staged.any():
            rows, subjects, actions, ids, stale = (a[staged] for a in (rows, subjects, actions, ids, stale))
            self._stage_rows(life, rows, subjects, actions, ids, stale)
            self._move(life, actions)
        return (plan.count(NEW, REOPEN), plan.count(CLOSE), plan.count(REFRESH, MARK_STALE))

    def _stage_rows(self, life: Lifecycle, rows, subjects, actions, ids, stale) -> None:
        writes = np.isin(actions, (NEW, REOPEN, REFRESH))
        columns = {"id": (INT4, ids), "firm_id": (INT4, self.firm_ids[rows]), "subject": (INT2, subjects),
                   "action": (INT2, actions), "stale": (BOOL, stale)}
        if life.json:
            payload = [None] * len(rows)
            for index, value in zip(np.flatnonzero(writes).tolist(),
                                    self._payloads(life, rows[writes], subjects[writes])):
                payload[index] = value
            columns["payload"] = (TEXT, payload)
        else:
            saving, known = self._savings(rows, subjects)
            columns |= {"known": (BOOL, known & writes), "payload": (INT8, saving)}
        stage(self.connection, "stage_rows", columns)

    def _insert_new(self, life: Lifecycle, rows: np.ndarray, subjects: np.ndarray) -> None:
        """New flags or opportunities: one insert per subject (and, for savings, per known or
        not), so every column but a flag's detail has one width and numpy lays the rows out."""
        table = Base.metadata.tables[life.table]
        for code in np.unique(subjects).tolist():
            mine, same = rows[subjects == code], np.full(np.count_nonzero(subjects == code), code)
            if life.json:
                insert_rows(self.connection, table, {**self._new_row(life, code, mine),
                                                     life.payload: (TEXT, self._payloads(life, mine, same))})
                continue
            saving, known = self._savings(mine, same)
            if known.any():
                insert_rows(self.connection, table, {**self._new_row(life, code, mine[known]),
                                                     life.payload: (INT8, saving[known])})
            if not known.all():   # an unknown saving stays NULL
                insert_rows(self.connection, table, self._new_row(life, code, mine[~known]))

    def _new_row(self, life: Lifecycle, code: int, rows: np.ndarray) -> dict:
        """The columns every new flag or opportunity of one subject has."""
        e = self.evaluation
        return {"firm_id": (INT4, self.firm_ids[rows]), life.subject: (TEXT, self._subjects(life)[code]),
                "cycle": (INT4, e.cycle), "status": (TEXT, "open"),
                f"{life.opened}_scan_id": (INT4, e.scan_id), f"{life.opened}_at": (TIMESTAMPTZ, e.now)}

    def _move(self, life: Lifecycle, actions: np.ndarray) -> None:
        """One INSERT for the new rows (only candidates stage theirs, to copy their firm's district)
        and one UPDATE for the others, from the staged rows."""
        subject = "CASE s.subject " + " ".join(
            f"WHEN {code} THEN '{name}'" for code, name in enumerate(self._subjects(life))) + " END"
        if life.json:
            payload = "CAST(s.payload AS JSON)" if self.dialect == "postgresql" else "s.payload"
        else:
            payload = "CASE WHEN s.known THEN s.payload END"
        t, opened, closed = life.table, life.opened, life.closed
        same_row = (f"{t}.id = s.id" if life.candidates else
                    f"{t}.firm_id = s.firm_id AND {t}.{life.subject} = {subject} AND {t}.cycle = :cycle")
        names = ["firm_id", life.subject, "cycle", "status", life.payload, f"{opened}_scan_id", f"{opened}_at"]
        values = ["s.firm_id", subject, ":cycle", "'open'", payload, ":scan_id", ":now"]
        sets = [(f"{life.payload} = CASE WHEN s.action IN ({REOPEN}, {REFRESH}) THEN {payload} "
                f"ELSE {t}.{life.payload} END")]
        join = ""
        if life.candidates:   # with the firm's facets, so the officers' trigger has nothing to do
            names += ["stale", "last_scan_id", "updated_at", "district", "industry_code"]
            values += ["s.stale", ":scan_id", ":now", "f.district", "f.industry_code"]
            sets += ["stale = s.stale", "last_scan_id = :scan_id", "updated_at = :now"]
            join = "JOIN firms f ON f.id = s.firm_id "
        sets += [
            f"status = CASE s.action WHEN {CLOSE} THEN 'closed' WHEN {REOPEN} THEN 'open' ELSE {t}.status END",
            f"{opened}_scan_id = CASE WHEN s.action = {REOPEN} THEN :scan_id ELSE {t}.{opened}_scan_id END",
            f"{opened}_at = CASE WHEN s.action = {REOPEN} THEN :now ELSE {t}.{opened}_at END",
            (f"{closed}_scan_id = CASE s.action WHEN {CLOSE} THEN :scan_id WHEN {REOPEN} THEN NULL "
            f"ELSE {t}.{closed}_scan_id END"),
            f"{closed}_at = CASE s.action WHEN {CLOSE} THEN :now WHEN {REOPEN} THEN NULL ELSE {t}.{closed}_at END",
        ]
        e = self.evaluation
        params = {"cycle": e.cycle, "scan_id": e.scan_id, "now": e.now}
        now = bindparam("now", type_=UTCDateTime())
        actions = set(np.unique(actions).tolist())
        if NEW in actions:   # plain INSERT, like a first verdict
            self.session.execute(text(
                f"INSERT INTO {t} ({', '.join(names)}) SELECT {', '.join(values)} FROM stage_rows s {join}"
                f"WHERE s.action = {NEW}").bindparams(now), params)
        if actions - {NEW}:
            # The status read is checked again: an officer may have taken the row meanwhile.
            self.session.execute(text(
                f"UPDATE {t} SET {', '.join(sets)} FROM stage_rows s WHERE {same_row} AND s.action <> {NEW} "
                f"AND {t}.status = CASE WHEN s.action = {REOPEN} THEN 'closed' ELSE 'open' END "
                f"AND {self._range(f'{t}.firm_id')}").bindparams(now), params)

    def _payloads(self, life: Lifecycle, rows: np.ndarray, subjects: np.ndarray) -> list[str]:
        """The JSON text of each written row, in order (grouped by subject to share the work)."""
        names = self._subjects(life)
        out = [""] * len(rows)
        for code in np.unique(subjects).tolist():
            where = np.flatnonzero(subjects == code)
            build = self._candidate_verdicts if life is CANDIDATES else self._flag_details
            for index, value in zip(where.tolist(), build(names[code], rows[where])):
                out[index] = value
        return out

    def _candidate_verdicts(self, tier: str, rows: np.ndarray) -> list[str]:
        """The tier verdict a candidate keeps: status, failed ids, route and score, with the date,
        parameters and input snapshot that rebuild its explanation exactly."""
        tv = self.verdicts.tiers[tier]
        head = json.dumps({"tier": tier})[:-1]
        dated = json.dumps({"as_of": self.evaluation.as_of.isoformat(),
                            "parameters": self.evaluation.parameters})[1:-1]
        failed_json: dict[int, str] = {}
        texts = []
        snapshots = to_bytes(pack(self.verdicts.columns.take(rows)))
        # The queue shows and sorts by these two (numbers, null when unknown).
        measures = [f'"margin": {_number(margin)}, "rd_intensity": {_number(intensity)}'
                    for margin, intensity in zip(margins(self.verdicts, tier, rows),
                                                 rd_intensities(self.verdicts, rows))]
        for i, snapshot, measured in zip(rows.tolist(), snapshots, measures):
            mask = int(self.failed[tier][i])
            if mask not in failed_json:
                failed_json[mask] = json.dumps(failed_ids(mask))
            route = ""
            if tv.route_direct is not None:
                route = ', "route": "direct"' if tv.route_direct[i] else ', "route": "score"'
                if not tv.route_direct[i] and tv.score.decided[i]:
                    route += f', "score": {int(tv.score.total[i])}'
            texts.append(f'{head}, "status": "{STATUS_NAMES[int(tv.status[i])]}", "failed": {failed_json[mask]}, '
                         f'{dated}, {measured}, "snapshot": "{base64.b64encode(snapshot).decode("ascii")}"{route}}}')
        return texts

    def _flag_details(self, flag_id: str, rows: np.ndarray) -> list[str]:
        """A flag's detail: the near miss's one failed criterion and its gap, the R&D mismatch's two
        figures and the official one's source, else the HNTE expiry."""
        if flag_id == "rd_mismatch":
            return [json.dumps({key: str(value) if isinstance(value, Decimal) else value
                                for key, value in rd_mismatch_detail(self.verdicts, i).items()})
                    for i in rows.tolist()]
        if flag_id != "hnte_near_miss":
            days: dict[int, str] = {}
            for day in np.unique(self.verdicts.columns.hnte_expires[rows]).tolist():
                days[day] = json.dumps({"expires": dt.date.fromordinal(day).isoformat() if day else None})
            return [days[day] for day in self.verdicts.columns.hnte_expires[rows].tolist()]
        texts = [""] * len(rows)
        masks = self.failed["hnte"][rows]
        for mask in np.unique(masks).tolist():
            where = np.flatnonzero(masks == mask)
            criterion = failed_ids(mask)[0]   # exactly one failed
            gap = self.verdicts.tiers["hnte"].outcomes[criterion].gap
            head, unit = json.dumps({"criterion": criterion})[:-1], json.dumps({"unit": gap.unit})[1:]
            for index, i in zip(where.tolist(), rows[where].tolist()):
                value = gap.at(i)
                texts[index] = f'{head}, "gap": {"null" if value is None else json.dumps(str(value))}, {unit}'
        return texts

    def _savings(self, rows: np.ndarray, subjects: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's saving in 10^-8 万元 (the column's fixed point) and whether it is known."""
        saving, known = np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
        for code, incentive in enumerate(self.verdicts.incentives.values()):
            where = subjects == code
            saving[where] = incentive.saving[rows[where]]
            known[where] = incentive.saving_known[rows[where]]
        return np.where(known, saving, 0), known


# ---- single-row statements --------------------------------------------------------------------

def upsert(session: Session, table, rows: list[dict], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other given column, as one executemany."""
    if not rows:
        return
    dialect = postgresql if session.connection().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in rows[0] if name not in keys})
    session.execute(statement, rows)


def _number(value: float | None) -> str:
    """A finite number (or None) as JSON the database can sort by; a whole one without ".0"."""
    return "null" if value is None else repr(int(value) if value == int(value) else value)

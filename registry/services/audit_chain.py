"""The audit trail's hash chain: each event keeps the hash of the one before it.

An event's hash is SHA-256 over a canonical serialisation (`canonical`: JSON, keys sorted, no
spaces, UTF-8) of its position in the chain, its id, time (UTC, microseconds), actor, action,
object, firm, details, address and the previous event's hash. Editing any of these, deleting
an event or inserting one breaks the chain at that place, which `verify` (the command
`flask --app registry audit verify`) reports.

Chaining happens once per transaction, just before it commits (`chain_pending`, a session
hook armed by `services.audit.record`): the transaction locks the single `audit_chain` row
(`SELECT ... FOR UPDATE`), numbers its own new events after the head in id order, writes
their hashes and moves the head. Two transactions that commit at once on PostgreSQL, in any
number of worker processes, queue on that row lock: the second reads the head the first
committed (READ COMMITTED re-reads a row after waiting for its lock), so positions never
repeat or skip. The lock is held only from this last step to the commit. SQLite lets one
writer in at a time anyway. Events inserted without the ORM (a bulk insert) arm the hook with
`services.audit.mark_written`; any event left unchained is chained by the next commit that
chains.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.models.audit import GENESIS_HASH, AuditChain, AuditEvent

HEAD_ID = 1
# session.info key: this transaction added audit events to chain before it commits.
PENDING_KEY = "yanzhen_audit_unchained"
EVENTS = AuditEvent.__table__
HASHED_COLUMNS = (EVENTS.c.id, EVENTS.c.at, EVENTS.c.actor_id, EVENTS.c.action,
                  EVENTS.c.object_type, EVENTS.c.object_id, EVENTS.c.firm_id, EVENTS.c.details,
                  EVENTS.c.remote_addr)


def _utc_text(at: dt.datetime | None) -> str | None:
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, row, prev_hash: str) -> bytes:
    """The bytes an event's hash covers (`row` has the HASHED_COLUMNS' names)."""
    document = {
        "seq": seq, "id": row.id, "at": _utc_text(row.at), "actor_id": row.actor_id,
        "action": row.action, "object_type": row.object_type, "object_id": row.object_id,
        "firm_id": row.firm_id, "details": row.details, "remote_addr": row.remote_addr,
        "prev": prev_hash,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def event_hash(seq: int, row, prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, row, prev_hash)).hexdigest()


def link(rows: Iterable, seq: int, prev_hash: str) -> Iterator[dict]:
    """Chain `rows` (in order) after position `seq` whose hash is `prev_hash`: one
    {id, seq, prev, hash} per row."""
    for row in rows:
        seq += 1
        digest = event_hash(seq, row, prev_hash)
        yield {"b_id": row.id, "b_seq": seq, "b_prev": prev_hash, "b_hash": digest}
        prev_hash = digest


_SET_LINKS = (update(EVENTS).where(EVENTS.c.id == bindparam("b_id"))
              .values(chain_seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"),
                      hash=bindparam("b_hash")))


def chain_pending(session: Session) -> int:
    """Chain every event not yet chained, after the head; returns how many. Call it last in
    the transaction (the head stays locked until the commit)."""
    session.flush()
    head = _locked_head(session)
    if head is None:  # the first event of an empty database (or one the demo loader emptied)
        try:
            with session.begin_nested():
                session.execute(insert(AuditChain).values(id=HEAD_ID, seq=0,
                                                          last_hash=GENESIS_HASH))
        except IntegrityError:
            pass  # another transaction made it first: lock theirs
        head = _locked_head(session)
    rows = session.execute(select(*HASHED_COLUMNS).where(EVENTS.c.chain_seq.is_(None))
                           .order_by(EVENTS.c.id)).all()
    if not rows:
        return 0
    links = list(link(rows, head.seq, head.last_hash))
    session.execute(_SET_LINKS, links)
    head.seq, head.last_hash = links[-1]["b_seq"], links[-1]["b_hash"]
    session.flush()
    return len(links)


def _locked_head(session: Session) -> AuditChain | None:
    return session.scalar(select(AuditChain).where(AuditChain.id == HEAD_ID).with_for_update()
                          .execution_options(populate_existing=True))


# --- Verification ---------------------------------------------------------------------------------

@dataclass
class ChainReport:
    events: int = 0
    breaks: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and recompute every hash; each break is one English line
    naming the event (id and position) where it shows."""
    report = ChainReport()
    expected, prev_hash, last_id = 1, GENESIS_HASH, None
    query = (select(*HASHED_COLUMNS, EVENTS.c.chain_seq, EVENTS.c.prev_hash, EVENTS.c.hash)
             .where(EVENTS.c.chain_seq.is_not(None)).order_by(EVENTS.c.chain_seq)
             .execution_options(yield_per=batch))
    for row in session.execute(query):
        report.events += 1
        where = f"event id {row.id} (position {row.chain_seq})"
        if row.chain_seq != expected:
            after = f"event id {last_id}" if last_id is not None else "the start"
            report.breaks.append(
                f"{where}: positions {expected}..{row.chain_seq - 1} are missing after {after} "
                "(events deleted)")
        elif row.prev_hash != prev_hash:
            report.breaks.append(f"{where}: does not link to the event before it "
                                 "(an event before it was replaced or rehashed)")
        if event_hash(row.chain_seq, row, row.prev_hash) != row.hash:
            report.breaks.append(f"{where}: its content does not match its hash (edited)")
        expected, prev_hash, last_id = row.chain_seq + 1, row.hash, row.id
    head = session.get(AuditChain, HEAD_ID)
    if head is None and report.events:
        report.breaks.append("the chain's head row is missing")
    elif head is not None and (head.seq, head.last_hash) != (expected - 1, prev_hash):
        if head.seq > expected - 1:
            report.breaks.append(f"the chain ends at position {expected - 1} but its head says "
                                 f"{head.seq}: the newest events were deleted")
        else:
            report.breaks.append(f"the chain's head (position {head.seq}) does not match its "
                                 f"last event (position {expected - 1})")
    unchained = session.scalar(select(func.count()).select_from(EVENTS)
                               .where(EVENTS.c.chain_seq.is_(None)))
    if unchained:
        report.breaks.append(f"{unchained} events are outside the chain (written without the "
                             "application)")
    return report

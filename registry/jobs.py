"""The only place the web side enqueues background work.

Services record an intent with `enqueue_after_commit(name, *args)`; it is kept on the
session and sent by task name once the transaction commits, and dropped on rollback, so a
worker never sees work whose data is not there. Sending uses a producer-only Celery client
built from config; `workers/` defines the tasks under the same names (a test checks it).

`JOBS_MODE` chooses how intents leave: "celery" (default), "inline" (run the job's target in
this process once the request is over: tests and single-process tools; SQL cannot run
inside the commit hook itself) or "record" (only kept in `sent_jobs()` for assertions).
"""
from __future__ import annotations

from collections.abc import Callable

from celery import Celery
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

# Two queues: what a person waits for (one firm's re-evaluation, mail) and the rest (scan
# chunks, the nightly passes). Workers take the interactive queue first (docs/operations.md).
INTERACTIVE, BULK = "interactive", "bulk"

# Every job by name, with its queue; `workers/tasks.py` defines one Celery task of the same
# name per entry (a test checks both sides agree).
JOB_QUEUES: dict[str, str] = {
    "send_mail": INTERACTIVE,
    "password_reset": INTERACTIVE,
    "evaluate_firm": INTERACTIVE,
    "worker_ping": INTERACTIVE,
    "scan_chunk": BULK,
    "scan_reconcile": BULK,
    "nightly_scan": BULK,
    "scheduled": BULK,
    "whatif_chunk": BULK,
    "whatif_reconcile": BULK,
    "certificate_pass": BULK,
    "monthly_snapshot": BULK,
    "official_import": BULK,
}

_PENDING_KEY = "yanzhen_pending_jobs"


def job_functions() -> dict[str, Callable]:
    """The service function each job runs: the one list of them, for the workers' tasks, the
    "inline" mode and the scheduler. Imported here, when first asked: the services themselves
    import this module to enqueue."""
    from registry.services import (
        certificates,
        evaluation,
        health,
        mail,
        official,
        onboarding,
        scans,
        snapshots,
        whatif,
    )
    return {
        "send_mail": mail.deliver,
        "password_reset": onboarding.send_password_reset,
        "evaluate_firm": evaluation.evaluate_firm,
        "worker_ping": health.answer_ping,
        "scan_chunk": scans.run_chunk,
        "scan_reconcile": scans.reconcile,
        "nightly_scan": scans.nightly_scan,
        "scheduled": scans.run_scheduled,
        "whatif_chunk": whatif.run_chunk,
        "whatif_reconcile": whatif.reconcile,
        "certificate_pass": certificates.daily_pass_job,
        "monthly_snapshot": snapshots.monthly_snapshot,
        "official_import": official.run_queued,
    }


def job_function(name: str) -> Callable:
    return job_functions()[name]


def enqueue_after_commit(session: Session, name: str, *args) -> None:
    if name not in JOB_QUEUES:
        raise KeyError(f"unknown job {name!r}")
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops the intent
    session.info.setdefault(_PENDING_KEY, []).append((name, args))


def init_app(app: Flask) -> None:
    app.extensions["yanzhen_jobs"] = {"sent": [], "inline": [], "producer": None}

    @app.after_request
    def _run_inline_jobs(response):
        run_inline_jobs()
        return response


def run_inline_jobs() -> None:
    """Run the jobs queued in "inline" mode (after the request, or when a tool calls it)."""
    queue = current_app.extensions["yanzhen_jobs"]["inline"]
    while queue:
        name, args = queue.pop(0)
        job_function(name)(*args)


def sent_jobs() -> list[tuple[str, tuple]]:
    return current_app.extensions["yanzhen_jobs"]["sent"]


def producer(app: Flask) -> Celery:
    """A Celery client that only publishes (it knows no task code)."""
    state = app.extensions["yanzhen_jobs"]
    if state["producer"] is None:
        from config import celery_settings
        client = Celery("yanzhen-producer", set_as_current=False)
        client.conf.update(celery_settings(app.config))
        state["producer"] = client
    return state["producer"]


def _send(name: str, args: tuple) -> None:
    app = current_app._get_current_object()
    mode = app.config.get("JOBS_MODE", "celery")
    app.extensions["yanzhen_jobs"]["sent"].append((name, args))
    if mode == "inline":
        app.extensions["yanzhen_jobs"]["inline"].append((name, args))
    elif mode == "celery":
        producer(app).send_task(name, args=list(args), queue=JOB_QUEUES[name])


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    for name, args in pending:
        _send(name, args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING_KEY, None)

"""The Celery tasks: one explicit task per job of registry.jobs.JOB_QUEUES, with named
parameters, each calling its service function (ids and plain values only, never objects).

The tasks are `shared_task`s: this module does not import the Celery app (workers/celery_app.py
imports it), so there is no import cycle. Each task goes to its job's queue. Database errors
that may pass (a lost connection, a serialisation failure) are retried with backoff. A scan or
what-if chunk retries any error: the chunk counts its attempts in the database and marks itself failed
after SCAN_MAX_ATTEMPTS, so a poison chunk stops there.

The services these tasks call are the transaction boundaries of background work: each of them
commits its own work (their docstrings say so), unlike the services a view calls.
"""
from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import DBAPIError, OperationalError

from registry.jobs import JOB_QUEUES
from registry.services import (
    certificates,
    evaluation,
    health,
    mail,
    onboarding,
    scans,
    snapshots,
    whatif,
)

TRANSIENT_ERRORS = (OperationalError, DBAPIError)
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": True, "retry_backoff_max": 60,
         "max_retries": 5}
NO_RETRY = {"max_retries": 0}
CHUNK_RETRY = {"autoretry_for": (Exception,), "retry_backoff": 2, "retry_backoff_max": 30,
               "max_retries": 10}


def _task(name: str, **options):
    return shared_task(name=name, queue=JOB_QUEUES[name], **{**RETRY, **options})


@_task("send_mail")
def send_mail(mail_id: int) -> None:
    mail.deliver(mail_id)


@_task("password_reset")
def password_reset(email: str, remote_addr: str | None, link: str) -> None:
    onboarding.send_password_reset(email, remote_addr, link)


@_task("evaluate_firm")
def evaluate_firm(firm_id: int) -> None:
    evaluation.evaluate_firm(firm_id)


@_task("worker_ping", **NO_RETRY)
def worker_ping(sent_at: str) -> None:
    health.answer_ping(sent_at)


@_task("scan_chunk", **CHUNK_RETRY)
def scan_chunk(chunk_id: int) -> None:
    scans.run_chunk(chunk_id)


@_task("scan_reconcile", **NO_RETRY)
def scan_reconcile() -> int:
    return scans.reconcile()


@_task("nightly_scan")
def nightly_scan() -> int:
    return scans.nightly_scan()


@_task("scheduled", **NO_RETRY)
def scheduled(name: str) -> bool:
    return scans.run_scheduled(name)


@_task("whatif_chunk", **CHUNK_RETRY)
def whatif_chunk(chunk_id: int) -> None:
    whatif.run_chunk(chunk_id)


@_task("whatif_reconcile", **NO_RETRY)
def whatif_reconcile() -> int:
    return whatif.reconcile()


@_task("certificate_pass")
def certificate_pass() -> dict:
    return certificates.daily_pass_job()


@_task("monthly_snapshot")
def monthly_snapshot() -> int:
    return snapshots.monthly_snapshot()

"""The Celery tasks: one explicit task per job of registry.jobs.JOB_QUEUES, with named
parameters (ids and plain values only, never objects), each calling its job's service function
from `registry.jobs.job_functions()`: the one list of the jobs' targets, for these tasks, the
"inline" mode and the scheduler alike.

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

from registry.jobs import JOB_QUEUES, job_function

TRANSIENT_ERRORS = (OperationalError, DBAPIError)
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": True, "retry_backoff_max": 60,
         "max_retries": 5}
NO_RETRY = {"max_retries": 0}
CHUNK_RETRY = {"autoretry_for": (Exception,), "retry_backoff": 2, "retry_backoff_max": 30,
               "max_retries": 10}


def _task(**options):
    """The Celery task of the job named like the decorated function, on that job's queue."""
    def register(function):
        name = function.__name__
        return shared_task(name=name, queue=JOB_QUEUES[name], **{**RETRY, **options})(function)
    return register


@_task()
def send_mail(mail_id: int) -> None:
    job_function("send_mail")(mail_id)


@_task()
def password_reset(email: str, remote_addr: str | None, link: str) -> None:
    job_function("password_reset")(email, remote_addr, link)


@_task()
def evaluate_firm(firm_id: int) -> None:
    job_function("evaluate_firm")(firm_id)


@_task(**NO_RETRY)
def worker_ping(sent_at: str) -> None:
    job_function("worker_ping")(sent_at)


@_task(**CHUNK_RETRY)
def scan_chunk(chunk_id: int) -> None:
    job_function("scan_chunk")(chunk_id)


@_task(**NO_RETRY)
def scan_reconcile() -> int:
    return job_function("scan_reconcile")()


@_task()
def nightly_scan() -> int:
    return job_function("nightly_scan")()


@_task(**NO_RETRY)
def scheduled(name: str) -> bool:
    return job_function("scheduled")(name)


@_task(**CHUNK_RETRY)
def whatif_chunk(chunk_id: int) -> None:
    job_function("whatif_chunk")(chunk_id)


@_task(**NO_RETRY)
def whatif_reconcile() -> int:
    return job_function("whatif_reconcile")()


@_task()
def certificate_pass() -> dict:
    return job_function("certificate_pass")()


@_task()
def monthly_snapshot() -> int:
    return job_function("monthly_snapshot")()


@_task(**NO_RETRY)
def official_import(import_id: int) -> None:
    job_function("official_import")(import_id)

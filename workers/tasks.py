"""Thin Celery tasks: one per job the web side may send (registry.jobs.JOB_TARGETS).

Each task calls the service function named for it, with ids only (never objects). Database
errors that may pass (a lost connection, a serialisation failure) are retried with backoff.
A scan or what-if chunk retries any error: the chunk counts its attempts in the database and marks itself
failed after SCAN_MAX_ATTEMPTS, so a poison chunk stops there.
"""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from registry.jobs import JOB_TARGETS, job_target
from workers.celery_app import celery

TRANSIENT_ERRORS = (OperationalError, DBAPIError)
DEFAULT_OPTIONS = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": True, "retry_backoff_max": 60,
                   "max_retries": 5}
# Per-job options on top of the defaults.
JOB_OPTIONS = {
    "scan_chunk": {"autoretry_for": (Exception,), "retry_backoff": 2, "retry_backoff_max": 30,
                   "max_retries": 10},
    "scan_reconcile": {"max_retries": 0},
    "whatif_chunk": {"autoretry_for": (Exception,), "retry_backoff": 2, "retry_backoff_max": 30,
                     "max_retries": 10},
    "whatif_reconcile": {"max_retries": 0},
    "scheduled": {"max_retries": 0},
    "worker_ping": {"max_retries": 0},
}


def _define(name: str):
    @celery.task(name=name, **{**DEFAULT_OPTIONS, **JOB_OPTIONS.get(name, {})})
    def run(*args):
        return job_target(name)(*args)
    return run


TASKS = {name: _define(name) for name in JOB_TARGETS}

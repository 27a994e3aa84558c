"""Thin Celery tasks: one per job the web side may send (registry.jobs.JOB_TARGETS).

Each task calls the service function named for it, with ids only (never objects). Database
errors that may pass (a lost connection, a serialisation failure) are retried with backoff.
"""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from registry.jobs import JOB_TARGETS, job_target
from workers.celery_app import celery

TRANSIENT_ERRORS = (OperationalError, DBAPIError)


def _define(name: str):
    @celery.task(name=name, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True,
                 retry_backoff_max=60, max_retries=5)
    def run(*args):
        return job_target(name)(*args)
    return run


TASKS = {name: _define(name) for name in JOB_TARGETS}

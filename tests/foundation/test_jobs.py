"""Jobs leave after commit, never on rollback, and every job has a Celery task."""
import importlib

import pytest

from registry import jobs


def test_every_job_name_is_a_registered_task(monkeypatch):
    monkeypatch.setenv("YANZHEN_CONFIG", "testing")
    celery_app = importlib.import_module("workers.celery_app")
    importlib.import_module("workers.tasks")
    registered = set(celery_app.celery.tasks)
    assert set(jobs.JOB_TARGETS) <= registered
    for name in jobs.JOB_TARGETS:
        assert callable(jobs.job_target(name)), name


@pytest.fixture
def fake_job(monkeypatch):
    calls = []
    monkeypatch.setitem(jobs.JOB_TARGETS, "fake_job", "tests.foundation.test_jobs:_record")
    monkeypatch.setattr("tests.foundation.test_jobs._CALLS", calls)
    return calls


_CALLS: list = []


def _record(*args):
    _CALLS.append(args)


def test_jobs_are_sent_after_commit_and_dropped_on_rollback(app, db_session, fake_job):
    from registry.extensions import db
    with app.app_context():
        sent = jobs.sent_jobs()
        sent.clear()
        jobs.enqueue_after_commit(db.session, "fake_job", 1)
        assert sent == []
        db.session.rollback()
        db.session.commit()
        assert sent == []
        jobs.enqueue_after_commit(db.session, "fake_job", 2)
        db.session.commit()
        assert sent == [("fake_job", (2,))]


def test_inline_mode_runs_the_target_after_the_request(app, db_session, fake_job):
    from registry.extensions import db
    app.config["JOBS_MODE"] = "inline"
    try:
        with app.app_context():
            jobs.enqueue_after_commit(db.session, "fake_job", 3)
            db.session.commit()
            assert fake_job == []
            jobs.run_inline_jobs()
    finally:
        app.config["JOBS_MODE"] = "record"
    assert fake_job == [(3,)]


def test_unknown_job_names_are_refused(app, db_session):
    from registry.extensions import db
    with app.app_context(), pytest.raises(KeyError):
        jobs.enqueue_after_commit(db.session, "no_such_job", 1)

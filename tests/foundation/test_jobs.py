"""Jobs leave after commit, never on rollback, and every job has a Celery task."""
import importlib

import pytest

from registry import jobs


def test_every_job_is_an_explicit_task_on_its_queue(monkeypatch):
    monkeypatch.setenv("YANZHEN_CONFIG", "testing")
    celery_app = importlib.import_module("workers.celery_app")
    tasks = importlib.import_module("workers.tasks")
    registered = celery_app.celery.tasks
    assert set(jobs.JOB_QUEUES) <= set(registered)
    assert set(jobs.job_functions()) == set(jobs.JOB_QUEUES)
    for name, queue in jobs.JOB_QUEUES.items():
        task = registered[name]
        assert task.queue == queue, name
        assert getattr(tasks, name).name == name  # a module-level function of that name
        assert celery_app.celery.amqp.router.route({}, name)["queue"].name == queue


def test_a_task_runs_its_jobs_target(monkeypatch):
    """The tasks call the functions of `jobs.job_functions()`, the one list of the targets."""
    monkeypatch.setenv("YANZHEN_CONFIG", "testing")
    tasks = importlib.import_module("workers.tasks")
    calls = []
    functions = jobs.job_functions()
    monkeypatch.setattr(jobs, "job_functions", lambda: {
        **functions, "evaluate_firm": lambda firm_id: calls.append(("evaluate_firm", firm_id)),
        "scan_reconcile": lambda: calls.append(("scan_reconcile",)) or 7})
    tasks.evaluate_firm.run(firm_id=5)
    assert tasks.scan_reconcile.run() == 7
    assert calls == [("evaluate_firm", 5), ("scan_reconcile",)]


def test_interactive_jobs_are_served_first():
    from config import celery_settings
    settings = celery_settings({"CELERY_BROKER_URL": "redis://h:6379/0"})
    assert [queue.name for queue in settings["task_queues"]] == [jobs.INTERACTIVE, jobs.BULK]
    assert settings["broker_transport_options"]["queue_order_strategy"] == "priority"
    for name in ("evaluate_firm", "send_mail", "password_reset"):
        assert jobs.JOB_QUEUES[name] == jobs.INTERACTIVE
    assert jobs.JOB_QUEUES["scan_chunk"] == jobs.BULK


def test_the_tasks_module_does_not_import_the_celery_app():
    """No cycle: celery_app imports tasks, never the other way round."""
    import ast

    from tests.conftest import REPO
    tree = ast.parse((REPO / "workers" / "tasks.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not any(name and name.startswith("workers") for name in imported)
    assert "importlib" not in imported


@pytest.fixture
def fake_job(monkeypatch):
    calls = []
    functions = jobs.job_functions()
    monkeypatch.setitem(jobs.JOB_QUEUES, "fake_job", jobs.BULK)
    monkeypatch.setattr(jobs, "job_functions", lambda: {**functions, "fake_job": _record})
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

"""Celery, bound to the Flask app with Flask's documented pattern (`celery_init_app`)."""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from config import celery_settings


def celery_init_app(app: Flask) -> Celery:
    """A Celery app whose tasks run inside the Flask app context."""
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(celery_settings(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

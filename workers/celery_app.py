"""The worker and beat entry point: `celery -A workers.celery_app worker|beat`."""
from celery.signals import worker_process_init

from registry import create_app
from workers import (
    celery_init_app,
    tasks,  # noqa: F401  (its shared tasks bind to `celery` below)
)
from workers.schedule import beat_schedule

flask_app = create_app()
celery = celery_init_app(flask_app)
celery.conf.beat_schedule = beat_schedule(flask_app.config)


@worker_process_init.connect
def _fresh_connections(**_kwargs) -> None:
    """Prefork children inherit the parent's pooled connections: never share them."""
    from registry.extensions import db
    with flask_app.app_context():
        db.engine.dispose(close=False)

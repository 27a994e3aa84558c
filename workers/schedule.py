"""The beat schedule, from the app's SCAN_SCHEDULE: every entry sends the "scheduled" task with
its name, and the task runs the job once per due time (a unique ScheduleRun row), so two beat
processes started by mistake still run each job once."""
from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab


def beat_schedule(config) -> dict:
    schedule = {}
    for name, spec in config["SCAN_SCHEDULE"].items():
        if "every" in spec:
            when = timedelta(seconds=int(spec["every"]))
        else:
            hour, minute = spec["at"].split(":")
            when = crontab(hour=int(hour), minute=int(minute),
                           day_of_month=spec.get("day", "*"))
        schedule[name] = {"task": "scheduled", "schedule": when, "args": [name]}
    return schedule

"""What the benchmarks share: the app they run, a logged-in test client, and server times of pages."""
from __future__ import annotations

import os
import statistics
import time


def bench_app(redis: str | None = None, chunk_size: int | None = None):
    """The app on DATABASE_URL (development settings), with REDIS_URL set to `redis` for runs
    through workers and the scan's chunks of `chunk_size` firms when given."""
    if redis:
        os.environ["REDIS_URL"] = redis
    from registry import create_app
    app = create_app("development")
    if chunk_size:
        app.config["SCAN_CHUNK_SIZE"] = chunk_size
    return app


def log_in(client, user_id: str) -> None:
    """Log a user in on a test client by the session keys of registry/auth/sessions.py
    (`user_id` is User.get_id()), without the password round trip."""
    from registry.auth import sessions
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session[sessions.LOGIN_AT] = now
        session[sessions.SEEN_AT] = now
        session[sessions.SECOND_FACTOR] = True  # as after a complete login, where one is required


def timed(client, path: str, requests: int) -> list[float]:
    """Milliseconds per request of `path`, after two warm-up requests; every answer must be 200."""
    times = []
    for attempt in range(requests + 2):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if attempt >= 2:
            times.append(elapsed)
    return times


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def summary(times: list[float]) -> str:
    return (f"p50 {statistics.median(times):6.1f}  p95 {percentile(times, 0.95):6.1f}  "
            f"max {max(times):6.1f} ms")

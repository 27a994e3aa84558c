"""`/healthz`: is the database reachable, is the broker reachable (each check time-boxed)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, current_app, jsonify

from registry.extensions import csrf
from registry.services.health import check_broker, check_database

bp = Blueprint("health", __name__)

CHECKS = {"database": check_database, "broker": check_broker}


@bp.route("/healthz")
@csrf.exempt
def healthz():
    app = current_app._get_current_object()
    timeout = app.config["HEALTH_CHECK_TIMEOUT"]
    results = {}
    pool = ThreadPoolExecutor(max_workers=len(CHECKS))
    futures = {name: pool.submit(check, app) for name, check in CHECKS.items()}
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
            results[name] = "ok"
        except FutureTimeout:
            results[name] = "timeout"
        except Exception as error:  # any failure of the part is reported, never raised
            results[name] = f"error: {type(error).__name__}"
    pool.shutdown(wait=False)  # a hung check must not hold the answer
    healthy = all(value == "ok" for value in results.values())
    return jsonify(results), 200 if healthy else 503

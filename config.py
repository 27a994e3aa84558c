"""Configuration classes, chosen by the YANZHEN_CONFIG environment variable.

Nothing here is read at import time of the app: `load_config()` builds the settings when
`create_app()` runs, so tests and scripts can set the environment first.
"""
from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shlex
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("YANZHEN_VAR_DIR", BASE_DIR / "var"))


class ConfigError(RuntimeError):
    """The configuration cannot run: a required setting is missing or malformed."""


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class BaseConfig:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # SQLite (the embedded default): how long a transaction waits for another's write lock.
    SQLITE_BUSY_TIMEOUT_MS = 10_000

    # Flask-WTF: the token lives as long as the session, so a long form is never lost.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "简体中文", "en": "English"}
    TIMEZONE = "Asia/Shanghai"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Seconds (registry/auth/sessions.py): a session ends after this long without a request,
    # and this long after login whatever happens; "keep me logged in" lasts at most 14 days.
    SESSION_IDLE_TIMEOUT = 2 * 3600
    SESSION_ABSOLUTE_TIMEOUT = 12 * 3600
    REMEMBER_ME_LIFETIME = 14 * 86400

    # Broker: Celery's result backend is not used; the database is the record of work.
    CELERY_BROKER_URL: str | None = None
    CELERY_EXTRA: dict = {}
    CELERY_TASK_TIME_LIMIT = 900
    # How queued jobs leave the web process: celery, inline or record (see registry/jobs.py).
    JOBS_MODE = "celery"

    # Scans (registry/services/scans.py). The schedule runs in TIMEZONE: {"at": "HH:MM"} daily,
    # {"at": "HH:MM", "day": N} monthly on day N, or {"every": seconds}; each firing is guarded
    # by a unique (name, due time) row.
    SCAN_CHUNK_SIZE = 25_000
    SCAN_MAX_ATTEMPTS = 5
    SCAN_SCHEDULE = {
        "nightly_scan": {"at": "02:00"},
        "certificate_pass": {"at": "00:30"},
        "scan_reconcile": {"every": 60},
        # 月度监测: every indicator of every scope on the 1st (registry/services/snapshots.py).
        "monthly_snapshot": {"at": "03:00", "day": 1},
        "whatif_reconcile": {"every": 60},
    }
    # Connections a whole-registry read that answers one caller (a monitoring snapshot's fresh
    # evaluation) reads its ranges on at once, on PostgreSQL (registry/services/readers.py).
    PARALLEL_READERS = 2

    # How many reverse proxies stand in front of the app (0: none). Each sets X-Forwarded-For
    # and X-Forwarded-Proto; the client's address in rate limits and the audit trail comes
    # from them. Never more than there are: a client could then choose its own address.
    TRUSTED_PROXIES = 0

    # Roles that log in with a second factor (an authenticator app's TOTP code; enrolment at
    # their first login, registry/services/two_factor.py). On in production; development and
    # tests turn it off so the demo logins and the suite's logins keep working (a test turns
    # it on; YANZHEN_SETTINGS='{"TWO_FACTOR_ROLES": ["officer", "admin"]}' does in development).
    TWO_FACTOR_ROLES: tuple[str, ...] = ("officer", "admin")

    # Login rate limits are kept in a shared storage (Redis in production).
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    # The REST API: requests per token (Flask-Limiter, on Redis in production), and how long a
    # new token may live (days; a token made without a lifetime gets the default).
    API_RATE_LIMIT = "600 per minute"
    API_TOKEN_DEFAULT_DAYS = 90
    API_TOKEN_MAX_DAYS = 365

    # City configuration: which rule profiles this bureau uses.
    RULE_PROFILES = {"gazelle": "default", "leader": "default"}

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SENDER = "noreply@yanzhen.local"

    HEALTH_CHECK_TIMEOUT = 2.0
    # Uploads (Excel filings, certificate lists) are small; refuse anything larger early.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


def development_secret_key(var_dir: Path) -> str:
    """A random key made once per checkout (var/secret_key, readable by its owner only): a
    public fixed key would let anyone forge a session or remember-me cookie."""
    path = var_dir / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


LOCAL_HOSTS = {"localhost", ""}


def is_local_host(host: str) -> bool:
    if host in LOCAL_HOSTS or host.startswith("unix:"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(bind: str) -> str:
    """The host of a bind: gunicorn's host:port, [v6]:port or unix:path; flask's bare host."""
    if bind.startswith("unix:"):
        return bind
    if bind.startswith("["):
        return bind[1:bind.find("]")]
    if bind.count(":") > 1:  # a bare IPv6 address
        return bind
    return bind.rsplit(":", 1)[0]


def requested_bind_hosts(argv: list[str], env) -> list[str]:
    """The addresses a web server was told to listen on: `flask run --host` or FLASK_RUN_HOST,
    gunicorn's `--bind` on its command line or in GUNICORN_CMD_ARGS."""
    program = Path(argv[0]).as_posix() if argv else ""
    if "gunicorn" in program:
        args, flags = list(argv) + shlex.split(env.get("GUNICORN_CMD_ARGS", "")), ("-b", "--bind")
    elif "flask" in program:
        args, flags = list(argv), ("-h", "--host")
    else:
        return []
    binds = [env["FLASK_RUN_HOST"]] if env.get("FLASK_RUN_HOST") and "flask" in program else []
    for index, arg in enumerate(args):
        if arg in flags and index + 1 < len(args):
            binds.append(args[index + 1])
        elif arg.startswith(flags[1] + "="):
            binds.append(arg.split("=", 1)[1])
    return [_host_of(bind) for bind in binds]


def refuse_public_development(argv: list[str], env) -> None:
    public = [host for host in requested_bind_hosts(argv, env) if not is_local_host(host)]
    if public:
        raise ConfigError(
            f"Yanzhen refuses to serve development mode on {', '.join(public)}: development is "
            "for this machine only (127.0.0.1). Set YANZHEN_CONFIG=production to deploy.")


class DevelopmentConfig(BaseConfig):
    DEBUG = False
    TWO_FACTOR_ROLES = ()

    @classmethod
    def resolve(cls, env) -> dict:
        refuse_public_development(sys.argv, env)
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        db_url = env.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'yanzhen.db'}"
        # The embedded broker sits in its own SQLite file, never in the app's database.
        broker = env.get("REDIS_URL") or f"sqla+sqlite:///{VAR_DIR / 'broker.db'}"
        return {
            "SECRET_KEY": development_secret_key(VAR_DIR),
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url),
            "CELERY_BROKER_URL": broker,
            "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        }


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    JOBS_MODE = "record"
    TWO_FACTOR_ROLES = ()
    LOGIN_LIMIT_PER_ACCOUNT = "1000 per minute"
    LOGIN_LIMIT_PER_ADDRESS = "1000 per minute"
    API_RATE_LIMIT = "10000 per minute"

    @classmethod
    def resolve(cls, env) -> dict:
        return {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(
                env.get("TEST_DATABASE_URL") or "sqlite://"),
            "CELERY_BROKER_URL": "memory://",
        }


MIN_SECRET_KEY_LENGTH = 32


class ProductionConfig(BaseConfig):
    # Also the remember-me cookie's (registry/auth/sessions.py sets it, not Flask-Login).
    SESSION_COOKIE_SECURE = True

    @classmethod
    def resolve(cls, env) -> dict:
        required = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise ConfigError(
                "Yanzhen refuses to start in production: set " + ", ".join(missing)
                + " (see README, 'Production').")
        if len(env["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"Yanzhen refuses to start in production: SECRET_KEY must be at least "
                f"{MIN_SECRET_KEY_LENGTH} characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))').")
        return {
            "SECRET_KEY": env["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(env["DATABASE_URL"]),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "CELERY_BROKER_URL": env["REDIS_URL"],
            "RATELIMIT_STORAGE_URI": env["REDIS_URL"],
            "MAIL_SERVER": env.get("MAIL_SERVER"),
            "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        }


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None, env=None) -> dict:
    """Return the settings of the named configuration (default: YANZHEN_CONFIG or development)."""
    env = os.environ if env is None else env
    name = name or env.get("YANZHEN_CONFIG", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"Unknown YANZHEN_CONFIG {name!r}; use one of {', '.join(CONFIGS)}.") from None
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    settings.update(cls.resolve(env))
    # Operators (and the fault tests' worker processes) tune any setting without a code change:
    # YANZHEN_SETTINGS='{"SCAN_CHUNK_SIZE": 50000, "SCAN_SCHEDULE": {...}}'.
    if env.get("YANZHEN_SETTINGS"):
        try:
            settings.update(json.loads(env["YANZHEN_SETTINGS"]))
        except ValueError as error:
            raise ConfigError(f"YANZHEN_SETTINGS is not a JSON object: {error}") from None
    settings["YANZHEN_CONFIG"] = name
    return settings


def _transport_options(broker_url: str, time_limit: int) -> dict:
    """Redis redelivers an unacknowledged task after the visibility timeout: keep it above
    any task's time limit; a worker empties its queues in the order they are listed (the
    interactive one first). (kombu's SQLAlchemy transport hands its options to create_engine
    and has no such timeout, so it gets none.)"""
    if broker_url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": time_limit * 2, "queue_order_strategy": "priority"}
    return {}


def celery_settings(app_config) -> dict:
    """Celery settings derived from the app's configuration (workers and the web's producer).

    JSON only; late acknowledgement with rejection on a lost worker, so a killed worker's
    task is redelivered; the Redis visibility timeout is longer than any task may run.
    """
    from kombu import Queue

    from registry.jobs import BULK, INTERACTIVE, JOB_QUEUES
    time_limit = app_config.get("CELERY_TASK_TIME_LIMIT", 900)
    settings = {
        # Interactive jobs (one firm's evaluation, mail) have a queue of their own, listed
        # first: a worker started without -Q serves both, the interactive one first.
        "task_queues": (Queue(INTERACTIVE), Queue(BULK)),
        "task_default_queue": BULK,
        "task_routes": {name: {"queue": queue} for name, queue in JOB_QUEUES.items()},
        "broker_url": app_config["CELERY_BROKER_URL"],
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": time_limit,
        "task_soft_time_limit": time_limit - min(30, time_limit // 10),
        "broker_transport_options": _transport_options(app_config["CELERY_BROKER_URL"],
                                                       time_limit),
        "broker_connection_retry_on_startup": True,
        "timezone": app_config.get("TIMEZONE", "Asia/Shanghai"),
        "enable_utc": True,
    }
    settings.update(app_config.get("CELERY_EXTRA") or {})
    return settings

import subprocess
import sys

import pytest

from config import (
    ConfigError,
    development_secret_key,
    load_config,
    normalise_database_url,
    refuse_public_development,
)
from tests.conftest import REPO

PRODUCTION_ENV = {"DATABASE_URL": "postgresql://u@db/yanzhen", "REDIS_URL": "redis://r:6379/0",
                  "SECRET_KEY": "s3cret-of-at-least-thirty-two-chars"}


def test_development_is_the_default_and_needs_no_server(tmp_path, monkeypatch):
    settings = load_config(env={})
    assert settings["YANZHEN_CONFIG"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    # The embedded broker lives in its own SQLite file, not the app's database.
    assert settings["CELERY_BROKER_URL"].startswith("sqla+sqlite:///")
    assert settings["CELERY_BROKER_URL"].split("///")[1] != \
        settings["SQLALCHEMY_DATABASE_URI"].split("///")[1]


def test_production_reads_the_environment_and_uses_psycopg3():
    settings = load_config("production", env=PRODUCTION_ENV)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/yanzhen"
    assert settings["CELERY_BROKER_URL"] == "redis://r:6379/0"
    assert settings["SECRET_KEY"] == "s3cret-of-at-least-thirty-two-chars"


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_each_setting(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_config("production", env=env)


def test_production_refusal_is_a_clear_message_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "registry", "routes"], cwd=REPO,
        env={"YANZHEN_CONFIG": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True)
    assert result.returncode != 0
    assert "refuses to start in production" in result.stderr
    assert "DATABASE_URL, REDIS_URL, SECRET_KEY" in result.stderr


def test_unknown_configuration_name_is_an_error():
    with pytest.raises(ConfigError, match="Unknown YANZHEN_CONFIG"):
        load_config("staging", env={})


@pytest.mark.parametrize("url, expected", [
    ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
    ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
    ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_forms(url, expected):
    assert normalise_database_url(url) == expected


# Issue 16, item 3: development mode is not a backdoor when it runs by accident.

def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_config("production", env={**PRODUCTION_ENV, "SECRET_KEY": "x" * 31})


def test_development_has_no_public_secret_key(tmp_path):
    settings = load_config(env={})
    assert settings["SECRET_KEY"] != "dev-only-secret-key-not-for-production"
    assert len(settings["SECRET_KEY"]) >= 32
    first = development_secret_key(tmp_path)
    assert development_secret_key(tmp_path) == first      # one per checkout, kept
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # the owner's only
    other = tmp_path / "other"
    other.mkdir()
    assert development_secret_key(other) != first         # random, not derived


@pytest.mark.parametrize("argv, env", [
    (["/venv/bin/gunicorn", "-w", "2", "-b", "0.0.0.0:8000", "registry:create_app()"], {}),
    (["/venv/bin/gunicorn", "--bind=10.1.2.3:8000", "registry:create_app()"], {}),
    (["/venv/bin/gunicorn", "registry:create_app()"], {"GUNICORN_CMD_ARGS": "--bind [::]:80"}),
    (["/venv/lib/python3.11/site-packages/flask/__main__.py", "run", "--host", "0.0.0.0"], {}),
    (["/venv/bin/flask", "run"], {"FLASK_RUN_HOST": "192.168.1.5"}),
])
def test_development_refuses_a_non_local_address(argv, env):
    with pytest.raises(ConfigError, match="YANZHEN_CONFIG=production"):
        refuse_public_development(argv, env)


@pytest.mark.parametrize("argv", [
    ["/venv/bin/gunicorn", "-b", "127.0.0.1:8000", "registry:create_app()"],
    ["/venv/bin/gunicorn", "-b", "[::1]:8000", "-b", "unix:/run/yanzhen.sock", "app"],
    ["/venv/bin/flask", "--app", "registry", "run", "--port", "5000", "--host", "127.0.0.1"],
    ["/venv/bin/flask", "--app", "registry", "scan", "run"],
    ["/venv/bin/celery", "-A", "workers.app", "-b", "redis://10.0.0.9:6379/0", "worker"],
])
def test_development_on_this_machine_keeps_working(argv):
    refuse_public_development(argv, {})


def test_development_refuses_a_public_bind_from_the_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "registry", "run", "--host", "0.0.0.0"],
        cwd=REPO, env={"PATH": "/usr/bin:/bin", "YANZHEN_VAR_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "refuses to serve development mode on 0.0.0.0" in result.stderr


def test_a_development_app_answers_only_on_a_local_address(tmp_path, monkeypatch):
    from registry import create_app
    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}")
    client = app.test_client()
    assert client.get("/healthz", environ_overrides={"SERVER_NAME": "0.0.0.0"}).status_code \
        == 403
    assert client.get("/login", environ_overrides={"SERVER_NAME": "127.0.0.1"}).status_code \
        != 403

import subprocess
import sys

import pytest

from config import ConfigError, load_config, normalise_database_url
from tests.conftest import REPO

PRODUCTION_ENV = {"DATABASE_URL": "postgresql://u@db/yanzhen", "REDIS_URL": "redis://r:6379/0",
                  "SECRET_KEY": "s3cret"}


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
    assert settings["SECRET_KEY"] == "s3cret"


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

"""The first run: `users create-admin` on an empty system also loads the shipped districts."""
from __future__ import annotations

from registry.params import districts as shipped_districts
from registry.services import settings
from tests.factories import DistrictFactory


def test_the_first_admin_brings_the_shipped_districts(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "--email", "a@bureau.cn",
                                 "--password-stdin"], input="lantern harbour 27\n")
    assert result.exit_code == 0, result.output
    assert f"{len(shipped_districts())} districts loaded" in result.output
    assert set(settings.district_names(db_session, "zh")) == {d["code"] for d in shipped_districts()}
    assert settings.history(db_session, "districts.haishu")[0].actor.email == "a@bureau.cn"


def test_a_later_admin_leaves_the_districts_alone(app, db_session):
    DistrictFactory(code="haishu")
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "--email", "b@bureau.cn",
                                                "--password-stdin"], input="lantern harbour 27\n")
    assert result.exit_code == 0 and "districts loaded" not in result.output
    assert list(settings.district_names(db_session, "zh")) == ["haishu"]

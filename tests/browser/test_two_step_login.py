"""Two-step login in the browser (issue 16, item 12): an officer without a second factor sets
it up at their next login from the QR code page (its key typed into an authenticator, here
pyotp), sees the recovery codes once, and later logs in with one of them. The live server is
switched to the production setting for this test only (district 象山, used by no other test)."""
from __future__ import annotations

import re

import pyotp
import pytest

from tests.browser.conftest import log_in, screenshot

EMAIL = "officer.xiangshan@bureau.example"


@pytest.fixture
def two_step(live_server):
    from registry.extensions import db

    def seed():
        from registry.services.accounts import find_user
        from tests.factories import DistrictFactory, FirmFactory, UserFactory
        if find_user(db.session, EMAIL) is not None:
            return
        district = DistrictFactory(code="xiangshan", name_zh="象山县", name_en="Xiangshan")
        FirmFactory(name="象山测试科技有限公司", district="xiangshan")
        UserFactory(officer=True, email=EMAIL, name="象山科员", districts=[district])
    live_server.seed(seed)
    live_server.app.config["TWO_FACTOR_ROLES"] = ("officer", "admin")
    yield live_server
    live_server.app.config["TWO_FACTOR_ROLES"] = ()


def test_an_officer_sets_up_two_step_login_then_logs_in_with_a_recovery_code(page, two_step):
    url = two_step.url
    log_in(page, url, EMAIL, r"/login/enrol")
    assert page.locator("#totp-qr svg").count() == 1
    screenshot(page, "two-step-enrol.png", full_page=True)
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("#enrol-form button[type=submit]")
    assert page.locator('.invalid-feedback[data-field="code"]').is_visible()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#enrol-form button[type=submit]")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f]{5}-[0-9a-f]{5}", c) for c in codes)
    page.click("text=我已保存，继续")
    page.wait_for_url(lambda current: "/login" not in current)
    assert "象山测试科技有限公司" in page.goto(url + "/officer/firms").text()

    log_in(page, url, EMAIL, r"/login/code")
    page.fill("#code", codes[0])
    page.click("#second-factor-form button[type=submit]")
    page.wait_for_url(lambda current: "/login" not in current)
    assert "还剩 9 个" in page.content()

    log_in(page, url, EMAIL, r"/login/code")  # a used recovery code is refused
    page.fill("#code", codes[0])
    page.click("#second-factor-form button[type=submit]")
    assert page.locator('.invalid-feedback[data-field="code"]').is_visible()
    assert page.url.endswith("/login/code")


def test_the_password_alone_opens_nothing(page, two_step):
    log_in(page, two_step.url, EMAIL, r"/login/(enrol|code)")
    page.goto(two_step.url + "/officer/firms")
    assert "/login" in page.url

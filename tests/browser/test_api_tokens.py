"""Browser journey of issue 14's API tokens: a firm's user creates a token with chosen scopes and
lifetime, sees it once, its finance tool reads and files through the API with it, the user
revokes it and the API refuses it; the API reference (vendored Swagger UI) renders every
operation under the Content-Security-Policy (the `page` fixture fails on any blocked script)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in
from tests.factories import DistrictFactory, FirmFactory, UserFactory


@pytest.fixture
def token_firm(live_server):
    def make():
        DistrictFactory(code="cixi", name_zh="慈溪市", name_en="Cixi")
        firm = FirmFactory(name="慈溪令牌测试电器有限公司", district="cixi")
        user = UserFactory(firm=firm, email="cfo@token.example", is_firm_admin=True)
        return firm.id, user.email
    return live_server.seed(make)


def test_firm_creates_uses_and_revokes_an_api_token(page, live_server, token_firm):
    firm_id, email = token_firm
    log_in(page, live_server.url, email)
    page.goto(live_server.url + "/account/tokens")
    assert page.locator("h1").inner_text() == "我的 API 令牌"
    page.fill("#name", "财务软件")
    page.check("input[name=scopes][value=read]")
    page.check("input[name=scopes][value=file]")
    page.select_option("#days", "30")
    page.click("#token-form button[type=submit]")
    secret = page.locator("#token-secret").inner_text().strip()
    assert re.fullmatch(r"yz_[A-Za-z0-9_-]{40,}", secret)
    row = page.locator("#tokens tr[data-token]")
    assert "财务软件" in row.inner_text() and secret not in page.locator("#tokens").inner_text()

    headers = {"Authorization": f"Bearer {secret}"}
    me = page.request.get(live_server.url + "/api/v1/me", headers=headers)
    assert me.ok and me.json()["firm_id"] == firm_id and me.json()["scopes"] == ["file", "read"]
    saved = page.request.put(live_server.url + f"/api/v1/firms/{firm_id}/filings/2024",
                             headers=headers, data={"figures": {"revenue": "1234.5"}})
    assert saved.ok, saved.text()
    assert saved.json()["figures"]["revenue"] == "1234.5"

    page.goto(live_server.url + "/account/tokens")  # shown once: a new visit lists its prefix only
    assert secret not in page.content()
    page.click("#tokens button:has-text('撤销')")
    page.wait_for_url(re.compile(r"/account/tokens$"))
    assert "已撤销" in page.locator("#tokens").inner_text()
    refused = page.request.get(live_server.url + "/api/v1/me", headers=headers)
    assert refused.status == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_api_reference_renders_under_the_csp(page, live_server):
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 20
    assert "OAS 3.1" in page.locator(".information-container").inner_text()

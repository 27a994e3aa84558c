"""The English menu fits 1366 px (issue 15 point 9): an administrator, who sees every menu item,
reads the pages in English on a 1366 × 768 screen; the navigation bar holds every item on one
line, nothing wider than the window. The page also names its icon (a favicon that loads)."""
from __future__ import annotations

from tests.browser.conftest import log_in
from tests.factories import UserFactory

WIDTH = 1366
EMAIL = "menu.admin@bureau.example"


def test_the_english_menu_fits_1366_px_and_the_favicon_loads(browser, live_server):
    live_server.seed(lambda: UserFactory(admin=True, email=EMAIL, name="Menu Admin"))
    context = browser.new_context(locale="en-GB", viewport={"width": WIDTH, "height": 768})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server.url, EMAIL)
        page.goto(live_server.url + "/lang/en?next=/dashboard")
        page.wait_for_selector("#nav .nav-link")
        assert page.inner_text("#lang-menu").strip() == "English"
        measure = page.evaluate("""() => {
            const bar = document.querySelector('nav.navbar');
            const links = [...document.querySelectorAll('#nav .nav-link, #nav .navbar-text, #nav button')]
                .filter(element => element.offsetParent !== null);
            const tops = links.map(element => Math.round(element.getBoundingClientRect().top));
            const rights = links.map(element => element.getBoundingClientRect().right);
            return {widths: links.map(element => [element.innerText.trim(), Math.round(element.getBoundingClientRect().width)]), items: links.length, lines: new Set(tops).size, right: Math.max(...rights),
                    scroll: document.documentElement.scrollWidth, bar: bar.getBoundingClientRect().height};
        }""")
        assert measure["items"] >= 13, measure            # the areas, the Admin menu, language, account
        assert measure["lines"] == 1, measure              # no item wrapped to a second line
        assert measure["right"] <= WIDTH and measure["scroll"] <= WIDTH, measure
        # The administration's pages are under one menu, the account's under the person's name.
        page.click('[data-menu="admin"] > .dropdown-toggle')
        admin_menu = page.inner_text('[data-menu="admin"] .dropdown-menu')
        for label in ("Users", "Settings", "Audit log", "Scans", "Import certificates"):
            assert label in admin_menu, admin_menu
        page.click("#current-user")
        assert page.is_visible("#log-out") and "My account" in page.inner_text('[data-menu="account"]')
        icon = page.get_attribute('link[rel="icon"]', "href")
        assert icon and page.request.get(live_server.url + icon).status == 200
    finally:
        context.close()

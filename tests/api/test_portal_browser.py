"""The API access page and the API docs in Chromium: accessible (axe-core), and the docs work under the
portal's Content-Security-Policy with nothing fetched from another site."""

from urllib.parse import urlsplit

import pytest
from django.db import connections

from tests.browser.helpers import AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS, assert_accessible, in_ci, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(live_server, monkeypatch):
    if not CHROMIUM.exists() or not AXE_SCRIPT.exists():
        if in_ci():
            pytest.fail("Chromium or axe-core is missing (CI=true: browser tests must run, not skip)")
        pytest.skip("Chromium or axe-core is missing")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database work is synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_context().new_page()
        finally:
            browser.close()
            # Django keeps its connections per async context, and Playwright's loop is one: the test's
            # fixtures opened a connection in it that nothing else would close (the test database
            # could not be dropped at the end of the run).
            connections.close_all()


def test_an_admin_makes_a_token_on_an_accessible_page_and_sees_it_once(
    page, live_server, institution, admin_user
):
    log_in(page, live_server.url, admin_user.email, PASSWORD)
    page.goto(f"{live_server.url}/institutions/{institution.slug}/settings/")
    page.get_by_role("link", name="API access").click()
    assert_accessible(page, "portal-api-access")

    page.get_by_label("Name").first.fill("SIS nightly")
    page.get_by_role("button", name="Make a token").click()

    secret = page.locator("#created-secret").input_value()
    assert secret.startswith("clrp_")
    assert "shown only this once" in page.inner_text("main")
    assert_accessible(page, "portal-api-token-made")
    page.goto(f"{live_server.url}/institutions/{institution.slug}/settings/api/")
    assert secret not in page.content()
    assert "SIS nightly" in page.inner_text("main")


def test_the_api_docs_render_from_the_portals_own_files_under_its_csp(page, live_server):
    requested, refused = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock-summary-path").first.wait_for(timeout=15_000)

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/achievements" in paths and "/api/v1/keys/rotate" in paths
    assert {urlsplit(url).netloc for url in requested if url.startswith("http")} == {
        urlsplit(live_server.url).netloc
    }
    assert refused == [], "nothing of the page is refused by the portal's Content-Security-Policy"

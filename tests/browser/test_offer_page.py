"""Claiming into a wallet in a real browser: the learner makes an offer from a record, sees one QR code and
its link; the holder's browser opening that link gets a page with the QR code and a button per wallet.
Both pages pass axe, at a desktop's width and a phone's."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser

# What the test's browser gets instead of the CHAPI polyfill: its API, recording what the page hands over.
CHAPI_STAND_IN = """
window.credentialHandlerPolyfill = {
  loadOnce: async function (options) {
    window.__mediator = options.mediatorOrigin;
    window.WebCredential = function (type, data, options) {
      this.type = type; this.data = data; this.options = options;
    };
    navigator.credentials.store = async function (credential) {
      window.__stored = JSON.parse(JSON.stringify(credential));
      return null;
    };
  }
};
"""


def test_a_learner_makes_an_offer_and_the_wallet_page_shows_the_qr_code_and_wallet_buttons(
    logged_in_page, new_context, portal
):
    student = logged_in_page(DEMO_STUDENT, DEMO_PASSWORD)
    student.goto("/wallet/")
    student.locator("details.term[open] table.term-table tbody tr a").first.click()
    student.wait_for_load_state("load")

    student.get_by_role("button", name="Claim into your wallet").click()
    student.wait_for_load_state("load")

    assert student.get_by_role("img", name="QR code of the claim offer").is_visible()
    offer_url = student.locator("#offer-url").input_value()
    assert offer_url.startswith(f"{portal.url}/interactions/") and offer_url.endswith("?iuv=1")
    window = student.locator(".offer-window").inner_text()
    assert "can be used once" in window and "does not stop being valid" in window
    for width, height in ((1280, 900), (390, 844)):
        student.set_viewport_size({"width": width, "height": height})
        screenshot(student, f"offer-detail-{width}")
        assert_accessible(student, f"offer-detail-{width}")

    for width, height in ((1280, 900), (390, 844)):
        holder = new_context(viewport={"width": width, "height": height}).new_page()
        holder.goto(offer_url)
        assert holder.get_by_role("heading", name="Claim a credential into your wallet").is_visible()
        assert holder.get_by_role("img", name="QR code of the claim offer").is_visible()
        lcw = holder.get_by_role("button", name="Open in the Learner Credential Wallet")
        assert lcw.get_attribute("href").startswith("https://lcw.app/request.html?")
        assert DEMO_STUDENT not in holder.content()  # the page names the institution, not the learner
        screenshot(holder, f"offer-interaction-{width}")
        assert_accessible(holder, f"offer-interaction-{width}")

    # A browser wallet (CHAPI): the button hands the offer's protocols to the wallet through the polyfill's
    # navigator.credentials.store(). The mediator is another site, so here the polyfill is a stand-in that
    # records what it is given; the bundled polyfill itself is checked to load and offer that API.
    holder = new_context().new_page()
    elsewhere = []
    holder.on("request", lambda r: r.url.startswith(portal.url) or elsewhere.append(r.url))
    holder.route("**/js/vendor/credential-handler-polyfill-*.min.js", lambda route: route.fulfill(
        content_type="text/javascript", body=CHAPI_STAND_IN
    ))  # fmt: skip
    holder.goto(offer_url)
    chapi = holder.get_by_role("button", name="Use a wallet in this browser")
    expect(chapi).to_be_visible()
    assert elsewhere == []  # nothing is asked of the mediator before the person asks for it
    chapi.click()
    expect(holder.locator("#chapi-status")).to_contain_text("No browser wallet took the offer")
    stored = holder.evaluate("window.__stored")
    offered = holder.evaluate(
        "url => fetch(url, {headers: {Accept: 'application/json'}}).then(r => r.json())", offer_url
    )
    assert stored["type"] == "VerifiablePresentation"
    assert stored["options"]["protocols"] == offered["protocols"] and "vcapi" in offered["protocols"]
    assert holder.evaluate("window.__mediator") == "https://authn.io"
    assert_accessible(holder, "offer-interaction-chapi")

    bundled = new_context().new_page()
    bundled.goto(offer_url)
    bundled.add_script_tag(url=bundled.locator("[data-chapi-offer]").get_attribute("data-polyfill"))
    assert bundled.evaluate("typeof window.credentialHandlerPolyfill.loadOnce") == "function"

    # Cancelled, the link says so.
    student.get_by_role("button", name="Cancel this offer").click()
    student.wait_for_load_state("load")
    assert "cancelled" in student.locator("main").inner_text()
    gone = new_context().new_page()
    gone.goto(offer_url)
    assert "This offer was cancelled" in gone.locator("main").inner_text()
    assert_accessible(gone, "offer-interaction-cancelled")

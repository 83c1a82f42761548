"""Claiming into a wallet in a real browser: the learner makes an offer from a record, sees one QR code and
its link; the holder's browser opening that link gets a page with the QR code and a button per wallet.
Both pages pass axe, at a desktop's width and a phone's."""

import pytest

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser


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

    # Cancelled, the link says so.
    student.get_by_role("button", name="Cancel this offer").click()
    student.wait_for_load_state("load")
    assert "cancelled" in student.locator("main").inner_text()
    gone = new_context().new_page()
    gone.goto(offer_url)
    assert "This offer was cancelled" in gone.locator("main").inner_text()
    assert_accessible(gone, "offer-interaction-cancelled")

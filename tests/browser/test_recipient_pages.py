"""Whose credential it is and when it was awarded and signed, in a real browser, at desktop and phone widths."""

from pathlib import Path

import pytest

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _both_widths(page, name: str) -> None:
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        path = screenshot(page, f"{name}-{label}")
        copy = Path("/tmp") / path.name
        copy.write_bytes(path.read_bytes())
    page.set_viewport_size(DESKTOP)


def test_a_stranger_sees_whose_records_they_are_and_checks_the_recipients_email(
    logged_in_page, new_context, portal
):
    student = logged_in_page(DEMO_STUDENT, DEMO_PASSWORD)
    student.goto("/wallet/")
    _both_widths(student, "issue10-dashboard")

    student.goto("/wallet/shares/new")
    assert student.get_by_label("Include my name").is_checked()
    student.locator("details:has(.share-choices) > summary").click()
    student.locator(".share-choices input[type=checkbox][name=credentials]").first.check()
    student.get_by_role("button", name="Create the link").click()
    student.wait_for_load_state("load")
    share_url = student.locator("#share-url").input_value()
    record_link = student.locator("h2:has-text('Records in this share') + ul a").first
    record_link.click()
    student.wait_for_load_state("load")
    assert "Awarded " in student.locator(".credential-fields").inner_text()
    assert " · signed " in student.locator(".credential-fields").inner_text()
    _both_widths(student, "issue10-record")

    stranger = new_context().new_page()
    stranger.goto(share_url)
    assert "Recipient" in stranger.locator(".share-recipient").inner_text()
    stranger.get_by_label("Check the recipient's e-mail").fill(DEMO_STUDENT)
    stranger.get_by_role("button", name="Check").click()
    stranger.wait_for_load_state("load")
    assert "matches the recipient of these records" in stranger.locator(".recipient-answer").inner_text()
    _both_widths(stranger, "issue10-share-page")
    assert_accessible(stranger, "issue10-share-page")

    stranger.goto(f"/verify/?credential={share_url}")
    stranger.get_by_label("Check the recipient's e-mail").first.fill("someone@example.org")
    stranger.get_by_role("button", name="Check").first.click()
    stranger.wait_for_load_state("load")
    assert "does not match" in stranger.locator(".recipient-answer").first.inner_text()
    _both_widths(stranger, "issue10-verify-page")
    assert_accessible(stranger, "issue10-verify-page")

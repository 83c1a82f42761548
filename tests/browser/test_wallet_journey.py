"""The learner's journey in a real browser: record, share, what a stranger sees, revoking; axe on each page."""

import datetime

import pytest

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_a_student_shares_three_records_a_stranger_sees_them_verified_and_the_revoked_link_says_so(
    logged_in_page, new_context, portal
):
    student = logged_in_page(DEMO_STUDENT, DEMO_PASSWORD)

    # The dashboard: courses grouped by term, each term a table with its courses and credits; the two
    # latest terms are open, older ones open with a click (a phone's page stays short).
    student.goto("/wallet/")
    assert student.get_by_role("heading", name="Courses by term").is_visible()
    terms = student.locator("details.term")
    assert terms.count() >= 2, "the demo student's courses are not grouped by term"
    assert student.locator("details.term[open]").count() == min(terms.count(), 2)
    if terms.count() > 2:
        terms.first.locator("summary").click()
        assert terms.first.locator("table.term-table tbody tr").first.is_visible()
    first_term = student.locator("details.term[open] table.term-table").first
    assert first_term.locator("tbody tr").count() >= 1
    assert "Term credits" in first_term.locator("tfoot").inner_text()
    screenshot(student, "wallet-dashboard")
    assert_accessible(student, "wallet-dashboard")

    # A record page: the credential's fields and its checks.
    course_link = first_term.locator("tbody tr a").first
    course_name = course_link.inner_text().strip()
    course_link.click()
    student.wait_for_load_state("load")
    assert course_name in student.locator("h1").inner_text()
    assert student.locator(".verification .verdict").first.inner_text().strip() == "Verified"
    screenshot(student, "wallet-record")
    assert_accessible(student, "wallet-record")

    # Share three records with an expiry.
    student.goto("/wallet/shares/new")
    student.locator("details:has(.share-choices) > summary").click()
    boxes = student.locator(".share-choices input[type=checkbox][name=credentials]")
    assert boxes.count() >= 3
    chosen = []
    for index in range(3):
        boxes.nth(index).check()
        chosen.append(boxes.nth(index).locator("xpath=..").inner_text().strip())
    student.get_by_label("Label (only you see it)").fill("Application to Acme")
    expiry = datetime.date.today() + datetime.timedelta(days=30)
    student.get_by_label("Expires on (optional)").fill(expiry.isoformat())
    student.get_by_role("button", name="Create the link").click()
    student.wait_for_load_state("load")
    assert student.get_by_role("heading", name="Application to Acme").is_visible()
    assert "Active" in student.locator("main").inner_text()
    share_url = student.locator("#share-url").input_value()
    assert share_url.startswith(f"{portal.url}/s/")
    screenshot(student, "wallet-share-created")

    # A stranger, in a fresh browser context with no cookies, opens the link.
    stranger = new_context().new_page()
    stranger.goto(share_url)
    # A summary first (who, which institution, the verdict of all), then one row per record.
    assert "All 3 records are intact" in stranger.locator(".share-summary").inner_text()
    records = stranger.locator("tr.shared-credential")
    assert records.count() == 3
    for index in range(3):
        assert "Verified" in records.nth(index).inner_text(), f"record {index + 1} is not shown as verified"
    shown = stranger.locator("tr.shared-credential .name").all_inner_texts()
    assert all(any(name.strip() in label for label in chosen) for name in shown), (shown, chosen)
    assert DEMO_STUDENT not in stranger.content()  # the link shows the records, not the account
    screenshot(stranger, "wallet-share-public")
    assert_accessible(stranger, "wallet-share-public")

    # The student revokes the link, confirming first; the stranger's next visit says it was revoked.
    student.get_by_role("button", name="Revoke this link").click()
    student.wait_for_load_state("load")
    assert "Anyone with the link will no longer see these records" in student.locator("main").inner_text()
    assert stranger.goto(share_url).status == 200, "asking to confirm revoked the link"
    student.get_by_role("button", name="Yes, revoke the link").click()
    student.wait_for_load_state("load")
    assert "Revoked" in student.locator("main").inner_text()

    response = stranger.goto(share_url)
    assert response.status == 410
    assert stranger.get_by_role("heading", name="This share link no longer works").is_visible()
    assert "revoked" in stranger.locator("main").inner_text()
    assert "unaffected" in stranger.locator("main").inner_text()
    assert stranger.locator("tr.shared-credential").count() == 0
    screenshot(stranger, "wallet-share-revoked")
    assert_accessible(stranger, "wallet-share-revoked")


def test_a_share_link_opened_on_the_verify_page_verifies_each_shared_record(
    logged_in_page, new_context, portal
):
    student = logged_in_page(DEMO_STUDENT, DEMO_PASSWORD)
    student.goto("/wallet/shares/new")
    student.locator("details:has(.share-choices) > summary").click()
    boxes = student.locator(".share-choices input[type=checkbox][name=credentials]")
    for index in range(2):
        boxes.nth(index).check()
    student.get_by_role("button", name="Create the link").click()
    share_url = student.locator("#share-url").input_value()

    employer = new_context().new_page()
    employer.goto("/verify/")
    employer.locator("details:has(#credential-link) > summary").click()
    employer.get_by_label("Link to a credential or a share on this portal").fill(share_url)
    employer.get_by_role("button", name="Verify link").click()

    verdicts = employer.locator(".verify-result .verdict")
    verdicts.first.wait_for()
    assert verdicts.all_inner_texts() == ["Verified", "Verified"]
    screenshot(employer, "verify-share-link")

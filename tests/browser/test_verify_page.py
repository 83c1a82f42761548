"""/verify/ in a real browser: upload a tampered credential, paste a valid one, and check accessibility."""

import copy
import json

import pytest

from tests.browser.helpers import assert_accessible, screenshot
from vc import data_integrity, keys
from vc.did import did_key_from_public

pytestmark = pytest.mark.browser


def test_uploading_a_tampered_credential_shows_not_valid_and_names_the_failing_check(page, portal, tmp_path):
    tampered = copy.deepcopy(portal.signed_credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Doctor of Everything"
    upload = tmp_path / "tampered-credential.json"
    upload.write_text(json.dumps(tampered))

    page.goto("/verify/")
    page.get_by_label("Or upload a file").set_input_files(str(upload))
    page.get_by_role("button", name="Verify", exact=True).click()

    verdict = page.locator(".verify-result .verdict").first
    verdict.wait_for()
    assert verdict.inner_text().strip() == "Not valid"
    proof = page.locator('.verify-result li.check[data-check="proof"]')
    assert "Signature" in proof.locator(".check-name").inner_text()
    assert proof.locator(".check-status").inner_text() == "Failed"
    assert "failed" in proof.get_attribute("class")
    # The other checks are still listed, each with its own status.
    assert page.locator(".verify-result li.check").count() == 6
    screenshot(page, "verify-tampered-not-valid")


def test_pasting_a_valid_credential_shows_verified_with_every_check_passed(page, portal):
    page.goto("/verify/")
    page.get_by_label("Paste a credential (JSON or a signed token)").fill(
        json.dumps(portal.signed_credential)
    )
    page.get_by_role("button", name="Verify", exact=True).click()

    verdict = page.locator(".verify-result .verdict").first
    verdict.wait_for()
    assert verdict.inner_text().strip() == "Verified"
    statuses = page.locator(".verify-result .check-status").all_inner_texts()
    assert statuses == ["Passed"] * 6
    assert portal.signed_credential["name"] in page.locator(".verify-result h3").inner_text()
    screenshot(page, "verify-pasted-verified")


def test_the_verify_page_works_with_the_keyboard_alone(page, portal):
    """Without a mouse: tab to the text area, paste, tab to the button and press Enter."""
    page.goto("/verify/")
    field = page.get_by_label("Paste a credential (JSON or a signed token)")
    for _ in range(30):
        page.keyboard.press("Tab")
        if field.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("the credential text area cannot be reached with Tab")
    page.keyboard.insert_text(json.dumps(portal.signed_credential))
    button = page.get_by_role("button", name="Verify", exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("the Verify button does not follow the form fields in the tab order")
    page.keyboard.press("Enter")
    page.locator(".verify-result .verdict").first.wait_for()
    assert page.locator(".verify-result .verdict").first.inner_text().strip() == "Verified"


def test_the_verify_page_has_no_serious_accessibility_problems_empty_or_with_a_verdict(
    page, portal, tmp_path
):
    page.goto("/verify/")
    assert_accessible(page, "verify-empty")

    tampered = copy.deepcopy(portal.signed_credential)
    tampered["validFrom"] = "2001-01-01T00:00:00Z"
    page.get_by_label("Paste a credential (JSON or a signed token)").fill(json.dumps(tampered))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator(".verify-result .verdict").first.wait_for()
    assert_accessible(page, "verify-not-valid")

    page.goto("/verify/")
    page.get_by_label("Paste a credential (JSON or a signed token)").fill("this is not a credential")
    page.get_by_role("button", name="Verify", exact=True).click()
    assert "it is not JSON and not a signed token" in page.locator("#credential_text-errors").inner_text()
    assert_accessible(page, "verify-form-error")


def test_the_verify_page_looks_right_on_a_phone(new_context, portal):
    phone = new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True).new_page()
    phone.goto("/verify/")
    phone.get_by_label("Paste a credential (JSON or a signed token)").fill(
        json.dumps(portal.signed_credential)
    )
    phone.get_by_role("button", name="Verify", exact=True).click()
    phone.locator(".verify-result .verdict").first.wait_for()

    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than a 375px phone screen"
    screenshot(phone, "verify-phone")
    assert_accessible(phone, "verify-phone")


def test_a_credential_whose_status_list_is_elsewhere_shows_could_not_check_in_words(page, portal):
    private_key = keys.generate_ed25519()
    did = did_key_from_public(private_key.public_key())
    unsigned = {k: v for k, v in copy.deepcopy(portal.signed_credential).items() if k != "proof"}
    unsigned["issuer"] = {"id": did, "type": ["Profile"], "name": "Elsewhere College"}
    unsigned["credentialStatus"].update(
        id="https://status.example.org/lists/1#7", statusListCredential="https://status.example.org/lists/1"
    )
    foreign = data_integrity.sign(unsigned, private_key=private_key, verification_method=f"{did}#{did[8:]}")

    page.goto("/verify/")
    page.get_by_label("Paste a credential (JSON or a signed token)").fill(json.dumps(foreign))
    page.get_by_role("button", name="Verify", exact=True).click()

    verdict = page.locator(".verify-result .verdict").first
    verdict.wait_for()
    assert verdict.inner_text().strip() == "Could not check"
    status = page.locator('.verify-result li.check[data-check="status"]')
    assert status.locator(".check-status").inner_text() == "Could not check"
    assert "another server" in status.inner_text()
    assert "not proof that the credential is valid" in page.locator(".verify-result").inner_text()
    screenshot(page, "verify-could-not-check")

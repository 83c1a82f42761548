"""The Content-Security-Policy in Chromium: the main pages work under it, with nothing blocked (issue 11).

Every browser context records what Chromium reports about the policy: `securitypolicyviolation` events
(from an init script, which the page's policy does not govern) and its console messages naming the
Content Security Policy. A learner and a registrar then go through the main pages: dashboard, record
(its copy-link script runs), share pages with the QR code, an imported badge, /verify/ with a verdict,
the catalog, an SIS import preview and an issuance job's progress page. None may report a violation.
A first test shows the recorder catches one, so "none" means something.
"""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT

pytestmark = pytest.mark.browser

DEMO_REGISTRAR = "registrar@northbridge.example"
DEMO_SLUG = "northbridge"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
# A 1x1 PNG: an imported badge's image given inline, as OB 2.0 badges often are.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005010201a6b1e8a50000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def recorded_context(new_context):
    """`recorded_context()`: a new browser context and the list its policy reports go into."""

    def _open():
        context = new_context()
        reports: list[str] = []
        context.add_init_script(REPORT_VIOLATIONS)
        context.on(
            "console",
            lambda message: (
                reports.append(f"{message.page.url if message.page else '?'}: {message.text}")
                if "Content Security Policy" in message.text or message.text.startswith("CSP violation")
                else None
            ),
        )
        return context, reports

    return _open


def _log_in(context, email):
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").first.click()
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, page.inner_text("main")[:500]
    return page


def test_the_browser_enforces_the_policy_and_the_recorder_reports_an_inline_script(recorded_context):
    context, reports = recorded_context()
    page = context.new_page()
    response = page.goto("/verify/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.ran = true";
                   document.body.append(s); }"""
    )
    page.wait_for_timeout(300)

    assert page.evaluate("() => window.ran === undefined")
    assert any("script-src" in report for report in reports), reports


def test_a_learners_pages_run_under_the_policy_with_nothing_blocked(recorded_context, portal, tmp_path):
    context, reports = recorded_context()
    student = _log_in(context, DEMO_STUDENT)

    student.goto("/wallet/")
    record_link = student.locator("details.term[open] table.term-table tbody tr a").first
    record_link.click()
    student.wait_for_load_state("load")
    record_url = student.url
    # A link to this one record; the page then offers it with a "Copy link" button its script shows.
    make_link = student.locator("form[action$='/share'] [type=submit]")
    if make_link.count():  # another test may have shared this record already
        make_link.click()
        student.wait_for_load_state("load")
        assert student.url == record_url
    copy = student.locator("button[data-copy]")
    copy.wait_for(state="visible")
    copy.click()
    # The script writes the status when the clipboard's promise settles: wait for it, don't race it.
    expect(student.locator("#copy-status")).not_to_be_empty()

    student.goto("/wallet/shares/")
    student.locator("main table a").first.click()
    student.wait_for_load_state("load")
    assert student.locator("figure.qr svg").count() == 1
    share_url = student.locator("#share-url").input_value()

    badge = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://badges.example.org/assertions/csp-1",
        "recipient": {"type": "email", "hashed": False, "identity": DEMO_STUDENT},
        "issuedOn": "2024-05-01T00:00:00Z",
        "verification": {"type": "hosted"},
        "badge": {
            "type": "BadgeClass", "id": "https://badges.example.org/badges/first-aid", "name": "First Aid",
            "description": "A first aid course.", "image": f"data:image/png;base64,{PIXEL}",
            "criteria": "https://badges.example.org/criteria/first-aid",
            "issuer": {"type": "Profile", "id": "https://redcross.example.org", "name": "Red Cross Example"},
        },
    }  # fmt: skip
    upload = tmp_path / "first-aid.json"
    upload.write_text(json.dumps(badge))
    student.goto("/wallet/imports/")
    student.locator("input[type=file][name=file]").set_input_files(str(upload))
    student.locator("main form [type=submit]").first.click()
    student.wait_for_load_state("load")
    assert re.search(r"/wallet/imports/[0-9a-f-]+/$", student.url), student.url
    image = student.locator("img.achievement-image")
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 1

    stranger, stranger_reports = recorded_context()
    public = stranger.new_page()
    public.goto(share_url)
    assert "Verified" in public.locator("tr.shared-credential").first.inner_text()

    verifier = stranger.new_page()
    verifier.goto("/verify/")
    verifier.get_by_label("Paste a credential (JSON or a signed token)").fill(
        json.dumps(portal.signed_credential)
    )
    verifier.get_by_role("button", name="Verify", exact=True).click()
    verifier.locator(".verify-result .verdict").first.wait_for()

    assert reports == []
    assert stranger_reports == []


def test_a_registrars_pages_run_under_the_policy_with_nothing_blocked(recorded_context, tmp_path):
    context, reports = recorded_context()
    registrar = _log_in(context, DEMO_REGISTRAR)

    registrar.goto(f"/institutions/{DEMO_SLUG}/catalog/")
    assert registrar.locator("main table a").count() > 0
    code = registrar.locator("main table tbody tr a").first.inner_text().strip()

    sis = tmp_path / "awards.csv"
    sis.write_text(
        "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"
        f"CSP-1,Nia,Osei,nia.osei@students.example.edu,{code},Fall 2030,A,2030-12-20\n"
        "CSP-2,Leo,Brandt,leo.brandt@students.example.edu,NO SUCH COURSE,Fall 2030,A,2030-12-20\n"
    )
    registrar.goto(f"/institutions/{DEMO_SLUG}/imports/")
    registrar.locator("input[type=file]").set_input_files(str(sis))
    registrar.locator("main form [type=submit]").first.click()
    registrar.wait_for_load_state("load")
    assert re.search(rf"/institutions/{DEMO_SLUG}/imports/\d+/$", registrar.url), registrar.url
    # The worker checks the file while the page follows it (it refreshes itself, under the policy too).
    expect(registrar.locator("#problem-count")).not_to_have_text("0", timeout=60_000)

    registrar.goto(f"/institutions/{DEMO_SLUG}/issuance/")
    registrar.locator("main details.picker-group summary").first.click()
    registrar.locator("input[name=achievement]").first.check()
    registrar.get_by_role("button", name="Issue credentials").click()
    registrar.wait_for_load_state("load")
    assert re.search(rf"/institutions/{DEMO_SLUG}/issuance/[0-9a-f-]+/$", registrar.url), registrar.url
    registrar.wait_for_timeout(2500)  # a running job's page reloads itself every 2 seconds

    assert reports == []

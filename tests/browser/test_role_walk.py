"""The acceptance walk: every role's home and main pages in Chromium, at desktop (1280 px) and phone (390 px) widths.

On every page: no sideways scrolling at 390 px and no serious or critical axe-core finding. On each home:
the role's main action is one click away (a link shown in the page or in the header's menu). On the pages
students and employers read (dashboard, record, share page, verification result): no technical term in
visible text except inside a "Technical details" disclosure. Screenshots of every page at both widths are
saved as artifacts/screenshots/walk-<role>-<page>-<width>.png.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SLUG = "northbridge"
TECHNICAL_TERMS = (
    "JSON-LD",
    "VC-JWT",
    "OpenBadgeCredential",
    "ClrCredential",
    "CoCurricular",
    "isPartOf",
    "urn:",
    "did:",
)

# Visible text of the page, leaving out what sits in a <details> whose summary says "Technical details".
VISIBLE_TEXT_JS = """
() => {
  const technical = (element) => {
    for (let node = element; node; node = node.parentElement) {
      if (node.tagName === 'DETAILS') {
        const summary = node.querySelector(':scope > summary');
        if (summary && /technical details/i.test(summary.textContent)) return true;
      }
    }
    return false;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim() || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) continue;
    if (!parent.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    if (technical(parent)) continue;
    parts.push(node.textContent.trim());
  }
  return parts.join('\\n');
}
"""


def _email(role: str) -> str:
    return DEMO_STUDENT if role == "student" else f"{role}@northbridge.example"


def technical_terms_in(text: str) -> list[str]:
    found = []
    for term in TECHNICAL_TERMS:
        for match in re.finditer(re.escape(term), text):
            start = max(match.start() - 40, 0)
            found.append(f"{term!r} in “…{text[start : match.end() + 40].replace(chr(10), ' ')}…”")
            break
    return found


class Walk:
    """Visits pages at both widths and collects every problem, so all pages are seen before the test fails."""

    def __init__(self, page, role: str):
        self.page = page
        self.role = role
        self.problems: list[str] = []

    def visit(
        self, name: str, url: str | None = None, *, plain_words: bool = False, status: int | None = None
    ):
        if url is not None:
            response = self.page.goto(url)
            self.page.wait_for_load_state("load")
            if status is not None and response.status != status:
                self.problems.append(f"{self.role}/{name}: {url} answered {response.status}, not {status}")
        for label, size in (("1280", DESKTOP), ("390", PHONE)):
            self.page.set_viewport_size(size)
            where = f"{self.role}/{name} at {label} px ({self.page.url})"
            if label == "390":
                widths = self.page.evaluate(
                    "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
                )
                if widths[0] > widths[1]:
                    wide = self.page.evaluate(
                        """() => [...document.querySelectorAll('body *')]
                             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                             .slice(0, 5).map(e => e.tagName + (e.className ? '.' + e.className : ''))"""
                    )
                    self.problems.append(
                        f"{where}: scrolls sideways ({widths[0]} > {widths[1]}), e.g. {wide}"
                    )
            screenshot(self.page, f"walk-{self.role}-{name}-{label}")
            try:
                assert_accessible(self.page, f"walk-{self.role}-{name}-{label}")
            except AssertionError as failure:
                self.problems.append(f"{where}: {failure}")
            if plain_words:
                terms = technical_terms_in(self.page.evaluate(VISIBLE_TEXT_JS))
                if terms:
                    self.problems.append(f"{where}: technical terms outside “Technical details”: {terms}")
        self.page.set_viewport_size(DESKTOP)

    def one_click_away(self, href: str, what: str) -> None:
        """From the page as it is, at both widths, a visible link to `href` (in the page or the menu) leads there."""
        start = self.page.url
        for label, size in (("1280", DESKTOP), ("390", PHONE)):
            self.page.set_viewport_size(size)
            links = self.page.locator(f'a[href="{href}"]:visible')
            if links.count() == 0:
                menu = self.page.locator("details.site-menu > summary")
                if menu.is_visible():
                    menu.click()
                    screenshot(self.page, f"walk-{self.role}-menu-open-{label}")
                    links = self.page.locator(f'a[href="{href}"]:visible')
            if links.count() == 0:
                self.problems.append(f"{self.role}: {what} ({href}) is not one click away at {label} px")
                continue
            links.first.click()
            self.page.wait_for_load_state("load")
            if not self.page.url.split("?")[0].endswith(href):
                self.problems.append(f"{self.role}: the {what} link led to {self.page.url}, not {href}")
            self.page.goto(start)
        self.page.set_viewport_size(DESKTOP)

    def menu_has(self, *hrefs: str) -> None:
        """At 390 px the header is one line, and its menu opens (no script) onto these links."""
        self.page.set_viewport_size(PHONE)
        header = self.page.locator("header.site-header nav").bounding_box()
        if header["height"] > 80:
            self.problems.append(f"{self.role}: the header is {header['height']:.0f} px tall at 390 px")
        summary = self.page.locator("details.site-menu > summary")
        summary.click()
        screenshot(self.page, f"walk-{self.role}-menu-390")
        scroll, inner = self.page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            self.problems.append(
                f"{self.role}: the open menu makes the page scroll sideways ({scroll} > {inner})"
            )
        for href in hrefs:
            if not self.page.locator(f'details.site-menu a[href="{href}"]').is_visible():
                self.problems.append(f"{self.role}: the open menu has no link to {href} at 390 px")
        summary.click()
        self.page.set_viewport_size(DESKTOP)

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture(scope="module")
def share_url(portal) -> str:
    """A share link of three of the demo student's records, its signed partial record ready."""
    made = portal.manage(
        "shell",
        "-c",
        f"""
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from institutions.models import User
from wallet import services
owner = User.objects.get(email={DEMO_STUDENT!r})
chosen = list(IssuedCredential.objects.filter(learner__user=owner, kind=CredentialKind.ACHIEVEMENT,
    state=CredentialState.SIGNED).order_by("created_at")[:3])
share, token = services.share_link_create(owner=owner, credentials=chosen, label="Role walk")
print("URL " + services.share_link_url(share=share, token=token))
""",
    )
    url = next(line for line in made.stdout.splitlines() if line.startswith("URL ")).removeprefix("URL ")
    return url


def _wait_until_shared(page, url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        page.goto(url)
        preparing = page.get_by_role("heading", name="The signed record is being prepared")
        if not preparing.count() or time.monotonic() > deadline:
            return
        time.sleep(1)


def test_an_anonymous_visitor_finds_verify_log_in_and_sign_up(page, portal):
    walk = Walk(page, "anonymous")
    walk.visit("home", "/")
    walk.one_click_away("/verify/", "Verify a record")
    walk.one_click_away("/accounts/login/", "Log in")
    walk.menu_has("/verify/", "/accounts/login/", "/accounts/signup/")
    walk.visit("verify", "/verify/")
    walk.visit("login", "/accounts/login/")
    walk.visit("not-found", "/no/such/page/", status=404)
    assert page.get_by_role("heading", name="We could not find that page").is_visible()
    walk.check()


def test_the_student_lands_on_their_record_in_plain_words(logged_in_page, portal):
    student = logged_in_page(DEMO_STUDENT, DEMO_PASSWORD)
    walk = Walk(student, "student")
    student.goto("/")
    assert student.url.endswith("/wallet/"), "the student's home is not their record"
    walk.visit("dashboard", plain_words=True)
    walk.one_click_away("/wallet/shares/new", "Share records")
    walk.one_click_away("/wallet/shares/", "Shares")
    walk.menu_has("/wallet/", "/wallet/shares/", "/verify/")
    record = student.locator("table.term-table tbody tr a").first.get_attribute("href")
    walk.visit("record", record, plain_words=True)
    walk.visit("share-new", "/wallet/shares/new")
    # The shares page is walked with a share in it (its table is what could be too wide on a phone).
    student.goto("/wallet/shares/new")
    student.locator("details:has(.share-choices) > summary").click()
    student.locator(".share-choices input[type=checkbox][name=credentials]").first.check()
    student.get_by_label("Label (only you see it)").fill("For an internship application with a long label")
    student.get_by_role("button", name="Create the link").click()
    student.wait_for_load_state("load")
    walk.visit("shares", "/wallet/shares/")
    walk.check()


def test_the_registrar_lands_on_the_records_desk(logged_in_page, portal):
    registrar = logged_in_page(_email("registrar"), DEMO_PASSWORD)
    walk = Walk(registrar, "registrar")
    walk.visit("home", "/")
    assert registrar.get_by_role("heading", name="Records desk").is_visible()
    walk.one_click_away(f"/institutions/{SLUG}/imports/", "Imports")
    walk.one_click_away(f"/institutions/{SLUG}/issuance/", "Issuance")
    walk.one_click_away(f"/institutions/{SLUG}/learners/", "Learners")
    walk.menu_has(
        *(f"/institutions/{SLUG}/{name}/" for name in ("catalog", "learners", "imports", "issuance"))
    )
    walk.visit("catalog", f"/institutions/{SLUG}/catalog/")
    walk.visit("learners", f"/institutions/{SLUG}/learners/")
    learner = registrar.locator("main table tbody a").first.get_attribute("href")
    walk.visit("learner", learner)
    walk.visit("imports", f"/institutions/{SLUG}/imports/")
    walk.visit("issuance", f"/institutions/{SLUG}/issuance/")
    walk.visit("catalog-new", f"/institutions/{SLUG}/catalog/new")
    registrar.get_by_role("button", name="Save").click()
    registrar.wait_for_load_state("load")
    walk.visit("catalog-new-errors")
    walk.check()
    # A field's error is read as its description, not as part of its name.
    name = registrar.locator("#id_name")
    expect(name).to_have_accessible_name("Name")
    expect(name).to_have_accessible_description(re.compile("required", re.IGNORECASE))


def test_the_admin_lands_on_the_institution_health(logged_in_page, portal):
    admin = logged_in_page(_email("admin"), DEMO_PASSWORD)
    walk = Walk(admin, "admin")
    walk.visit("home", "/")
    assert admin.get_by_role("heading", name="Institution health").is_visible()
    assert admin.get_by_role("heading", name="Signing keys").is_visible()
    walk.one_click_away(f"/institutions/{SLUG}/settings/", "Settings")
    walk.one_click_away(f"/institutions/{SLUG}/learners/", "Learners")
    walk.one_click_away(f"/institutions/{SLUG}/issuance/", "Issuance")
    walk.menu_has(f"/institutions/{SLUG}/settings/", f"/institutions/{SLUG}/learners/", "/verify/")
    walk.visit("settings", f"/institutions/{SLUG}/settings/")
    for name in ("members", "audit"):
        link = admin.locator(f'header a[href="/institutions/{SLUG}/{name}/"]')
        if link.count():  # pages being built alongside; walked once they exist
            walk.visit(name, f"/institutions/{SLUG}/{name}/")
    walk.visit("catalog", f"/institutions/{SLUG}/catalog/")
    walk.check()


def test_the_advisor_finds_their_queue_and_meets_a_friendly_403(logged_in_page, portal):
    advisor = logged_in_page(_email("advisor"), DEMO_PASSWORD)
    walk = Walk(advisor, "advisor")
    walk.visit("home", "/")
    assert "Waiting for you" in advisor.locator("main").inner_text()
    walk.one_click_away(f"/institutions/{SLUG}/advising/", "Advising queue")
    walk.one_click_away("/verify/", "Verify a record")
    walk.one_click_away(f"/institutions/{SLUG}/", "Institution profile")
    walk.menu_has(f"/institutions/{SLUG}/advising/", f"/institutions/{SLUG}/", "/verify/")
    walk.visit("queue", f"/institutions/{SLUG}/advising/")
    walk.visit("forbidden", f"/institutions/{SLUG}/catalog/", status=403)
    assert advisor.get_by_role("heading", name="This page is not open to you").is_visible()
    walk.check()


def test_an_employer_reads_a_share_page_and_its_verification_in_plain_words(page, portal, share_url):
    walk = Walk(page, "employer")
    _wait_until_shared(page, share_url)
    assert page.locator(".shared-credential").count() == 3
    walk.visit("share", plain_words=True)
    walk.one_click_away("/verify/", "Verify a record")
    walk.visit("verify-result", f"/verify/?credential={share_url}", plain_words=True)
    assert page.locator(".verify-result .verdict").first.is_visible()
    walk.check()


def test_the_plain_words_check_finds_visible_terms_and_leaves_technical_details_alone(page):
    page.set_content(
        "<main><p>Issued by did:web:example.org</p>"
        "<details open><summary>Technical details</summary><p>A VC-JWT and JSON-LD</p></details>"
        "<details><summary>More</summary><p>ClrCredential</p></details>"
        "<p hidden>isPartOf</p><details open><summary>Grades</summary><p>CoCurricular</p></details></main>"
    )
    found = technical_terms_in(page.evaluate(VISIBLE_TEXT_JS))
    assert [entry.split(" ", 1)[0] for entry in found] == ["'CoCurricular'", "'did:'"]

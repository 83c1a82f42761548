"""Co-curricular experiences in Chromium: a student records and submits one, an advisor (another browser
context, another person) verifies it, and the student finds it verified and in their wallet, signed by
the real Celery worker.

Every new page (the student's list, form, form with errors and experience; the advising queue and review
page; the admin's assignments and settings; the outside supervisor's page, with and without errors) is
checked with axe-core at 1280 and 390 px, with no sideways scrolling at 390 px; screenshots are saved as
artifacts/screenshots/experiences-<page>-<width>.png.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SLUG = "northbridge"
ADVISOR = "advisor@northbridge.example"
ADMIN = "admin@northbridge.example"
SIGNING_TIMEOUT = 120  # seconds for the worker to sign the new credential (and re-sign the CLR)

# Makes a fresh link to the demo's internship awaiting its supervisor. The request's first e-mail (sent
# by the worker from seed_demo's queue) makes a token of its own, so the link is made only once that
# e-mail went out: made before, it would be replaced by the e-mail's.
SUPERVISOR_LINK_SCRIPT = """
import sys, time
from experiences import services
from experiences.models import Experience, State, SupervisorRequest

experience = Experience.objects.filter(
    institution__slug=%(slug)r, state=State.AWAITING_SUPERVISOR).order_by("pk").first()
if experience is None:
    sys.exit("seed_demo made no experience awaiting a supervisor")
deadline = time.monotonic() + 60
while True:
    request = experience.supervisor_requests.filter(
        attested_at__isnull=True, cancelled_at__isnull=True).order_by("-pk").first()
    if request is None:
        request = services.supervisor_request_create(
            experience=experience, email="sponsor@example.org", name="A. Sponsor")
    elif request.sent_at is not None:
        break
    if time.monotonic() > deadline:
        sys.exit("the worker never sent the supervisor's first e-mail")
    time.sleep(0.3)
print("EXPERIENCE " + experience.title)
print("LINK " + services.supervisor_link_make(request))
"""

# Whatever makes the page wider than the window at 390 px (the first few), for the message.
TOO_WIDE_JS = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))"""


class Pages:
    """Checks pages at both widths and collects every problem, so that all pages are seen before failing."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, page, name: str) -> None:
        for label, size in (("1280", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(size)
            where = f"{name} at {label} px ({page.url})"
            if label == "390":
                scroll, inner = page.evaluate(
                    "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
                )
                if scroll > inner:
                    self.problems.append(
                        f"{where}: scrolls sideways ({scroll} > {inner}), e.g. {page.evaluate(TOO_WIDE_JS)}"
                    )
            screenshot(page, f"experiences-{name}-{label}")
            try:
                assert_accessible(page, f"experiences-{name}-{label}")
            except AssertionError as failure:
                self.problems.append(f"{where}: {failure}")
        page.set_viewport_size(DESKTOP)

    def assert_none(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _wait_in_wallet(student, title: str) -> None:
    """Reload the wallet until the experience's card says its credential is signed and verifies."""
    card = student.locator("section[aria-labelledby=cocurricular-heading] li.card").filter(
        has=student.get_by_role("heading", name=title)
    )
    deadline = time.monotonic() + SIGNING_TIMEOUT
    while True:
        student.goto("/wallet/")
        if card.count() and card.locator(".badge", has_text="Verified").count():
            break
        state = card.locator(".badge").first.inner_text() if card.count() else "not in the wallet"
        assert time.monotonic() < deadline, (
            f"“{title}” is still {state!r} in the wallet after {SIGNING_TIMEOUT} s"
        )
        time.sleep(0.5)
    expect(card.get_by_role("link", name=title)).to_be_visible()


def test_a_student_submits_an_experience_an_advisor_verifies_it_and_it_lands_in_the_wallet(
    logged_in_page, portal
):
    pages = Pages()
    marker = uuid.uuid4().hex[:6]
    title = f"Chess Club {marker}"
    internal_note = f"Internal only {marker}: checked with the club's staff sponsor."
    shared_comment = f"Well organised tournaments {marker}."

    # The student opens Experiences from the header and records one.
    student = logged_in_page(DEMO_STUDENT, DEMO_PASSWORD)
    student.goto("/")
    student.locator("header.site-header nav").get_by_role("link", name="Experiences", exact=True).click()
    expect(student.get_by_role("heading", name="My experiences", level=1)).to_be_visible()
    pages.check(student, "list")

    student.locator("main").get_by_role("button", name="Record an experience").click()
    expect(student.get_by_role("heading", name="Record an experience", level=1)).to_be_visible()
    pages.check(student, "form")
    student.get_by_role("button", name="Save as a draft").click()
    expect(student.locator("form .errorlist").first).to_be_visible()
    pages.check(student, "form-errors")

    student.get_by_label(re.compile(r"^Title\b")).fill(title)
    student.get_by_label(re.compile(r"^Organisation\b")).fill("Northbridge Chess Society")
    student.get_by_label(re.compile(r"^Role or position\b")).fill("Tournament organiser")
    student.get_by_label(re.compile(r"^Category\b")).select_option(label="Club or society")
    student.get_by_label(re.compile(r"^Term\b")).fill("Spring 2026")
    student.get_by_label(re.compile(r"^Hours\b")).fill("24")
    student.get_by_label(re.compile(r"^Description\b")).fill(
        "Ran the club's three rapid tournaments and its weekly ladder."
    )
    student.get_by_label("Teamwork", exact=True).check()
    student.get_by_role("button", name="Save as a draft").click()
    expect(student.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(student.get_by_role("heading", name="Draft", level=2)).to_be_visible()
    pages.check(student, "detail-draft")
    student.get_by_role("button", name="Submit to my advisor").click()
    expect(student.get_by_role("heading", name="Submitted", level=2)).to_be_visible()
    experience_url = student.url
    pages.check(student, "detail-submitted")

    # The advisor, in another context, finds it in the queue and verifies it.
    advisor = logged_in_page(ADVISOR, DEMO_PASSWORD)
    advisor.goto("/")
    advisor.locator("header.site-header nav").get_by_role("link", name="Advising", exact=True).click()
    expect(advisor.get_by_role("heading", level=1)).to_contain_text("co-curricular experiences")
    row = advisor.locator("main table tbody tr").filter(has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Club or society")
    pages.check(advisor, "queue")

    row.get_by_role("link", name=title).click()
    expect(advisor.get_by_role("heading", name=title, level=1)).to_be_visible()
    pages.check(advisor, "review")
    advisor.locator("summary", has_text="Add a note").click()
    advisor.get_by_label(re.compile(r"^Note\b")).fill(internal_note)
    advisor.get_by_label("Internal to advisors").check()
    advisor.get_by_role("button", name="Add the note").click()
    notes = advisor.locator("section[aria-labelledby=notes-heading]")
    expect(notes.locator("article", has_text=internal_note)).to_contain_text("Internal to advisors")

    verify = advisor.locator("form[action$='/verify']")
    expect(verify).to_be_visible()
    expect(verify.get_by_label(re.compile(r"^Confirmed hours\b"))).to_have_value("24.00")
    verify.get_by_label(re.compile(r"^Teamwork\b")).select_option(label="Proficient")
    verify.get_by_label(re.compile(r"^Comment for the student")).fill(shared_comment)
    pages.check(advisor, "review-verify-form")
    verify.get_by_role("button", name="Verify and issue the credential").click()
    expect(advisor.locator("main hgroup .badge")).to_have_text("Verified")
    expect(advisor.locator("main")).to_contain_text("Teamwork: Proficient")
    pages.check(advisor, "review-verified")

    # The student sees it verified, with the shared comment and never the internal note.
    student.goto(experience_url)
    expect(student.get_by_role("heading", name="Verified", level=2)).to_be_visible()
    expect(student.locator("section[aria-labelledby=confirmed-heading]")).to_contain_text("Proficient")
    expect(student.locator("main")).to_contain_text(shared_comment)
    assert internal_note not in student.content(), "the student's page shows the advisor's internal note"
    pages.check(student, "detail-verified")

    # Once the worker signed it, the wallet shows the new credential, and it verifies.
    _wait_in_wallet(student, title)
    screenshot(student, "experiences-wallet-1280")
    student.goto(experience_url)
    student.get_by_role("link", name="See the credential in your record").click()
    expect(student.get_by_role("heading", name=title)).to_be_visible()
    assert internal_note not in student.content(), "the credential's page shows the internal note"

    pages.assert_none()


def test_the_admin_pages_and_the_supervisor_page_are_accessible(logged_in_page, page, portal):
    pages = Pages()

    admin = logged_in_page(ADMIN, DEMO_PASSWORD)
    admin.goto(f"/institutions/{SLUG}/advising/")
    admin.get_by_role("navigation", name="Advising").get_by_role("link", name="Advisors").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("who advises whom")
    expect(admin.locator("main table").first).to_contain_text(ADVISOR)
    pages.check(admin, "assignments")
    admin.get_by_role("navigation", name="Advising").get_by_role("link", name="Experience settings").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("experience settings")
    pages.check(admin, "policy")

    made = portal.manage("shell", "-c", SUPERVISOR_LINK_SCRIPT % {"slug": SLUG})
    lines = made.stdout.splitlines()
    link = next(line for line in lines if line.startswith("LINK ")).removeprefix("LINK ")
    experience = next(line for line in lines if line.startswith("EXPERIENCE ")).removeprefix("EXPERIENCE ")
    print(f"supervisor link: {link}")

    response = page.goto(link)
    assert response.status == 200, f"the supervisor link answered {response.status}"
    expect(page.get_by_role("heading", name=experience, level=2)).to_be_visible()
    pages.check(page, "supervisor")
    # Sent without a name (the student's guess at it is filled in), the form says what is missing, and
    # the link still works.
    page.get_by_label(re.compile(r"^Your name\b")).fill("")
    page.get_by_role("button", name="Send my confirmation").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(page.locator("form .errorlist")).to_contain_text("Type your name")
    expect(page.get_by_role("heading", name=experience, level=2)).to_be_visible()
    pages.check(page, "supervisor-errors")

    pages.assert_none()

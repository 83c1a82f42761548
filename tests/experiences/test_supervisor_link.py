"""The outside supervisor's page: reached from the e-mailed single-use link, with no account, it shows one
experience and takes one attestation; a used, replaced, expired or unknown link is refused and changes
nothing."""

import re
from datetime import timedelta
from decimal import Decimal
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clrportal.logging import redact
from experiences import services
from experiences.models import (
    CompetencyLevel,
    Experience,
    ExperienceEvent,
    ExperiencePolicy,
    State,
    SupervisorRequest,
)

LINK = re.compile(r"https?://\S+/supervisors/[A-Za-z0-9_\-]+")


def link_in(message) -> str:
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def asked(experience, student_user, mailoutbox, django_capture_on_commit_callbacks):
    """The student named a supervisor and submitted: the experience waits for them; returns the link's path."""
    with django_capture_on_commit_callbacks(execute=True):
        services.supervisor_request_create(
            experience=experience, email="mentor@host.example", name="Morgan Host", actor=student_user
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
    experience.refresh_from_db()
    assert experience.state == State.AWAITING_SUPERVISOR
    (mail,) = [m for m in mailoutbox if m.to == ["mentor@host.example"]]
    mailoutbox.clear()
    return path_of(link_in(mail))


def form_data(client, path, **changes) -> dict:
    """What the page's form posts as it was shown (pre-filled), with `changes`."""
    form = client.get(path).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(changes)
    return data


def state_of_the_request() -> list:
    return list(SupervisorRequest.objects.order_by("pk").values())


def test_the_page_shows_that_one_experience_to_someone_without_an_account(
    client, asked, experience, student_learner, competency, rubric
):
    services.experience_create(
        learner=student_learner,
        fields={
            "title": "Chess Club",
            "organisation": "Chess Society",
            "category": "club",
            "description": "x",
        },
    )
    response = client.get(asked)

    assert response.status_code == 200
    page = response.content.decode()
    assert escape(student_learner.full_name) in page
    for shown in (
        "Robotics Club",
        "Engineering Society",
        "Treasurer",
        "Fall 2025",
        "ran the build season budget",
    ):
        assert shown in page, shown
    assert "Teamwork" in page
    assert rubric.name in page
    assert "Chess Club" not in page, "the page shows that one experience only"
    assert "Budgeting is teamwork." not in page, "the student's reflection is theirs"
    form = response.context["form"]
    assert form["hours"].value() == Decimal("40")
    assert form["signer_name"].value() is None  # typed by the supervisor: it is their confirmation
    levels = [label for _value, label in form.fields[f"competency_{competency.pk}"].choices]
    assert levels == ["Cannot say", "Advanced", "Proficient", "Developing", "Emerging"]


def test_opening_the_page_writes_nothing(client, asked):
    before = (state_of_the_request(), ExperienceEvent.objects.count(), ExperiencePolicy.objects.count())

    assert client.get(asked).status_code == 200
    assert client.get("/supervisors/unknown").status_code == 404

    assert (
        state_of_the_request(),
        ExperienceEvent.objects.count(),
        ExperiencePolicy.objects.count(),
    ) == before


def test_the_page_keeps_its_token_out_of_referers_caches_and_search_engines(client, asked):
    response = client.get(asked)

    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_page_links_nowhere_into_the_portal_beyond_the_anonymous_header(client, asked):
    page = client.get(asked).content.decode()

    links = set(re.findall(r'href="([^"]+)"', page))
    allowed = {reverse("home"), reverse("account_login"), reverse("account_signup"), reverse("verify:page")}
    portal_links = {link for link in links if link.startswith("/") and not link.startswith("/static/")}
    assert portal_links <= allowed, portal_links - allowed
    assert "/experiences/" not in page and "/advising/" not in page and "/wallet/" not in page


def test_a_supervisor_attests_hours_and_competencies_and_the_experience_goes_back_to_its_advisors(
    client, asked, experience, competency, assigned_advisor, mailoutbox, django_capture_on_commit_callbacks
):
    proficient = CompetencyLevel.objects.get(institution=experience.institution, name="Proficient")
    data = form_data(
        client,
        asked,
        hours="36.5",
        comment="Reliable and careful with money.",
        signer_name="Morgan Host",
        signer_title="Club sponsor",
        signer_organisation="Engineering Society",
        **{f"competency_{competency.pk}": str(proficient.pk)},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(asked, data)

    assert response.status_code == 200
    assert "Thank you, Morgan Host" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    attestation = SupervisorRequest.objects.get(experience=experience)
    assert attestation.attested_at is not None
    assert attestation.attested_hours == Decimal("36.5")
    assert attestation.attested_competencies == [
        {"competency": competency.pk, "name": "Teamwork", "level": "Proficient"}
    ]
    assert (attestation.signer_name, attestation.signer_title, attestation.signer_organisation) == (
        "Morgan Host",
        "Club sponsor",
        "Engineering Society",
    )
    assert attestation.comment == "Reliable and careful with money."
    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED
    event = ExperienceEvent.objects.get(experience=experience, action="supervisor_attested")
    assert event.actor is None and event.actor_label == "Morgan Host, Club sponsor, Engineering Society"
    assert [m.to for m in mailoutbox] == [[assigned_advisor.email]], "the advisor hears it is ready"


def test_cannot_say_leaves_a_competency_out_of_the_attestation(client, asked, experience, competency):
    response = client.post(
        asked,
        form_data(client, asked, signer_name="Morgan Host", hours="", **{f"competency_{competency.pk}": ""}),
    )

    assert response.status_code == 200
    attestation = SupervisorRequest.objects.get(experience=experience)
    assert attestation.attested_competencies == []
    assert attestation.attested_hours is None


def test_the_link_works_once(client, asked):
    client.post(asked, form_data(client, asked, signer_name="Morgan Host"))
    before = state_of_the_request()

    again = client.get(asked)
    posted_again = client.post(asked, {"signer_name": "Someone else"})

    assert again.status_code == 410
    assert "This link has been used" in again.content.decode()
    assert posted_again.status_code == 410
    assert state_of_the_request() == before


def test_without_a_name_nothing_is_kept_and_the_page_says_why(client, asked, experience):
    before = state_of_the_request()

    response = client.post(asked, form_data(client, asked, signer_name=""))

    assert response.status_code == 400
    assert "Type your name: it is kept with your confirmation." in response.content.decode()
    assert state_of_the_request() == before
    experience.refresh_from_db()
    assert experience.state == State.AWAITING_SUPERVISOR


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours", "-3", "greater than or equal to 0"),
        ("hours", "lots", "Enter a number."),
        ("check", "forged", "This form has expired"),
        ("competency_0", "", None),  # an unknown field is ignored
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, asked, field, value, message):
    before = state_of_the_request()
    data = form_data(client, asked, signer_name="Morgan Host", **{field: value})

    response = client.post(asked, data)

    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state_of_the_request() == before


def test_a_level_that_is_not_the_institutions_is_refused(client, asked, competency, other_institution):
    foreign = CompetencyLevel.objects.create(institution=other_institution, name="Superb")
    before = state_of_the_request()

    response = client.post(
        asked, form_data(client, asked, signer_name="M", **{f"competency_{competency.pk}": str(foreign.pk)})
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert state_of_the_request() == before


def test_an_unknown_link_is_a_clear_404(client, asked):
    response = client.get("/supervisors/not-a-real-token")

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"


def test_an_expired_link_is_refused_and_changes_nothing(client, asked, experience):
    SupervisorRequest.objects.filter(experience=experience).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    before = state_of_the_request()

    shown = client.get(asked)
    posted = client.post(asked, {"signer_name": "Morgan Host"})

    assert shown.status_code == 410 and posted.status_code == 410
    assert "This link expired on" in shown.content.decode()
    assert state_of_the_request() == before
    experience.refresh_from_db()
    assert experience.state == State.AWAITING_SUPERVISOR


def test_a_link_replaced_by_a_new_request_is_refused(client, asked, experience, student_user):
    services.supervisor_request_create(experience=experience, email="other@host.example", actor=student_user)

    response = client.get(asked)

    assert response.status_code == 410
    assert "withdrawn or replaced" in response.content.decode()


def test_a_link_to_an_experience_already_decided_is_refused(client, asked, experience):
    Experience.objects.filter(pk=experience.pk).update(state=State.DECLINED)

    response = client.get(asked)

    assert response.status_code == 410
    assert "already decided" in response.content.decode()


def test_the_page_takes_only_get_and_post(client, asked):
    assert client.put(asked).status_code == 405
    assert client.delete(asked).status_code == 405


def test_the_page_works_the_same_for_a_visitor_who_is_signed_in(client, asked, login, advisor_user):
    login(advisor_user)

    response = client.get(asked)

    assert response.status_code == 200
    assert "Robotics Club" in response.content.decode()


def test_a_browser_posting_from_the_no_referrer_page_is_not_refused_by_the_csrf_check(asked):
    # The page sends no Referer, so browsers post with Origin: null; the form's signed token protects it.
    browser = Client(enforce_csrf_checks=True)
    data = form_data(browser, asked, signer_name="Morgan Host")

    response = browser.post(asked, data, HTTP_ORIGIN="null")

    assert response.status_code == 200
    assert SupervisorRequest.objects.get().attested_at is not None


def test_the_token_of_a_supervisor_link_is_redacted_from_logs():
    line = 'Not Found: /supervisors/Zx9_abc-DEF123 "GET /supervisors/Zx9_abc-DEF123 HTTP/1.1" 404'

    assert redact(line) == 'Not Found: /supervisors/[redacted] "GET /supervisors/[redacted] HTTP/1.1" 404'

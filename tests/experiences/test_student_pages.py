"""The student's pages: recording an experience, adding to it, submitting it, and following what happens."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from credentials.models import IssuedCredential
from experiences import services
from experiences.models import (
    Annotation,
    Experience,
    ExperienceEvidence,
    ExperiencePolicy,
    State,
    Visibility,
)
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def url(name, experience, **kwargs):
    return reverse(f"experiences:{name}", kwargs={"experience_id": experience.uuid, **kwargs})


def pdf(name="poster.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def other_student(rubric):
    user = MembershipFactory(institution=rubric, role=Role.STUDENT).user
    LearnerFactory(institution=rubric, user=user, email=user.email, claimed_at=timezone.now())
    return user


@pytest.fixture
def submitted(experience, student_user):
    services.experience_submit(experience=experience, actor=student_user)
    experience.refresh_from_db()
    return experience


@pytest.fixture
def evidence_file(experience, student_user):
    return services.evidence_add(
        experience=experience,
        name="Budget report",
        file=pdf("budget.pdf"),
        content_type="application/pdf",
        actor=student_user,
    )


# --- recording, editing, adding, submitting ----------------------------------------------------------


def test_a_student_records_edits_logs_hours_adds_evidence_and_submits(
    login, student_user, student_learner, competency
):
    client = login(student_user)
    form = client.get(reverse("experiences:create"))
    assert form.status_code == 200
    assert "Teamwork" in form.content.decode()

    created = client.post(
        reverse("experiences:create"),
        {
            "title": "Food bank volunteer",
            "organisation": "City Food Bank",
            "role": "Shift lead",
            "category": "service",
            "term": "Spring 2026",
            "description": "Ran the Saturday sorting shift.",
            "reflection": "Planning a shift is leadership.",
            "competencies": [competency.pk],
        },
    )
    experience = Experience.objects.get(learner=student_learner)
    assert created.status_code == 302
    assert created["Location"] == url("mine", experience)
    assert experience.state == State.DRAFT
    assert list(experience.competencies.all()) == [competency]

    edited = client.post(
        url("edit", experience),
        {
            "title": "Food bank shift lead",
            "organisation": "City Food Bank",
            "role": "Shift lead",
            "category": "service",
            "term": "Spring 2026",
            "description": "Ran the Saturday sorting shift for twelve volunteers.",
            "reflection": "Planning a shift is leadership.",
            "competencies": [competency.pk],
        },
    )
    assert edited.status_code == 302
    logged = client.post(
        url("hours_add", experience), {"date": "2026-02-07", "hours": "4.5", "note": "Sorting"}
    )
    assert logged.status_code == 302
    linked = client.post(
        url("evidence_add", experience), {"name": "Volunteer page", "url": "https://foodbank.example/team"}
    )
    assert linked.status_code == 302
    uploaded = client.post(url("evidence_add", experience), {"name": "Rota", "file": pdf("rota.pdf")})
    assert uploaded.status_code == 302

    page = client.get(url("mine", experience)).content.decode()
    assert "Food bank shift lead" in page
    assert "4.5" in page
    assert 'href="https://foodbank.example/team"' in page
    stored = ExperienceEvidence.objects.get(experience=experience, name="Rota")
    assert stored.content_type == "application/pdf"
    assert url("evidence_file", experience, evidence_id=stored.uuid) in page
    assert stored.file.read() == PDF

    submitted = client.post(url("submit", experience))
    assert submitted.status_code == 302
    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED
    assert experience.title == "Food bank shift lead"
    assert experience.hours == Decimal("4.5")
    assert "Submitted for review" in client.get(url("mine", experience)).content.decode()


def test_a_student_at_several_institutions_chooses_where_to_record_it(
    login, student_user, student_learner, other_institution
):
    elsewhere = LearnerFactory(
        institution=other_institution, user=student_user, email=student_user.email, claimed_at=timezone.now()
    )
    client = login(student_user)
    form = client.get(reverse("experiences:create")).content.decode()
    assert other_institution.name in form and student_learner.institution.name in form
    fields = {
        "title": "Chess club",
        "organisation": "Chess society",
        "category": "club",
        "term": "Fall 2025",
        "description": "Played for the team.",
    }
    response = client.post(reverse("experiences:create"), {**fields, "learner": elsewhere.pk})
    assert response.status_code == 302
    assert Experience.objects.get(title="Chess club").institution == other_institution

    someone_else = LearnerFactory(institution=other_institution)
    refused = client.post(reverse("experiences:create"), {**fields, "learner": someone_else.pk})
    assert refused.status_code == 400
    assert Experience.objects.filter(learner=someone_else).count() == 0


def test_a_form_with_missing_fields_is_refused_and_records_nothing(login, student_user, student_learner):
    response = login(student_user).post(
        reverse("experiences:create"), {"title": "", "category": "club", "description": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Give the term, or the dates" in response.content.decode()
    assert not Experience.objects.exists()


def test_an_end_before_the_start_is_refused(login, student_user, student_learner):
    response = login(student_user).post(
        reverse("experiences:create"),
        {
            "title": "Lab assistant",
            "organisation": "Physics",
            "category": "research",
            "start_date": "2026-03-01",
            "end_date": "2026-02-01",
            "description": "Calibrated the detectors.",
        },
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not Experience.objects.exists()


def test_a_signed_in_person_without_a_learner_record_is_told_to_claim_it_first(login, advisor_user):
    client = login(advisor_user)
    for page in (reverse("experiences:list"), reverse("experiences:create")):
        response = client.get(page)
        assert response.status_code == 200
        assert reverse("claims:waiting") in response.content.decode()
    assert client.post(reverse("experiences:create"), {"title": "x"}).status_code == 400
    assert not Experience.objects.exists()


def test_the_list_groups_experiences_by_state_in_plain_words(
    login, student_user, experience, student_learner
):
    services.experience_create(
        learner=student_learner,
        fields={
            "title": "Varsity rowing",
            "organisation": "Athletics",
            "category": "athletics",
            "term": "Fall 2025",
            "description": "Rowed in the first eight.",
        },
    )
    services.experience_submit(experience=experience, actor=student_user)
    page = login(student_user).get(reverse("experiences:list")).content.decode()
    assert "Record an experience" in page
    assert page.index("Draft") < page.index("Varsity rowing")
    assert page.index("Submitted for review") < page.index("Robotics Club")
    assert page.index("Varsity rowing") < page.index("Submitted for review")


def test_pages_need_a_signed_in_person(client, experience):
    for page in (reverse("experiences:list"), reverse("experiences:create"), url("mine", experience)):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- evidence ----------------------------------------------------------------------------------------


def test_a_fake_pdf_that_is_really_html_is_refused(login, student_user, experience):
    response = login(student_user).post(
        url("evidence_add", experience),
        {"file": pdf("cv.pdf", b"<html><script>alert(1)</script></html>")},
    )
    assert response.status_code == 400
    assert "is not the PDF it says it is" in response.content.decode()
    assert not ExperienceEvidence.objects.exists()


def test_a_file_of_a_type_not_accepted_is_refused(login, student_user, experience):
    response = login(student_user).post(
        url("evidence_add", experience),
        {"file": pdf("page.html", b"<html></html>", content_type="text/html")},
    )
    assert response.status_code == 400
    assert "Only these files can be uploaded" in response.content.decode()
    assert not ExperienceEvidence.objects.exists()


def test_a_file_over_the_size_limit_is_refused(login, student_user, experience, settings):
    settings.PORTAL_EXPERIENCE_EVIDENCE_MAX_BYTES = 100
    response = login(student_user).post(url("evidence_add", experience), {"file": pdf(content=PDF * 10)})
    assert response.status_code == 400
    assert "The file is larger than 100 bytes" in response.content.decode()
    assert not ExperienceEvidence.objects.exists()


def test_a_text_file_is_accepted_when_it_is_text_and_refused_when_it_is_binary(
    login, student_user, experience
):
    client = login(student_user)
    text = SimpleUploadedFile("notes.txt", "Minutes — 3 March".encode(), content_type="text/plain")
    assert client.post(url("evidence_add", experience), {"file": text}).status_code == 302
    binary = SimpleUploadedFile("notes.txt", b"MZ\x00\x00\x90", content_type="text/plain")
    assert client.post(url("evidence_add", experience), {"file": binary}).status_code == 400
    assert [e.content_type for e in ExperienceEvidence.objects.all()] == ["text/plain"]


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(document.cookie)", "data:text/html,<script>1</script>", "ftp://files.example/a"],
)
def test_a_link_that_is_not_http_is_refused(login, student_user, experience, link):
    response = login(student_user).post(url("evidence_add", experience), {"name": "Mine", "url": link})
    assert response.status_code == 400
    assert "starting with https://" in response.content.decode()
    assert not ExperienceEvidence.objects.exists()


def test_evidence_needs_a_link_or_a_file_not_both(login, student_user, experience):
    client = login(student_user)
    assert client.post(url("evidence_add", experience), {"name": "Nothing"}).status_code == 400
    both = client.post(url("evidence_add", experience), {"url": "https://a.example/", "file": pdf()})
    assert both.status_code == 400
    assert "not both" in both.content.decode()
    assert not ExperienceEvidence.objects.exists()


def test_the_evidence_file_is_served_as_an_attachment_to_the_student_advisor_and_admin(
    login, student_user, assigned_advisor, admin_user, experience, evidence_file
):
    address = url("evidence_file", experience, evidence_id=evidence_file.uuid)
    for person in (student_user, assigned_advisor, admin_user):
        response = login(person).get(address)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_the_evidence_file_is_a_404_to_anyone_else(
    login, other_student, advisor_user, registrar_user, other_institution, experience, evidence_file
):
    address = url("evidence_file", experience, evidence_id=evidence_file.uuid)
    admin_elsewhere = MembershipFactory(institution=other_institution, role=Role.ADMIN).user
    # advisor_user is an advisor of the institution, but not of this student.
    for person in (other_student, advisor_user, registrar_user, admin_elsewhere):
        assert login(person).get(address).status_code == 404
    wrong_pair = url("evidence_file", experience, evidence_id=uuid.uuid4())
    assert login(other_student).get(wrong_pair).status_code == 404


# --- refusals ----------------------------------------------------------------------------------------


def test_editing_after_submitting_is_refused_and_changes_nothing(login, student_user, submitted):
    client = login(student_user)
    page = client.get(url("edit", submitted))
    assert page.status_code == 409
    assert "cannot be edited now" in page.content.decode()
    response = client.post(
        url("edit", submitted),
        {
            "title": "Something else",
            "organisation": "x",
            "category": "club",
            "term": "Fall 2025",
            "description": "Changed",
        },
    )
    assert response.status_code == 409
    assert "Nothing was changed." in response.content.decode()
    assert client.post(url("hours_add", submitted), {"date": "2026-01-01", "hours": "3"}).status_code == 409
    assert client.post(url("evidence_add", submitted), {"url": "https://a.example/"}).status_code == 409
    assert client.post(url("submit", submitted)).status_code == 409
    submitted.refresh_from_db()
    assert submitted.title == "Robotics Club"
    assert submitted.hours == Decimal("40")
    assert submitted.state == State.SUBMITTED
    assert not submitted.evidence.exists() and not submitted.hours_log.exists()


def test_bad_hours_are_refused(login, student_user, experience):
    response = login(student_user).post(url("hours_add", experience), {"date": "someday", "hours": "-2"})
    assert response.status_code == 400
    assert not experience.hours_log.exists()


def test_another_student_gets_a_404_for_every_page(login, other_student, experience, evidence_file):
    client = login(other_student)
    pages = [url(name, experience) for name in ("mine", "edit")]
    for page in pages:
        assert client.get(page).status_code == 404
    actions = {
        "edit": {
            "title": "Mine now",
            "organisation": "x",
            "category": "club",
            "term": "T",
            "description": "d",
        },
        "hours_add": {"date": "2026-01-01", "hours": "1"},
        "evidence_add": {"url": "https://a.example/"},
        "submit": {},
        "supervisor_ask": {"email": "boss@example.com"},
    }
    for name, data in actions.items():
        assert client.post(url(name, experience), data).status_code == 404, name
    assert client.get(url("evidence_file", experience, evidence_id=evidence_file.uuid)).status_code == 404
    experience.refresh_from_db()
    assert experience.title == "Robotics Club" and experience.state == State.DRAFT
    assert not experience.supervisor_requests.exists() and not experience.hours_log.exists()
    assert experience.evidence.count() == 1


def test_an_unknown_experience_is_a_404(login, student_user, student_learner):
    response = login(student_user).get(reverse("experiences:mine", kwargs={"experience_id": uuid.uuid4()}))
    assert response.status_code == 404


# --- what the student sees ---------------------------------------------------------------------------


def test_internal_notes_are_never_shown_to_the_student(login, student_user, assigned_advisor, submitted):
    services.annotation_add(
        experience=submitted,
        author=assigned_advisor,
        text="INTERNAL: check with the club",
        visibility="internal",
    )
    services.annotation_add(
        experience=submitted, author=assigned_advisor, text="Great budget work.", visibility=Visibility.SHARED
    )
    assert Annotation.objects.filter(experience=submitted).count() == 2
    page = login(student_user).get(url("mine", submitted)).content.decode()
    assert "Great budget work." in page
    assert "INTERNAL" not in page
    assert "check with the club" not in page


def test_the_timeline_shows_each_change_with_its_previous_value(login, student_user, experience):
    services.experience_update(
        experience=experience, fields={"title": "Robotics Society", "role": "President"}, actor=student_user
    )
    page = login(student_user).get(url("mine", experience)).content.decode()
    assert "<del>Robotics Club</del>" in page
    assert "<ins>Robotics Society</ins>" in page
    assert "<del>Treasurer</del>" in page and "<ins>President</ins>" in page
    assert "Edited" in page and "Recorded" in page
    assert not ExperiencePolicy.objects.exists(), "looking at the page wrote to the database"


def test_a_verified_experience_links_to_its_credential_and_shows_the_confirmed_competencies(
    login,
    student_user,
    assigned_advisor,
    submitted,
    competency,
    proficient,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_verify(
            experience=submitted,
            actor=assigned_advisor,
            hours=Decimal("38"),
            ratings=[(competency, proficient)],
            comment="Ran a tight budget.",
        )
    credential = IssuedCredential.objects.get(award__experience=submitted, is_current=True)
    page = login(student_user).get(url("mine", submitted)).content.decode()
    assert reverse("wallet:record", args=[credential.id]) in page
    assert "Teamwork: <strong>Proficient</strong>" in page
    assert "Hours: 38" in page
    assert "Ran a tight budget." in page
    assert "Verified" in page


def test_the_student_sees_the_supervisor_request_and_attestation(
    login, student_user, experience, competency, proficient
):
    request = services.supervisor_request_create(
        experience=experience, email="sponsor@example.com", name="Dr Ada Sponsor", actor=student_user
    )
    client = login(student_user)
    assert "Asked Dr Ada Sponsor" in client.get(url("mine", experience)).content.decode()
    services.supervisor_attest(
        request=request,
        hours=Decimal("36"),
        competencies=[(competency, proficient)],
        comment="",
        signer_name="Ada Sponsor",
        signer_title="Faculty sponsor",
        signer_organisation="Engineering Society",
    )
    page = client.get(url("mine", experience)).content.decode()
    assert "by Ada Sponsor, Faculty sponsor, Engineering Society" in page
    assert "Teamwork: Proficient" in page
    assert "Hours: 36" in page


# --- supervisors -------------------------------------------------------------------------------------


def test_a_category_needing_a_supervisor_is_submitted_only_once_one_is_named(
    login, student_user, student_learner, django_capture_on_commit_callbacks
):
    policy = services.policy_for(student_learner.institution)
    policy.supervisor_required = ["internship"]
    policy.save()
    internship = services.experience_create(
        learner=student_learner,
        fields={
            "title": "Summer internship",
            "organisation": "Acme Robotics",
            "category": "internship",
            "term": "Summer 2025",
            "description": "Built the test rig.",
        },
        actor=student_user,
    )
    client = login(student_user)
    assert (
        "name your supervisor below before you submit" in client.get(url("mine", internship)).content.decode()
    )

    refused = client.post(url("submit", internship))
    assert refused.status_code == 409
    assert "name your supervisor first" in refused.content.decode()
    internship.refresh_from_db()
    assert internship.state == State.DRAFT

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            url("supervisor_ask", internship), {"email": "host@acme.example", "name": "Ria Host"}
        )
    assert asked.status_code == 302
    assert [message.to for message in mail.outbox] == [["host@acme.example"]]
    assert "/supervisors/" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(url("submit", internship))
    assert submitted.status_code == 302
    internship.refresh_from_db()
    assert internship.state == State.AWAITING_SUPERVISOR
    assert "Waiting for the supervisor" in client.get(url("mine", internship)).content.decode()


def test_a_bad_supervisor_address_is_refused(login, student_user, experience):
    response = login(student_user).post(url("supervisor_ask", experience), {"email": "not an address"})
    assert response.status_code == 400
    assert not experience.supervisor_requests.exists()


# --- navigation --------------------------------------------------------------------------------------


def test_the_student_finds_experiences_in_the_navigation_and_on_the_dashboard(
    login, student_user, experience, submitted
):
    client = login(student_user)
    dashboard = client.get(reverse("wallet:dashboard")).content.decode()
    assert f'href="{reverse("experiences:list")}"' in dashboard
    assert "Co-curricular experiences</a>: 0 verified, 1 in progress" in dashboard
    assert reverse("experiences:create") in dashboard
    listing = client.get(reverse("experiences:list")).content.decode()
    assert f'<a href="{reverse("experiences:list")}" aria-current="page">Experiences</a>' in listing

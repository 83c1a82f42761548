"""seed_demo gives the demo advisor students with experiences in every state, and the demo student a verified
experience in their wallet beside others in progress; running it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from achievements.models import Achievement
from credentials.models import CredentialState, IssuedCredential
from experiences.models import (
    AdvisorAssignment,
    Annotation,
    CompetencyLevel,
    Experience,
    ExperienceEvent,
    ExperiencePolicy,
    HoursEntry,
    State,
    SupervisorRequest,
    Visibility,
)
from institutions.demo import DEMO_PASSWORD
from institutions.models import User

ADVISOR = "advisor@northbridge.example"
STUDENT = "student@northbridge.example"


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the worker's part (signing, mail), eagerly
        call_command("seed_demo", "--students", "8", stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = (Experience, Annotation, SupervisorRequest, AdvisorAssignment, HoursEntry, ExperienceEvent)
    return {model.__name__: model.objects.count() for model in models} | {
        "credentials": IssuedCredential.objects.count(),
        "achievements": Achievement.objects.count(),
        "levels": CompetencyLevel.objects.count(),
    }


def test_the_demo_advisor_advises_several_students_with_experiences_in_every_state(seeded):
    advisor = User.objects.get(email=ADVISOR)
    assigned = AdvisorAssignment.objects.filter(advisor=advisor)

    assert assigned.count() >= 3
    assert assigned.filter(learner__user__email=STUDENT).exists()
    states = set(
        Experience.objects.filter(learner__advisor_assignments__advisor=advisor).values_list(
            "state", flat=True
        )
    )
    assert states == set(State.values)
    assert "Experiences: 10 added for the demo advisor's students" in seeded


def test_each_state_is_shown_as_it_would_have_come_about(seeded):
    waiting = Experience.objects.get(state=State.AWAITING_SUPERVISOR)
    (request,) = waiting.supervisor_requests.all()
    assert request.is_open and request.sent_at is not None, "its supervisor has their link"

    sent_back = Experience.objects.get(state=State.CHANGES_REQUESTED)
    assert sent_back.events.get(action="changes_requested").note.startswith("Please add the dates")
    assert sent_back.annotations.filter(visibility=Visibility.SHARED).exists()

    declined = Experience.objects.get(state=State.DECLINED)
    assert "Intramural leagues" in declined.events.get(action="declined").note

    expired = Experience.objects.get(state=State.EXPIRED)
    assert "deadline" in expired.events.get(action="expired").note

    assert Annotation.objects.filter(visibility=Visibility.INTERNAL).exists()
    assert Annotation.objects.filter(visibility=Visibility.SHARED).exists()
    assert HoursEntry.objects.exists()
    attested = Experience.objects.get(state=State.VERIFIED, category="internship")
    assert attested.supervisor_requests.get().attested_at is not None


def test_the_demo_student_has_a_verified_experience_already_issued_and_others_in_progress(seeded):
    mine = Experience.objects.filter(learner__user__email=STUDENT)

    verified = mine.get(state=State.VERIFIED)
    credential = IssuedCredential.objects.get(award=verified.award)
    assert credential.state == CredentialState.SIGNED, credential.error
    assert credential.document["credentialSubject"]["source"]["name"] == "Alma Lindqvist"
    assert mine.filter(state__in=[State.DRAFT, State.SUBMITTED]).count() >= 1


def test_the_verified_experience_is_in_the_demo_students_wallet(seeded, client, login):
    login(User.objects.get(email=STUDENT), password=DEMO_PASSWORD)

    response = client.get("/wallet/")

    assert response.status_code == 200
    assert "Peer Mentoring Program" in response.content.decode()


def test_the_demo_institution_has_the_rubric_a_reply_to_and_needs_supervisors_for_internships(seeded):
    policy = ExperiencePolicy.objects.get(institution__slug="northbridge")

    assert policy.reply_to == "student-life@northbridge.example"
    assert policy.supervisor_required == ["internship"]
    assert policy.deadline is None, "the deadline that expired the demo's late experience is gone"
    assert Achievement.objects.filter(human_code__startswith="NACE-").count() == 8
    assert list(CompetencyLevel.objects.values_list("name", flat=True)) == [
        "Advanced",
        "Proficient",
        "Developing",
        "Emerging",
    ]


def test_seeding_again_adds_nothing(seeded, django_capture_on_commit_callbacks):
    before = counts()
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--students", "8", stdout=out)

    assert counts() == before
    assert "Experiences: 0 added for the demo advisor's students (0 assignments added)." in out.getvalue()


def test_with_a_single_demo_student_every_state_still_exists(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--students", "1", stdout=io.StringIO())

    assert set(Experience.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Experience.objects.values_list("learner__user__email", flat=True)) == {STUDENT}

"""A co-curricular experience's whole path through HTTP, with a real worker sending the mail and signing:
recorded and submitted by the student, attested by the outside supervisor from the e-mailed link, sent
back for changes and resubmitted, verified by the advisor into a signed credential in the student's wallet
and their next CLR, and un-verified again, which revokes it."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from achievements.models import Achievement
from achievements.services import award_create
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.services import clr_issue
from experiences import services
from experiences.models import AdvisorAssignment, CompetencyLevel, Experience, ExperiencePolicy, State
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory, make_achievement
from tests.processes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def signed(credential_filter, workers, *, timeout=90) -> IssuedCredential:
    def done():
        found = IssuedCredential.objects.filter(**credential_filter).first()
        return found is not None and found.state != CredentialState.QUEUED

    wait_until(
        done, timeout=timeout, interval=0.2, what=f"a signed credential {credential_filter}: {workers.logs()}"
    )
    credential = IssuedCredential.objects.get(**credential_filter)
    assert credential.state == CredentialState.SIGNED, credential.error
    return credential


def mail_containing(workers, text: str, *, timeout=60) -> str:
    wait_until(
        lambda: text in workers.sent_mail(), timeout=timeout, interval=0.2, what=f"a mail with {text!r}"
    )
    return workers.sent_mail()


def test_an_internship_goes_from_the_students_draft_to_a_signed_credential_and_back(
    workers, institution, settings
):
    settings.PORTAL_BASE_URL = "http://testserver"
    services.competency_rubric_seed(institution=institution)
    ExperiencePolicy.objects.create(institution=institution, supervisor_required=["internship"])
    student = MembershipFactory(institution=institution, role=Role.STUDENT).user
    learner = LearnerFactory(
        institution=institution, user=student, email=student.email, claimed_at=timezone.now()
    )
    advisor = MembershipFactory(institution=institution, role=Role.ADVISOR).user
    AdvisorAssignment.objects.create(institution=institution, advisor=advisor, learner=learner)
    course = make_achievement(institution, "CS 101")
    award_create(
        learner=learner, achievement=course, term="Fall 2025",
        results=[{"result_description": course.current_version.result_descriptions.get(), "value": "A"}],
    )  # fmt: skip
    teamwork = Achievement.objects.get(institution=institution, human_code="NACE-TEAM")
    proficient = CompetencyLevel.objects.get(institution=institution, name="Proficient")
    workers.start("experiences", beat=True)
    as_student, as_advisor, as_supervisor = Client(), Client(), Client()
    as_student.force_login(student)
    as_advisor.force_login(advisor)

    # The student records the internship, names the host as supervisor and submits it.
    created = as_student.post(
        reverse("experiences:create"),
        {
            "title": "Summer internship", "organisation": "Harbor Labs", "role": "Data intern",
            "category": "internship", "term": "Summer 2026", "hours": "120",
            "description": "Cleaned and charted the lab's sensor data.", "reflection": "Ask early.",
            "competencies": [teamwork.pk],
        },
    )  # fmt: skip
    assert created.status_code == 302, created.content[:400]
    experience = Experience.objects.get(learner=learner)
    page = reverse("experiences:mine", kwargs={"experience_id": experience.uuid})
    asked = as_student.post(
        reverse("experiences:supervisor_ask", kwargs={"experience_id": experience.uuid}),
        {"email": "host@harbor.example", "name": "Dana Host"},
    )
    assert asked.status_code == 302
    assert (
        as_student.post(reverse("experiences:submit", kwargs={"experience_id": experience.uuid})).status_code
        == 302
    )
    experience.refresh_from_db()
    assert experience.state == State.AWAITING_SUPERVISOR

    # The worker mails the supervisor a single-use link; they confirm from it, without an account.
    sent = mail_containing(workers, "host@harbor.example")
    link = re.search(r"https?://[^/\s]+(/supervisors/[\w-]+)", sent).group(1)
    form = as_supervisor.get(link)
    assert form.status_code == 200 and "Summer internship" in form.content.decode()
    check = re.search(r'name="check" value="([^"]+)"', form.content.decode()).group(1)
    attested = as_supervisor.post(
        link,
        {
            "hours": "118", f"competency_{teamwork.pk}": str(proficient.pk), "comment": "Reliable and careful.",
            "signer_name": "Dana Host", "signer_title": "Lab manager", "signer_organisation": "Harbor Labs",
            "check": check,
        },
    )  # fmt: skip
    assert attested.status_code == 200, attested.content[:400]
    assert as_supervisor.get(link).status_code == 410  # used up
    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED
    mail_containing(workers, advisor.email)

    # The advisor sends it back; the student corrects it and submits it again.
    review = reverse("advising:review", kwargs={"slug": institution.slug, "experience_id": experience.uuid})
    back = as_advisor.post(review + "changes", {"comment": "Say which datasets you charted."})
    assert back.status_code == 302, back.content[:400]
    mail_containing(workers, "Say which datasets you charted.")
    edited = as_student.post(
        reverse("experiences:edit", kwargs={"experience_id": experience.uuid}),
        {
            "title": "Summer internship", "organisation": "Harbor Labs", "role": "Data intern",
            "category": "internship", "term": "Summer 2026", "hours": "120",
            "description": "Cleaned and charted the lab's tide-gauge and buoy data.", "reflection": "Ask early.",
            "competencies": [teamwork.pk],
        },
    )  # fmt: skip
    assert edited.status_code == 302, edited.content[:400]
    as_student.post(reverse("experiences:submit", kwargs={"experience_id": experience.uuid}))
    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED

    # The advisor verifies it: the worker signs the credential, which the wallet and the next CLR hold.
    verified = as_advisor.post(
        review + "verify",
        {"hours": "118", f"level_{teamwork.pk}": str(proficient.pk), "comment": "Well done."},
    )
    assert verified.status_code == 302, verified.content[:400]
    experience.refresh_from_db()
    credential = signed({"award": experience.award, "kind": CredentialKind.ACHIEVEMENT}, workers)
    subject = credential.document["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "Fieldwork"
    assert subject["source"]["name"] and subject["role"] == "Data intern"
    assert "Summer internship" in as_student.get(reverse("wallet:dashboard")).content.decode()
    assert "Verified" in as_student.get(page).content.decode()
    clr = clr_issue(learner=learner)
    clr = signed({"pk": clr.pk}, workers)
    assert credential.pk in set(clr.nested.values_list("pk", flat=True))

    # Un-verifying withdraws the award, revokes the credential and re-issues the CLR without it.
    undone = as_advisor.post(review + "unverify", {"reason": "Recorded twice.", "confirm": "on"})
    assert undone.status_code == 302, undone.content[:400]
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    new_clr = signed({"learner": learner, "kind": CredentialKind.CLR, "is_current": True}, workers)
    assert new_clr.pk != clr.pk and credential.pk not in set(new_clr.nested.values_list("pk", flat=True))
    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED and experience.award is None
    mail_containing(workers, "Recorded twice.")

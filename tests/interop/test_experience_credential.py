"""Interop: the co-curricular credential a verified experience becomes, signed by the portal, verifies in
Digital Bazaar's stack (tests/interop/dbvc.mjs, pinned packages) under the institution's did:web document and
status list, nested in the learner's CLR too; once the verification is undone Digital Bazaar finds it
revoked."""

from decimal import Decimal

import pytest
from django.utils import timezone

from achievements.models import Achievement
from credentials import services as credential_services
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.verification import fetch_status_list
from experiences import services
from experiences.models import AdvisorAssignment, CompetencyLevel
from institutions.selectors import institution_did_document
from tests.factories import LearnerFactory, experience_attested_and_verified

pytestmark = pytest.mark.e2e


@pytest.fixture
def verified(institution, student_user, advisor_user, django_capture_on_commit_callbacks):
    """An internship attested by its supervisor and verified by the student's advisor (tasks run eagerly)."""
    services.competency_rubric_seed(institution=institution)
    learner = LearnerFactory(
        institution=institution,
        user=student_user,
        email=student_user.email,
        claimed_at=timezone.now(),
        given_name="Zoë",
        family_name="Ørsted",
    )
    AdvisorAssignment.objects.create(institution=institution, advisor=advisor_user, learner=learner)
    teamwork = Achievement.objects.get(institution=institution, human_code="NACE-TEAM")
    technology = Achievement.objects.get(institution=institution, human_code="NACE-TECH")
    proficient = CompetencyLevel.objects.get(institution=institution, name="Proficient")
    advanced = CompetencyLevel.objects.get(institution=institution, name="Advanced")
    experience = services.experience_create(
        learner=learner,
        fields={
            "title": "Summer internship — data team",
            "organisation": "Harbour Analytics",
            "role": "Data intern",
            "category": "internship",
            "start_date": timezone.localdate().replace(month=6, day=2),
            "end_date": timezone.localdate().replace(month=8, day=29),
            "hours": Decimal("320"),
            "description": 'Built the *weekly* dashboards; wrote "data quality" checks.',
        },
        competencies=[teamwork, technology],
        actor=student_user,
    )
    return experience_attested_and_verified(
        experience, student=student_user, advisor=advisor_user, supervisor_email="lead@harbour.example",
        attestation={
            "hours": Decimal("312.5"), "competencies": [(teamwork, proficient), (technology, advanced)],
            "comment": "An asset to the team.", "signer_name": "Jo Lead", "signer_title": "Head of Data",
            "signer_organisation": "Harbour Analytics",
        },
        hours=Decimal("312.5"), ratings=[(teamwork, proficient), (technology, advanced)],
        comment="Confirmed with the host.",
    )  # fmt: skip


def signed(experience) -> IssuedCredential:
    credential = IssuedCredential.objects.get(award=experience.award, kind=CredentialKind.ACHIEVEMENT)
    credential.refresh_from_db()
    assert credential.state == CredentialState.SIGNED, credential.error
    return credential


def node_verify(digital_bazaar, document: dict, institution):
    return digital_bazaar.verify(
        document,
        did_docs=(institution_did_document(institution=institution),),
        status_lists=(fetch_status_list(document["credentialStatus"]["statusListCredential"]),),
        nested="verifiableCredential" in document["credentialSubject"],
    )


def test_digital_bazaar_accepts_the_signed_co_curricular_credential(digital_bazaar, verified, institution):
    document = signed(verified).document
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Fieldwork"
    assert document["credentialSubject"]["source"]["name"]

    result = node_verify(digital_bazaar, document, institution)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert result.output["revoked"] is False, result
    assert result.output["accepted"] is True, result


def test_digital_bazaar_refuses_it_once_its_rated_level_is_edited(digital_bazaar, verified, institution):
    document = signed(verified).document
    rated = next(r for r in document["credentialSubject"]["result"] if "achievedLevel" in r)
    rated["value"] = "Advanced"

    result = node_verify(digital_bazaar, document, institution)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result


def test_digital_bazaar_accepts_the_clr_nesting_it(
    digital_bazaar, verified, institution, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        clr = credential_services.clr_issue(learner=verified.learner)
    clr.refresh_from_db()
    assert clr.state == CredentialState.SIGNED, clr.error
    assert signed(verified).url in [
        n["id"] for n in clr.document["credentialSubject"]["verifiableCredential"]
    ]

    result = node_verify(digital_bazaar, clr.document, institution)

    assert result.returncode == 0, result
    assert result.output["accepted"] is True, result


def test_digital_bazaar_finds_it_revoked_once_the_verification_is_undone(
    digital_bazaar, verified, institution, advisor_user, django_capture_on_commit_callbacks
):
    document = signed(verified).document
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_unverify(experience=verified, actor=advisor_user, reason="Dates were wrong.")

    result = node_verify(digital_bazaar, document, institution)

    assert result.output["revoked"] is True, result
    assert result.output["accepted"] is False, result
    assert result.returncode == 1, result

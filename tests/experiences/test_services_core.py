"""The experience's life through its services: the states it may move through, and the award it becomes."""

from decimal import Decimal

import pytest

from credentials.models import CredentialState, IssuedCredential
from experiences import services
from experiences.models import State


def test_a_verified_experience_becomes_a_signed_credential_naming_its_assessor(
    experience, student_user, assigned_advisor, competency, proficient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_verify(
            experience=experience,
            actor=assigned_advisor,
            hours=Decimal("38"),
            ratings=[(competency, proficient)],
            comment="Ran a tight budget.",
        )
    experience.refresh_from_db()
    assert experience.state == State.VERIFIED
    credential = IssuedCredential.objects.get(award=experience.award)
    assert credential.state == CredentialState.SIGNED
    subject = credential.document["credentialSubject"]
    assert subject["role"] == "Treasurer"
    assert subject["source"]["name"]
    assert subject["achievement"]["achievementType"] == "Membership"
    levels = {
        level["id"]
        for description in subject["achievement"]["resultDescription"]
        for level in description.get("rubricCriterionLevel", [])
    }
    rated = [r for r in subject["result"] if "achievedLevel" in r]
    assert rated and rated[0]["achievedLevel"] in levels
    assert rated[0]["alignment"][0]["targetName"] == "Teamwork"


def test_a_draft_cannot_be_verified(experience, assigned_advisor, competency, proficient):
    with pytest.raises(services.ExperienceRefused):
        services.experience_verify(experience=experience, actor=assigned_advisor, hours=None, ratings=[])
    experience.refresh_from_db()
    assert experience.state == State.DRAFT

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


def test_a_registrar_withdrawing_the_award_reopens_the_verified_experience_with_a_line_in_its_timeline(
    experience, student_user, assigned_advisor, registrar_user, competency, proficient,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from achievements.services import award_withdraw

    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
        services.experience_verify(
            experience=experience,
            actor=assigned_advisor,
            hours=Decimal("40"),
            ratings=[(competency, proficient)],
        )
    experience.refresh_from_db()
    award = experience.award

    with django_capture_on_commit_callbacks(execute=True):
        award_withdraw(award=award, reason="Entered for the wrong student.", actor=registrar_user)

    experience.refresh_from_db()
    assert experience.state == State.SUBMITTED and experience.award is None
    last = experience.events.order_by("-at", "-pk").first()
    assert last.action == "award_withdrawn" and "Entered for the wrong student." in last.note
    assert IssuedCredential.objects.get(award=award).revoked_at is not None


def test_un_verifying_writes_one_line_and_withdraws_the_award_once(
    experience, student_user, assigned_advisor, competency, proficient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
        services.experience_verify(
            experience=experience, actor=assigned_advisor, hours=None, ratings=[(competency, proficient)]
        )
        services.experience_unverify(experience=experience, actor=assigned_advisor, reason="Duplicate.")
    actions = list(experience.events.values_list("action", flat=True))
    assert actions[-1] == "unverified" and "award_withdrawn" not in actions

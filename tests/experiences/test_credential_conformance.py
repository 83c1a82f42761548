"""The credential a verified experience becomes: an OB 3.0 AchievementCredential that meets 1EdTech's schema,
verifies, names its assessor, rates competencies on its own rubric and carries the supervisor's
attestation; the learner's CLR nests it with its competencies, until the verification is undone."""

from decimal import Decimal

import pytest

from achievements.models import Achievement
from achievements.services import award_create
from credentials import services as credential_services
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.verification import credential_verify
from experiences import services
from tests.factories import experience_attested_and_verified, make_achievement
from vc.schema import validate


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def communication(rubric):
    return Achievement.objects.get(institution=rubric, human_code="NACE-COM")


@pytest.fixture
def verified(
    experience, student_user, assigned_advisor, competency, communication, proficient, rubric,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Attested by the supervisor, verified by the advisor with two competencies rated; tasks run eagerly."""
    advanced = rubric.competency_levels.get(name="Advanced")
    return experience_attested_and_verified(
        experience, student=student_user, advisor=assigned_advisor, supervisor_email="mentor@host.example",
        attestation={
            "hours": Decimal("36"), "competencies": [(competency, proficient)], "comment": "Careful with money.",
            "signer_name": "Morgan Host", "signer_title": "Club sponsor", "signer_organisation": "Engineering Society",
        },
        hours=Decimal("38"), ratings=[(competency, proficient), (communication, advanced)],
        comment="Ran a tight budget.",
    )  # fmt: skip


@pytest.fixture
def credential(verified) -> IssuedCredential:
    issued = IssuedCredential.objects.get(award=verified.award, kind=CredentialKind.ACHIEVEMENT)
    assert issued.state == CredentialState.SIGNED, issued.error
    return issued


def test_it_meets_the_ob30_achievement_credential_schema(credential):
    assert validate(credential.document, "AchievementCredential") == []


def test_it_verifies_in_the_portals_verifier(credential):
    result = credential_verify(document_or_jwt=credential.document)

    assert result.verdict == "verified", result.to_dict()


def test_it_names_the_advisor_who_verified_it_as_source(credential, assigned_advisor, rubric):
    source = credential.document["credentialSubject"]["source"]

    assert "Profile" in as_list(source["type"])
    assert source["name"] == (assigned_advisor.get_full_name() or assigned_advisor.email)
    assert source["id"].startswith("urn:uuid:")
    assert assigned_advisor.email not in str(source), "the assessor is named, their address is not published"
    assert rubric.name in source.get("description", "")


def test_every_achieved_level_is_a_level_of_its_result_description(credential):
    subject = credential.document["credentialSubject"]
    descriptions = {d["id"]: d for d in subject["achievement"]["resultDescription"]}
    rated = [result for result in subject["result"] if "achievedLevel" in result]

    assert len(rated) == 2
    for result in rated:
        description = descriptions[result["resultDescription"]]
        assert description["resultType"] == "RubricCriterionLevel"
        levels = {level["id"]: level["name"] for level in description["rubricCriterionLevel"]}
        assert result["achievedLevel"] in levels
        assert levels[result["achievedLevel"]] == result["value"]
    assert {(descriptions[r["resultDescription"]]["name"], r["value"]) for r in rated} == {
        ("Teamwork", "Proficient"),
        ("Communication", "Advanced"),
    }


def test_each_rated_result_is_aligned_to_its_competency(credential):
    subject = credential.document["credentialSubject"]
    descriptions = {d["id"]: d["name"] for d in subject["achievement"]["resultDescription"]}

    for result in subject["result"]:
        if "achievedLevel" not in result:
            continue
        (alignment,) = result["alignment"]
        assert alignment["targetName"] == descriptions[result["resultDescription"]]
        assert alignment["targetCode"].startswith("NACE-")
        assert alignment["targetUrl"].startswith("https://www.naceweb.org/")
    achievement_codes = {a["targetCode"] for a in subject["achievement"]["alignment"]}
    assert achievement_codes == {"NACE-TEAM", "NACE-COM"}


def test_the_confirmed_hours_are_a_result(credential):
    subject = credential.document["credentialSubject"]
    descriptions = {d["id"]: d for d in subject["achievement"]["resultDescription"]}

    (hours,) = [r for r in subject["result"] if descriptions[r["resultDescription"]]["name"] == "Hours"]
    assert hours["value"] == "38"
    assert descriptions[hours["resultDescription"]]["resultType"] == "RawScore"


def test_it_carries_the_role_term_type_and_advisors_shared_note(credential):
    subject = credential.document["credentialSubject"]

    assert subject["role"] == "Treasurer"
    assert subject["term"] == "Fall 2025"
    assert subject["achievement"]["achievementType"] == "Membership"
    assert subject["narrative"] == "Ran a tight budget."


def test_the_supervisors_attestation_is_an_evidence_entry(credential):
    (attestation,) = [e for e in credential.document["evidence"] if e.get("genre") == "Attestation"]

    assert attestation["name"] == "Supervisor's attestation"
    assert "Morgan Host, Club sponsor, Engineering Society" in attestation["narrative"]
    assert "Hours: 36" in attestation["narrative"]
    assert "Teamwork: Proficient" in attestation["narrative"]
    assert "Careful with money." in attestation["narrative"]
    assert "mentor@host.example" not in str(credential.document)


def test_the_next_clr_nests_it_with_its_competencies_and_their_associations(
    verified, credential, student_learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        clr = credential_services.clr_issue(learner=student_learner)
    clr.refresh_from_db()

    assert clr.state == CredentialState.SIGNED, clr.error
    assert validate(clr.document, "ClrCredential") == []
    assert credential_verify(document_or_jwt=clr.document).verdict == "verified"
    subject = clr.document["credentialSubject"]
    nested_ids = [nested["id"] for nested in subject["verifiableCredential"]]
    assert credential.document["id"] in nested_ids
    competencies = {
        a["humanCode"]: a["id"] for a in subject["achievement"] if a.get("achievementType") == "Competency"
    }
    assert {"NACE-TEAM", "NACE-COM"} <= set(competencies)
    experience_achievement = credential.document["credentialSubject"]["achievement"]["id"]
    related = {
        (a["sourceId"], a["targetId"])
        for a in subject["association"]
        if a["associationType"] == "isRelatedTo"
    }
    assert (experience_achievement, competencies["NACE-TEAM"]) in related
    assert (experience_achievement, competencies["NACE-COM"]) in related


def test_undoing_the_verification_revokes_it_and_the_new_clr_leaves_it_out(
    verified, credential, student_learner, assigned_advisor, rubric, django_capture_on_commit_callbacks
):
    course = make_achievement(rubric, "CS 101")
    with django_capture_on_commit_callbacks(execute=True):
        award_create(
            learner=student_learner,
            achievement=course,
            term="Fall 2025",
            results=[{"result_description": course.current_version.result_descriptions.get(), "value": "A"}],
            credits_earned=4,
        )
        first_clr = credential_services.clr_issue(learner=student_learner)
    first_clr.refresh_from_db()
    assert credential.document["id"] in [
        n["id"] for n in first_clr.document["credentialSubject"]["verifiableCredential"]
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.experience_unverify(experience=verified, actor=assigned_advisor, reason="Wrong student.")

    credential.refresh_from_db()
    assert credential.is_revoked
    assert credential_verify(document_or_jwt=credential.document).verdict == "not_valid"
    current = IssuedCredential.objects.get(learner=student_learner, kind=CredentialKind.CLR, is_current=True)
    assert current.pk != first_clr.pk, "the CLR is issued again"
    assert current.state == CredentialState.SIGNED, current.error
    nested = [n["id"] for n in current.document["credentialSubject"]["verifiableCredential"]]
    assert credential.document["id"] not in nested
    assert len(nested) == 1

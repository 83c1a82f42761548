"""A result below the achievement's criteria is an attempt: on the record with its grade, never claimed.

The criteria are the result description's passing level (`required_value`, or `required_level` of a
rubric), which registrars set per scale.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from achievements.services import award_create
from credentials import services
from credentials.models import CredentialKind, IssuedCredential

from .conftest import grade

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def failed(learner, catalog):
    """CS 104, failed with an F in Spring 2024."""
    from tests.factories import make_achievement

    course = make_achievement(learner.institution, "CS 104", name="Discrete Mathematics", credits_available=3)
    return award_create(
        learner=learner, achievement=course, term="Spring 2024", results=grade(course, "F"),
        activity_start_date=datetime.date(2024, 1, 15), activity_end_date=datetime.date(2024, 5, 10),
    )  # fmt: skip


def test_a_failing_grade_is_stored_as_a_failed_result_and_the_award_as_an_attempt(failed, awards):
    assert [result.status for result in failed.results.all()] == ["Failed"]
    assert failed.is_attempt
    assert not any(award.is_attempt for award in awards)
    assert failed.credits_earned == 0


def test_no_achievement_credential_claims_an_attempt(failed):
    with pytest.raises(ValidationError, match="attempt"):
        services.credential_issue(award=failed)
    assert not IssuedCredential.objects.filter(award=failed).exists()


def test_a_bulk_job_issues_the_achieved_courses_and_a_clr_without_the_attempt(
    client, login, registrar_user, failed, awards, learner
):
    login(registrar_user)
    client.post(f"/institutions/{learner.institution.slug}/issuance/", {"term": ""})

    assert not IssuedCredential.objects.filter(award=failed).exists()
    assert IssuedCredential.objects.filter(kind=CredentialKind.ACHIEVEMENT).count() == 3
    clr = IssuedCredential.objects.get(kind=CredentialKind.CLR, learner=learner)
    codes = {
        vc["credentialSubject"]["achievement"]["humanCode"]
        for vc in clr.document["credentialSubject"]["verifiableCredential"]
    }
    assert codes == {"CS 101", "CS 102", "CS 103"}


def test_a_clr_of_only_attempts_is_refused_with_a_reason(learner, failed):
    with pytest.raises(ValidationError, match="nothing to put in a CLR"):
        services.clr_issue(learner=learner)


def test_the_registrar_sees_the_attempt_with_its_grade_and_no_issue_button(
    client, login, registrar_user, failed
):
    login(registrar_user)
    page = client.get(failed.learner.get_absolute_url()).content.decode()
    row = page[page.index(">CS 104</a>") :].split("</tr>")[0]
    assert "<td>F</td>" in row
    assert "<td>0.00</td>" in row
    assert "Attempted" in row
    assert f"/awards/{failed.pk}/issue" not in row


def test_a_rubric_level_below_the_required_level_is_an_attempt(learner, institution):
    from tests.factories import make_achievement

    capstone = make_achievement(
        institution, "CS 490", name="Capstone", results=[{
            "name": "Capstone rubric", "result_type": "RubricCriterionLevel", "required_level": "Developing",
            "levels": [{"name": "Proficient"}, {"name": "Developing"}, {"name": "Beginning"}],
        }],
    )  # fmt: skip
    rubric = capstone.current_version.result_descriptions.get()
    below = award_create(
        learner=learner, achievement=capstone, term="Fall 2025",
        results=[{"result_description": rubric, "value": "Beginning"}],
    )  # fmt: skip
    assert below.is_attempt
    assert rubric.is_passing("Developing") and not rubric.is_passing("Beginning")

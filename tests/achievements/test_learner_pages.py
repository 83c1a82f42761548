"""A learner's record, by term, and withdrawing an award."""

from datetime import date

import pytest

from achievements.models import AwardChange
from achievements.services import award_create
from institutions.models import AuditEntry
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(login, registrar_user):
    return login(registrar_user)


def test_the_learner_page_lists_awards_by_term_in_order(registrar, institution, course, learner):
    calculus = make_achievement(institution, "MATH 151", name="Calculus I")
    grade = course.current_version.result_descriptions.get()
    award_create(
        learner=learner,
        achievement=course,
        term="Spring 2026",
        activity_start_date=date(2026, 1, 20),
        results=[{"result_description": grade, "value": "B+"}],
        credits_earned=4,
    )
    award_create(learner=learner, achievement=calculus, term="Fall 2025", activity_start_date=date(2025, 8, 25),
                 results=[{"result_description": calculus.current_version.result_descriptions.get(), "value": "A"}],
                 credits_earned=4)  # fmt: skip
    html = registrar.get(learner.get_absolute_url()).content.decode()
    assert learner.full_name in html and learner.student_id in html
    assert html.index("Fall 2025") < html.index("Spring 2026")
    assert html.index("MATH 151") < html.index("CS 101")
    assert "B+" in html and "4.00 credits" in html


def test_the_learner_list_searches_by_name_and_student_id(registrar, institution, learner):
    html = registrar.get(
        f"/institutions/{institution.slug}/learners/", {"q": learner.student_id}
    ).content.decode()
    assert learner.full_name in html
    html = registrar.get(
        f"/institutions/{institution.slug}/learners/", {"q": "nobody-like-this"}
    ).content.decode()
    assert learner.full_name not in html


def test_withdrawing_an_award_needs_a_reason_and_keeps_its_history(registrar, institution, award):
    url = f"/institutions/{institution.slug}/awards/{award.pk}/withdraw"
    response = registrar.post(url, {"reason": ""}, follow=True)
    assert "Say why the award is withdrawn" in response.content.decode()
    award.refresh_from_db()
    assert not award.is_withdrawn

    response = registrar.post(url, {"reason": "Grade appeal upheld"}, follow=True)
    html = response.content.decode()
    assert "was withdrawn" in html and "Grade appeal upheld" in html
    award.refresh_from_db()
    assert award.is_withdrawn and award.withdrawn_reason == "Grade appeal upheld"
    assert list(AwardChange.objects.filter(award=award).values_list("action", flat=True)) == [
        "withdrawn",
        "created",
    ]
    assert AuditEntry.objects.filter(action="award.withdrawn", target=str(award.uuid)).exists()
    # Withdrawn awards stay on the record and no longer count in the catalog.
    assert (
        '<strong id="award-count">0</strong>'
        in registrar.get(award.achievement.get_absolute_url()).content.decode()
    )

"""A failed course on the learner's side: in the transcript with its grade and 0 credits, never "Verified"
or "Awarded", and no evidence of any competency."""

import datetime
import re
from decimal import Decimal

import pytest

from achievements.services import award_create
from credentials import services as credential_services

from .conftest import grade

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def record(learner, catalog, django_capture_on_commit_callbacks):
    intro, data, _team = catalog["courses"]
    dates = {
        "activity_start_date": datetime.date(2024, 9, 1),
        "activity_end_date": datetime.date(2024, 12, 15),
    }
    passed = award_create(
        learner=learner,
        achievement=intro,
        term="Fall 2024",
        results=grade(intro, "A"),
        credits_earned=4,
        **dates,
    )
    failed = award_create(
        learner=learner, achievement=data, term="Fall 2024", results=grade(data, "F"), **dates
    )
    with django_capture_on_commit_callbacks(execute=True):
        credential_services.bulk_issue(
            institution=learner.institution, selection=credential_services.Selection()
        )
    return {"passed": passed, "failed": failed}


def test_the_transcript_shows_the_attempt_with_its_grade_and_no_credits(client, login, student_user, record):
    login(student_user)
    response = client.get("/wallet/")
    [term] = response.context["record"].terms
    attempt = next(item for item in term.items if item.code == "CS 102")
    assert attempt.grades == ["F"]
    assert attempt.award.credits_earned == Decimal(0)
    assert attempt.credential is None
    assert attempt.state.label == "Attempted, not earned"
    assert term.credits == Decimal(4)

    row = _text(response).split("CS 102", 1)[1].split("Term credits", 1)[0]
    assert "F" in row and "Attempted, not earned" in row
    assert "Verified" not in row


def test_an_attempt_is_not_evidence_of_a_competency(client, login, student_user, record):
    login(student_user)
    skills = {skill.name: skill for skill in client.get("/wallet/").context["record"].skills}
    assert [item.code for item in skills["Programming fundamentals"].evidence] == ["CS 101"]

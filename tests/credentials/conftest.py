import datetime

import pytest

from achievements.services import association_create, award_create
from tests.factories import LearnerFactory, make_achievement
from tests.sends import keep_instead_of_sending


@pytest.fixture
def catalog(institution):
    """A program with three graded courses that are part of it."""
    program = make_achievement(
        institution,
        "BS-CS",
        achievement_type="Degree",
        name="BSc Computer Science",
        results=[],
        credits_available=120,
    )
    courses = [make_achievement(institution, f"CS {100 + n}", name=f"Computing {n}") for n in range(1, 4)]
    for course in courses:
        association_create(source=course, target=program, association_type="isPartOf")
    return {"program": program, "courses": courses}


def grade(achievement, value):
    description = achievement.current_version.result_descriptions.first()
    return [{"result_description": description, "value": value}] if description else []


@pytest.fixture
def learner(institution, student_user):
    return LearnerFactory(institution=institution, user=student_user, email=student_user.email)


@pytest.fixture
def awards(learner, catalog):
    made = []
    for n, (course, value) in enumerate(zip(catalog["courses"], ["A", "B+", "C"], strict=True)):
        made.append(
            award_create(
                learner=learner,
                achievement=course,
                term=f"Fall 202{n}",
                results=grade(course, value),
                credits_earned=4,
                activity_start_date=datetime.date(2020 + n, 9, 1),
                activity_end_date=datetime.date(2020 + n, 12, 15),
            )
        )
    return made


@pytest.fixture
def renders_sent(monkeypatch) -> list[str]:
    """The ids sent to be rendered as PDF companions (by signing or the sweep), kept instead of rendered."""
    from credentials.companion_tasks import render_companion_pdf

    sent: list[str] = []
    keep_instead_of_sending(
        monkeypatch, render_companion_pdf, lambda credential_id, options: sent.append(credential_id)
    )
    return sent

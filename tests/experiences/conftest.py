"""An institution with the NACE rubric, a student with a claimed record, and that student's advisor."""

import pytest
from django.utils import timezone

from experiences import services
from experiences.models import AdvisorAssignment, CompetencyLevel
from tests.factories import LearnerFactory


@pytest.fixture
def rubric(institution):
    services.competency_rubric_seed(institution=institution)
    return institution


@pytest.fixture
def student_learner(rubric, student_user):
    return LearnerFactory(
        institution=rubric, user=student_user, email=student_user.email, claimed_at=timezone.now()
    )


@pytest.fixture
def assigned_advisor(student_learner, advisor_user):
    AdvisorAssignment.objects.create(
        institution=student_learner.institution, advisor=advisor_user, learner=student_learner
    )
    return advisor_user


@pytest.fixture
def competency(rubric):
    from achievements.models import Achievement

    return Achievement.objects.get(institution=rubric, human_code="NACE-TEAM")


@pytest.fixture
def proficient(rubric):
    return CompetencyLevel.objects.get(institution=rubric, name="Proficient")


@pytest.fixture
def experience(student_learner, student_user, competency):
    return services.experience_create(
        learner=student_learner,
        fields={
            "title": "Robotics Club",
            "organisation": "Engineering Society",
            "role": "Treasurer",
            "category": "club",
            "term": "Fall 2025",
            "hours": 40,
            "description": "Kept the club's accounts and ran the build season budget.",
            "reflection": "Budgeting is teamwork.",
        },
        competencies=[competency],
        actor=student_user,
    )

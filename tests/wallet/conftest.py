"""A learner with a small, varied record: a degree, courses over two terms, a competency the courses
evidence, a skill a course is aligned to, and a co-curricular experience verified by an advisor."""

import datetime

import pytest

from achievements.services import association_create, award_create
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory, make_achievement

TEAMWORK_URL = "https://skills.example.org/teamwork"


def grade(achievement, value):
    description = achievement.current_version.result_descriptions.first()
    return [{"result_description": description, "value": value}] if description else []


@pytest.fixture
def catalog(institution):
    degree = make_achievement(
        institution, "BS-CS", achievement_type="BachelorDegree", name="BSc Computer Science",
        results=[], credits_available=120,
    )  # fmt: skip
    competency = make_achievement(
        institution, "NCCF-1.1", achievement_type="Competency", name="Programming fundamentals", results=[],
        credits_available=None,
        alignments=[{
            "target_name": "Programming fundamentals", "target_url": "https://case.example/cfitems/nccf-1-1",
            "target_framework": "Computing Competency Framework", "target_code": "NCCF-1.1",
            "target_type": "CFItem",
        }],
    )  # fmt: skip
    intro = make_achievement(institution, "CS 101", name="Introduction to Programming")
    data = make_achievement(institution, "CS 102", name="Data Structures")
    team = make_achievement(
        institution, "CS 230", name="Software Engineering", credits_available=3,
        alignments=[{"target_name": "Teamwork", "target_url": TEAMWORK_URL, "target_framework": "Skills"}],
    )  # fmt: skip
    tutor = make_achievement(
        institution, "CC-TUTOR", achievement_type="CoCurricular", name="Peer Tutor",
        results=[{"name": "Completion", "result_type": "Status"}], credits_available=None,
    )  # fmt: skip
    for course in (intro, data, team):
        association_create(source=course, target=degree, association_type="isPartOf")
    for course in (intro, data):
        association_create(source=course, target=competency, association_type="isRelatedTo")
    return {"degree": degree, "competency": competency, "courses": [intro, data, team], "tutor": tutor}


@pytest.fixture
def learner(institution, student_user):
    return LearnerFactory(
        institution=institution,
        user=student_user,
        email=student_user.email,
        given_name="Maya",
        family_name="Chen",
    )


@pytest.fixture
def awards(learner, catalog):
    intro, data, team = catalog["courses"]
    fall, spring = (
        (datetime.date(2024, 9, 1), datetime.date(2024, 12, 15)),
        (
            datetime.date(2025, 1, 20),
            datetime.date(2025, 5, 15),
        ),
    )
    made = {}
    for key, course, value, term, dates, credits in [
        ("intro", intro, "A", "Fall 2024", fall, 4),
        ("data", data, "B+", "Fall 2024", fall, 4),
        ("team", team, "C", "Spring 2025", spring, 3),
    ]:
        made[key] = award_create(
            learner=learner, achievement=course, term=term, results=grade(course, value), credits_earned=credits,
            activity_start_date=dates[0], activity_end_date=dates[1],
        )  # fmt: skip
    made["degree"] = award_create(
        learner=learner,
        achievement=catalog["degree"],
        credits_earned=120,
        awarded_date=datetime.date(2025, 6, 1),
    )
    made["tutor"] = award_create(
        learner=learner, achievement=catalog["tutor"], term="Spring 2025",
        results=[{"result_description": catalog["tutor"].current_version.result_descriptions.get(),
                  "status": "Completed"}],
        evidence=[{"name": "Verified by Dr. Ada Advisor", "narrative": "Tutored 12 first-year students."}],
        awarded_date=datetime.date(2025, 5, 20),
    )  # fmt: skip
    return made


@pytest.fixture
def issued(awards, issue):
    """The three courses and the degree issued; the co-curricular award not yet."""
    return {key: issue(awards[key]) for key in ("intro", "data", "team", "degree")}


@pytest.fixture
def other_student(institution):
    user = MembershipFactory(institution=institution, role=Role.STUDENT).user
    LearnerFactory(institution=institution, user=user, email=user.email)
    return user

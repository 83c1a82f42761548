"""The learner's dashboard at /wallet/, through HTTP."""

import datetime
import re
from decimal import Decimal

import pytest

from achievements.models import Alignment, Association, Award, AwardResult
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from tests.factories import LearnerFactory, make_achievement

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_dashboard_groups_the_whole_record_with_term_and_cumulative_credits(
    client, login, student_user, issued
):
    login(student_user)
    response = client.get("/wallet/")
    assert response.status_code == 200
    record = response.context["record"]

    assert [item.name for item in record.programs] == ["BSc Computer Science"]
    assert [(group.term, [item.code for item in group.items]) for group in record.terms] == [
        ("Fall 2024", ["CS 101", "CS 102"]),
        ("Spring 2025", ["CS 230"]),
    ]
    assert [(group.credits, group.cumulative) for group in record.terms] == [
        (Decimal(8), Decimal(8)),
        (Decimal(3), Decimal(11)),
    ]
    assert record.total_credits == Decimal(11)  # the degree's 120 credits are not course credits
    assert [item.grades for item in record.terms[0].items] == [["A"], ["B+"]]

    skills = {skill.name: skill for skill in record.skills}
    assert [item.code for item in skills["Programming fundamentals"].evidence] == ["CS 101", "CS 102"]
    assert skills["Programming fundamentals"].framework == "Computing Competency Framework"
    assert skills["Programming fundamentals"].url == "https://case.example/cfitems/nccf-1-1"
    assert [item.code for item in skills["Teamwork"].evidence] == ["CS 230"]
    assert [item.name for item in record.cocurricular] == ["Peer Tutor"]

    text = _text(response)
    assert (
        "Courses by term" in text
        and "Competencies and skills" in text
        and "Co-curricular experiences" in text
    )
    assert "Term credits 8" in text and "Cumulative: 11" in text
    assert "Verified by Dr. Ada Advisor" in text
    assert text.index("Fall 2024") < text.index("Spring 2025")


def test_each_item_shows_its_verification_state(client, login, student_user, issued, awards):
    from credentials.services import credential_revoke

    credential_revoke(credential=issued["team"], reason="Entered in error")
    login(student_user)
    record = client.get("/wallet/").context["record"]
    states = {item.code: item.state.label for group in record.terms for item in group.items}
    assert states == {"CS 101": "Verified", "CS 102": "Verified", "CS 230": "Revoked"}
    assert record.cocurricular[0].state.label == "Not issued yet"
    page = client.get("/wallet/").content.decode()
    assert f'href="/wallet/records/{issued["intro"].id}/"' in page


def test_the_dashboard_filters_by_type_term_skill_and_search_without_javascript(
    client, login, student_user, issued
):
    login(student_user)
    by_term = client.get("/wallet/", {"term": "Spring 2025"}).context["record"]
    assert [item.code for group in by_term.terms for item in group.items] == ["CS 230"]
    assert [item.name for item in by_term.cocurricular] == ["Peer Tutor"]
    assert by_term.programs == []

    by_type = client.get("/wallet/", {"type": "programs"}).context["record"]
    assert [item.name for item in by_type.programs] == ["BSc Computer Science"]
    assert by_type.terms == [] and by_type.cocurricular == [] and by_type.skills == []

    unfiltered = client.get("/wallet/").context["record"]
    teamwork = next(key for key, name in unfiltered.facets["skills"] if name == "Teamwork")
    by_skill = client.get("/wallet/", {"skill": teamwork}).context["record"]
    assert [item.code for group in by_skill.terms for item in group.items] == ["CS 230"]
    assert [skill.name for skill in by_skill.skills] == ["Teamwork"]

    searched = client.get("/wallet/", {"q": "data struct"})
    assert [item.code for group in searched.context["record"].terms for item in group.items] == ["CS 102"]
    assert "Showing 1 of" in _text(searched)
    # The filter form is a plain GET form: the chosen values come back selected.
    assert re.search(
        r'<option value="Spring 2025"\s+selected>',
        client.get("/wallet/", {"term": "Spring 2025"}).content.decode(),
    )


def test_the_dashboard_gathers_records_from_every_institution_of_the_person(
    client, login, student_user, issued, other_institution
):
    course = make_achievement(other_institution, "HIST 1", name="Medieval History")
    elsewhere = LearnerFactory(institution=other_institution, user=student_user)
    from achievements.services import award_create

    award_create(learner=elsewhere, achievement=course, term="Summer 2025", credits_earned=5,
                 activity_start_date=datetime.date(2025, 6, 1))  # fmt: skip
    login(student_user)
    record = client.get("/wallet/").context["record"]
    assert len(record.learners) == 2
    assert record.terms[-1].term == "Summer 2025"
    assert record.terms[-1].items[0].institution == other_institution
    assert record.total_credits == Decimal(16)


def test_someone_without_a_learner_record_sees_an_empty_dashboard_and_anonymous_users_log_in(
    client, login, registrar_user
):
    assert client.get("/wallet/").status_code == 302
    login(registrar_user)
    response = client.get("/wallet/")
    assert response.status_code == 200
    assert "No institution has linked a learner record" in _text(response)


def _big_record(institution, learner, count):
    """`count` awards over 10 terms, each with a grade, evidence and an issued credential."""
    per_term = count // 10
    competency = make_achievement(
        institution, "SKILL-1", achievement_type="Competency", name="Skill", results=[]
    )
    courses = [make_achievement(institution, f"C {n:03d}") for n in range(per_term)]
    Alignment.objects.bulk_create(
        Alignment(
            version=course.current_version, target_name=f"Skill {n}", target_url=f"https://s.example/{n}"
        )
        for n, course in enumerate(courses)
    )
    Association.objects.bulk_create(
        Association(institution=institution, source=course, target=competency, association_type="isRelatedTo")
        for course in courses
    )
    awards = Award.objects.bulk_create(
        Award(
            institution=institution, learner=learner, achievement=course,
            achievement_version=course.current_version, term=f"Term {term:02d}", credits_earned=3,
            activity_start_date=datetime.date(2000 + term, 9, 1), awarded_date=datetime.date(2000 + term, 12, 1),
        )
        for term in range(10)
        for course in courses
    )  # fmt: skip
    AwardResult.objects.bulk_create(
        AwardResult(
            award=award, result_description=award.achievement_version.result_descriptions.first(), value="B"
        )
        for award in awards
    )
    IssuedCredential.objects.bulk_create(
        IssuedCredential(
            institution=institution, kind=CredentialKind.ACHIEVEMENT, learner=learner, award=award,
            state=CredentialState.SIGNED,
        )
        for award in awards
    )  # fmt: skip
    return awards


@pytest.mark.parametrize("count", [10, 300])
def test_the_dashboard_needs_a_constant_number_of_queries(
    client, login, institution, student_user, django_assert_max_num_queries, count
):
    learner = LearnerFactory(institution=institution, user=student_user)
    _big_record(institution, learner, count)
    login(student_user)
    with django_assert_max_num_queries(15):
        response = client.get("/wallet/")
    assert response.status_code == 200
    record = response.context["record"]
    assert sum(len(group.items) for group in record.terms) == count
    assert all(item.state.label == "Verified" for group in record.terms for item in group.items)
    assert record.total_credits == Decimal(3 * count)
    # A competency evidenced by every course lists a few and links to the rest (a filter).
    skill = next(skill for skill in record.skills if skill.name == "Skill")
    assert len(skill.evidence) == count
    assert f"and {count - 6} more" in response.content.decode()
    with django_assert_max_num_queries(15):
        assert client.get("/wallet/", {"q": "C 001", "term": "Term 03"}).status_code == 200

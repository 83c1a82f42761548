"""Catalog achievements become schema-valid OB 3.0 documents; seed_demo builds a realistic institution."""

import io
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from achievements import selectors
from achievements.demo import COURSES, DEGREE_CODE, TERMS, seed_catalog
from achievements.models import Achievement, Association, Award, AwardResult, Learner
from vc import documents as vcd
from vc import schema

pytestmark = pytest.mark.django_db


def credential_for(version):
    achievement = selectors.achievement_version_document(version=version)
    return vcd.achievement_credential(
        id="urn:uuid:00000000-0000-4000-8000-000000000000",
        issuer=vcd.Profile(id="did:web:example.org", name="Example"),
        subject=vcd.AchievementSubject(id="did:example:learner", achievement=achievement),
        name=achievement.name,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_every_demo_catalog_achievement_is_a_schema_valid_ob3_achievement(institution):
    seed_catalog(institution=institution)
    for achievement in Achievement.objects.filter(institution=institution):
        version = selectors.version_with_details(version_id=achievement.current_version_id)
        document = credential_for(version)
        assert schema.validate(document, "AchievementCredential") == []
        body = document["credentialSubject"]["achievement"]
        assert body["humanCode"] == achievement.human_code
        assert body["criteria"]["narrative"]


def test_the_document_carries_alignments_result_descriptions_and_rubric_levels(institution):
    catalog = seed_catalog(institution=institution)
    capstone = selectors.achievement_version_json(version=catalog["CS 490"].current_version)
    grade, rubric = capstone["resultDescription"]
    # The full US letter scale, passing at D-.
    assert grade["allowedValue"] == ["A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"]
    assert grade["requiredValue"] == "D-"
    assert [level["name"] for level in rubric["rubricCriterionLevel"]][:2] == ["Exemplary", "Proficient"]
    assert rubric["requiredLevel"] == rubric["rubricCriterionLevel"][2]["id"]
    competency = selectors.achievement_version_json(version=catalog["NCCF-1.1"].current_version)
    assert competency["alignment"][0]["targetType"] == "CFItem"
    assert competency["alignment"][0]["targetCode"] == "NCCF-1.1"
    degree = selectors.achievement_version_json(version=catalog[DEGREE_CODE].current_version)
    assert degree["otherIdentifier"] == [
        {"type": "IdentifierEntry", "identifier": "11.0701", "identifierType": "ext:CIP"}
    ]


def test_a_new_version_names_the_others_as_related(institution, course):
    from achievements.services import achievement_update

    version = course.current_version
    achievement_update(
        achievement=course,
        fields={"name": "Programming I", "description": version.description, "criteria_narrative": "Pass."},
        alignments=[],
        result_descriptions=[],
        new_version=True,
    )
    course.refresh_from_db()
    document = selectors.achievement_version_json(version=course.current_version)
    assert document["version"] == "2"
    assert document["related"] == [
        {"id": version.public_id, "type": ["Related"], "version": "1", "inLanguage": "en"}
    ]


def test_seed_demo_builds_a_degree_certificate_competencies_and_transcripts(db):
    out = io.StringIO()
    call_command("seed_demo", "--students", "12", stdout=out)
    assert "57 achievements; 12 demo students added" in out.getvalue()
    courses = Achievement.objects.filter(current_version__achievement_type="Course")
    assert courses.count() == 40
    types = Counter(Achievement.objects.values_list("current_version__achievement_type", flat=True))
    assert types["Competency"] == 18 and types["Certificate"] == 1 and types["BachelorDegree"] == 1
    assert types["CoCurricular"] >= 3
    assert (
        Association.objects.filter(association_type="isPartOf", target__human_code=DEGREE_CODE).count() == 40
    )
    competency_links = Association.objects.filter(target__current_version__achievement_type="Competency")
    assert competency_links.filter(association_type="isRelatedTo").exists()
    assert Learner.objects.count() == 12
    terms = set(Award.objects.exclude(term="").values_list("term", flat=True))
    assert terms <= {term for term, _start, _end in TERMS} and len(terms) == 8
    grades = Counter(
        AwardResult.objects.filter(result_description__result_type="LetterGrade").values_list(
            "value", flat=True
        )
    )
    assert len(grades) >= 6 and grades["A"] > grades["F"]
    # Each student took five courses a term, in the order of the program.
    first = Learner.objects.get(student_id="S000001")
    assert first.awards.filter(achievement__current_version__achievement_type="Course").count() == len(
        COURSES
    )

    again = io.StringIO()
    call_command("seed_demo", "--students", "12", stdout=again)
    assert "0 demo students added" in again.getvalue()
    assert Learner.objects.count() == 12


def test_the_demo_student_account_has_a_record(db):
    call_command("seed_demo", "--students", "3", stdout=io.StringIO())
    learner = Learner.objects.get(user__email="student@northbridge.example")
    assert learner.awards.count() >= 40


def test_in_the_demo_every_failed_course_is_an_attempt_with_no_credits_and_nothing_else_is(db):
    call_command("seed_demo", "--students", "40", stdout=io.StringIO())
    failed = Award.objects.filter(results__value="F").distinct()
    assert failed.exists()
    assert all(award.is_attempt and award.credits_earned == 0 for award in failed)
    assert set(Award.objects.exclude(pk__in=failed).achieved().values_list("pk", flat=True)) == set(
        Award.objects.exclude(pk__in=failed).values_list("pk", flat=True)
    )

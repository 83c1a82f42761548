"""Associations between catalog achievements (CLR 2.0 associationType), added through the detail page."""

import pytest

from achievements.models import Association
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(login, registrar_user):
    return login(registrar_user)


@pytest.fixture
def program(institution):
    return {
        code: make_achievement(institution, code, achievement_type=kind)
        for code, kind in [("BS-CS", "BachelorDegree"), ("CORE", "LearningProgram"), ("CS 101", "Course"),
                           ("CS 102", "Course"), ("CS 201", "Course")]
    }  # fmt: skip


def associate(client, source, target, kind):
    url = f"/institutions/{source.institution.slug}/catalog/{source.pk}/associations"
    return client.post(url, {"association_type": kind, "target": target.pk}, follow=True)


def test_a_registrar_associates_a_course_with_its_program(registrar, program):
    response = associate(registrar, program["CS 101"], program["BS-CS"], "isPartOf")
    assert "The association was added." in response.content.decode()
    association = Association.objects.get()
    assert (association.source, association.target, association.association_type) == (
        program["CS 101"], program["BS-CS"], "isPartOf",
    )  # fmt: skip
    # Both ends show it.
    assert "isPartOf" in registrar.get(program["BS-CS"].get_absolute_url()).content.decode()


@pytest.mark.parametrize("kind", ["isPartOf", "precedes", "replacedBy", "isChildOf"])
def test_a_chain_that_would_loop_is_refused(registrar, program, kind):
    associate(registrar, program["CS 101"], program["CS 102"], kind)
    associate(registrar, program["CS 102"], program["CS 201"], kind)
    response = associate(registrar, program["CS 201"], program["CS 101"], kind)
    html = response.content.decode()
    assert "The association was not added" in html
    assert f"CS 201 {kind} CS 101 would make a loop" in html
    assert Association.objects.count() == 2


def test_parent_and_child_links_form_one_hierarchy(registrar, program):
    # CORE isParentOf CS 101, so CS 101 cannot also be the parent (or ancestor) of CORE.
    associate(registrar, program["CORE"], program["CS 101"], "isParentOf")
    response = associate(registrar, program["CORE"], program["CS 101"], "isChildOf")
    assert "would make a loop" in response.content.decode()
    associate(registrar, program["CS 101"], program["CS 102"], "isParentOf")
    response = associate(registrar, program["CORE"], program["CS 102"], "isChildOf")
    assert "would make a loop" in response.content.decode()
    assert Association.objects.count() == 2


def test_types_that_may_go_both_ways_are_allowed(registrar, program):
    associate(registrar, program["CS 101"], program["CS 102"], "isRelatedTo")
    associate(registrar, program["CS 102"], program["CS 101"], "isRelatedTo")
    associate(registrar, program["CS 101"], program["CS 102"], "isPeerOf")
    associate(registrar, program["CS 102"], program["CS 101"], "isPeerOf")
    assert Association.objects.count() == 4


def test_the_same_association_is_not_added_twice(registrar, program):
    associate(registrar, program["CS 101"], program["BS-CS"], "isPartOf")
    response = associate(registrar, program["CS 101"], program["BS-CS"], "isPartOf")
    assert "already associated" in response.content.decode()
    assert Association.objects.count() == 1


def test_another_institutions_achievement_cannot_be_the_target(registrar, program, other_institution):
    outsider = make_achievement(other_institution, "OUT 1")
    response = associate(registrar, program["CS 101"], outsider, "isPartOf")
    assert "Choose an association type and an achievement of this catalog." in response.content.decode()
    assert not Association.objects.exists()


def test_an_association_can_be_removed(registrar, program):
    associate(registrar, program["CS 101"], program["BS-CS"], "isPartOf")
    association = Association.objects.get()
    url = f"/institutions/{association.institution.slug}/catalog/{program['CS 101'].pk}/associations/{association.pk}/delete"
    assert registrar.post(url).status_code == 302
    assert not Association.objects.exists()

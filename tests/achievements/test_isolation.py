"""A registrar of one institution can neither see nor change another institution's catalog or learners."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from achievements.models import Achievement, Association, Award, ImportRun
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory, make_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(login, other_institution):
    """A registrar of the other institution, logged in."""
    return login(MembershipFactory(institution=other_institution, role=Role.REGISTRAR).user)


def test_the_other_institutions_pages_are_forbidden(outsider, institution, course, award):
    base = f"/institutions/{institution.slug}"
    for url in (
        f"{base}/catalog/",
        f"{base}/catalog/new",
        f"{base}/catalog/{course.pk}/",
        f"{base}/catalog/{course.pk}/edit",
        f"{base}/learners/",
        f"{base}/learners/{award.learner_id}/",
        f"{base}/imports/",
    ):
        response = outsider.get(url)
        assert response.status_code == 403, url
        assert b"CS 101" not in response.content
    assert outsider.post(f"{base}/awards/{award.pk}/withdraw", {"reason": "x"}).status_code == 403
    award.refresh_from_db()
    assert not award.is_withdrawn


def test_ids_of_another_institution_are_not_found_under_ones_own(outsider, other_institution, course, award):
    base = f"/institutions/{other_institution.slug}"
    own = make_achievement(other_institution, "OWN 1")
    for url in (
        f"{base}/catalog/{course.pk}/",
        f"{base}/catalog/{course.pk}/edit",
        f"{base}/learners/{award.learner_id}/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"{base}/awards/{award.pk}/withdraw", {"reason": "x"}).status_code == 404
    assert outsider.post(f"{base}/catalog/{course.pk}/edit", {"name": "Hijacked"}).status_code == 404
    assert (
        outsider.post(
            f"{base}/catalog/{own.pk}/associations", {"association_type": "isPartOf", "target": course.pk}
        ).status_code
        == 302
    )
    assert not Association.objects.exists()
    award.refresh_from_db()
    course.refresh_from_db()
    assert not award.is_withdrawn
    assert course.current_version.name == "Introduction to Programming"


def test_lists_and_searches_show_only_ones_own_institution(outsider, other_institution, course, award):
    base = f"/institutions/{other_institution.slug}"
    make_achievement(other_institution, "OWN 1")
    LearnerFactory(institution=other_institution, family_name="Ownlearner")
    catalog = outsider.get(f"{base}/catalog/", {"q": "CS"}).content.decode()
    assert "CS 101" not in catalog
    assert "OWN 1" in outsider.get(f"{base}/catalog/").content.decode()
    learners = outsider.get(f"{base}/learners/").content.decode()
    assert award.learner.family_name not in learners
    assert "Ownlearner" in learners


def test_import_runs_of_another_institution_are_not_found(
    login, registrar_user, outsider, institution, other_institution
):
    own_client = login(registrar_user)
    own_client.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile("a.csv", b"student_id,given_name,family_name,achievement_code\n")},
    )
    run = ImportRun.objects.get()
    outsider = login(MembershipFactory(institution=other_institution, role=Role.REGISTRAR).user)
    assert outsider.get(f"/institutions/{other_institution.slug}/imports/{run.pk}/").status_code == 404
    assert (
        outsider.post(
            f"/institutions/{other_institution.slug}/imports/{run.pk}/", {"mode": "all"}
        ).status_code
        == 404
    )


def test_an_import_only_touches_the_importing_institutions_records(
    login, other_institution, institution, course
):
    """Institution B imports a row naming a code that exists only at A: nothing at A changes."""
    client = login(MembershipFactory(institution=other_institution, role=Role.REGISTRAR).user)
    client.post(
        f"/institutions/{other_institution.slug}/imports/",
        {
            "file": SimpleUploadedFile(
                "b.csv",
                b"student_id,given_name,family_name,achievement_code,awarded_date\n"
                b"S1,A,B,CS 101,2025-01-01\n",
            )
        },
    )
    run = ImportRun.objects.get()
    assert run.institution == other_institution and run.problem_count == 1
    client.post(f"/institutions/{other_institution.slug}/imports/{run.pk}/", {"mode": "valid_only"})
    assert not Award.objects.exists()
    assert Achievement.objects.filter(institution=institution).count() == 1

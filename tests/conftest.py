"""Fixtures composed as the domain is: institution -> signing keys -> people with roles."""

import pytest

from institutions import services
from institutions.models import Role
from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory


@pytest.fixture
def institution(db):
    created = InstitutionFactory()
    services.signing_keys_rotate(institution=created)
    return created


@pytest.fixture
def other_institution(db):
    created = InstitutionFactory()
    services.signing_keys_rotate(institution=created)
    return created


def _member(institution, role):
    return MembershipFactory(institution=institution, role=role).user


@pytest.fixture
def admin_user(institution):
    return _member(institution, Role.ADMIN)


@pytest.fixture
def registrar_user(institution):
    return _member(institution, Role.REGISTRAR)


@pytest.fixture
def advisor_user(institution):
    return _member(institution, Role.ADVISOR)


@pytest.fixture
def student_user(institution):
    return _member(institution, Role.STUDENT)


@pytest.fixture
def login(client):
    """Log a user in through the real login form, so the test covers what a person does."""

    def _login(user, password=PASSWORD):
        client.logout()
        response = client.post("/accounts/login/", {"login": user.email, "password": password})
        assert response.status_code == 302, response.content[:500]
        return client

    return _login


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def course(institution):
    """CS 101 in the institution's catalog: a 4-credit course graded A–F, passing at D."""
    from tests.factories import make_achievement

    return make_achievement(institution, "CS 101", name="Introduction to Programming")


@pytest.fixture
def learner(institution):
    from tests.factories import LearnerFactory

    return LearnerFactory(institution=institution)


@pytest.fixture
def award(course, learner):
    from achievements.services import award_create

    return award_create(
        learner=learner,
        achievement=course,
        term="Fall 2025",
        results=[{"result_description": course.current_version.result_descriptions.get(), "value": "A-"}],
        credits_earned=4,
    )

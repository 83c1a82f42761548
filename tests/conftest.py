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


def _signed_and_published(capture_on_commit, issue):
    """Run `issue()` (a credentials service), with the eager signing task its commit sends; check that the
    credential is signed and publish its status list now: published lazily during a verification, it
    can be signed with a validFrom a second later than the verifier's "now" (reported to the credentials
    app)."""
    from credentials.status_lists import status_list_publish

    with capture_on_commit(execute=True):
        credential = issue()
    credential.refresh_from_db()
    assert credential.state == "signed", credential.error
    status_list_publish(status_list_id=credential.status_list_id)
    return credential


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """Issue an award's credential through the pipeline (the eager task signs it on commit)."""
    from credentials import services as credential_services

    return lambda award: _signed_and_published(
        django_capture_on_commit_callbacks, lambda: credential_services.credential_issue(award=award)
    )


@pytest.fixture
def issue_clr(django_capture_on_commit_callbacks):
    """Issue a learner's ClrCredential through the pipeline, its status list published."""
    from credentials import services as credential_services

    return lambda learner: _signed_and_published(
        django_capture_on_commit_callbacks, lambda: credential_services.clr_issue(learner=learner)
    )

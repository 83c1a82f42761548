import pytest
from django.test import override_settings

from institutions.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def settings_url(institution):
    return f"/institutions/{institution.slug}/settings/"


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, institution):
    response = client.get(settings_url(institution))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_student_gets_403_on_institution_settings(login, institution, student_user):
    client = login(student_user)
    response = client.get(settings_url(institution))
    assert response.status_code == 403
    assert institution.name.encode() not in response.content or b"Not allowed" in response.content
    assert b"Signing keys" not in response.content


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.ADVISOR, Role.STUDENT])
def test_only_admins_may_post_to_settings_or_keys(login, institution, role):
    user = MembershipFactory(institution=institution, role=role).user
    client = login(user)
    assert client.post(settings_url(institution), {"name": "Hijacked"}).status_code == 403
    assert client.post(f"/institutions/{institution.slug}/settings/keys/rotate").status_code == 403
    institution.refresh_from_db()
    assert institution.name != "Hijacked"
    assert institution.signing_keys.count() == 2


def test_an_admin_of_another_institution_gets_403(login, institution, other_institution):
    outsider = MembershipFactory(institution=other_institution, role=Role.ADMIN).user
    client = login(outsider)
    assert client.get(settings_url(institution)).status_code == 403
    assert client.get(settings_url(other_institution)).status_code == 200


def test_one_person_may_hold_several_roles(login, institution):
    person = MembershipFactory(institution=institution, role=Role.STUDENT).user
    MembershipFactory(institution=institution, role=Role.ADMIN, user=person)
    client = login(person)
    assert client.get(settings_url(institution)).status_code == 200


def test_an_unknown_institution_is_404(login, admin_user):
    client = login(admin_user)
    assert client.get("/institutions/no-such-place/settings/").status_code == 404
    assert client.get("/institutions/no-such-place/").status_code == 404


@override_settings(PORTAL_REQUIRE_ADMIN_MFA=True)
def test_admins_must_set_up_two_factor_when_the_institution_requires_it(
    login, institution, admin_user, student_user
):
    client = login(admin_user)
    response = client.get(settings_url(institution))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # The requirement is for admins only.
    assert login(student_user).get(settings_url(institution)).status_code == 403

"""Django admin signs people in only through allauth, so two-factor and allauth's rate limits apply."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings

from tests.factories import PASSWORD, UserFactory
from tests.institutions.test_two_factor import current_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_admin_login_page_sends_people_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/institutions/institution/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/institutions/institution/"
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


def test_a_superuser_password_posted_to_the_admin_login_does_not_sign_in(client, superuser):
    response = client.post("/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_superuser_with_totp_reaches_the_admin_only_after_the_totp_step(client, superuser):
    secret = generate_totp_secret()
    TOTP.activate(superuser, secret)

    login_url = client.get("/admin/login/?next=/admin/")["Location"]
    response = client.post(login_url, {"login": superuser.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # the password alone does not open the admin

    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert b"Site administration" in page.content


def test_a_signed_in_person_who_is_not_staff_is_refused_the_admin_without_a_redirect_loop(client, login):
    login(UserFactory())
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/").status_code == 403


@override_settings(PORTAL_REQUIRE_ADMIN_MFA=True)
def test_staff_without_totp_must_set_it_up_before_the_admin_when_two_factor_is_required(
    client, login, superuser
):
    login(superuser)
    response = client.get("/admin/", follow=True)
    assert "/accounts/2fa/totp/activate/" in [url for url, _status in response.redirect_chain]
    assert client.get("/admin/institutions/institution/").status_code == 302

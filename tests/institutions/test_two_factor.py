"""TOTP two-factor through allauth's real pages, and the setting that requires it of institution admins."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def current_code(secret: str, *, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


@override_settings(PORTAL_REQUIRE_ADMIN_MFA=True, MFA_TOTP_TOLERANCE=1)
def test_an_admin_sets_up_totp_and_then_needs_a_code_to_log_in(client, login, institution, admin_user):
    settings_url = f"/institutions/{institution.slug}/settings/"
    login(admin_user)
    assert client.get(settings_url)["Location"] == "/accounts/2fa/totp/activate/"

    page = client.get("/accounts/2fa/totp/activate/", follow=True)
    if page.redirect_chain and "/accounts/reauthenticate/" in page.redirect_chain[-1][0]:
        # allauth asks for the password again before a security change.
        page = client.post(page.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert page.status_code == 200
    assert b"code" in page.content
    secret = client.session["mfa.totp.secret"]
    wrong = client.post(
        "/accounts/2fa/totp/activate/", {"code": "000000" if current_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200  # refused, the form is shown again
    assert client.get(settings_url).status_code == 302
    activated = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret, step=-1)})
    assert activated.status_code == 302
    assert client.get(settings_url).status_code == 200

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get(settings_url).status_code == 302  # the password alone does not sign in
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get(settings_url).status_code == 200

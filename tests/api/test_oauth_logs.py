"""No client secret, authorization code, PKCE verifier or token in any log line of a whole OAuth session,
with every logger at DEBUG (django-oauth-toolkit and oauthlib log at DEBUG). The capture is the security
suite's (tests/security/test_log_scan.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from api import scopes
from tests.factories import PASSWORD, UserFactory
from tests.security.test_log_scan import CAPTURES, configured_debug_logs, logs  # noqa: F401 (fixtures)

from .oauth_helpers import (
    authorize_url,
    basic_auth,
    consent,
    exchange,
    pkce_pair,
    redirect_query,
    register,
    token_request,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_whole_oauth_session_logs_no_secret_code_or_token(request, capture):
    from django.core.cache import cache

    cache.clear()
    learner = UserFactory()  # before the capture: the factory logs the password it sets
    captured = request.getfixturevalue(capture)
    registration = register()
    browser = Client()
    assert (
        browser.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD}).status_code
        == 302
    )
    verifier, challenge = pkce_pair()
    answer = redirect_query(
        consent(
            browser, authorize_url(registration, scope=scopes.OB_CREDENTIAL_READONLY, challenge=challenge)
        )
    )
    code = answer["code"]
    wrong = exchange(Client(), registration, code, pkce_pair()[0])
    assert wrong.status_code == 400
    tokens = exchange(Client(), registration, code, verifier).json()
    refreshed = token_request(
        Client(), registration, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    ).json()
    assert exchange(Client(), registration, code, verifier).status_code == 400  # the code again
    bad_auth = token_request(
        Client(),
        registration,
        {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=basic_auth(registration["client_id"], registration["client_secret"] + "x"),
    )
    assert bad_auth.status_code == 401
    revoke = Client().post(
        reverse("oauth:revoke"),
        {"token": refreshed["access_token"]},
        headers={"authorization": basic_auth(registration["client_id"], registration["client_secret"])},
    )
    assert revoke.status_code == 200

    captured.assert_free_of(
        {
            "client secret": registration["client_secret"],
            "authorization code": code,
            "code verifier": verifier,
            "access token": tokens["access_token"],
            "refresh token": tokens["refresh_token"],
            "refreshed access token": refreshed["access_token"],
            "refreshed refresh token": refreshed["refresh_token"],
            "password": PASSWORD,
        }
    )

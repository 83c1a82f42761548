"""The authorization code flow as 1EdTech requires it, through HTTP: PKCE S256 and state required, Basic
client authentication, one use per code, refresh tokens rotated, RFC 7009 revocation.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from api import scopes
from api.models import InstitutionClient
from tests.factories import UserFactory

from .oauth_helpers import (
    REDIRECT_URI,
    authorization_code,
    authorize_url,
    basic_auth,
    consent,
    exchange,
    learner_token,
    pkce_pair,
    redirect_query,
    register,
    token_request,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_counters")]
READ = f"{scopes.OB_CREDENTIAL_READONLY} {scopes.CLR_CREDENTIAL_READONLY}"


@pytest.fixture
def learner():
    return UserFactory()


@pytest.fixture
def browser(learner):
    signed_in = Client()
    signed_in.force_login(learner)
    return signed_in


@pytest.fixture
def registration():
    return register()


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def test_a_learner_allows_a_client_and_it_gets_tokens_with_the_scope_they_allowed(
    browser, registration, learner
):
    code, verifier = authorization_code(browser, registration, scope=READ, state="xyz-123")

    response = exchange(Client(), registration, code, verifier)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == READ.split()
    assert body["refresh_token"]
    assert response["Cache-Control"] == "no-store"
    token = get_access_token_model().objects.get(user=learner)
    assert token.application.client_id == registration["client_id"]
    assert token.token == "", "only the token's hash is stored"


def test_the_token_is_a_learners_and_client_credentials_tokens_have_no_user(learner, institution, admin_user):
    learner_body = learner_token(learner, scope=READ)
    assert get_access_token_model().objects.get(user=learner).scope == READ

    Application = get_application_model()
    system = Application(
        name="SIS", client_type="confidential", authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS
    )
    secret = system.client_secret
    system.save()
    InstitutionClient.objects.create(
        application=system, institution=institution, role="registrar", created_by=admin_user
    )
    response = Client().post(
        reverse("oauth:token"),
        {"grant_type": "client_credentials"},
        headers={"authorization": basic_auth(system.client_id, secret)},
    )

    assert response.status_code == 200, response.content
    assert response.json()["access_token"] != learner_body["access_token"]
    system_token = get_access_token_model().objects.get(application=system)
    assert system_token.user is None
    assert "refresh_token" not in response.json()


def test_client_credentials_are_refused_to_a_client_that_is_not_an_institution_system(registration):
    response = token_request(Client(), registration, {"grant_type": "client_credentials"})

    assert response.status_code in (400, 401)
    assert response.json()["error"] == "unauthorized_client"


def test_an_authorization_request_without_pkce_goes_back_to_the_client_with_invalid_request(
    browser, registration
):
    url = authorize_url(registration, scope=READ, challenge=None, code_challenge_method=None)

    response = browser.get(url)

    assert response.status_code == 302
    answer = redirect_query(response)
    assert response["Location"].startswith(REDIRECT_URI)
    assert answer["error"] == "invalid_request"
    assert answer["error_description"] == "Code challenge required."
    assert answer["state"] == "state-1"


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_plain_or_no_method_is_refused_only_s256_is_allowed(browser, registration, method):
    verifier, _challenge = pkce_pair()
    url = authorize_url(registration, scope=READ, challenge=verifier, code_challenge_method=method)

    answer = redirect_query(browser.get(url))

    assert answer["error"] == "invalid_request"
    assert "not supported" in answer["error_description"]


def test_an_authorization_request_without_state_is_refused(browser, registration):
    _verifier, challenge = pkce_pair()

    answer = redirect_query(
        browser.get(authorize_url(registration, scope=READ, challenge=challenge, state=None))
    )

    assert answer == {"error": "invalid_request", "error_description": "The state parameter is required."}


def test_an_unknown_redirect_uri_is_never_redirected_to(browser, registration):
    _verifier, challenge = pkce_pair()
    url = authorize_url(registration, scope=READ, challenge=challenge, redirect_uri="https://evil.example/cb")

    response = browser.get(url)

    assert response.status_code == 400
    assert "cannot be completed" in response.content.decode()


def test_a_scope_the_client_did_not_register_is_refused(browser):
    registration = register(scope=scopes.OB_CREDENTIAL_READONLY)
    _verifier, challenge = pkce_pair()

    answer = redirect_query(
        browser.get(authorize_url(registration, scope=scopes.OB_CREDENTIAL_UPSERT, challenge=challenge))
    )

    assert answer["error"] == "invalid_scope"


def test_a_wrong_code_verifier_gets_invalid_grant(browser, registration):
    code, _verifier = authorization_code(browser, registration, scope=READ)
    wrong, _challenge = pkce_pair()

    response = exchange(Client(), registration, code, wrong)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_used_twice_is_refused_and_the_tokens_issued_from_it_are_revoked(
    browser, registration, learner
):
    code, verifier = authorization_code(browser, registration, scope=READ)
    first = exchange(Client(), registration, code, verifier).json()
    refreshed = token_request(
        Client(), registration, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert refreshed["access_token"]

    again = exchange(Client(), registration, code, verifier)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert not get_access_token_model().objects.filter(user=learner).exists(), "its access tokens live on"
    assert not get_refresh_token_model().objects.filter(user=learner, revoked__isnull=True).exists()
    after = token_request(
        Client(), registration, {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]}
    )
    assert after.json()["error"] == "invalid_grant"


def test_the_token_endpoint_needs_http_basic_client_authentication_of_a_registered_client(
    browser, registration
):
    code, verifier = authorization_code(browser, registration, scope=READ)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }

    in_the_body = Client().post(
        reverse("oauth:token"),
        {**data, "client_id": registration["client_id"], "client_secret": registration["client_secret"]},
    )
    wrong_secret = token_request(
        Client(), registration, data, auth=basic_auth(registration["client_id"], "wrong")
    )

    assert in_the_body.status_code == 401 and in_the_body.json()["error"] == "invalid_client"
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert exchange(Client(), registration, code, verifier).status_code == 200


def test_a_refresh_gives_a_new_pair_and_the_old_refresh_token_is_spent(browser, registration):
    code, verifier = authorization_code(browser, registration, scope=READ)
    first = exchange(Client(), registration, code, verifier).json()

    refreshed = token_request(
        Client(),
        registration,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "scope": scopes.OB_CREDENTIAL_READONLY,
        },
    )

    assert refreshed.status_code == 200, refreshed.content
    body = refreshed.json()
    assert body["access_token"] != first["access_token"]
    assert body["refresh_token"] != first["refresh_token"]
    assert body["scope"] == scopes.OB_CREDENTIAL_READONLY
    replayed = token_request(
        Client(), registration, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replayed.json()["error"] == "invalid_grant"
    # A replayed refresh token revokes its whole family (reuse protection): the new one is dead too.
    assert (
        token_request(
            Client(), registration, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
        ).json()["error"]
        == "invalid_grant"
    )


def test_a_refresh_cannot_widen_the_scope(browser, registration):
    code, verifier = authorization_code(browser, registration, scope=scopes.OB_CREDENTIAL_READONLY)
    first = exchange(Client(), registration, code, verifier).json()

    wider = token_request(
        Client(),
        registration,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": READ},
    )

    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("hint", ["access_token", "refresh_token"])
def test_revoking_either_token_ends_both(browser, registration, learner, hint):
    code, verifier = authorization_code(browser, registration, scope=READ)
    body = exchange(Client(), registration, code, verifier).json()

    response = Client().post(
        reverse("oauth:revoke"),
        {"token": body[hint], "token_type_hint": hint},
        headers={"authorization": basic_auth(registration["client_id"], registration["client_secret"])},
    )

    assert response.status_code == 200
    assert not get_access_token_model().objects.filter(user=learner).exists()
    refreshed = token_request(
        Client(), registration, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_revocation_needs_the_clients_own_credentials(browser, registration, learner):
    code, verifier = authorization_code(browser, registration, scope=READ)
    body = exchange(Client(), registration, code, verifier).json()
    other = register()

    unauthenticated = Client().post(reverse("oauth:revoke"), {"token": body["access_token"]})
    by_another_client = Client().post(
        reverse("oauth:revoke"),
        {"token": body["access_token"]},
        headers={"authorization": basic_auth(other["client_id"], other["client_secret"])},
    )

    assert unauthenticated.status_code == 401
    assert by_another_client.status_code == 200  # RFC 7009: an unknown token is not an error...
    assert get_access_token_model().objects.filter(user=learner).exists()  # ...and nothing was revoked


def test_a_denied_request_goes_back_to_the_client_with_access_denied_and_no_code(
    browser, registration, learner
):
    _verifier, challenge = pkce_pair()

    answer = redirect_query(
        consent(browser, authorize_url(registration, scope=READ, challenge=challenge), allow=False)
    )

    assert answer == {"error": "access_denied", "state": "state-1"}
    assert not get_access_token_model().objects.filter(user=learner).exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"grant_type": "password", "username": "a", "password": "b"}, {"grant_type": "implicit"}],
    ids=["none", "password", "implicit"],
)
def test_other_grant_types_are_refused_at_the_token_endpoint(registration, data):
    response = token_request(Client(), registration, data)

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_an_anonymous_visitor_is_sent_to_the_real_login_and_comes_back_to_the_consent_page(
    registration, learner
):
    from tests.factories import PASSWORD

    visitor = Client()
    _verifier, challenge = pkce_pair()
    url = authorize_url(registration, scope=READ, challenge=challenge)

    to_login = visitor.get(url)
    assert to_login.status_code == 302
    assert to_login["Location"].startswith(reverse("account_login"))
    logged_in = visitor.post(to_login["Location"], {"login": learner.email, "password": PASSWORD})

    assert logged_in.status_code == 302
    assert logged_in["Location"] == url
    assert visitor.get(url).status_code == 200


def test_a_learners_token_reaches_the_1edtech_api_as_that_learner_and_a_minted_one_too(learner):
    from .oauth_helpers import mint_token

    through_the_flow = learner_token(learner, scope=scopes.OB_PROFILE_READONLY)["access_token"]
    minted = mint_token(learner, scope=scopes.OB_PROFILE_READONLY)

    for token in (through_the_flow, minted):
        response = Client().get("/ims/ob/v3p0/profile", headers=bearer(token))
        assert response.status_code == 200, response.content
    assert Client().get("/ims/ob/v3p0/profile", headers=bearer("not-a-token")).status_code == 401
    wrong_scope = mint_token(learner, scope=scopes.CLR_PROFILE_READONLY)
    assert Client().get("/ims/ob/v3p0/profile", headers=bearer(wrong_scope)).status_code == 403


def test_the_redirect_back_carries_the_code_the_state_and_the_scope_allowed(browser, registration):
    _verifier, challenge = pkce_pair()
    url = authorize_url(registration, scope=READ, challenge=challenge, state="s-9")

    answer = redirect_query(consent(browser, url))

    assert set(answer) == {"code", "state", "scope", "iss"}
    assert (answer["state"], answer["scope"]) == ("s-9", READ)
    assert answer["iss"] == settings.PORTAL_BASE_URL  # RFC 9207: which server answered


def test_with_the_development_setting_a_loopback_client_gets_its_code_over_http(browser, settings):
    settings.PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP = True
    base = "http://127.0.0.1:8765"
    registration = register(
        client_uri=base + "/",
        logo_uri=base + "/logo.png",
        tos_uri=base + "/terms",
        policy_uri=base + "/privacy",
        redirect_uris=[base + "/cb"],
    )

    code, verifier = authorization_code(browser, registration, scope=READ)

    assert exchange(Client(), registration, code, verifier).status_code == 200

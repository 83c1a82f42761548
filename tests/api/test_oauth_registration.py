"""Dynamic client registration as 1EdTech profiles RFC 7591: what is accepted, echoed, stored, and refused."""

import json
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from oauth2_provider.models import get_application_model

from api import scopes
from api.models import RegisteredClient

from .oauth_helpers import basic_auth, registration_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_counters")]
URL = "/oauth/register"


def post(body, *, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post(URL, data, content_type=content_type)


def test_the_registration_url_is_the_one_the_discovery_documents_name():
    assert reverse("oauth:register") == URL


def test_a_registration_with_the_required_metadata_is_accepted_echoed_and_stored():
    before = int(time.time())
    request = registration_request()

    response = post(request)

    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert {key: body[key] for key in request} == request
    assert body["client_id"] and len(body["client_secret"]) >= 40
    assert body["client_secret_expires_at"] == 0
    assert before - 1 <= body["client_id_issued_at"] <= time.time() + 1
    application = get_application_model().objects.get(client_id=body["client_id"])
    assert application.client_type == "confidential"
    assert application.authorization_grant_type == "authorization-code"
    assert application.registration_source == "dcr"
    assert application.name == "Example Wallet"
    assert application.client_secret != body["client_secret"], "the secret is stored hashed"
    registered = RegisteredClient.objects.get(application=application)
    assert (registered.logo_uri, registered.software_id) == (request["logo_uri"], request["software_id"])
    assert registered.metadata["scope"] == request["scope"]


def test_the_optional_methods_default_to_the_only_ones_allowed():
    request = registration_request(token_endpoint_auth_method=None, grant_types=None, response_types=None)

    body = post(request).json()

    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["grant_types"] == ["authorization_code"]
    assert body["response_types"] == ["code"]


def test_offline_access_as_in_1edtechs_example_is_accepted():
    body = post(registration_request(scope=f"{scopes.OB_CREDENTIAL_READONLY} offline_access")).json()

    assert body["scope"] == f"{scopes.OB_CREDENTIAL_READONLY} offline_access"


def test_a_registered_client_can_authenticate_with_its_secret_at_once():
    body = post(registration_request()).json()

    response = Client().post(
        reverse("oauth:revoke"),
        {"token": "nothing-like-a-token"},
        headers={"authorization": basic_auth(body["client_id"], body["client_secret"])},
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "client_name",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "software_id",
        "software_version",
        "redirect_uris",
        "scope",
    ],
)
def test_each_required_metadata_missing_is_refused_naming_it(name):
    response = post(registration_request(**{name: None}))

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client_metadata",
        "error_description": f"Required metadata missing: {name}.",
    }
    assert not get_application_model().objects.exists()


REFUSALS = [
    (
        "http-url",
        {"logo_uri": "http://wallet.example.org/logo.png"},
        "invalid_client_metadata",
        "logo_uri must use https.",
    ),
    (
        "other-host",
        {"tos_uri": "https://elsewhere.example.com/terms"},
        "invalid_client_metadata",
        "All URLs must be on the host of client_uri (wallet.example.org); not tos_uri.",
    ),
    (
        "redirect-other-host",
        {"redirect_uris": ["https://evil.example/cb"]},
        "invalid_redirect_uri",
        "All URLs must be on the host of client_uri (wallet.example.org); not redirect_uris[0].",
    ),
    (
        "redirect-http",
        {"redirect_uris": ["http://wallet.example.org/cb"]},
        "invalid_redirect_uri",
        "redirect_uris[0] must use https.",
    ),
    (
        "redirect-loopback-http",
        {"redirect_uris": ["http://127.0.0.1:8765/cb"]},
        "invalid_redirect_uri",
        "redirect_uris[0] must use https.",
    ),
    (
        "redirect-fragment",
        {"redirect_uris": ["https://wallet.example.org/cb#x"]},
        "invalid_redirect_uri",
        "redirect_uris[0] must not have a fragment.",
    ),
    (
        "redirect-empty",
        {"redirect_uris": []},
        "invalid_redirect_uri",
        "redirect_uris must be a non-empty array of URLs.",
    ),
    (
        "redirect-not-a-list",
        {"redirect_uris": "https://wallet.example.org/cb"},
        "invalid_redirect_uri",
        "redirect_uris must be a non-empty array of URLs.",
    ),
    (
        "userinfo",
        {"client_uri": "https://user:pw@wallet.example.org/"},
        "invalid_client_metadata",
        "client_uri must be an absolute URL with a host name and no user name or password.",
    ),
    ("javascript", {"policy_uri": "javascript:alert(1)"}, "invalid_client_metadata", None),
    (
        "auth-method",
        {"token_endpoint_auth_method": "client_secret_post"},
        "invalid_client_metadata",
        "token_endpoint_auth_method must be client_secret_basic, the only method allowed.",
    ),
    ("public-client", {"token_endpoint_auth_method": "none"}, "invalid_client_metadata", None),
    (
        "grant-type",
        {"grant_types": ["authorization_code", "client_credentials"]},
        "invalid_client_metadata",
        "grant_types may only hold authorization_code, refresh_token; not client_credentials.",
    ),
    (
        "refresh-only",
        {"grant_types": ["refresh_token"]},
        "invalid_client_metadata",
        "grant_types must include authorization_code.",
    ),
    (
        "response-type",
        {"response_types": ["token"]},
        "invalid_client_metadata",
        "response_types may only hold code; not token.",
    ),
    (
        "unknown-scope",
        {"scope": f"{scopes.OB_CREDENTIAL_READONLY} https://example.org/scope/admin"},
        "invalid_client_metadata",
        "scope names scopes this server does not offer: https://example.org/scope/admin.",
    ),
    ("empty-scope", {"scope": " "}, "invalid_client_metadata", None),
    (
        "name-not-text",
        {"client_name": ["Example"]},
        "invalid_client_metadata",
        "client_name must be a non-empty string.",
    ),
    (
        "name-too-long",
        {"client_name": "x" * 256},
        "invalid_client_metadata",
        "client_name is longer than 255 characters.",
    ),
    ("contacts", {"contacts": "ops@wallet.example.org"}, "invalid_client_metadata", None),
    (
        "nul-in-name",
        {"client_name": "Wallet\x00"},
        "invalid_client_metadata",
        "client_name must not contain control characters.",
    ),
    ("nul-in-contact", {"contacts": ["ops\x00@wallet.example.org"]}, "invalid_client_metadata", None),
    ("nul-in-url", {"client_uri": "https://wallet.example.org/\x00"}, "invalid_client_metadata", None),
]


@pytest.mark.parametrize(
    ("overrides", "error", "description"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_registration_breaking_a_rule_is_refused_with_the_reason(overrides, error, description):
    response = post(registration_request(**overrides))

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == error
    if description:
        assert body["error_description"] == description
    assert body["error_description"]
    assert not get_application_model().objects.exists()


@override_settings(PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP=True)
def test_loopback_http_urls_are_accepted_only_when_the_development_setting_allows_them():
    base = "http://127.0.0.1:8765"
    request = registration_request(
        client_uri=base + "/",
        logo_uri=base + "/logo.png",
        tos_uri=base + "/terms",
        policy_uri=base + "/privacy",
        redirect_uris=[base + "/cb"],
    )

    assert post(request).status_code == 201
    refused = post({**request, "logo_uri": "http://wallet.example.org/logo.png"})
    assert refused.status_code == 400


def test_the_development_setting_is_off_unless_development_turns_it_on():
    from clrportal.settings import base

    assert base.PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP is False


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("client_name=x", "application/x-www-form-urlencoded"),
        ("[" * 5000 + "]" * 5000, "application/json"),
        (b"\xff\xfe{}", "application/json"),
    ],
    ids=["not-json", "not-an-object", "a-form", "nested-5000-deep", "not-utf-8"],
)
def test_a_body_that_is_not_a_json_object_is_refused(body, content_type):
    response = post(body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_a_request_larger_than_the_bound_is_refused_before_it_is_read(settings):
    settings.PORTAL_OAUTH_REGISTRATION_MAX_BYTES = 1024
    request = registration_request(software_version="1", contacts=["x" * 200] * 6)

    response = post(request)

    assert response.status_code == 413
    assert response.json()["error"] == "invalid_client_metadata"


def test_registration_takes_post_only():
    assert Client().get(URL).status_code == 405


def test_no_initial_access_token_and_no_cookie_are_needed_and_none_is_set():
    response = Client(enforce_csrf_checks=True).post(
        URL, json.dumps(registration_request()), content_type="application/json"
    )

    assert response.status_code == 201
    assert not response.cookies

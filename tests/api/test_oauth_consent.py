"""The consent page says in plain words which client gets what; learners see and disconnect their clients."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from api import scopes
from api.models import RegisteredClient
from tests.factories import UserFactory

from .oauth_helpers import (
    authorization_code,
    authorize_url,
    exchange,
    learner_token,
    pkce_pair,
    register,
    token_request,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_counters")]
READ_AND_UPSERT = f"{scopes.OB_CREDENTIAL_READONLY} {scopes.OB_CREDENTIAL_UPSERT}"


@pytest.fixture
def learner():
    return UserFactory()


@pytest.fixture
def browser(learner):
    signed_in = Client()
    signed_in.force_login(learner)
    return signed_in


def consent_page(browser, registration, scope=READ_AND_UPSERT):
    _verifier, challenge = pkce_pair()
    response = browser.get(authorize_url(registration, scope=scope, challenge=challenge))
    assert response.status_code == 200, response.content.decode()[:1000]
    return response.content.decode()


def test_the_consent_page_names_the_client_its_site_its_terms_and_what_it_will_get(browser, learner):
    page = consent_page(browser, register())

    assert 'Allow <span class="client-name">Example Wallet</span> to reach your records?' in page
    assert '<img src="https://wallet.example.org/logo.png"' in page
    assert (
        '<a href="https://wallet.example.org/" rel="noopener noreferrer" target="_blank">wallet.example.org</a>'
        in page
    )
    assert 'href="https://wallet.example.org/terms"' in page and "terms of service" in page
    assert 'href="https://wallet.example.org/privacy"' in page and "privacy policy" in page
    assert scopes.DESCRIPTIONS[scopes.OB_CREDENTIAL_READONLY] in page
    assert scopes.DESCRIPTIONS[scopes.OB_CREDENTIAL_UPSERT] in page
    assert scopes.DESCRIPTIONS[scopes.CLR_CREDENTIAL_READONLY] not in page, "only what it asked for"
    assert learner.email in page
    assert ">Allow</button>" in page and ">Deny</button>" in page


def test_the_consent_page_lets_its_form_lead_back_to_the_client_and_nowhere_else(browser):
    _verifier, challenge = pkce_pair()

    response = browser.get(authorize_url(register(), scope=READ_AND_UPSERT, challenge=challenge))

    policy = dict(part.split(None, 1) for part in response["Content-Security-Policy"].split("; ") if part)
    assert policy["form-action"] == "'self' https://wallet.example.org"
    refused = browser.get(reverse("oauth:authorize"))
    assert "wallet.example.org" not in refused["Content-Security-Policy"]


def test_a_logo_or_link_that_is_not_https_or_http_is_not_rendered(browser):
    registration = register()
    RegisteredClient.objects.filter(application__client_id=registration["client_id"]).update(
        logo_uri="http://wallet.example.org/logo.png",
        tos_uri="javascript:alert(1)",
        policy_uri="data:text/html,<script>alert(1)</script>",
    )

    page = consent_page(browser, registration)

    assert "<img" not in page.split('<main id="main"')[1]
    assert "logo.png" not in page
    assert "javascript:" not in page and "data:text/html" not in page
    assert "terms of service" not in page


def test_the_client_name_is_text_not_markup(browser):
    page = consent_page(browser, register(client_name='<script>alert("x")</script>Wallet'))

    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page


def test_allowing_sends_the_code_and_state_back_and_connects_the_app(browser, learner):
    registration = register()

    code, verifier = authorization_code(browser, registration, scope=READ_AND_UPSERT, state="abc")

    assert exchange(Client(), registration, code, verifier).status_code == 200
    listing = browser.get(reverse("oauth:connected_apps")).content.decode()
    assert "Example Wallet" in listing
    assert scopes.DESCRIPTIONS[scopes.OB_CREDENTIAL_UPSERT] in listing


def test_the_consent_form_with_a_tampered_client_is_refused_without_a_500(browser):
    response = browser.post(
        reverse("oauth:authorize"),
        {
            "client_id": "no-such-client",
            "redirect_uri": "https://wallet.example.org/oauth/callback",
            "response_type": "code",
            "scope": scopes.OB_CREDENTIAL_READONLY,
            "state": "s",
            "allow": "on",
        },
    )

    assert response.status_code == 400
    assert "cannot be completed" in response.content.decode()


def test_the_consent_page_without_parameters_explains_instead_of_failing(browser):
    response = browser.get(reverse("oauth:authorize"))

    assert response.status_code == 400
    assert "cannot be completed" in response.content.decode()


def test_the_connected_apps_page_lists_each_client_with_its_scopes_and_when(learner):
    learner_token(learner, scope=scopes.OB_CREDENTIAL_READONLY)
    learner_token(
        learner, scope=scopes.CLR_PROFILE_READONLY, registration=register(client_name="Career Platform")
    )
    other = UserFactory()
    learner_token(
        other, scope=scopes.OB_PROFILE_UPDATE, registration=register(client_name="Someone Else's App")
    )
    browser = Client()
    browser.force_login(learner)

    page = browser.get(reverse("oauth:connected_apps")).content.decode()

    assert "Example Wallet" in page and "Career Platform" in page
    assert "Someone Else" not in page
    assert scopes.DESCRIPTIONS[scopes.OB_CREDENTIAL_READONLY] in page
    assert scopes.DESCRIPTIONS[scopes.CLR_PROFILE_READONLY] in page
    assert scopes.DESCRIPTIONS[scopes.OB_PROFILE_UPDATE] not in page
    assert re.search(r"<td>\d{1,2} \w{3} \d{4} \d{2}:\d{2}</td>", page)


def test_disconnecting_an_app_revokes_all_its_tokens_of_that_learner_only(learner):
    body = learner_token(learner)
    second = learner_token(learner, registration={**_registration_of(body)})
    other = UserFactory()
    others = learner_token(other, registration=_registration_of(body))
    browser = Client()
    browser.force_login(learner)
    application_id = get_access_token_model().objects.filter(user=learner).first().application_id

    response = browser.post(reverse("oauth:connected_app_revoke", args=[application_id]))

    assert response.status_code == 302 and response["Location"] == reverse("oauth:connected_apps")
    assert not get_access_token_model().objects.filter(user=learner).exists()
    assert not get_refresh_token_model().objects.filter(user=learner, revoked__isnull=True).exists()
    for spent in (body, second):
        refreshed = token_request(
            Client(),
            _registration_of(body),
            {"grant_type": "refresh_token", "refresh_token": spent["refresh_token"]},
        )
        assert refreshed.json()["error"] == "invalid_grant"
    assert get_access_token_model().objects.filter(user=other).exists(), "another learner's connection stays"
    assert others["access_token"]
    assert "No app is connected" in browser.get(reverse("oauth:connected_apps")).content.decode()


def test_disconnecting_an_app_one_never_authorised_is_a_404(learner):
    body = learner_token(UserFactory())
    browser = Client()
    browser.force_login(learner)
    application_id = (
        get_access_token_model().objects.get(application__client_id=body["client_id"]).application_id
    )

    assert browser.post(reverse("oauth:connected_app_revoke", args=[application_id])).status_code == 404
    assert browser.post(reverse("oauth:connected_app_revoke", args=[999999])).status_code == 404
    assert browser.post(reverse("oauth:connected_app_revoke", args=[10**30])).status_code == 404


def test_the_account_menu_links_to_connected_apps(browser):
    page = browser.get(reverse("oauth:connected_apps")).content.decode()

    assert f'<a href="{reverse("oauth:connected_apps")}">Connected apps</a>' in page


def _registration_of(body: dict) -> dict:
    return {
        "client_id": body["client_id"],
        "client_secret": body["client_secret"],
        "redirect_uris": ["https://wallet.example.org/oauth/callback"],
    }

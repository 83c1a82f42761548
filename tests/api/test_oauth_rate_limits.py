"""Rate limits on the OAuth endpoints anyone may call: 429 with Retry-After, per client address, in the shared
cache (clrportal/ratelimits.py counts; tests/project/test_rate_limits.py proves the cache is shared)."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

from .oauth_helpers import registration_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_period(settings):
    cache.clear()
    settings.PORTAL_OAUTH_RATES = {
        "discovery": "2/minute",
        "registration": "2/hour",
        "authorize": "2/minute",
        "token": "2/minute",
    }
    yield
    cache.clear()


def _discovery(client, **extra):
    return client.get("/ims/ob/v3p0/discovery", **extra)


def _register(client, **extra):
    return client.post(
        reverse("oauth:register"),
        json.dumps(registration_request()),
        content_type="application/json",
        **extra,
    )


def _token(client, **extra):
    return client.post(reverse("oauth:token"), {"grant_type": "client_credentials"}, **extra)


def _revoke(client, **extra):
    return client.post(reverse("oauth:revoke"), {"token": "x"}, **extra)


ENDPOINTS = [
    pytest.param(_discovery, 60, id="discovery"),
    pytest.param(_register, 3600, id="registration"),
    pytest.param(_token, 60, id="token"),
    pytest.param(_revoke, 60, id="revoke"),
]


@pytest.mark.parametrize(("call", "window"), ENDPOINTS)
def test_a_client_over_the_rate_gets_429_with_retry_after_in_the_oauth_error_shape(
    two_per_period, call, window
):
    client = Client()
    first, second = call(client), call(client)
    assert first.status_code != 429 and second.status_code != 429

    refused = call(client)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= window
    assert refused.json()["error"] == "slow_down"
    assert refused["Retry-After"] in refused.json()["error_description"]
    assert call(client, REMOTE_ADDR="198.51.100.9").status_code != 429, "another address has its own count"


def test_the_token_and_revocation_endpoints_share_one_count(two_per_period):
    client = Client()
    _token(client), _revoke(client)

    assert _token(client).status_code == 429
    assert _revoke(client).status_code == 429


def test_the_authorization_page_over_the_rate_is_the_429_page(two_per_period):
    browser = Client()
    browser.force_login(UserFactory())
    for _ in range(2):
        assert browser.get(reverse("oauth:authorize")).status_code == 400

    refused = browser.get(reverse("oauth:authorize"))

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"Too many" in refused.content


def test_a_refused_registration_creates_nothing(two_per_period):
    from oauth2_provider.models import get_application_model

    client = Client()
    _register(client), _register(client)

    assert _register(client).status_code == 429
    assert get_application_model().objects.count() == 2

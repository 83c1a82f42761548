"""Connecting an app in a real browser: a learner coming from a client signs in, reads on the consent page
who gets what, allows it and is sent back to the client with a code; the app then shows on Connected apps,
where the learner disconnects it. The pages pass axe, at a desktop's width and a phone's.

The client's own site (wallet.example.org: its logo, its callback) is answered inside the browser, never
fetched from the network.
"""

import base64
import hashlib
import json
import secrets
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from api import scopes
from tests.browser.helpers import DEMO_PASSWORD, DEMO_STUDENT, assert_accessible, screenshot

pytestmark = pytest.mark.browser
CLIENT = "https://wallet.example.org"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _register(portal) -> dict:
    body = {
        "client_name": "Browser Test Wallet", "client_uri": CLIENT + "/", "logo_uri": CLIENT + "/logo.png",
        "tos_uri": CLIENT + "/terms", "policy_uri": CLIENT + "/privacy", "software_id": "browser-wallet",
        "software_version": "1.0", "redirect_uris": [CLIENT + "/callback"],
        "scope": f"{scopes.OB_CREDENTIAL_READONLY} {scopes.CLR_CREDENTIAL_READONLY}",
    }  # fmt: skip
    request = urllib.request.Request(
        portal.url + "/oauth/register", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())


def _exchange(portal, registration: dict, code: str, verifier: str) -> dict:
    """What the client's server does with the code: the token request, with HTTP Basic."""
    data = urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT + "/callback",
        "code_verifier": verifier,
    }).encode()  # fmt: skip
    basic = base64.b64encode(f"{registration['client_id']}:{registration['client_secret']}".encode()).decode()
    request = urllib.request.Request(portal.url + "/oauth/token", data, {"Authorization": f"Basic {basic}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _the_clients_site(route):
    path = urlsplit(route.request.url).path
    if path == "/logo.png":
        route.fulfill(status=200, content_type="image/png", body=PNG)
    else:
        route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Wallet</title><p>Back"
        )


def test_a_learner_allows_an_app_on_the_consent_page_and_disconnects_it_later(new_context, portal):
    registration = _register(portal)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({
        "response_type": "code", "client_id": registration["client_id"], "redirect_uri": CLIENT + "/callback",
        "scope": registration["scope"], "state": "browser-state", "code_challenge": challenge,
        "code_challenge_method": "S256",
    })  # fmt: skip
    context = new_context()
    context.route(f"{CLIENT}/**", _the_clients_site)
    learner = context.new_page()

    # Coming from the client, not signed in: the login page first, then the consent page.
    learner.goto(f"/oauth/authorize?{query}")
    assert "/accounts/login/" in learner.url
    learner.locator("input[name=login]").fill(DEMO_STUDENT)
    learner.locator("input[name=password]").fill(DEMO_PASSWORD)
    learner.locator("form:has(input[name=password]) [type=submit]").first.click()
    learner.wait_for_load_state("load")
    assert learner.get_by_role(
        "heading", name="Allow Browser Test Wallet to reach your records?"
    ).is_visible()
    main = learner.locator("main").inner_text()
    assert scopes.DESCRIPTIONS[scopes.OB_CREDENTIAL_READONLY] in main
    assert scopes.DESCRIPTIONS[scopes.CLR_CREDENTIAL_READONLY] in main
    assert learner.get_by_role("link", name="terms of service").get_attribute("href") == CLIENT + "/terms"
    for width, height in ((1280, 900), (390, 844)):
        learner.set_viewport_size({"width": width, "height": height})
        screenshot(learner, f"oauth-consent-{width}")
        assert_accessible(learner, f"oauth-consent-{width}")

    learner.get_by_role("button", name="Allow").click()
    learner.wait_for_url(f"{CLIENT}/callback?*")
    answer = parse_qs(urlsplit(learner.url).query)
    assert answer["state"] == ["browser-state"] and answer["code"][0]
    tokens = _exchange(portal, registration, answer["code"][0], verifier)
    assert tokens["scope"] == registration["scope"]

    # The account menu leads to Connected apps, where the learner disconnects the app.
    learner.set_viewport_size({"width": 1280, "height": 900})
    learner.goto("/")
    learner.locator("details.site-menu summary").click()
    learner.get_by_role("link", name="Connected apps").click()
    learner.wait_for_load_state("load")
    assert "Browser Test Wallet" in learner.locator("main").inner_text()
    for width, height in ((1280, 900), (390, 844)):
        learner.set_viewport_size({"width": width, "height": height})
        screenshot(learner, f"oauth-connected-apps-{width}")
        assert_accessible(learner, f"oauth-connected-apps-{width}")
    learner.get_by_role("button", name="Disconnect Browser Test Wallet").click()
    learner.wait_for_load_state("load")
    assert "Browser Test Wallet can no longer reach your records." in learner.locator("main").inner_text()
    assert "No app is connected to your records." in learner.locator("main").inner_text()
    assert_accessible(learner, "oauth-connected-apps-none")

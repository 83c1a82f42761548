"""Acceptance: a real client of the 1EdTech service API, with `requests`, against a live portal.

It does what a wallet or another host does to move a learner's record (OB 3.0 / CLR 2.0 section 6 and
the 1EdTech Security Framework): reads both discovery documents, registers itself dynamically (RFC 7591),
sends the learner through the authorization code flow with PKCE S256 (the learner signs in and allows it
on the portal's real pages), gets tokens, pages through the learner's badges with limit=2 following the
Link headers to the end, verifies every credential it got with vc/ as an outside verifier would (DID
documents and status lists fetched from the portal over HTTP), upserts a credential (201, then 200),
reads and updates the profile, refreshes its token and revokes it. A token without the upsert scope gets
403 on POST; a wrong PKCE verifier and a reused code get invalid_grant.
"""

import base64
import hashlib
import json
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.core.cache import cache

from api import scopes
from credentials import services as credential_services
from tests.api.ims_support import elsewhere_credential, learner_with_courses
from tests.factories import PASSWORD
from vc import did as vc_did
from vc.verify import verify_credential

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_HOST = "https://wallet.example.org"
REDIRECT_URI = CLIENT_HOST + "/oauth/callback"
OB_SCOPES = [scopes.OB_CREDENTIAL_READONLY, scopes.OB_CREDENTIAL_UPSERT, scopes.OB_PROFILE_READONLY,
             scopes.OB_PROFILE_UPDATE]  # fmt: skip
CLR_SCOPES = [scopes.CLR_CREDENTIAL_READONLY, scopes.CLR_CREDENTIAL_UPSERT]
TIMEOUT = 30


@pytest.fixture
def portal(live_server, settings):
    """The portal at the live server's address (its DIDs, credential ids and discovery URLs with it)."""
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_HOST = urlsplit(live_server.url).netloc
    cache.clear()  # rate limit counters of earlier tests
    yield live_server.url
    cache.clear()


@pytest.fixture
def record(portal, institution):
    """A learner with five signed badges and their CLR, issued by the portal (eager signing)."""
    user, learner, awards = learner_with_courses(institution, 5)
    badges = [credential_services.credential_issue(award=award) for award in awards]
    clr = credential_services.clr_issue(learner=learner)
    for credential in [*badges, clr]:
        credential.refresh_from_db()
        assert credential.state == "signed", credential.error
    return user, badges, clr


_TEXT_INPUTS = ("hidden", None, "text", "email", "password")


class _Forms(HTMLParser):
    """The forms of a page: their action and their inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "fields": {}})
        elif (
            tag == "input"
            and self.forms
            and attributes.get("name")
            and attributes.get("type") in _TEXT_INPUTS
        ):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""


def _form(page: requests.Response, action_path: str) -> dict:
    parser = _Forms()
    parser.feed(page.text)
    return next(form["fields"] for form in parser.forms if urlsplit(form["action"]).path == action_path)


def _sign_in(base: str, user) -> requests.Session:
    """A browser session of the learner, signed in through the login page."""
    browser = requests.Session()
    login_url = base + "/accounts/login/"
    page = browser.get(login_url, timeout=TIMEOUT)
    fields = _form(page, "/accounts/login/")
    fields.update(login=user.email, password=PASSWORD)
    answer = browser.post(login_url, data=fields, headers={"Referer": login_url}, allow_redirects=False,
                          timeout=TIMEOUT)  # fmt: skip
    assert answer.status_code == 302, answer.text[:1000]
    return browser


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"="
    ).decode()


class Wallet:
    """The client: what it learnt from discovery and registration, and its calls."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.discovery = {}
        for standard, path in (("ob", "/ims/ob/v3p0/discovery"), ("clr", "/ims/clr/v2p0/discovery")):
            response = self.http.get(base + path, timeout=TIMEOUT)
            assert response.status_code == 200, response.text[:500]
            self.discovery[standard] = response.json()
        acg = self.discovery["ob"]["components"]["securitySchemes"]["OAuth2ACG"]
        self.flow = acg["flows"]["authorizationCode"]
        self.registration_url = acg["x-imssf-registrationUrl"]
        self.revocation_url = self.flow.get("x-imssf-revocationUrl")
        self.client = None

    def register(self, scope: str) -> dict:
        body = {
            "client_name": "Live Test Wallet", "client_uri": CLIENT_HOST + "/", "logo_uri": CLIENT_HOST + "/logo.png",
            "tos_uri": CLIENT_HOST + "/terms", "policy_uri": CLIENT_HOST + "/privacy", "software_id": "live-wallet",
            "software_version": "1.0.0", "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method":
            "client_secret_basic", "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "scope": scope,
        }  # fmt: skip
        response = self.http.post(self.registration_url, json=body, timeout=TIMEOUT)
        assert response.status_code == 201, response.text[:1000]
        self.client = response.json()
        return self.client

    def authorize(self, browser: requests.Session, scope: str) -> tuple[str, str]:
        """Send the learner to the consent page, allow, and read the code off the redirect: (code, verifier)."""
        verifier, challenge = _pkce()
        state = secrets.token_urlsafe(12)
        query = {
            "response_type": "code", "client_id": self.client["client_id"], "redirect_uri": REDIRECT_URI,
            "scope": scope, "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
        }  # fmt: skip
        authorization_url = self.flow["authorizationUrl"]
        page = browser.get(authorization_url + "?" + urlencode(query), timeout=TIMEOUT)
        assert page.status_code == 200, page.text[:1000]
        assert "Live Test Wallet" in page.text  # the consent page names the client
        fields = _form(page, urlsplit(authorization_url).path)
        fields["allow"] = "on"
        answer = browser.post(authorization_url, data=fields, headers={"Referer": page.url},
                              allow_redirects=False, timeout=TIMEOUT)  # fmt: skip
        assert answer.status_code == 302, answer.text[:1000]
        location = answer.headers["Location"]
        assert location.startswith(REDIRECT_URI)
        params = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
        assert params["state"] == state
        return params["code"], verifier

    def token(self, **data) -> requests.Response:
        return self.http.post(self.flow["tokenUrl"], data=data, timeout=TIMEOUT,
                              auth=(self.client["client_id"], self.client["client_secret"]))  # fmt: skip

    def exchange(self, code: str, verifier: str) -> requests.Response:
        return self.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI,
                          code_verifier=verifier)  # fmt: skip

    def api(self, method: str, url: str, token: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self.http.request(method, urljoin(self.base, url), headers=headers, timeout=TIMEOUT, **kwargs)


def _links(response: requests.Response) -> dict[str, str]:
    return {rel: link["url"] for rel, link in response.links.items()}


def _outside_verifier(base: str):
    """vc/'s verifier with DID documents and status lists fetched from the portal over HTTP."""
    host = urlsplit(base).netloc

    def over_http(url: str) -> str:  # the live server speaks plain HTTP on its loopback address
        return url.replace(f"https://{host}/", f"{base}/", 1)

    def did_web(did: str) -> dict:
        response = requests.get(over_http(vc_did.did_web_url(did)), timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def fetch_status(url: str) -> dict:
        response = requests.get(over_http(url), timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    resolver = vc_did.default_resolver(did_web=did_web)
    return lambda credential: verify_credential(credential, resolver=resolver, fetch_status=fetch_status)


def test_a_wallet_moves_the_learners_record_through_the_1edtech_service_api(portal, record):
    user, badges, clr = record
    wallet = Wallet(portal)
    assert wallet.discovery["clr"]["components"]["securitySchemes"]["OAuth2ACG"][
        "x-imssf-registrationUrl"
    ] == (wallet.registration_url)
    every_scope = " ".join(OB_SCOPES + CLR_SCOPES)
    assert set(every_scope.split()) <= set(wallet.flow["scopes"]) | set(
        wallet.discovery["clr"]["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"][
            "scopes"
        ]
    )
    wallet.register(every_scope)
    browser = _sign_in(portal, user)

    # The authorization code flow with PKCE; a code works once only.
    code, verifier = wallet.authorize(browser, every_scope)
    tokens = wallet.exchange(code, verifier)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()
    assert tokens["token_type"].lower() == "bearer" and tokens["refresh_token"]
    reused = wallet.exchange(code, verifier)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # The reused code revoked what it had given (RFC 6749 10.5): the flow starts again.
    assert wallet.api("GET", "/ims/ob/v3p0/profile", tokens["access_token"]).status_code == 401
    assert wallet.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 400
    code, verifier = wallet.authorize(browser, every_scope)
    tokens = wallet.exchange(code, verifier).json()
    access = tokens["access_token"]

    # Page through the badges with limit=2, following the Link headers to the end.
    url, pages, documents, jwts, totals = "/ims/ob/v3p0/credentials?limit=2", 0, [], [], set()
    while url:
        page = wallet.api("GET", url, access)
        assert page.status_code == 200, page.text[:500]
        body = page.json()
        documents += body["credential"]
        jwts += body["compactJwsString"]
        totals.add(page.headers["X-Total-Count"])
        assert {"first", "last"} <= set(_links(page))
        url = _links(page).get("next")
        pages += 1
    assert (pages, totals) == (3, {"5"})
    assert [d["id"] for d in documents] == [badge.url for badge in badges]
    clrs = wallet.api("GET", "/ims/clr/v2p0/credentials", access).json()
    assert [d["id"] for d in clrs["credential"]] == [clr.url]

    verify = _outside_verifier(portal)
    for credential in documents + jwts + clrs["credential"] + clrs["compactJwsString"]:
        result = verify(credential)
        assert result.verdict == "verified", result.to_dict()

    # Upsert a badge from elsewhere: created, then the same again.
    document, _jwt, _key = elsewhere_credential(
        badges[0].document, credential_id="https://elsewhere.example/b/1"
    )
    sent = json.dumps(document)
    created = wallet.api("POST", "/ims/ob/v3p0/credentials", access, data=sent,
                         headers={"Content-Type": "application/ld+json"})  # fmt: skip
    assert created.status_code == 201, created.text[:500]
    again = wallet.api("POST", "/ims/ob/v3p0/credentials", access, data=sent,
                       headers={"Content-Type": "application/ld+json"})  # fmt: skip
    assert again.status_code == 200 and again.json() == document
    listed = wallet.api("GET", "/ims/ob/v3p0/credentials?limit=10", access)
    assert listed.headers["X-Total-Count"] == "6" and sent in listed.text

    # The profile: read it, change the names.
    profile = wallet.api("GET", "/ims/ob/v3p0/profile", access)
    assert profile.status_code == 200 and profile.json()["email"] == user.email
    changed = dict(profile.json(), givenName="Robin", familyName="Okafor")
    put = wallet.api("PUT", "/ims/ob/v3p0/profile", access, json=changed)
    assert put.status_code == 200, put.text[:500]
    assert wallet.api("GET", "/ims/ob/v3p0/profile", access).json()["name"] == "Robin Okafor"

    # Refresh, then revoke: the revoked access token is refused.
    refreshed = wallet.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    access = refreshed.json()["access_token"]
    assert wallet.api("GET", "/ims/ob/v3p0/profile", access).status_code == 200
    revoked = wallet.http.post(
        wallet.revocation_url, data={"token": access, "token_type_hint": "access_token"},
        auth=(wallet.client["client_id"], wallet.client["client_secret"]), timeout=TIMEOUT,
    )  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    refused = wallet.api("GET", "/ims/ob/v3p0/credentials", access)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_token_cannot_upsert_and_a_wrong_pkce_verifier_gets_nothing(portal, record):
    user, badges, _clr = record
    wallet = Wallet(portal)
    wallet.register(" ".join(OB_SCOPES))
    browser = _sign_in(portal, user)

    code, _verifier = wallet.authorize(browser, scopes.OB_CREDENTIAL_READONLY)
    wrong = wallet.exchange(code, _pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    code, verifier = wallet.authorize(browser, scopes.OB_CREDENTIAL_READONLY)
    access = wallet.exchange(code, verifier).json()["access_token"]
    assert wallet.api("GET", "/ims/ob/v3p0/credentials", access).status_code == 200
    document, _jwt, _key = elsewhere_credential(
        badges[0].document, credential_id="https://elsewhere.example/b/2"
    )
    refused = wallet.api("POST", "/ims/ob/v3p0/credentials", access, json=document)
    assert refused.status_code == 403
    assert (
        refused.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "forbidden"
    )
    assert (
        wallet.api("GET", "/ims/clr/v2p0/credentials", access).status_code == 403
    )  # an OB token reads no CLRs

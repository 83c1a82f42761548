"""The CSRF sweep: every URL that takes a POST refuses one without a CSRF token, and nothing changes.

Each POST goes from a client that enforces CSRF checks, signed in as someone the authorization matrix
allows to make it (and, for pages anyone may post to, from an anonymous visitor too). The same POST with
a token gets through, so the 403 is the CSRF check and not the role check.
"""

import hashlib
import json
import secrets
import string

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .rules import RULES, A, all_patterns, checked_patterns, outcome_of, url_kwargs
from .rules_portal_api import CSRF_EXEMPT_ENDPOINTS as PORTAL_API_ENDPOINTS

PATTERNS = {pattern.name: pattern for pattern in checked_patterns()}

# The views that skip Django's CSRF check (csrf_exempt), each with the reason it is safe.
CSRF_EXEMPT = {
    "verify:api": "POST /api/v1/verify is for programs: anonymous (authentication_classes = []), so a "
    "session cookie is ignored and a cross-site POST can do nothing a direct one cannot.",
    "wallet:share_public": "the share page sends no Referer (its address holds the token), so browsers post "
    "its e-mail check with Origin: null, which Django's CSRF check refuses; ShareRecipientCheckForm carries "
    "a signed token of the share instead, and the check only reads.",
    "supervisors:attest": "the supervisor's page sends no Referer (its address holds the token), so browsers "
    "post with Origin: null; no session is involved (the link's token authorises the attestation, and a "
    "cross-site POST would need it), and SupervisorAttestationForm carries a signed token of the page.",
    "api-schema": "GET only (POST is 405); DRF marks every APIView csrf_exempt and leaves the check to "
    "SessionAuthentication.",
    # The portal API (api/portal_views.py) takes a Bearer token only, never the session cookie.
    **{
        f"portal_api:{name}": "the portal API authenticates by a Bearer token only (api/tokens.py): a cookie "
        "is no credential there, so a cross-site request can do nothing."
        for name in PORTAL_API_ENDPOINTS
    },
    "portal_api:docs": "GET only (POST is 405): the Swagger UI page of /api/schema/, a DRF view.",
    "delivery:exchange": "a wallet's JSON API (VC-API exchange): no cookie is read; the offer's token in the "
    "address and the holder's signed presentation authorise the claim, so a cross-site POST can do nothing.",
    "delivery:lcw_request": "the Learner Credential Wallet's request link (JSON from the app): no cookie is "
    "read; the offer's token and the holder's signed presentation authorise it.",
    "delivery:oid4vci_token": "OAuth 2.0 token endpoint for wallets (OID4VCI pre-authorized code): no cookie "
    "is read; the pre-authorized code (and PIN) in the form is the authority.",
    "delivery:oid4vci_nonce": "OID4VCI nonce endpoint: hands out a fresh c_nonce to anyone, reads no cookie.",
    "delivery:oid4vci_credential": "OID4VCI credential endpoint: authenticated by its Bearer access token and "
    "the key proof, never by a session cookie.",
    # The 1EdTech service API (api/ims_views.py) takes an OAuth 2.0 Bearer token only, never the session.
    **{
        f"ims:{standard}_{resource}": "the 1EdTech service API authenticates by an OAuth 2.0 Bearer token only "
        "(api/ims_auth.py): a cookie is no credential there, so a cross-site request can do nothing."
        for standard in ("ob", "clr")
        for resource in ("credentials", "profile", "not_found")
    },
    "oauth:token": "OAuth 2.0's token endpoint is for programs: the client authenticates itself (HTTP Basic) and "
    "presents a code, verifier or refresh token no other site holds; a session is never read.",
    "oauth:revoke": "RFC 7009 revocation is for programs: the client's own credentials (HTTP Basic) authorise it, "
    "and only its own tokens can be revoked; a session is never read.",
    "oauth:register": "RFC 7591 registration is anonymous by 1EdTech's rules (no initial access token): a "
    "cross-site POST can do nothing a direct one cannot, and no session is read.",
}

# Who makes the POST: the first role in this order the matrix allows to.
ACTING_ROLES = ("student_a1", "registrar_a", "admin_a", "student_a2", "advisor_a", "registrar_b", "admin_b")


def _acting_roles(name: str) -> list[str]:
    cells = RULES[name].post
    signed_in = next(role for role in ACTING_ROLES if cells[role] == A)
    return [signed_in, "anonymous"] if cells["anonymous"] == A else [signed_in]


POSTS = [
    pytest.param(name, role, id=f"{name}-{role}")
    for name, rule in RULES.items()
    if rule.takes_post and name not in CSRF_EXEMPT
    for role in _acting_roles(name)
]


def _client(world, role) -> Client:
    client = Client(enforce_csrf_checks=True)
    world.sign_in(client, role)
    return client


def _url(world, name) -> str:
    return reverse(name, kwargs=url_kwargs(PATTERNS[name], world))


def fingerprint(*, skip=()) -> str:
    """A digest of every row of every table: equal before and after means nothing was written."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.label in skip:
            continue
        digest.update(model._meta.label.encode())
        for row in model._default_manager.order_by("pk").values_list():
            # PostgreSQL gives binary columns as memoryview, whose repr is its address.
            digest.update(repr([bytes(v) if isinstance(v, memoryview) else v for v in row]).encode())
    return digest.hexdigest()


def test_every_url_that_takes_a_post_is_swept_or_exempt_with_a_reason():
    takes_post = {name for name, rule in RULES.items() if rule.takes_post}
    swept = {param.values[0] for param in POSTS}
    assert takes_post - swept == takes_post & set(CSRF_EXEMPT)
    assert not swept & set(CSRF_EXEMPT)
    assert {"institutions:keys_rotate", "credentials:credential_action", "wallet:share_revoke"} <= swept


@pytest.mark.parametrize(("name", "role"), POSTS)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(db, world, name, role):
    client = _client(world, role)
    url = _url(world, name)
    before = fingerprint()

    response = client.post(url, {})

    assert response.status_code == 403, f"POST {url} as {role} without a CSRF token: {response.status_code}"
    assert "CSRF verification failed" in response.content.decode()
    assert fingerprint() == before, f"POST {url} as {role} was refused but changed the database"


@pytest.mark.parametrize(("name", "role"), POSTS)
def test_the_same_post_with_a_csrf_token_gets_past_the_check(db, world, name, role):
    client = _client(world, role)
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    client.cookies[settings.CSRF_COOKIE_NAME] = token

    response = client.post(_url(world, name), {"csrfmiddlewaretoken": token})

    assert outcome_of(response) == A, f"{name} as {role} with a token: {response.status_code}"


@pytest.mark.parametrize("name", sorted(name for name in CSRF_EXEMPT if RULES[name].takes_post))
def test_a_post_to_an_exempt_url_changes_nothing(db, world, name):
    client = _client(world, "student_a1")
    before = fingerprint()

    response = client.post(_url(world, name), {"recipient_email": world.a.students[0].email})

    assert response.status_code in (200, 400)
    assert fingerprint() == before


def test_the_share_pages_email_check_without_its_signed_page_token_answers_nothing(db, world):
    client = _client(world, "anonymous")
    url = _url(world, "wallet:share_public")

    response = client.post(url, {"recipient_email": world.a.students[0].email})

    assert response.status_code == 200
    assert response.context["email_checked"] is False
    assert response.context["email_form"].errors, "the form was accepted without the page's signed token"


def test_the_verify_api_answers_a_program_without_cookies_or_token(db, world):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("verify:api"), json.dumps(world.a.credentials[0].document), content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["verified"], response.json()["verdict"]) == (True, "verified")
    assert not response.cookies, "the API sets no session or CSRF cookie"


def test_no_view_is_csrf_exempt_except_the_listed_ones():
    exempt = {pattern.name for pattern in all_patterns() if getattr(pattern.callback, "csrf_exempt", False)}
    assert exempt == set(CSRF_EXEMPT)


# --- GET is safe: CSRF protection on POST is only enough if no GET changes anything -------------------

# GETs that write by design, each with the reason it is harmless.
GET_WRITES = {
    "wallet:share_public": "counts the view (view_count, last_viewed_at) for the owner's share list.",
    "credentials:download_jwt": "makes the credential's VC-JWT on the first download and keeps it.",
    # wallet:share_pdf does too when no worker made the PDF; in the world the worker made it (a CLR's is
    # rendered once signed), while an achievement's certificate is made on its first download.
    "credentials:download_pdf": "renders the credential's PDF companion on the first download (when the worker "
    "has not) and keeps it.",
    "achievements:import_file": "keeps in the audit history who downloaded the SIS file (personal data).",
    "achievements:import_changes": "keeps in the audit history who downloaded the list of an import's changes.",
}
FIRST_ALLOWED_GET = ("anonymous", "student_a1", "registrar_a", "admin_a")
GETS = [
    pytest.param(name, next(role for role in FIRST_ALLOWED_GET if rule.get[role] == A), id=name)
    for name, rule in RULES.items()
    if any(rule.get[role] == A for role in FIRST_ALLOWED_GET)
]


def data_fingerprint() -> str:
    """As fingerprint(), without sessions: pages may remember things for their visitor."""
    return fingerprint(skip={"sessions.Session"})


@pytest.mark.parametrize(("name", "role"), GETS)
def test_a_get_changes_nothing_but_what_is_listed_as_writing(db, world, name, role):
    client = _client(world, role)
    before = data_fingerprint()

    response = client.get(_url(world, name))

    assert outcome_of(response) == A
    changed = data_fingerprint() != before
    assert changed == (name in GET_WRITES), f"GET {name} as {role}: changed the database: {changed}"


def test_a_get_to_logout_leaves_the_person_signed_in(db, world):
    client = _client(world, "student_a1")

    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get(reverse("wallet:dashboard")).status_code == 200

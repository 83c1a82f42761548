"""Security headers on every page, and what production adds: HSTS, HTTPS only, secure cookies.

Every URL of the matrix is requested once, by the first role allowed to GET it, and each answer must
carry X-Content-Type-Options, a Referrer-Policy that keeps paths to this site, X-Frame-Options DENY and
the Content-Security-Policy (parsed, each directive compared).
Production is checked in a subprocess that loads clrportal/settings/production.py with its required
environment and requests the portal through Django's test client.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from .rules import RULES, A, checked_patterns, url_kwargs

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {pattern.name: pattern for pattern in checked_patterns()}
# Referrer policies that never send a path of this site to another site.
STRICT_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
# Pages whose address holds a secret (the share token): they send no Referer at all.
TOKEN_PAGES = {
    "wallet:share_public",
    "wallet:share_clr",
    "wallet:share_pdf",
    "supervisors:attest",
    "delivery:interaction",
    "delivery:oid4vci_offer",
}
FIRST_ALLOWED = ("anonymous", "student_a1", "registrar_a", "admin_a")
# Pages whose policy adds one source to the project's, and why.
POLICY_ADDITIONS = {
    # The claim offer's browser-wallet button reaches the wallet through the CHAPI mediator's frame.
    "delivery:interaction": {"frame-src": ["https://authn.io"]},
}

GETS = [
    pytest.param(name, next(role for role in FIRST_ALLOWED if rule.get[role] == A), id=name)
    for name, rule in RULES.items()
    if any(rule.get[role] == A for role in FIRST_ALLOWED)
]


def _get(client, world, name, role):
    world.sign_in(client, role)
    return client.get(reverse(name, kwargs=url_kwargs(PATTERNS[name], world)))


@pytest.mark.parametrize(("name", "role"), GETS)
def test_every_page_carries_nosniff_a_strict_referrer_policy_the_content_security_policy_and_refuses_framing(
    client, db, world, name, role
):
    response = _get(client, world, name, role)

    assert response.status_code <= 400 or response.status_code == 409, response.status_code
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    expected = {**EXPECTED_POLICY, **POLICY_ADDITIONS.get(name, {})}
    assert content_security_policy(response.headers.get("Content-Security-Policy", "")) == expected
    assert response.headers.get("Referrer-Policy") in STRICT_REFERRER_POLICIES
    assert response.headers.get("X-Frame-Options") == "DENY"
    if name in TOKEN_PAGES:
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "private, no-store"


def test_the_header_sweep_covers_every_page_someone_may_open():
    assert {param.values[0] for param in GETS} == {
        name for name, rule in RULES.items() if any(cell == A for cell in rule.get.values())
    }


def test_error_pages_carry_the_headers_too(client, db):
    response = client.get("/credentials/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert content_security_policy(response.headers.get("Content-Security-Policy", "")) == EXPECTED_POLICY


def content_security_policy(header: str) -> dict[str, list[str]]:
    """The directives of a Content-Security-Policy header, each named once, with their sources."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        if not part.strip():
            continue
        name, *sources = part.split()
        assert name.lower() not in directives, f"{name} is given twice"
        directives[name.lower()] = sources
    return directives


# Issue 11, finding 5: no inline script or style anywhere (static files only), no plugins, no <base>, no
# framing, forms only to the portal. Images also from data: (Pico's CSS icons, inline badge images) and
# https: (an imported badge's image is on its issuer's site); an image never runs script.
EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def test_pages_send_a_content_security_policy_that_forbids_framing_and_foreign_scripts(client, db):
    response = client.get(reverse("home"))

    policy = content_security_policy(response.headers["Content-Security-Policy"])
    assert policy == EXPECTED_POLICY
    assert not any("unsafe" in source for sources in policy.values() for source in sources)
    assert "Content-Security-Policy-Report-Only" not in response.headers


# --- production ---------------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "clrportal.settings.production",
    "SECRET_KEY": "prod-like-secret-" + "Zq8Lw3Xr" * 6,
    "ALLOWED_HOSTS": "records.example.edu",
    "PORTAL_BASE_URL": "https://records.example.edu",
    "KEY_ENCRYPTION_KEY": "production-like-key-encryption-secret-0123456789",
    "EMAIL_URL": "smtp+tls://portal:mail-password@smtp.example.edu:587",
}
# Set in a developer's shell, these would change what the production settings decide.
NOT_INHERITED = (
    "DEBUG", "EMAIL_BACKEND", "SECURE_", "SESSION_", "CSRF_", "PORTAL_", "DATABASE_URL", "REDIS_URL",
)  # fmt: skip

PROBE = r"""
import json, django
from django.conf import settings
django.setup()
from django.test import Client
from django.test.utils import override_settings

https = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "records.example.edu"}
# The manifest of collectstatic does not exist here; static URLs do not matter to headers and cookies.
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    secure = Client().get("/accounts/login/", **https)
    plain = Client().get("/healthz", HTTP_HOST="records.example.edu")
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
        "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF")},
    "secure": {"status": secure.status_code, "headers": dict(secure.headers),
               "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]),
                                  "samesite": c["samesite"]} for name, c in secure.cookies.items()}},
    "plain": {"status": plain.status_code, "location": plain.headers.get("Location")},
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED) and not k.endswith("_FILE")
    }
    env = {
        **inherited,
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PORTAL_VAR_DIR": str(folder),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload(production):
    assert production["secure"]["status"] == 200
    assert production["secure"]["headers"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert production["settings"]["DEBUG"] is False


def test_production_redirects_plain_http_to_https(production):
    assert production["plain"]["status"] == 301
    assert production["plain"]["location"] == "https://records.example.edu/healthz"


def test_production_cookies_are_secure_and_the_session_cookie_is_http_only(production):
    assert production["settings"]["SESSION_COOKIE_SECURE"] is True
    assert production["settings"]["SESSION_COOKIE_HTTPONLY"] is True
    assert production["settings"]["CSRF_COOKIE_SECURE"] is True
    csrf_cookie = production["secure"]["cookies"]["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["samesite"] == "Lax"


def test_production_pages_carry_nosniff_referrer_policy_and_deny_framing(production):
    headers = production["secure"]["headers"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in STRICT_REFERRER_POLICIES
    assert headers["X-Frame-Options"] == "DENY"


def test_production_sends_the_content_security_policy(production):
    header = production["secure"]["headers"]["Content-Security-Policy"]
    assert content_security_policy(header) == EXPECTED_POLICY

"""Dynamic client registration as 1EdTech profiles RFC 7591 (OB 3.0 / CLR 2.0 section 7.1.3).

`client_metadata_check(data)` reads a registration request and returns the metadata the client is registered
with, or raises RegistrationRefused with the RFC 7591 error code and a sentence saying why:
- all of client_name, client_uri, logo_uri, tos_uri, policy_uri, software_id, software_version,
  redirect_uris and scope present; unknown members are ignored;
- every URL https and on one host name (http://127.0.0.1 and localhost too when
  PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP, development only); redirect URIs without a fragment;
- token_endpoint_auth_method `client_secret_basic` only, grant_types `authorization_code` (with
  `refresh_token`), response_types `code`; scope only of the 1EdTech scopes (and offline_access).

`client_register(metadata)` makes the confidential django-oauth-toolkit Application and its
api.models.RegisteredClient, and returns the registration response with the secret (shown only then).
"""

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import get_application_model
from oauth2_provider.scopes import get_scopes_backend

from .models import RegisteredClient

REQUIRED_TEXT = {"client_name": 255, "software_id": 200, "software_version": 100}
REQUIRED_URLS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
MAX_URL_LENGTH = 500
MAX_REDIRECT_URIS = 10
MAX_CONTACTS = 10
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
GRANT_TYPES = {"authorization_code", "refresh_token"}
# A NUL or another control character in a name would be refused by PostgreSQL, or mislead on the consent page.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class RegistrationRefused(Exception):
    error: str  # invalid_client_metadata or invalid_redirect_uri
    description: str

    def as_json(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def _refuse(description: str, error: str = "invalid_client_metadata"):
    raise RegistrationRefused(error, description)


def _url_host(name: str, value, *, error: str = "invalid_client_metadata") -> str:
    """The host of `value`, an absolute https URL (or loopback http when allowed)."""
    if not isinstance(value, str) or not value:
        _refuse(f"{name} must be a URL.", error)
    if len(value) > MAX_URL_LENGTH:
        _refuse(f"{name} is longer than {MAX_URL_LENGTH} characters.", error)
    if any(ord(character) <= 0x20 or character in '\\"<>' for character in value):
        _refuse(f"{name} must be a URL without spaces or control characters.", error)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        _refuse(f"{name} is not a valid URL.", error)
    host = (parts.hostname or "").lower()
    if not host or "@" in parts.netloc:
        _refuse(f"{name} must be an absolute URL with a host name and no user name or password.", error)
    loopback_http = (
        parts.scheme == "http" and host in LOOPBACK_HOSTS and settings.PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP
    )
    if parts.scheme != "https" and not loopback_http:
        _refuse(f"{name} must use https.", error)
    return host


def _scopes(value) -> list[str]:
    if not isinstance(value, str) or not value.split():
        _refuse("scope must be a string of space-separated scopes.")
    known = get_scopes_backend().get_all_scopes()
    requested = list(dict.fromkeys(value.split()))
    unknown = [scope for scope in requested if scope not in known]
    if unknown:
        _refuse(f"scope names scopes this server does not offer: {' '.join(unknown)}.")
    return requested


def _string_list(name: str, value, *, default: list[str], allowed: set[str]) -> list[str]:
    if value is None:
        return default
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        _refuse(f"{name} must be an array of strings.")
    refused = sorted(set(value) - allowed)
    if refused:
        _refuse(f"{name} may only hold {', '.join(sorted(allowed))}; not {', '.join(refused)}.")
    return list(dict.fromkeys(value))


def client_metadata_check(data) -> dict:
    """The metadata to register (as the response echoes it), or RegistrationRefused."""
    if not isinstance(data, dict):
        _refuse("The registration request must be a JSON object.")
    missing = [
        name for name in (*REQUIRED_TEXT, *REQUIRED_URLS, "redirect_uris", "scope") if name not in data
    ]
    if missing:
        _refuse(f"Required metadata missing: {', '.join(missing)}.")
    metadata = {}
    for name, limit in REQUIRED_TEXT.items():
        value = data[name]
        if not isinstance(value, str) or not value.strip():
            _refuse(f"{name} must be a non-empty string.")
        if len(value) > limit:
            _refuse(f"{name} is longer than {limit} characters.")
        if _CONTROL.search(value):
            _refuse(f"{name} must not contain control characters.")
        metadata[name] = value
    hosts = {}
    for name in REQUIRED_URLS:
        hosts[name] = _url_host(name, data[name])
        metadata[name] = data[name]

    redirect_uris = data["redirect_uris"]
    if not isinstance(redirect_uris, list) or not redirect_uris:
        _refuse("redirect_uris must be a non-empty array of URLs.", "invalid_redirect_uri")
    if len(redirect_uris) > MAX_REDIRECT_URIS:
        _refuse(f"At most {MAX_REDIRECT_URIS} redirect_uris.", "invalid_redirect_uri")
    for index, uri in enumerate(redirect_uris):
        hosts[f"redirect_uris[{index}]"] = _url_host(
            f"redirect_uris[{index}]", uri, error="invalid_redirect_uri"
        )
        if "#" in uri:
            _refuse(f"redirect_uris[{index}] must not have a fragment.", "invalid_redirect_uri")
    metadata["redirect_uris"] = list(dict.fromkeys(redirect_uris))

    client_host = hosts["client_uri"]
    elsewhere = [name for name, host in hosts.items() if host != client_host]
    if elsewhere:
        redirect = any(name.startswith("redirect_uris") for name in elsewhere)
        _refuse(
            f"All URLs must be on the host of client_uri ({client_host}); not {', '.join(elsewhere)}.",
            "invalid_redirect_uri" if redirect else "invalid_client_metadata",
        )

    metadata["scope"] = " ".join(_scopes(data["scope"]))
    method = data.get("token_endpoint_auth_method", "client_secret_basic")
    if method != "client_secret_basic":
        _refuse("token_endpoint_auth_method must be client_secret_basic, the only method allowed.")
    metadata["token_endpoint_auth_method"] = method
    metadata["grant_types"] = _string_list(
        "grant_types", data.get("grant_types"), default=["authorization_code"], allowed=GRANT_TYPES
    )
    if "authorization_code" not in metadata["grant_types"]:
        _refuse("grant_types must include authorization_code.")
    metadata["response_types"] = _string_list(
        "response_types", data.get("response_types"), default=["code"], allowed={"code"}
    )
    if "contacts" in data:
        contacts = data["contacts"]
        if (
            not isinstance(contacts, list)
            or len(contacts) > MAX_CONTACTS
            or not all(
                isinstance(item, str) and 0 < len(item) <= 254 and not _CONTROL.search(item)
                for item in contacts
            )
        ):
            _refuse(f"contacts must be an array of at most {MAX_CONTACTS} strings (e-mail addresses).")
        metadata["contacts"] = contacts
    return metadata


@transaction.atomic
def client_register(*, metadata: dict) -> dict:
    """Register the client; the registration response (RFC 7591 section 3.2.1) with its one-time secret."""
    Application = get_application_model()
    secret = secrets.token_urlsafe(48)
    application = Application.objects.create(
        name=metadata["client_name"][:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(metadata["redirect_uris"]),
        client_secret=secret,  # hashed when saved
        hash_client_secret=True,
        registration_source=Application.RegistrationSource.DCR,
    )
    registration = RegisteredClient.objects.create(
        application=application,
        client_uri=metadata["client_uri"],
        logo_uri=metadata["logo_uri"],
        tos_uri=metadata["tos_uri"],
        policy_uri=metadata["policy_uri"],
        software_id=metadata["software_id"],
        software_version=metadata["software_version"],
        metadata=metadata,
    )
    return {
        "client_id": application.client_id,
        "client_secret": secret,
        "client_id_issued_at": int(registration.registered_at.timestamp()),
        "client_secret_expires_at": 0,
        **metadata,
    }

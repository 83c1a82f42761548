"""Verifying any credential the way an outside verifier would, with the portal's own issuers resolved locally.

Institutions of this portal resolve from the database (their did:web documents and status lists are
the same ones served publicly). Anything else is fetched over HTTPS only when
PORTAL_ALLOW_REMOTE_RESOLUTION is on; otherwise it is "could not check", never "valid".
"""

import dataclasses
import json
import logging
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve

from institutions.models import Institution
from institutions.selectors import institution_did_document
from vc import did as vc_did
from vc.errors import ResolutionError
from vc.verify import COULD_NOT, FAILED, Check, VerificationResult, verify_credential

from .models import IssuedCredential, StatusList, StatusPurpose
from .status_lists import status_bits, status_list_publish

logger = logging.getLogger(__name__)

REMOTE_MAX_BYTES = 1_000_000
REMOTE_TIMEOUT_SECONDS = 5
REMOTE_CACHE_SECONDS = 300


def _local_path(url: str) -> str | None:
    """The path of `url` when it points at this portal, else None."""
    base = urlsplit(settings.PORTAL_BASE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    return parts.path


def _remote_json(url: str, what: str) -> dict:
    if not settings.PORTAL_ALLOW_REMOTE_RESOLUTION:
        raise ResolutionError(
            f"The {what} at {url} is on another server, and this portal does not fetch from others."
        )
    if not url.startswith("https://"):
        raise ResolutionError(f"The {what} at {url} is not served over HTTPS.")
    cache_key = f"remote-json:{url}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        accept = {"Accept": "application/json, application/ld+json"}
        with httpx.stream("GET", url, timeout=REMOTE_TIMEOUT_SECONDS, headers=accept) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > REMOTE_MAX_BYTES:
                    raise ResolutionError(f"The {what} at {url} is larger than {REMOTE_MAX_BYTES:,} bytes.")
        document = json.loads(body)
    except (httpx.HTTPError, ValueError) as exc:
        raise ResolutionError(f"The {what} at {url} could not be fetched ({type(exc).__name__}).") from exc
    cache.set(cache_key, document, REMOTE_CACHE_SECONDS)
    return document


def _did_web(did: str) -> dict:
    own_prefix = Institution(slug="").did  # "did:web:<this portal>:institutions:"
    if did.startswith(own_prefix):
        institution = Institution.objects.filter(slug=did.removeprefix(own_prefix)).first()
        if institution is None:
            raise ResolutionError(f"{did} is not an institution of this portal.")
        return institution_did_document(institution=institution)
    return _remote_json(vc_did.did_web_url(did), "DID document")


def resolver(identifier: str) -> dict:
    """DID resolution: did:key offline, this portal's did:web from the database, others per settings."""
    return vc_did.default_resolver(did_web=_did_web)(identifier)


def _published(status_list: StatusList) -> StatusList:
    """The list with its signed documents, signing it first only when a bit changed (rare)."""
    if status_list.needs_signing:
        return status_list_publish(status_list_id=status_list.pk)
    return status_list


def fetch_status_list(url: str) -> dict:
    """A status list credential: this portal's from the database (signed if needed), others per settings."""
    path = _local_path(url)
    if path is None:
        return _remote_json(url, "status list")
    try:
        match = resolve(path)
    except Resolver404:
        raise ResolutionError(f"{url} is not a status list of this portal.") from None
    if match.url_name != "status_list" or match.kwargs["purpose"] not in StatusPurpose.values:
        raise ResolutionError(f"{url} is not a status list of this portal.")
    status_list = (
        StatusList.objects.select_related("institution")
        .filter(institution__slug=match.kwargs["slug"], number=match.kwargs["number"])
        .first()
    )
    if status_list is None:
        raise ResolutionError(f"There is no status list at {url}.")
    return getattr(_published(status_list), f"{match.kwargs['purpose']}_document")


def _portal_credential(document) -> IssuedCredential | None:
    credential_id = document.get("id") if isinstance(document, dict) else None
    path = _local_path(credential_id) if isinstance(credential_id, str) else None
    if not path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name != "detail":
        return None
    return (
        IssuedCredential.objects.select_related("status_list")
        .only("id", "status_index", "status_list__suspension_bits")
        .filter(pk=match.kwargs["credential_id"])
        .first()
    )


def _with_suspension(result: VerificationResult) -> VerificationResult:
    """Portal credentials carry one (revocation) status entry; suspension is read from the paired list.

    The paired suspension list is this portal's own, so it is read from the database directly.
    """
    for index, nested in enumerate(result.nested):
        result.nested[index] = _with_suspension(nested)
    status = result.check("status")
    if status is None or status.status in (FAILED, COULD_NOT):
        return result
    credential = _portal_credential(result.credential)
    if credential is None or credential.status_list_id is None:
        return result
    suspended = status_bits(status_list=credential.status_list, purpose=StatusPurpose.SUSPENSION).get(
        credential.status_index
    )
    if not suspended:
        return result
    replacement = Check("status", FAILED, "The credential is suspended by its issuer.")
    result.checks = [replacement if check.name == "status" else check for check in result.checks]
    return result


def credential_verify(*, document_or_jwt, now=None) -> VerificationResult:
    """Verify a credential (dict, JSON text or VC-JWT) with every check explained."""
    result = verify_credential(document_or_jwt, resolver=resolver, fetch_status=fetch_status_list, now=now)
    return _with_suspension(dataclasses.replace(result))

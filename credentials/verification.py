"""Verifying any credential the way an outside verifier would, with the portal's own issuers resolved locally.

Institutions of this portal resolve from the database (their did:web documents and status lists are
the same ones served publicly). Anything else is fetched over HTTPS only when
PORTAL_ALLOW_REMOTE_RESOLUTION is on; otherwise it is "could not check", never "valid".
"""

import hashlib
import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve

from institutions.models import Institution, SigningKey
from institutions.selectors import institution_did_document
from vc import did as vc_did
from vc import jwt as vc_jwt
from vc.errors import ResolutionError, VcError
from vc.verify import FAILED, Check, VerificationResult, verify_credential

from .models import CredentialState, IssuedCredential, StatusList, StatusPurpose
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
    import httpx  # only here: what it imports (its command line's rich, pygments...) is not small

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


def _portal_credential_pk(credential_id) -> str | None:
    """The IssuedCredential primary key of a credential id of this portal, else None."""
    path = _local_path(credential_id) if isinstance(credential_id, str) else None
    if not path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace != "credentials" or match.url_name != "detail":
        return None
    return str(match.kwargs["credential_id"])


def portal_credential_of(document) -> IssuedCredential | None:
    """The IssuedCredential a document is a copy of: its id is one of ours and its issuer is that
    credential's institution (whether the copy is intact is verification's question)."""
    pk = _portal_credential_pk(document.get("id")) if isinstance(document, dict) else None
    if pk is None:
        return None
    credential = (
        IssuedCredential.objects.select_related("institution", "learner", "award__achievement_version")
        .filter(pk=pk)
        .first()
    )
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if credential is None or issuer_id != credential.institution.did:
        return None
    return credential


_MAX_LOOKUPS = 10_000


def _as_document(value) -> dict | None:
    """A credential dict from a dict, JSON text/bytes or a VC-JWT (unverified), else None."""
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json.loads(text) if text.startswith("{") else vc_jwt.decode_unverified(text)[1].get("vc")
        except (ValueError, RecursionError, VcError):
            return None
    return value if isinstance(value, dict) else None


def _credential_ids(document_or_jwt) -> set[str]:
    """The primary keys of this portal's credentials in a submission: itself and those nested in it."""
    found: set[str] = set()
    stack = [document_or_jwt]
    while stack and len(found) < _MAX_LOOKUPS:
        document = _as_document(stack.pop())
        if document is None:
            continue
        pk = _portal_credential_pk(document.get("id"))
        if pk:
            found.add(pk)
        subject = document.get("credentialSubject")
        if isinstance(subject, dict):
            nested = subject.get("verifiableCredential")
            stack.extend(nested if isinstance(nested, list) else [nested])
    return found


def _suspension_status(document_or_jwt):
    """The `extra_status` hook of vc.verify: portal credentials carry one (revocation) status entry, and
    suspension is the same index in the paired list, this portal's own, read from the database.

    The credentials of the submission (and every one nested in it) are read in one query, and each
    suspension list is decoded once.
    """
    ids = _credential_ids(document_or_jwt)
    rows = {
        str(row.pk): row
        for row in IssuedCredential.objects.select_related("status_list")
        .only("id", "status_index", "status_list__suspension_bits")
        .filter(pk__in=ids)
    } if ids else {}  # fmt: skip
    lists: dict[int, object] = {}

    def extra_status(document: dict) -> Check | None:
        row = rows.get(_portal_credential_pk(document.get("id")) or "")
        if row is None or row.status_list_id is None:
            return None
        if row.status_list_id not in lists:
            lists[row.status_list_id] = status_bits(
                status_list=row.status_list, purpose=StatusPurpose.SUSPENSION
            )
        if not lists[row.status_list_id].get(row.status_index):
            return None
        return Check("status", FAILED, "The credential is suspended by its issuer.")

    return extra_status


def credential_verify(*, document_or_jwt, now=None) -> VerificationResult:
    """Verify a credential (dict, JSON text or VC-JWT) with every check explained.

    This is the portal's one verification: every page, the API and the commands ask it (or
    `issued_credential_verify`, its cached form for the portal's own credentials) for a verdict.
    """
    return verify_credential(
        document_or_jwt,
        resolver=resolver,
        fetch_status=fetch_status_list,
        extra_status=_suspension_status(document_or_jwt),
        now=now,
    )


VERIFICATION_CACHE_SECONDS = 300


def _institution_state(institution_id: int) -> tuple:
    """What of an institution a verdict depends on: its status lists' revisions and its keys' states."""
    lists = tuple(
        StatusList.objects.filter(institution_id=institution_id).order_by("pk").values_list("pk", "revision")
    )
    keys = tuple(
        SigningKey.objects.filter(institution_id=institution_id)
        .order_by("pk")
        .values_list("pk", "status", "retired_at", "compromised_at")
    )
    return lists, keys


def _verification_key(credential: IssuedCredential, states: dict) -> str:
    """A cache key that changes with everything a portal credential's verdict depends on.

    The document never changes once signed; what can change is the institution's status lists (every
    bit change bumps a revision) and its keys (rotated, retired, compromised), and the settings that say
    where things resolve. The time (expiry) is covered by the cache's lifetime.
    """
    if credential.institution_id not in states:
        states[credential.institution_id] = _institution_state(credential.institution_id)
    fingerprint = repr(
        (
            str(credential.pk),
            credential.signed_at,
            states[credential.institution_id],
            settings.PORTAL_BASE_URL,
            settings.PORTAL_ALLOW_REMOTE_RESOLUTION,
        )
    )
    return "credential-verification:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def issued_credential_verify(
    *, credential: IssuedCredential, states: dict | None = None
) -> VerificationResult | None:
    """`credential_verify` of one of the portal's signed credentials (None while it is not signed),
    remembered for a few minutes until something it depends on changes.

    `states`, a dict kept for one request, saves looking up the same institution's state again.
    """
    if credential.state != CredentialState.SIGNED or not credential.document:
        return None
    key = _verification_key(credential, {} if states is None else states)
    result = cache.get(key)
    if result is None:
        result = credential_verify(document_or_jwt=credential.document)
        cache.set(key, result, VERIFICATION_CACHE_SECONDS)
    return result

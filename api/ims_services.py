"""Writes of the 1EdTech service API: upsert a credential into the learner's wallet, update their Profile.

Upsert (OB 3.0 / CLR 2.0 6.2.3 upsertCredential): the credential is verified with the portal's one
verifier (`credentials.verification.credential_verify`, as wallet imports are) and a credential that is
not valid is refused with nothing kept. Two credentials are the same when their issuer ids and their
`id`s are equal (one without an `id` is the same only as an identical one); of the same credential the
one with the later validFrom (VC 1.1: issuanceDate) wins, so an older copy replaces nothing and the
client gets the stored one back.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from credentials.verification import credential_verify, portal_credential_of
from institutions.services import audit_record
from vc import json_text
from vc import jwt as vc_jwt
from vc import schema as vc_schema
from vc.errors import VcError
from vc.verify import NOT_VALID
from wallet.display import credential_view
from wallet.models import ExternalCredential, ImportFormat

from .ims_errors import bad_request
from .ims_selectors import CREDENTIAL_TYPES, EDITABLE_PROFILE_PROPERTIES, learner_profile, profile_id
from .models import LearnerProfile, Standard, UpsertedCredential

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
SCHEMA_KINDS = {Standard.OB: "AchievementCredential", Standard.CLR: "ClrCredential"}
_ISSUES_SHOWN = 5


@dataclass(frozen=True)
class Upserted:
    """What the client gets back: the credential as kept (body exactly as sent, JSON text or compact JWS)."""

    created: bool
    body: str
    is_jwt: bool


def _types(document: dict) -> list:
    types = document.get("type")
    return types if isinstance(types, list) else [types]


def _read(text: str, *, is_jwt: bool) -> dict:
    """The credential a body carries (a VC-JWT's `vc` claim, or the JSON object itself)."""
    if is_jwt:
        if not COMPACT_JWS.match(text):
            raise bad_request("A text/plain body must be one VC-JWT (a compact JWS: three base64url parts).")
        try:
            _header, claims, _input, _signature = vc_jwt.decode_unverified(text)
        except VcError as exc:
            raise bad_request(f"The VC-JWT cannot be read: {exc.reason}") from exc
        document = claims.get("vc", claims)
    else:
        try:
            document = json_text.loads(text)
        except VcError as exc:
            raise bad_request(f"The body is not a JSON credential: {exc.reason}") from exc
    if not isinstance(document, dict):
        raise bad_request("The body must hold one credential, a JSON object.")
    return document


def _issuer_id(document: dict) -> str:
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) else ""


def _valid_from(document: dict) -> datetime | None:
    value = document.get("validFrom", document.get("issuanceDate"))
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _check_kind_and_schema(document: dict, *, standard: str, is_jwt: bool) -> None:
    names = CREDENTIAL_TYPES[standard]
    if not any(name in _types(document) for name in names):
        raise bad_request(f"This endpoint takes credentials whose type includes {' or '.join(names)}.")
    if is_jwt:
        return  # a VC-JWT goes back as the string it is: the verifier checks its credential's schema
    issues = vc_schema.validate(document, SCHEMA_KINDS[standard])
    if issues:
        shown = "; ".join(str(issue) for issue in issues[:_ISSUES_SHOWN])
        raise bad_request(
            f"The credential does not meet the {SCHEMA_KINDS[standard]} schema (VC 2.0 data model; a VC 1.1 "
            f"credential may be sent as a VC-JWT): {shown}"
        )


def _verify(credential) -> dict:
    result = credential_verify(document_or_jwt=credential)
    if result.verdict == NOT_VALID:
        failed = [f"{check.name}: {check.message}" for check in result.checks if check.status == "failed"]
        nested = [n for n in result.nested if n.verdict == NOT_VALID]
        if nested:
            failed.append(f"{len(nested)} credential(s) inside it are not valid")
        raise bad_request("The credential is not valid, so it was not kept. " + " ".join(failed))
    return result.to_dict()


def _same_credential(*, user, standard: str, document: dict, issuer_id: str, body_hash: str):
    """The wallet's copy of the same credential (spec's equality), or None."""
    credential_id = document.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        upsert = UpsertedCredential.objects.filter(
            owner=user, standard=standard, credential_id="", issuer_id=issuer_id, body_hash=body_hash
        ).select_related("external").first()  # fmt: skip
        return upsert.external if upsert else None
    candidates = ExternalCredential.objects.filter(owner=user, document__id=credential_id).select_related(
        "upsert"
    )
    names = CREDENTIAL_TYPES[standard]
    for external in candidates.order_by("created_at"):
        same_issuer = _issuer_id(external.document) == issuer_id
        if same_issuer and any(name in _types(external.document) for name in names):
            return external
    return None


def _wallet_fields(document: dict, *, text: str, is_jwt: bool, verification: dict) -> dict:
    view = credential_view(document)
    issued = view.issue_date
    return {
        "source_format": ImportFormat.VC_JWT if is_jwt else ImportFormat.JSON_LD,
        "document": document,
        "jwt": text if is_jwt else "",
        "name": (view.name or view.achievement_name)[:300],
        "issuer_name": (view.issuer.name or view.issuer.id)[:300],
        "achievement_type": (view.achievement_type or view.kind)[:60],
        "issued_on": issued.date() if hasattr(issued, "date") else issued,
        "verdict": verification["verdict"],
        "verification": verification,
        "confirmed": True,
    }


def _stored(external: ExternalCredential) -> Upserted:
    upsert = getattr(external, "upsert", None)
    if upsert is not None:
        return Upserted(created=False, body=upsert.body, is_jwt=upsert.is_jwt)
    if external.jwt:
        return Upserted(created=False, body=external.jwt, is_jwt=True)
    return Upserted(created=False, body=json.dumps(external.document), is_jwt=False)


@transaction.atomic
def credential_upsert(*, user, standard: str, text: str, is_jwt: bool) -> Upserted:
    """Add a credential to the learner's wallet, or replace the copy it holds; ImsError when refused."""
    text = text.strip()
    document = _read(text, is_jwt=is_jwt)
    _check_kind_and_schema(document, standard=standard, is_jwt=is_jwt)
    verification = _verify(text if is_jwt else document)
    own = portal_credential_of(document)
    if own is not None:
        if own.learner.user_id != user.pk:
            raise bad_request(
                "This credential was issued by this portal to someone else: it cannot be kept here."
            )
        # Issued by the portal to this learner: it is in their record already (GET credentials gives it).
        return Upserted(created=False, body=text, is_jwt=is_jwt)
    issuer_id = _issuer_id(document)
    body_hash = hashlib.sha256(text.encode()).hexdigest()
    valid_from = _valid_from(document)
    existing = _same_credential(
        user=user, standard=standard, document=document, issuer_id=issuer_id, body_hash=body_hash
    )
    if existing is not None:
        stored_upsert = getattr(existing, "upsert", None)
        stored_from = stored_upsert.valid_from if stored_upsert else _valid_from(existing.document)
        if stored_from and valid_from and stored_from > valid_from:
            return _stored(existing)  # the wallet holds a newer one: it stays
    fields = _wallet_fields(document, text=text, is_jwt=is_jwt, verification=verification)
    upsert_fields = {
        "standard": standard, "issuer_id": issuer_id[:2000],
        "credential_id": str(document.get("id") or "")[:2000], "body_hash": body_hash,
        "valid_from": valid_from, "is_jwt": is_jwt, "body": text,
    }  # fmt: skip
    if existing is None:
        external = ExternalCredential.objects.create(owner=user, original_name="", **fields)
        UpsertedCredential.objects.create(external=external, owner=user, **upsert_fields)
        action, created = "external_credential.upserted", True
    else:
        external = existing
        for name, value in fields.items():
            setattr(external, name, value)
        external.save()
        UpsertedCredential.objects.update_or_create(
            external=external, defaults={"owner": user, **upsert_fields}
        )
        action, created = "external_credential.replaced", False
    audit_record(actor=user, action=action, target=str(external.id), verdict=verification["verdict"])
    return Upserted(created=created, body=text, is_jwt=is_jwt)


# --- profile -----------------------------------------------------------------------------------------

ACCOUNT_NAMES = {"givenName": "first_name", "familyName": "last_name"}
NAME_MAX = 150


@transaction.atomic
def profile_update(*, user, profile) -> dict:
    """Replace what the learner may set of their Profile (PUT profile); ImsError for what they may not."""
    if not isinstance(profile, dict):
        raise bad_request("The body must be a Profile, a JSON object.")
    issues = vc_schema.validate(profile, "Profile")
    if issues:
        shown = "; ".join(str(issue) for issue in issues[:_ISSUES_SHOWN])
        raise bad_request(f"The body does not meet the Profile schema: {shown}")
    types = profile.get("type")
    if "Profile" not in (types if isinstance(types, list) else [types]):
        raise bad_request("The Profile's type must be Profile (or a list that includes it).")
    if profile.get("id") != profile_id(user):
        raise bad_request(f"The Profile's id is the portal's and cannot change: send {profile_id(user)}.")
    email = profile.get("email")
    if email is not None and (not isinstance(email, str) or email.strip().lower() != user.email.lower()):
        raise bad_request(
            "The e-mail address cannot be changed through this API: a new one is confirmed on the account "
            "page."
        )
    unknown = sorted(set(profile) - {"@context", "id", "type", "email", *EDITABLE_PROFILE_PROPERTIES})
    if unknown:
        raise bad_request(
            f"This portal does not keep these Profile properties for a learner: {', '.join(unknown)}. "
            f"A learner may set {', '.join(EDITABLE_PROFILE_PROPERTIES)}."
        )
    before = learner_profile(user=user)
    for key, field in ACCOUNT_NAMES.items():
        if key not in profile:
            continue
        value = profile[key]
        if not isinstance(value, str) or len(value.strip()) > NAME_MAX:
            raise bad_request(f"{key} must be a string of at most {NAME_MAX} characters.")
        setattr(user, field, value.strip())
    user.save(update_fields=list(ACCOUNT_NAMES.values()))
    data = {
        key: profile[key]
        for key in EDITABLE_PROFILE_PROPERTIES
        if key in profile and key not in ACCOUNT_NAMES
    }
    if data.get("name") == before.get("name"):
        data.pop("name", None)  # the name it had, sent back: it stays the account's given and family name
    LearnerProfile.objects.update_or_create(user=user, defaults={"data": data})
    audit_record(actor=user, action="profile.updated", target=str(user.pk), via="1EdTech service API")
    return learner_profile(user=user)

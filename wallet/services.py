"""Writes of the learner's side: share links (create, count a view, revoke) and imported credentials."""

import base64
import hashlib
import re
import secrets
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.services import clr_issue
from credentials.verification import credential_verify, portal_credential_of
from institutions.services import audit_record
from vc import json_text
from vc import jwt as vc_jwt
from vc.errors import VcError

from .display import credential_view, is_ob2_assertion, plain_words
from .models import ExternalCredential, ImportFormat, ImportVerdict, ShareLink, ShareLinkCredential
from .verification import upload_max_bytes, upload_too_large_message

# Imports that failed verification wait this long for their owner to confirm them, then go.
PENDING_IMPORT_LIFETIME = timedelta(days=1)
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


# --- share links -------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(f"wallet-share-token:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_link_token(*, share: ShareLink) -> str | None:
    """The share's token, for its owner to see again (None if SECRET_KEY changed since it was made)."""
    try:
        token = _fernet().decrypt(share.token_encrypted.encode()).decode()
    except InvalidToken:
        return None
    # The stored hash decides: a token that does not hash to it is not this share's.
    return token if secrets.compare_digest(share_token_hash(token), share.token_hash) else None


def share_link_url(*, share: ShareLink, token: str | None = None) -> str | None:
    token = token or share_link_token(share=share)
    if token is None:
        return None
    return settings.PORTAL_BASE_URL + reverse("wallet:share_public", kwargs={"token": token})


@transaction.atomic
def share_link_create(
    *,
    owner,
    credentials: list[IssuedCredential],
    label: str = "",
    expires_at=None,
    show_grades: bool = True,
    include_name: bool = True,
    allow_pdf: bool = True,
) -> tuple[ShareLink, str]:
    """Share a subset of the owner's credentials; returns the link and its token (≥ 256 random bits).

    A signed partial ClrCredential of the subset is issued through the pipeline (one per institution);
    with `include_name` it names the learner, as the share page does; with `allow_pdf` viewers may
    download its PDF companion too.
    """
    if not credentials:
        raise ValidationError("Choose at least one record to share.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry must be in the future.")
    ids = {credential.pk for credential in credentials}
    allowed = (
        IssuedCredential.objects.filter(
            pk__in=ids,
            learner__user=owner,
            kind=CredentialKind.ACHIEVEMENT,
            state=CredentialState.SIGNED,
            revoked_at__isnull=True,
            award__withdrawn_at__isnull=True,
        )
        .select_related("learner", "award")
        .order_by("award__term", "pk")
    )
    allowed = list(allowed)
    if len(allowed) != len(ids):
        raise ValidationError("Only your own signed, unrevoked credentials can be shared.")
    token = secrets.token_urlsafe(32)
    share = ShareLink.objects.create(
        owner=owner,
        token_hash=share_token_hash(token),
        token_encrypted=_fernet().encrypt(token.encode()).decode(),
        label=label.strip(),
        expires_at=expires_at,
        show_grades=show_grades,
        include_name=include_name,
        allow_pdf=allow_pdf,
    )
    ShareLinkCredential.objects.bulk_create(
        ShareLinkCredential(share_link=share, credential=credential, position=position)
        for position, credential in enumerate(allowed)
    )
    by_learner: dict = {}
    for credential in allowed:
        by_learner.setdefault(credential.learner, []).append(credential.award)
    clrs = [
        clr_issue(learner=learner, awards=awards, actor=owner, include_name=include_name)
        for learner, awards in sorted(by_learner.items(), key=lambda pair: pair[0].pk)
    ]
    share.clrs.set(clrs)
    audit_record(
        actor=owner,
        action="share_link.created",
        target=str(share.id),
        credentials=len(allowed),
        expires_at=expires_at.isoformat() if expires_at else None,
        show_grades=show_grades,
        include_name=include_name,
        allow_pdf=allow_pdf,
    )
    return share, token


@transaction.atomic
def share_link_revoke(*, share: ShareLink, actor) -> ShareLink:
    """Stop the link at once. The credentials it showed are unaffected."""
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="share_link.revoked", target=str(share.id))
    return share


def share_link_record_view(*, share: ShareLink) -> None:
    """Count a view in the database (F(): concurrent views are never lost)."""
    ShareLink.objects.filter(pk=share.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )


# --- imports ------------------------------------------------------------------------------------------


NOT_A_CREDENTIAL = "The file is not a credential: it is not JSON and not a signed token."


def _refused(message: str, *, technical: str = "") -> ValidationError:
    """An import refused with `message` for a person; `technical`, the exact reason, is kept in the
    error's params for a "Technical details" section (`import_error_details`)."""
    return ValidationError(message, code="refused", params={"technical": technical} if technical else None)


def import_error_details(error: ValidationError) -> list[str]:
    """The exact reasons (parser errors and the like) behind a refused import, for "Technical details"."""
    return [e.params["technical"] for e in error.error_list if e.params and e.params.get("technical")]


def _extract_baked(data: bytes, filename: str):
    from wallet.baking import extract_credential

    try:
        # OB 2.0 baked assertions are accepted too: they are kept as unsigned legacy badges.
        return extract_credential(data, filename, allow_legacy=True)
    except ValueError as exc:
        raise _refused(plain_words(str(exc)), technical=str(exc)) from exc


def _read_upload(data: bytes, filename: str) -> tuple[str, dict | str]:
    """(format, credential dict or VC-JWT) from the bytes of an uploaded file."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImportFormat.BAKED_PNG, _extract_baked(data, filename)
    # XML first (as wallet.baking reads it); "<svg" further in may be a JSON badge's data: URI image.
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        return ImportFormat.BAKED_SVG, _extract_baked(data, filename)
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError as exc:
        raise _refused(
            "The file is not a credential: it is not text (JSON or a signed token), and not a PNG or "
            "SVG badge image."
        ) from exc
    if _COMPACT_JWS.match(text):
        return ImportFormat.VC_JWT, text
    try:
        return ImportFormat.JSON_LD, json_text.loads(text)
    except VcError as exc:
        if exc.reason.startswith(json_text.NOT_JSON_REASON):  # the parser's words are for technical details
            raise _refused(NOT_A_CREDENTIAL, technical=exc.reason) from exc
        message = f"The file cannot be read as a credential. {exc.reason}"
        raise _refused(message, technical=exc.reason) from exc


def _document_of(credential) -> dict:
    if isinstance(credential, str):
        try:
            _header, claims, _input, _signature = vc_jwt.decode_unverified(credential.strip())
        except VcError as exc:
            raise _refused(
                "The file looks like a signed token, but it cannot be read.", technical=exc.reason
            ) from exc
        document = claims.get("vc")
        if not isinstance(document, dict):
            raise _refused("The signed token holds no credential.", technical="The JWT has no `vc` claim.")
        return document
    if not isinstance(credential, dict):
        raise _refused(
            "The file is JSON, but not a credential: a credential is one JSON object ({…}).",
            technical=f"The JSON is a {type(credential).__name__}.",
        )
    return credential


class AlreadyInRecord(Exception):
    """The import is a credential this portal issued to its importer: it is in their record already."""

    def __init__(self, credential: IssuedCredential):
        name = credential.name or credential.get_kind_display()
        super().__init__(f"{name} is already in your record.")
        self.credential = credential
        self.message = (
            f"{name} is already in your record: this portal issued it to you, so it is shown there, "
            "verified live, and not again under “Badges from elsewhere”."
        )


def _is_credential(document: dict) -> bool:
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    return "VerifiableCredential" in types


@transaction.atomic
def external_credential_import(*, owner, data: bytes, original_name: str = "") -> ExternalCredential:
    """Read, verify and keep a credential from elsewhere (JSON-LD, VC-JWT, or a baked PNG/SVG badge).

    A credential that is not valid is stored unconfirmed: it is kept only when its owner confirms.
    An Open Badges 2.0 assertion is kept as unsigned legacy (there is nothing to verify). A copy of
    a credential this portal issued (same id, same issuer) is never kept: AlreadyInRecord when it is
    the owner's own, ValidationError when it is someone else's.
    """
    if len(data) > upload_max_bytes():
        raise ValidationError(upload_too_large_message(len(data)))
    if not data.strip():
        raise ValidationError("The file is empty.")
    ExternalCredential.objects.filter(
        owner=owner, confirmed=False, verdict=ImportVerdict.NOT_VALID,
        created_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME,
    ).delete()  # fmt: skip
    source_format, credential = _read_upload(data, original_name)
    if source_format == ImportFormat.JSON_LD and isinstance(credential, str):
        source_format = ImportFormat.VC_JWT
    if isinstance(credential, str) and source_format in (ImportFormat.BAKED_PNG, ImportFormat.BAKED_SVG):
        credential = credential.strip()
    document = _document_of(credential)
    own = portal_credential_of(document)
    if own is not None:
        if own.learner.user_id == owner.pk:
            raise AlreadyInRecord(own)
        # Someone else's record: importing it would put their achievement in this person's record.
        raise ValidationError(
            "This credential was issued by this portal to someone else, so it cannot be added to your "
            "record. Anyone can check it on the verify page."
        )
    if is_ob2_assertion(document):
        verdict, verification = ImportVerdict.LEGACY, None
    else:
        if not _is_credential(document):
            raise _refused(
                "The file is JSON, but not a verifiable credential: it does not say it is one.",
                technical="Its type does not include VerifiableCredential.",
            )
        result = credential_verify(document_or_jwt=credential)
        verdict, verification = result.verdict, result.to_dict()
    view = credential_view(document)
    issued = view.issue_date
    external = ExternalCredential.objects.create(
        owner=owner,
        original_name=original_name[:255],
        source_format=source_format,
        document=document,
        jwt=credential if isinstance(credential, str) else "",
        name=(view.name or view.achievement_name)[:300],
        issuer_name=(view.issuer.name or view.issuer.id)[:300],
        achievement_type=(view.achievement_type or view.kind)[:60],
        issued_on=issued.date() if hasattr(issued, "date") else issued,
        verdict=verdict,
        verification=verification,
        confirmed=verdict != ImportVerdict.NOT_VALID,
    )
    audit_record(actor=owner, action="external_credential.imported", target=str(external.id), verdict=verdict)
    return external


@transaction.atomic
def external_credential_confirm(*, external: ExternalCredential, actor) -> ExternalCredential:
    """Keep an import that did not verify, because its owner says so; it stays flagged."""
    if not external.confirmed:
        external.confirmed = True
        external.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="external_credential.confirmed", target=str(external.id))
    return external


@transaction.atomic
def external_credential_delete(*, external: ExternalCredential, actor) -> None:
    target = str(external.id)
    external.delete()
    audit_record(actor=actor, action="external_credential.deleted", target=target)

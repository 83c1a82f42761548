"""Claim offers and the claims made through them (the protocols' views call these).

An offer is claimed once: the first wallet that proves control of a DID (a signed DIDAuthentication
presentation) gets holder-bound copies of what was offered (`credentials.holder_binding`), signed by a
worker; every later attempt, and any attempt after the offer expired or was cancelled, is refused.
"""

import base64
import hashlib
import hmac
import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import urlencode

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from achievements.models import Learner
from credentials import holder_binding
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from institutions.services import audit_record
from vc import data_integrity
from vc.did import default_resolver, resolve_verification_method
from vc.errors import VcError

from .models import Claim, ClaimOffer, OfferScope

logger = logging.getLogger(__name__)

# The cryptosuites a holder may sign its DIDAuthentication presentation with (vc/data_integrity checks both).
ACCEPTED_CRYPTOSUITES = [{"cryptosuite": "eddsa-rdfc-2022"}, {"cryptosuite": "Ed25519Signature2020"}]
# A DIDAuthentication presentation carries no credentials: anything larger than this is not one.
MAX_PRESENTATION_BYTES = 64 * 1024


class ClaimRefused(Exception):
    """A claim that cannot go ahead: `error` is the protocol's code, `status` the HTTP status."""

    def __init__(self, message: str, *, error: str = "invalid_request", status: int = 400):
        super().__init__(message)
        self.message, self.error, self.status = message, error, status


# --- offers ----------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(f"delivery-offer-token:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pre_authorized_code(token: str) -> str:
    """The offer's OID4VCI pre-authorized code: derived from its token, so only the token's holder sees it."""
    message = f"oid4vci-pre-auth:{token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def tx_code_hash(*, offer: ClaimOffer, tx_code: str) -> str:
    message = f"oid4vci-tx-code:{offer.pk}:{tx_code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def offer_token(*, offer: ClaimOffer) -> str | None:
    """The offer's token, for its owner to see the QR code again (None if SECRET_KEY changed since)."""
    try:
        token = _fernet().decrypt(offer.token_encrypted.encode()).decode()
    except InvalidToken:
        return None
    return token if secrets.compare_digest(token_hash(token), offer.token_hash) else None


def offerable_credential(*, user, credential_id) -> IssuedCredential:
    """One of the user's own signed, valid credentials that an offer may hold (DoesNotExist otherwise)."""
    return IssuedCredential.objects.select_related("learner", "award").get(
        pk=credential_id,
        learner__user=user,
        learner__user__isnull=False,
        holder_did="",
        state=CredentialState.SIGNED,
        revoked_at__isnull=True,
        kind__in=[CredentialKind.ACHIEVEMENT, CredentialKind.CLR],
    )


@transaction.atomic
def offer_create(
    *, user, scope: str, credential_id=None, learner_id=None, with_pin: bool = False
) -> tuple[ClaimOffer, str]:
    """A new offer of one of the user's credentials, their CLR, or everything on one learner record.

    Returns the offer and its token (the only time it is handed out in the clear). `with_pin`: OID4VCI
    wallets must also enter a PIN (tx_code), e-mailed to the user once the offer is saved.
    """
    credential = None
    if scope in (OfferScope.CREDENTIAL, OfferScope.CLR) and credential_id:
        try:
            credential = offerable_credential(user=user, credential_id=credential_id)
        except (IssuedCredential.DoesNotExist, ValidationError):
            raise ValidationError("That credential is not one of yours that can be claimed.") from None
        if (credential.kind == CredentialKind.CLR) != (scope == OfferScope.CLR):
            raise ValidationError("That credential is not a Comprehensive Learner Record.")
        learner = credential.learner
    elif scope in (OfferScope.EVERYTHING, OfferScope.CLR):
        learner = Learner.objects.filter(pk=learner_id, user=user).first() if learner_id else None
        if learner is None:
            raise ValidationError("Choose one of your own records.")
    else:
        raise ValidationError("Choose what to claim: a credential, your CLR, or everything.")
    if credential is not None and credential.award_id and credential.award.withdrawn_at is not None:
        raise ValidationError("The award of this credential was withdrawn.")
    token = secrets.token_urlsafe(32)
    offer = ClaimOffer.objects.create(
        user=user,
        learner=learner,
        scope=scope,
        credential=credential,
        token_hash=token_hash(token),
        token_encrypted=_fernet().encrypt(token.encode()).decode(),
        challenge=secrets.token_urlsafe(24),
        pre_authorized_code_hash=token_hash(pre_authorized_code(token)),
        expires_at=timezone.now() + timedelta(hours=settings.DELIVERY_OFFER_LIFETIME_HOURS),
    )
    if with_pin:
        pin = f"{secrets.randbelow(10**6):06d}"
        offer.tx_code_hash = tx_code_hash(offer=offer, tx_code=pin)
        offer.save(update_fields=["tx_code_hash"])
        transaction.on_commit(lambda: _pin_send(offer=offer, pin=pin))
    audit_record(
        actor=user, action="claim_offer.created", institution=learner.institution, target=str(offer.id),
        scope=scope,
    )  # fmt: skip
    return offer, token


def _pin_send(*, offer: ClaimOffer, pin: str) -> None:
    """E-mail the offer's PIN to its maker (a wallet asks for it before it receives the credential)."""
    address = offer.user.email
    body = render_to_string("delivery/email/offer_pin.txt", {"offer": offer, "pin": pin})
    try:
        EmailMessage("Your PIN for claiming into your wallet", body, None, [address]).send()
    except Exception as error:  # the offer stands; its maker can cancel it and make another
        logger.warning("could not e-mail the PIN of claim offer %s: %s", offer.pk, type(error).__name__)


def offer_by_token(token: str) -> ClaimOffer | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return (
        ClaimOffer.objects.select_related("learner__institution", "credential")
        .filter(token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def offer_cancel(*, offer: ClaimOffer, user) -> ClaimOffer:
    offer = ClaimOffer.objects.select_for_update().get(pk=offer.pk, user=user)
    if offer.is_claimed:
        raise ValidationError("This offer was already claimed: cancelling it changes nothing.")
    if not offer.is_cancelled:
        offer.cancelled_at = timezone.now()
        offer.save(update_fields=["cancelled_at"])
        audit_record(
            actor=user, action="claim_offer.cancelled", institution=offer.learner.institution,
            target=str(offer.id),
        )  # fmt: skip
    return offer


def offers_of_user(*, user):
    return ClaimOffer.objects.filter(user=user).select_related("learner__institution", "credential")


def why_closed(offer: ClaimOffer) -> str | None:
    """Why the offer can no longer be claimed, in words for the holder (None while it is open)."""
    if offer.is_cancelled:
        return "This offer was cancelled by the learner who made it."
    if offer.is_claimed:
        return "This offer was already claimed: each offer can be claimed once."
    if offer.is_expired:
        return "This offer expired: the learner can make a new one from their record."
    return None


# --- what a wallet is told -------------------------------------------------------------------------


def _absolute(name: str, token: str) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, kwargs={"token": token})


def interaction_url(token: str) -> str:
    """The VCALM interaction URL of the offer, as its QR code holds it."""
    return _absolute("delivery:interaction", token) + "?iuv=1"


def exchange_url(token: str) -> str:
    return _absolute("delivery:exchange", token)


def lcw_request_url(*, offer: ClaimOffer, token: str) -> str:
    """The Learner Credential Wallet's request link: legacy `dccrequest` parameters, as a universal link."""
    query = urlencode(
        {
            "issuer": settings.PORTAL_BASE_URL,
            "auth_type": "bearer",
            "challenge": offer.challenge,
            "vc_request_url": _absolute("delivery:lcw_request", token),
        }
    )
    return f"https://lcw.app/request.html?{query}"


def oid4vci_offer_link(token: str) -> str:
    """OID4VCI 1.0 §4.1.3: the Credential Offer by reference."""
    return "openid-credential-offer://?" + urlencode(
        {"credential_offer_uri": _absolute("delivery:oid4vci_offer", token)}
    )


def protocols(*, offer: ClaimOffer, token: str) -> dict:
    """The offer's `protocols` object (VCALM interaction URL, CHAPI): one entry per way of claiming it."""
    oid4vci = oid4vci_offer_link(token)
    return {
        "vcapi": exchange_url(token),
        "OID4VCI": oid4vci,
        "oid4vci-1.0": oid4vci,
        "lcw": lcw_request_url(offer=offer, token=token),
    }


def presentation_domain() -> str:
    return settings.PORTAL_HOST


def presentation_request(*, offer: ClaimOffer, token: str) -> dict:
    """VC-API's `verifiablePresentationRequest` asking the wallet to prove control of its DID."""
    return {
        "verifiablePresentationRequest": {
            "query": [{"type": "DIDAuthentication", "acceptedCryptosuites": ACCEPTED_CRYPTOSUITES}],
            "challenge": offer.challenge,
            "domain": presentation_domain(),
            "interact": {
                "service": [
                    {"type": "UnmediatedPresentationService2021", "serviceEndpoint": exchange_url(token)}
                ]
            },
        }
    }


# --- proving control of a DID ----------------------------------------------------------------------


def presentation_holder(presentation, *, challenge: str, domain: str | None) -> str:
    """The DID that controls the key of the presentation's DIDAuthentication proof.

    Checks the proof (purpose `authentication`, eddsa-rdfc-2022 or Ed25519Signature2020) and that it was
    made for this `challenge` (and `domain`, when one was asked for). A `holder` the presentation names
    must be that DID: a wallet cannot claim for a DID whose key it does not hold.
    """
    if not isinstance(presentation, dict) or "VerifiablePresentation" not in _types(presentation):
        raise ClaimRefused("Send a VerifiablePresentation proving control of your DID.")
    proofs = presentation.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise ClaimRefused("The presentation must carry exactly one proof.", error="invalid_proof")
    proof = proofs[0]
    if proof.get("challenge") != challenge:
        raise ClaimRefused("The proof was not made for this offer's challenge.", error="invalid_proof")
    if domain is not None and proof.get("domain") != domain:
        raise ClaimRefused(f"The proof was not made for the domain {domain}.", error="invalid_proof")
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str) or not vm_id.startswith("did:key:"):
        raise ClaimRefused("The proof must be made with a did:key.", error="invalid_proof")
    resolver = default_resolver()
    try:
        method = resolve_verification_method(vm_id, resolver=resolver)
    except VcError as exc:
        raise ClaimRefused(
            f"The proof's key could not be read: {exc.reason}", error="invalid_proof"
        ) from None
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and holder != method.controller:
        raise ClaimRefused(
            "The presentation names another holder than the DID whose key signed it.", error="invalid_proof"
        )
    check = data_integrity.verify(
        presentation, resolver=resolver, check_issuer=False, expected_purpose="authentication"
    )
    if not check.ok:
        raise ClaimRefused(f"The presentation's proof does not verify: {check.reason}", error="invalid_proof")
    return method.controller


def _types(document: dict) -> list:
    value = document.get("type")
    return value if isinstance(value, list) else [value]


# --- claiming --------------------------------------------------------------------------------------


def _holder_copies(*, offer: ClaimOffer, holder_did: str) -> list[IssuedCredential]:
    learner = offer.learner
    if offer.scope == OfferScope.CREDENTIAL:
        return [holder_binding.holder_credential_issue(award=offer.credential.award, holder_did=holder_did)]
    if offer.scope == OfferScope.CLR:
        offered = offer.credential
        awards = None
        if offered is not None and offered.partial:
            awards = [nested.award for nested in offered.nested.select_related("award")]
        return [holder_binding.holder_clr_issue(learner=learner, holder_did=holder_did, awards=awards)]
    clr = holder_binding.holder_clr_issue(learner=learner, holder_did=holder_did)
    return [*clr.nested.order_by("award__term", "award__awarded_date", "pk"), clr]


@transaction.atomic
def offer_claim(*, offer: ClaimOffer, holder_did: str, protocol: str) -> Claim:
    """Claim the offer for `holder_did` (a DID whose control was proven): queue its holder-bound copies.

    The offer row is locked, so two wallets racing for one offer cannot both claim it.
    """
    locked = (
        ClaimOffer.objects.select_for_update(of=("self",))
        .select_related("learner", "credential__award")
        .get(pk=offer.pk)
    )
    reason = why_closed(locked)
    if reason:
        raise ClaimRefused(reason, error="not_allowed", status=410)
    try:
        copies = _holder_copies(offer=locked, holder_did=holder_did)
    except ValidationError as exc:
        raise ClaimRefused(" ".join(exc.messages), status=409) from None
    locked.claimed_at = timezone.now()
    locked.save(update_fields=["claimed_at"])
    claim = Claim.objects.create(offer=locked, protocol=protocol, holder_did=holder_did)
    claim.credentials.set(copies)
    audit_record(
        actor=None, action="claim_offer.claimed", institution=locked.learner.institution,
        target=str(locked.id), protocol=protocol, holder_did=holder_did,
    )  # fmt: skip
    return claim


def claim_documents_wait(*, claim: Claim, timeout: float | None = None, interval: float = 0.2) -> list[dict]:
    """The claim's signed documents, once the worker has signed them all (ClaimRefused after `timeout`)."""
    timeout = settings.DELIVERY_SIGNING_WAIT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    ids = list(claim.credentials.values_list("pk", flat=True))
    while True:
        rows = list(
            IssuedCredential.objects.filter(pk__in=ids).only("pk", "state", "document", "kind", "created_at")
        )
        if any(row.state == CredentialState.FAILED for row in rows):
            raise ClaimRefused(
                "The credential could not be signed; the institution can see why.",
                status=502,
                error="server_error",
            )
        if rows and all(row.state == CredentialState.SIGNED for row in rows):
            # The achievements first, in the order they were issued, then the CLR that nests them.
            rows.sort(key=lambda row: (row.kind == CredentialKind.CLR, row.created_at, str(row.pk)))
            return [row.document for row in rows]
        if time.monotonic() >= deadline:
            raise ClaimRefused(
                "The credential is still being signed; try again with a new offer.",
                status=503,
                error="server_error",
            )
        time.sleep(interval)

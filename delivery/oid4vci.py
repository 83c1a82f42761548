"""OpenID for Verifiable Credential Issuance 1.0 (final), pre-authorized code flow, for claim offers.

The portal is both the Credential Issuer (identifier `<portal>/oid4vci`) and its Authorization Server.
An offer's credential offer (by reference) carries a pre-authorized code derived from the offer's token;
the token endpoint trades it once (with the e-mailed PIN, `tx_code`, when the offer has one) for a short
access token; the credential endpoint takes one key proof (`jwt`, typ `openid4vci-proof+jwt`, or a
`di_vp` presentation) over a fresh `c_nonce` from the nonce endpoint, and issues the offer's credential to
the DID of the proof's key. Error codes are those of OID4VCI 1.0 §6.3 / §8.3.1 and RFC 6749 §5.2.
"""

import hashlib
import hmac
import json
import secrets
import warnings
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from credentials.models import CredentialKind, IssuedCredential
from credentials.selectors import credential_jwt
from credentials.signing import document_jwt
from vc.did import default_resolver, did_key_from_public, resolve_verification_method
from vc.documents import CLR_V2P0, OB_V3P0
from vc.errors import VcError
from vc.keys import b64url_decode, public_jwk, public_key_from_jwk

from .models import AccessToken, ClaimOffer, ClaimProtocol, Nonce, OfferScope
from .services import (
    ClaimRefused,
    claim_documents_wait,
    offer_claim,
    pre_authorized_code,
    presentation_holder,
    token_hash,
    tx_code_hash,
    why_closed,
)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
# A PIN of six digits allows this many wrong tries before the offer closes.
MAX_TX_CODE_FAILURES = 5
PROOF_MAX_AGE = timedelta(minutes=10)
VC2 = "https://www.w3.org/ns/credentials/v2"

OB_LDP = "OpenBadgeCredential_ldp_vc"
OB_JWT = "OpenBadgeCredential_jwt_vc_json"
CLR_LDP = "ClrCredential_ldp_vc"


def issuer_identifier() -> str:
    return settings.PORTAL_BASE_URL + "/oid4vci"


def _endpoint(name: str) -> str:
    return settings.PORTAL_BASE_URL + reverse(name)


def _proof_types() -> dict:
    return {
        "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "Ed25519"]},
        "di_vp": {"proof_signing_alg_values_supported": ["eddsa-rdfc-2022", "Ed25519Signature2020"]},
    }


def _ldp(kind: str, context: str, name: str) -> dict:
    return {
        "format": "ldp_vc",
        "credential_definition": {"@context": [VC2, context], "type": ["VerifiableCredential", kind]},
        "cryptographic_binding_methods_supported": ["did:key"],
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
        "proof_types_supported": _proof_types(),
        "credential_metadata": {"display": [{"name": name, "locale": "en-US"}]},
    }


def credential_configurations() -> dict:
    return {
        OB_LDP: _ldp("OpenBadgeCredential", OB_V3P0, "Open Badge (achievement credential)"),
        CLR_LDP: _ldp("ClrCredential", CLR_V2P0, "Comprehensive Learner Record"),
        OB_JWT: {
            "format": "jwt_vc_json",
            "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
            "cryptographic_binding_methods_supported": ["did:key"],
            "credential_signing_alg_values_supported": ["RS256"],
            "proof_types_supported": _proof_types(),
            "credential_metadata": {"display": [{"name": "Open Badge (signed token)", "locale": "en-US"}]},
        },
    }


def issuer_metadata() -> dict:
    """OID4VCI 1.0 §12.2: the Credential Issuer Metadata."""
    return {
        "credential_issuer": issuer_identifier(),
        "authorization_servers": [issuer_identifier()],
        "credential_endpoint": _endpoint("delivery:oid4vci_credential"),
        "nonce_endpoint": _endpoint("delivery:oid4vci_nonce"),
        "display": [{"name": "CLR Portal", "locale": "en-US"}],
        "credential_configurations_supported": credential_configurations(),
    }


def authorization_server_metadata() -> dict:
    """RFC 8414 metadata of the pre-authorized code flow's token endpoint (OID4VCI 1.0 §12.3)."""
    return {
        "issuer": issuer_identifier(),
        "token_endpoint": _endpoint("delivery:oid4vci_token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
    }


# --- the credential offer --------------------------------------------------------------------------


def offered_configurations(offer: ClaimOffer) -> list[str]:
    if offer.scope == OfferScope.CREDENTIAL:
        return [OB_LDP, OB_JWT]
    return [CLR_LDP]  # the CLR (of everything, or of the chosen record) nests every credential


def credential_offer(*, offer: ClaimOffer, token: str) -> dict:
    """OID4VCI 1.0 §4.1.1: the Credential Offer, pre-authorized code grant (with its PIN's description)."""
    grant = {"pre-authorized_code": pre_authorized_code(token)}
    if offer.needs_tx_code:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": 6,
            "description": "The PIN sent to the learner's e-mail address with this offer.",
        }
    return {
        "credential_issuer": issuer_identifier(),
        "credential_configuration_ids": offered_configurations(offer),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


# --- the token endpoint ----------------------------------------------------------------------------


def _secret() -> str:
    return secrets.token_urlsafe(32)


def token_issue(*, grant_type: str, code: str, tx_code: str | None) -> dict:
    """Trade the pre-authorized code (once) for an access token; ClaimRefused with RFC 6749 codes.

    A wrong PIN is counted (the count is saved, then refused); after MAX_TX_CODE_FAILURES the offer closes.
    """
    with transaction.atomic():
        outcome = _token_or_refusal(grant_type=grant_type, code=code, tx_code=tx_code)
    if isinstance(outcome, ClaimRefused):
        raise outcome
    return outcome


def _token_or_refusal(*, grant_type: str, code: str, tx_code: str | None) -> dict | ClaimRefused:
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise ClaimRefused(
            f"Only the {PRE_AUTHORIZED_GRANT} grant is supported.", error="unsupported_grant_type"
        )
    if not code or len(code) > 200:
        raise ClaimRefused("The pre-authorized_code is missing.", error="invalid_request")
    offer = ClaimOffer.objects.select_for_update().filter(pre_authorized_code_hash=token_hash(code)).first()
    if offer is None:
        raise ClaimRefused("The pre-authorized code is not valid.", error="invalid_grant")
    if offer.code_redeemed_at is not None:
        raise ClaimRefused("The pre-authorized code was already used.", error="invalid_grant")
    closed = why_closed(offer)
    if closed:
        raise ClaimRefused(closed, error="invalid_grant")
    if offer.needs_tx_code:
        if not tx_code:
            raise ClaimRefused("This offer needs the PIN (tx_code) sent by e-mail.", error="invalid_request")
        if not secrets.compare_digest(tx_code_hash(offer=offer, tx_code=str(tx_code)), offer.tx_code_hash):
            offer.tx_code_failures += 1
            fields = ["tx_code_failures"]
            if offer.tx_code_failures >= MAX_TX_CODE_FAILURES:
                offer.cancelled_at = timezone.now()  # too many guesses: the learner makes a new offer
                fields.append("cancelled_at")
            offer.save(update_fields=fields)
            return ClaimRefused("The PIN (tx_code) is wrong.", error="invalid_grant")
    offer.code_redeemed_at = timezone.now()
    offer.save(update_fields=["code_redeemed_at"])
    access_token = _secret()
    AccessToken.objects.create(
        offer=offer, token_hash=token_hash(access_token), expires_at=timezone.now() + ACCESS_TOKEN_LIFETIME
    )
    lifetime = int(ACCESS_TOKEN_LIFETIME.total_seconds())
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime}


# --- nonces ----------------------------------------------------------------------------------------


def _nonce_mac(body: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"oid4vci-nonce:{body}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def nonce_issue() -> str:
    """A fresh c_nonce: its time and a random part, signed, so handing one out stores nothing."""
    body = f"{int(timezone.now().timestamp())}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_nonce_mac(body)}"


def _nonce_consume(value) -> None:
    """Accept a c_nonce we signed, not older than NONCE_LIFETIME, once (its use is recorded)."""
    if not isinstance(value, str) or not value:
        raise ClaimRefused(
            "The proof carries no nonce: get a c_nonce from the nonce endpoint.", error="invalid_nonce"
        )
    issued, _, rest = value.partition(".")
    random_part, _, mac = rest.partition(".")
    body = f"{issued}.{random_part}"
    if not issued.isdigit() or len(value) > 200 or not secrets.compare_digest(_nonce_mac(body), mac):
        raise ClaimRefused("The proof's nonce is not one this issuer gave.", error="invalid_nonce")
    issued_at = datetime.fromtimestamp(int(issued), tz=UTC)
    if timezone.now() - issued_at > NONCE_LIFETIME:
        raise ClaimRefused("The proof's nonce expired: get a new c_nonce.", error="invalid_nonce")
    try:
        with transaction.atomic():
            Nonce.objects.create(
                value_hash=token_hash(value), expires_at=issued_at + NONCE_LIFETIME, used_at=timezone.now()
            )
    except IntegrityError:
        raise ClaimRefused(
            "The proof's nonce was already used: get a new c_nonce.", error="invalid_nonce"
        ) from None


# --- key proofs ------------------------------------------------------------------------------------


def _segment(value: str, what: str) -> dict:
    try:
        decoded = json.loads(b64url_decode(value))
    except (ValueError, VcError):
        raise ClaimRefused(f"The proof's {what} is not base64url JSON.", error="invalid_proof") from None
    if not isinstance(decoded, dict):
        raise ClaimRefused(f"The proof's {what} is not a JSON object.", error="invalid_proof")
    return decoded


def _proof_key(header: dict):
    """(holder DID, public key) of a proof JWT: its `kid` (a did:key URL) or its Ed25519 `jwk`."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if isinstance(kid, str) and kid.startswith("did:key:"):
        try:
            method = resolve_verification_method(kid, resolver=default_resolver())
        except VcError as exc:
            raise ClaimRefused(
                f"The proof's kid cannot be read: {exc.reason}", error="invalid_proof"
            ) from None
        return method.controller, method.public_key
    if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "d" not in jwk:
        try:
            public_key = public_key_from_jwk(jwk)
        except (VcError, ValueError):
            raise ClaimRefused(
                "The proof's jwk is not an Ed25519 public key.", error="invalid_proof"
            ) from None
        return did_key_from_public(public_key), public_key
    raise ClaimRefused("The proof must name its key: a did:key kid or an Ed25519 jwk.", error="invalid_proof")


def jwt_proof_holder(proof_jwt) -> str:
    """OID4VCI 1.0 §F.1: check a `jwt` key proof and consume its nonce; returns the key's DID."""
    if not isinstance(proof_jwt, str) or proof_jwt.count(".") != 2 or len(proof_jwt) > 8000:
        raise ClaimRefused("The jwt proof is not a compact JWS.", error="invalid_proof")
    header = _segment(proof_jwt.split(".")[0], "header")
    if header.get("typ") != PROOF_TYP:
        raise ClaimRefused(f"The proof's typ must be {PROOF_TYP}.", error="invalid_proof")
    if header.get("alg") not in ("EdDSA", "Ed25519"):
        raise ClaimRefused("The proof must be signed EdDSA (Ed25519).", error="invalid_proof")
    holder, public_key = _proof_key(header)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # joserfc warns that "EdDSA" is deprecated by RFC 9864
            verified = jws.deserialize_compact(
                proof_jwt, OKPKey.import_key(public_jwk(public_key)), algorithms=[header["alg"]]
            )
    except (JoseError, ValueError):
        raise ClaimRefused(
            "The proof's signature does not verify with its key.", error="invalid_proof"
        ) from None
    claims = _json_claims(verified.payload)
    if claims.get("aud") != issuer_identifier():
        raise ClaimRefused(f"The proof's aud must be {issuer_identifier()}.", error="invalid_proof")
    iat = claims.get("iat")
    now = timezone.now().timestamp()
    if not isinstance(iat, int | float) or not now - PROOF_MAX_AGE.total_seconds() <= iat <= now + 300:
        raise ClaimRefused("The proof's iat is missing or not recent.", error="invalid_proof")
    _nonce_consume(claims.get("nonce"))
    return holder


def _json_claims(payload: bytes) -> dict:
    try:
        claims = json.loads(payload)
    except ValueError:
        raise ClaimRefused("The proof's claims are not JSON.", error="invalid_proof") from None
    if not isinstance(claims, dict):
        raise ClaimRefused("The proof's claims are not a JSON object.", error="invalid_proof")
    return claims


def di_vp_proof_holder(presentation) -> str:
    """OID4VCI 1.0 §F.2: a `di_vp` proof: a presentation whose proof's challenge is a c_nonce and whose domain
    is the Credential Issuer; returns the DID that controls its key."""
    proof = presentation.get("proof") if isinstance(presentation, dict) else None
    challenge = proof.get("challenge") if isinstance(proof, dict) else None
    holder = presentation_holder(presentation, challenge=challenge, domain=issuer_identifier())
    _nonce_consume(challenge)
    return holder


def _one_proof(body: dict) -> tuple[str, object]:
    proofs = body.get("proofs")
    if proofs is None and isinstance(body.get("proof"), dict):  # the single `proof` of earlier drafts
        single = body["proof"]
        kind = single.get("proof_type")
        return kind, single.get(kind)
    if not isinstance(proofs, dict) or len(proofs) != 1:
        raise ClaimRefused("Send one key proof in `proofs` (jwt or di_vp).", error="invalid_proof")
    [(kind, values)] = proofs.items()
    if not isinstance(values, list) or len(values) != 1:
        raise ClaimRefused("Send exactly one key proof.", error="invalid_proof")
    return kind, values[0]


# --- the credential endpoint -----------------------------------------------------------------------


def access_token(authorization: str) -> AccessToken:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise ClaimRefused(
            "Send the access token as `Authorization: Bearer …`.", error="invalid_token", status=401
        )
    token = (
        AccessToken.objects.select_related("offer__learner")
        .filter(token_hash=token_hash(value.strip()), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None:
        raise ClaimRefused("The access token is not valid (unknown, used or expired).", error="invalid_token",
                           status=401)  # fmt: skip
    if why_closed(token.offer) and not token.offer.is_claimed:
        raise ClaimRefused(
            "The offer was cancelled or expired: the access token is no longer valid.",
            error="invalid_token",
            status=401,
        )
    return token


def credential_issue(*, token: AccessToken, body: dict) -> dict:
    """OID4VCI 1.0 §8: check the configuration and the key proof (`token` from `access_token`), then claim
    and wait for the worker to sign; returns the Credential Response."""
    configuration = body.get("credential_configuration_id")
    if configuration not in offered_configurations(token.offer):
        raise ClaimRefused("This offer does not hold that credential configuration.",
                           error="unknown_credential_configuration")  # fmt: skip
    kind, proof = _one_proof(body)
    if kind == "jwt":
        holder = jwt_proof_holder(proof)
    elif kind == "di_vp":
        holder = di_vp_proof_holder(proof)
    else:
        raise ClaimRefused("The proof type must be jwt or di_vp.", error="invalid_proof")
    if AccessToken.objects.filter(pk=token.pk, used_at__isnull=True).update(used_at=timezone.now()) != 1:
        raise ClaimRefused("The access token was already used.", error="invalid_token", status=401)
    claim = offer_claim(offer=token.offer, holder_did=holder, protocol=ClaimProtocol.OID4VCI)
    documents = claim_documents_wait(claim=claim)
    if configuration == OB_JWT:
        copy = claim.credentials.get(kind=CredentialKind.ACHIEVEMENT)
        return {"credentials": [{"credential": _jwt_of(copy)}]}
    wanted = "ClrCredential" if configuration == CLR_LDP else "OpenBadgeCredential"
    credential = next(document for document in documents if wanted in document["type"])
    return {"credentials": [{"credential": credential}]}


def _jwt_of(copy: IssuedCredential) -> str:
    copy = IssuedCredential.objects.select_related("institution").get(pk=copy.pk)
    return credential_jwt(credential=copy, sign=document_jwt)

"""VC-JWT for Open Badges 3.0 / CLR 2.0 (OB 3.0 section 8.2): compact JWS, RS256 or EdDSA.

Signing and checking use `cryptography` directly: two algorithms, a fixed header and a fixed
claim mapping are simpler to audit here than a general JOSE library's options.
"""

from __future__ import annotations

import json
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from vc import json_text
from vc.data_integrity import ProofCheck, issuer_id
from vc.did import Resolver, resolve_verification_method
from vc.errors import DocumentError, ProofError, VcError
from vc.keys import b64url_decode, b64url_encode, ed25519_verify, public_key_from_jwk

ALGORITHMS = ("RS256", "EdDSA")
MAX_TOKEN_BYTES = 5_000_000


def _numeric_date(value) -> int | None:
    """RFC 7519 NumericDate (seconds since the epoch) from an XML Schema dateTime string."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DocumentError(f"Not a dateTime: {value!r}") from exc
    if moment.tzinfo is None:
        raise DocumentError(f"A dateTime needs a time zone: {value!r}")
    return int(moment.timestamp())


def _subject_id(credential: dict) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and subject:
        subject = subject[0]
    value = subject.get("id") if isinstance(subject, dict) else None
    return value if isinstance(value, str) else None


def claims_for(credential: dict) -> dict:
    """JWT claims for a credential as OB 3.0 section 8.2.4 maps them (vc, iss, jti, nbf, sub, exp)."""
    if not isinstance(credential, dict):
        raise DocumentError("A credential must be a JSON object.")
    claims: dict = {"vc": credential}
    # OB 3.0 8.2.4.2: iss = issuer.id (required).
    issuer = issuer_id(credential)
    if not issuer:
        raise DocumentError("The credential has no issuer id for the JWT `iss` claim.")
    claims["iss"] = issuer
    # OB 3.0 8.2.4.2: jti = credential id.
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    # OB 3.0 8.2.4.2: nbf = validFrom (issuanceDate for VC 1.1 documents), as a NumericDate.
    nbf = _numeric_date(credential.get("validFrom") or credential.get("issuanceDate"))
    if nbf is not None:
        claims["nbf"] = nbf
    # OB 3.0 8.2.4.2: sub = credentialSubject.id.
    subject = _subject_id(credential)
    if subject:
        claims["sub"] = subject
    # OB 3.0 8.2.4.2: exp = validUntil (expirationDate for VC 1.1), when present.
    exp = _numeric_date(credential.get("validUntil") or credential.get("expirationDate"))
    if exp is not None:
        claims["exp"] = exp
    return claims


def _json_segment(value: dict) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def encode(credential: dict, *, private_key, kid: str, alg: str = "RS256") -> str:
    """Sign a credential as a VC-JWT (compact JWS), RS256 or EdDSA; header kid = verification method."""
    if alg not in ALGORITHMS:
        raise ProofError(f"Unsupported JWT algorithm {alg!r}; use RS256 or EdDSA.")
    if alg == "RS256" and not isinstance(private_key, rsa.RSAPrivateKey):
        raise ProofError("RS256 needs an RSA private key.")
    if alg == "EdDSA" and not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise ProofError("EdDSA needs an Ed25519 private key.")
    if alg == "RS256" and private_key.key_size < 2048:
        raise ProofError("RSA keys shorter than 2048 bits are refused.")
    if not isinstance(kid, str) or not kid:
        raise ProofError("The JWT header needs a kid naming the issuer's verification method.")
    # OB 3.0 8.2.4.1: header alg (RS256 at least), typ "JWT", kid = URI of the issuer's key.
    header = {"alg": alg, "typ": "JWT", "kid": kid}
    signing_input = f"{_json_segment(header)}.{_json_segment(claims_for(credential))}".encode("ascii")
    if alg == "RS256":
        # RFC 7518 3.3: RS256 = RSASSA-PKCS1-v1_5 with SHA-256.
        signature = private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        # RFC 8037 3.1: EdDSA over the JWS signing input.
        signature = private_key.sign(signing_input)
    return signing_input.decode("ascii") + "." + b64url_encode(signature)


def decode_unverified(token: str) -> tuple[dict, dict, bytes, bytes]:
    """Split a compact JWS into (header, claims, signing input, signature) without checking it."""
    if not isinstance(token, str):
        raise DocumentError("A VC-JWT must be a string.")
    token = token.strip()
    if len(token) > MAX_TOKEN_BYTES:
        raise DocumentError("The JWT is too large.")
    parts = token.split(".")
    if len(parts) != 3:
        raise DocumentError("Not a compact JWS: a VC-JWT has three dot-separated parts.")
    try:
        header_bytes, claims_bytes = b64url_decode(parts[0]), b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
    except (VcError, ValueError) as exc:
        raise DocumentError("The JWT header or payload is not base64url JSON.") from exc
    try:
        header, claims = json_text.loads(header_bytes), json_text.loads(claims_bytes)
    except DocumentError as exc:
        raise DocumentError(f"The JWT header or payload is not base64url JSON: {exc.reason}") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise DocumentError("The JWT header and payload must be JSON objects.")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _credential_of(claims: dict) -> dict:
    credential = claims.get("vc", claims)
    if not isinstance(credential, dict):
        raise DocumentError("The JWT's `vc` claim is not a credential object.")
    return credential


def _check_claims(claims: dict, credential: dict) -> str | None:
    """Why the registered claims disagree with the credential (OB 3.0 8.2.4.2), or None."""
    expected = claims_for(credential)
    for name in ("iss", "jti", "sub", "nbf", "exp"):
        if name in claims and name in expected and claims[name] != expected[name]:
            return (
                f"The JWT claim {name}={claims[name]!r} does not match the credential ({expected[name]!r})."
            )
    if "iss" not in claims:
        return "The JWT has no iss claim."
    return None


def _verify_signature(public_key, alg: str, signing_input: bytes, signature: bytes) -> bool:
    try:
        if alg == "RS256":
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "EdDSA":
            if not isinstance(public_key, ed25519.Ed25519PublicKey):
                return False
            return ed25519_verify(public_key, signature, signing_input)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def decode_and_verify(
    token: str, *, resolver: Resolver, allow_embedded_jwk: bool = False, check_issuer: bool = True
) -> tuple[dict, ProofCheck]:
    """Decode a VC-JWT and check its signature, key and claims; DocumentError only if it is not a JWT."""
    header, claims, signing_input, signature = decode_unverified(token)
    credential = _credential_of(claims)

    def fail(reason: str, vm: str | None = None):
        return credential, ProofCheck(ok=False, reason=reason, verification_method=vm)

    alg = header.get("alg")
    # RFC 8725 3.1: only the algorithms we expect; never "none" or an HMAC.
    if alg not in ALGORITHMS:
        return fail(f"The JWT algorithm {alg!r} is not accepted (RS256 or EdDSA).")
    # RFC 7515 4.1.11: unknown critical extensions make a JWS invalid.
    if header.get("crit"):
        return fail("The JWT header lists critical extensions this verifier does not understand.")
    try:
        mismatch = _check_claims(claims, credential)
    except VcError as exc:
        return fail(f"The credential's dates cannot be read: {exc.reason}")
    if mismatch:
        return fail(mismatch)

    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        try:
            method = resolve_verification_method(kid, resolver=resolver)
        except VcError as exc:
            return fail(f"The signing key could not be obtained: {exc.reason}", kid)
        if "assertionMethod" not in method.purposes:
            return fail(f"{kid} is not listed under assertionMethod by {method.controller}.", kid)
        # OB 3.0 8.2.4.1: kid is the issuer's key, so its controller must be iss.
        if check_issuer and method.controller != claims.get("iss"):
            return fail(
                f"The signing key belongs to {method.controller}, not to the issuer {claims.get('iss')}.", kid
            )
        public_key, vm = method.public_key, kid
    elif isinstance(header.get("jwk"), dict):
        # OB 3.0 8.2.4.1 allows a jwk in the header, but nothing ties such a key to the issuer.
        if not allow_embedded_jwk:
            return fail("The JWT carries its own key (jwk header) that nothing ties to the issuer.")
        try:
            public_key = public_key_from_jwk(header["jwk"])
        except VcError as exc:
            return fail(f"The JWT's jwk header is not a usable key: {exc.reason}")
        vm = None
    else:
        return fail("The JWT header names no key (no kid and no jwk).")

    if not _verify_signature(public_key, alg, signing_input, signature):
        return fail("The JWT signature does not match: the token was changed or signed by another key.", vm)
    how = f"with {vm}" if vm else "with the key embedded in its header (not bound to the issuer)"
    return credential, ProofCheck(
        ok=True, reason=f"VC-JWT {alg} signature verified {how}.", verification_method=vm
    )

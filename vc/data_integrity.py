"""Data Integrity proofs: DataIntegrityProof / eddsa-rdfc-2022 (create and verify) and legacy
Ed25519Signature2020 (verify), per W3C vc-di-eddsa and vc-data-integrity.
"""

from __future__ import annotations

import copy
import hashlib
import marshal
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import LRUCache
from cryptography.hazmat.primitives.asymmetric import ed25519

from vc.canonical import canonize
from vc.did import Resolver, resolve_verification_method
from vc.errors import DocumentError, ProofError, VcError
from vc.keys import ed25519_verify, multibase_decode, multibase_encode

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
LEGACY_ED25519_2020 = "Ed25519Signature2020"

# XML Schema dateTime as VC-DI uses it for `created` / `expires`.
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class ProofCheck:
    """Outcome of checking one proof: ok, a reason fit for a person, and the key that was used."""

    ok: bool
    reason: str
    verification_method: str | None = None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_id(document: dict) -> str | None:
    """The credential issuer's id whether `issuer` is a string or an object."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def hash_data(document: dict, proof_config: dict) -> tuple[bytes, str, str]:
    """hashData = SHA-256(canonical proof config) ‖ SHA-256(canonical document), with both canonical forms."""
    # VC-DI-EdDSA 3.3.3: transform the unsecured document with RDFC-1.0 (safe mode: no undefined terms).
    canonical_document = canonize(document, safe=True)
    # VC-DI-EdDSA 3.3.5: canonicalize the proof configuration (with the document's @context).
    canonical_proof = canonize(proof_config, safe=True)
    # VC-DI-EdDSA 3.3.4: proofConfigHash ‖ transformedDocumentHash, each SHA-256.
    digest = (
        hashlib.sha256(canonical_proof.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )
    return digest, canonical_document, canonical_proof


def proof_config(
    document: dict,
    *,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
) -> dict:
    """The eddsa-rdfc-2022 proof configuration for a document (no proofValue yet)."""
    if "@context" not in document:
        raise DocumentError("A document to sign needs an @context.")
    # VC-DI-EdDSA 3.3.5 steps 1-4: type, cryptosuite, created; proofConfig.@context = document.@context.
    return {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        "@context": copy.deepcopy(document["@context"]),
    }


def sign(
    document: dict,
    *,
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
) -> dict:
    """Return a copy of `document` with a DataIntegrityProof (eddsa-rdfc-2022) added as `proof`."""
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise ProofError("eddsa-rdfc-2022 signs with an Ed25519 private key.")
    if not isinstance(document, dict):
        raise DocumentError("Only a JSON object can be signed.")
    if "proof" in document:
        raise ProofError("The document already carries a proof; sign the unsecured document.")
    created = created or _now()
    if not _DATETIME.match(created):
        raise ProofError(f"`created` must be an XML Schema dateTime, not {created!r}.")
    config = proof_config(
        document, verification_method=verification_method, created=created, proof_purpose=proof_purpose
    )
    digest, _, _ = hash_data(document, config)
    # VC-DI-EdDSA 3.3.6: Ed25519 signature over hashData; proofValue = base58btc multibase.
    signature = private_key.sign(digest)
    proof = {k: v for k, v in config.items() if k != "@context"}
    proof["proofValue"] = multibase_encode(signature)
    signed = dict(document)
    # VC-DI 2.0 'Add Proof': the secured document is the input plus `proof`.
    signed["proof"] = proof
    return signed


# hashData of documents already verified, keyed by their exact JSON: a status list shared by thousands of
# credentials, or a shared record viewed again, is not canonicalized again. The signature is still checked
# every time, against the key resolved every time.
_VERIFIED_HASHES: LRUCache = LRUCache(maxsize=4096)
_VERIFIED_HASHES_LOCK = threading.Lock()


def _hash_for_verification(unsecured: dict, options: dict) -> bytes:
    try:
        # marshal (version 2: no back-references) is exact and three times faster than JSON; equal
        # documents built differently (key order, interned keys) may serialize apart: a miss, no more.
        serialized = marshal.dumps([unsecured, options], 2)
    except ValueError:
        return hash_data(unsecured, options)[0]
    key = hashlib.sha256(serialized).digest()
    with _VERIFIED_HASHES_LOCK:
        cached = _VERIFIED_HASHES.get(key)
    if cached is not None:
        return cached
    digest = hash_data(unsecured, options)[0]
    with _VERIFIED_HASHES_LOCK:
        _VERIFIED_HASHES[key] = digest
    return digest


def clear_verification_cache() -> None:
    """Forget remembered hashes (for tests and benchmarks)."""
    with _VERIFIED_HASHES_LOCK:
        _VERIFIED_HASHES.clear()


def _fail(reason: str, vm: str | None = None) -> ProofCheck:
    return ProofCheck(ok=False, reason=reason, verification_method=vm)


def _check_one(
    unsecured: dict, proof: dict, *, resolver: Resolver, check_issuer: bool, expected_purpose: str
) -> ProofCheck:
    if not isinstance(proof, dict):
        return _fail("The proof is not a JSON object.")
    vm_id = proof.get("verificationMethod")
    vm_id = vm_id.get("id") if isinstance(vm_id, dict) else vm_id
    proof_type = proof.get("type")
    if proof_type == DATA_INTEGRITY_PROOF:
        # VC-DI-EdDSA 3.3.2 step 1-2: the cryptosuite must be eddsa-rdfc-2022.
        if proof.get("cryptosuite") != CRYPTOSUITE:
            return _fail(
                f"Unsupported cryptosuite {proof.get('cryptosuite')!r}; expected {CRYPTOSUITE}.", vm_id
            )
    elif proof_type != LEGACY_ED25519_2020:
        return _fail(f"Unsupported proof type {proof_type!r}.", vm_id)
    if not isinstance(vm_id, str) or not vm_id:
        return _fail("The proof names no verificationMethod.")
    # VC-DI 2.0 'Verify Proof': proofPurpose must match the purpose the verifier expects.
    if proof.get("proofPurpose") != expected_purpose:
        return _fail(f"The proof purpose is {proof.get('proofPurpose')!r}, not {expected_purpose}.", vm_id)
    created = proof.get("created")
    if created is not None and (not isinstance(created, str) or not _DATETIME.match(created)):
        return _fail("The proof's `created` is not a dateTime.", vm_id)
    # VC-DI 2.0 'Proofs': `expires` is optional; a proof past it is not valid.
    expires = proof.get("expires")
    if expires is not None:
        try:
            if datetime.fromisoformat(str(expires).replace("Z", "+00:00")) < datetime.now(UTC):
                return _fail(f"The proof expired at {expires}.", vm_id)
        except ValueError:
            return _fail("The proof's `expires` is not a dateTime.", vm_id)
    proof_value = proof.get("proofValue")
    try:
        signature = multibase_decode(proof_value)
    except VcError:
        return _fail("The proofValue is not base58btc multibase.", vm_id)
    # VC-DI-EdDSA 3.3.2 step 3 / RFC 8032: an Ed25519 signature is 64 bytes.
    if len(signature) != 64:
        return _fail("The proofValue is not a 64-byte Ed25519 signature.", vm_id)

    # VC-DI-EdDSA 3.3.2: proofOptions = proof minus proofValue; its @context is the document's.
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # VC-DI-EdDSA 3.3.2 step 2: a proof's own @context must be the document's (a prefix of it).
        doc_ctx = unsecured.get("@context")
        doc_ctx = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        proof_ctx = options["@context"] if isinstance(options["@context"], list) else [options["@context"]]
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            return _fail("The proof's @context does not match the document's.", vm_id)
    else:
        options["@context"] = unsecured.get("@context")  # only canonicalized, never changed

    try:
        method = resolve_verification_method(vm_id, resolver=resolver)
    except VcError as exc:
        return _fail(f"The signing key could not be obtained: {exc.reason}", vm_id)
    # VC-DI 2.0 'Retrieve Verification Method' + CID 1.0: the key must be listed for the proof purpose.
    if expected_purpose not in method.purposes:
        return _fail(f"{vm_id} is not listed under {expected_purpose} by {method.controller}.", vm_id)
    # OB 3.0 'Proof verification' / VC 2.0 'Issuer': the proof's key must be controlled by the issuer.
    issuer = issuer_id(unsecured)
    if check_issuer and method.controller != issuer:
        return _fail(f"The signing key belongs to {method.controller}, not to the issuer {issuer}.", vm_id)
    if not isinstance(method.public_key, ed25519.Ed25519PublicKey):
        return _fail(f"{vm_id} is not an Ed25519 key.", vm_id)

    try:
        digest = _hash_for_verification(unsecured, options)
    except VcError as exc:
        return _fail(f"The document could not be canonicalized: {exc.reason}", vm_id)
    # VC-DI-EdDSA 3.3.2 step 5: verify the Ed25519 signature over hashData.
    if not ed25519_verify(method.public_key, signature, digest):
        return _fail(
            "The signature does not match the document: it was changed or signed by another key.", vm_id
        )
    return ProofCheck(
        ok=True, reason=f"{proof_type} signature verified with {vm_id}.", verification_method=vm_id
    )


def verify(
    document: dict,
    *,
    resolver: Resolver,
    check_issuer: bool = True,
    expected_purpose: str = "assertionMethod",
) -> ProofCheck:
    """Check the document's Data Integrity proof(s); never raises for a bad proof, returns ok=False."""
    if not isinstance(document, dict):
        return _fail("The credential is not a JSON object.")
    proofs = document.get("proof")
    if proofs is None:
        return _fail("The credential has no proof.")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if not proofs:
        return _fail("The credential has no proof.")
    # VC-DI 2.0 'Verify Proof' step 1: the unsecured document is the secured one without `proof`.
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    result = _fail("The credential has no proof.")
    for proof in proofs:
        try:
            result = _check_one(
                unsecured,
                proof,
                resolver=resolver,
                check_issuer=check_issuer,
                expected_purpose=expected_purpose,
            )
        except Exception as exc:  # a hostile document must not escape as an exception
            result = _fail(f"The proof could not be checked: {exc}")
        if not result.ok:
            return result
    return result

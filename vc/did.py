"""DIDs: did:key (Ed25519 Multikey) made and resolved locally; did:web through a callable passed in.

The core never does HTTP: `did_web_url` tells the caller where a did:web document lives, and the
caller passes a function that fetches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from vc.errors import KeyMaterialError, ResolutionError, VcError
from vc.keys import (
    PublicKey,
    ed25519_public_from_base58,
    ed25519_public_from_multibase,
    ed25519_public_multibase,
    public_jwk,
    public_key_from_jwk,
)

Resolver = Callable[[str], dict]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"

# DID Core 5.3: verification relationships.
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)


@dataclass(frozen=True)
class VerificationMethod:
    """A public key found in a controller (DID) document, with the relationships that list it."""

    id: str
    controller: str
    type: str
    public_key: PublicKey
    purposes: frozenset[str] = field(default_factory=frozenset)


# --- did:key -------------------------------------------------------------------------------


def did_key_from_public(public_key: ed25519.Ed25519PublicKey) -> str:
    """did:key for an Ed25519 public key ("did:key:z6Mk...")."""
    # did:key 0.7 section 3.1: did:key:<multibase(multicodec ed25519-pub ‖ raw key)>.
    return "did:key:" + ed25519_public_multibase(public_key)


def did_key_document(did: str) -> dict:
    """DID document for an Ed25519 did:key, one Multikey verification method in every relationship."""
    if not isinstance(did, str) or not did.startswith("did:key:"):
        raise ResolutionError(f"Not a did:key: {did!r:.80}")
    multibase = did.removeprefix("did:key:").split("#", 1)[0]
    if not multibase.startswith("z6Mk"):
        raise ResolutionError(f"Only Ed25519 did:key identifiers are supported, not {did!r:.80}")
    try:
        ed25519_public_from_multibase(multibase)
    except KeyMaterialError as exc:
        raise ResolutionError(f"The did:key {did!r:.80} does not hold a valid Ed25519 key.") from exc
    did = "did:key:" + multibase
    vm_id = f"{did}#{multibase}"
    # did:key 0.7 section 3.1.2 (Multikey form): the key is its own fragment; listed in every relationship
    # except keyAgreement (that would need the X25519 conversion, unused here).
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


# --- did:web -------------------------------------------------------------------------------


def did_web_url(did: str) -> str:
    """The https URL of a did:web DID document (did:web spec 3.2, Read)."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise ResolutionError(f"Not a did:web: {did!r:.80}")
    parts = did.removeprefix("did:web:").split("#", 1)[0].split(":")
    host = unquote(parts[0])
    if not host or "/" in host or "@" in host:
        raise ResolutionError(f"The did:web {did!r:.80} has no valid host.")
    path = [unquote(p) for p in parts[1:]]
    if any(not p or p in (".", "..") or "/" in p for p in path):
        raise ResolutionError(f"The did:web {did!r:.80} has an invalid path.")
    # did:web 3.2: no path -> /.well-known/did.json; with a path -> /<path>/did.json.
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path)}/did.json"


def did_web_from_url(base_url: str, *path: str) -> str:
    """did:web for an https origin and optional path segments (port encoded as %3A)."""
    split = urlsplit(base_url)
    if split.scheme != "https" or not split.hostname:
        raise ResolutionError(f"did:web needs an https URL with a host, not {base_url!r:.80}")
    host = split.hostname + (f":{split.port}" if split.port else "")
    segments = [s for s in split.path.split("/") if s] + [s for p in path for s in str(p).split("/") if s]
    return ":".join(["did:web", quote(host, safe="")] + [quote(s, safe="") for s in segments])


def _vm_id(did: str, key_id: str) -> str:
    if key_id.startswith(did + "#"):
        return key_id
    return f"{did}#{key_id.lstrip('#')}"


def did_web_document(
    *,
    did: str,
    ed25519_keys: Iterable[tuple[str, ed25519.Ed25519PublicKey]] = (),
    rsa_keys: Iterable[tuple[str, rsa.RSAPublicKey]] = (),
) -> dict:
    """did:web DID document: Ed25519 keys as Multikey, RSA keys as JsonWebKey, all under assertionMethod."""
    if not did.startswith("did:web:"):
        raise ResolutionError(f"Not a did:web: {did!r:.80}")
    methods = []
    for key_id, public in ed25519_keys:
        methods.append(
            {
                "id": _vm_id(did, key_id),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ed25519_public_multibase(public),
            }
        )
    for key_id, public in rsa_keys:
        methods.append(
            {
                "id": _vm_id(did, key_id),
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": public_jwk(public),
            }
        )
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT, JWK_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": list(ids),
        "authentication": list(ids),
    }


# --- resolution ----------------------------------------------------------------------------


def default_resolver(*, did_web: Resolver | None = None, other: Resolver | None = None) -> Resolver:
    """Resolver for did:key (locally), did:web (via `did_web(did)`), anything else via `other(id)`."""

    def resolve(identifier: str) -> dict:
        if identifier.startswith("did:key:"):
            return did_key_document(identifier)
        if identifier.startswith("did:web:"):
            if did_web is None:
                raise ResolutionError(f"No way to fetch did:web documents was configured ({identifier}).")
            return did_web(identifier)
        if other is not None:
            return other(identifier)
        raise ResolutionError(f"Cannot resolve {identifier!r:.80}: only did:key and did:web are supported.")

    resolve.resolves_did_key_locally = True  # see resolve_verification_method
    return resolve


def _ref_id(ref, base: str) -> str | None:
    value = ref.get("id") if isinstance(ref, dict) else ref
    if not isinstance(value, str):
        return None
    return base + value if value.startswith("#") else value


def _public_key(method: dict) -> PublicKey:
    kind = method.get("type")
    if "publicKeyMultibase" in method and kind in ("Multikey", "Ed25519VerificationKey2020"):
        return ed25519_public_from_multibase(method["publicKeyMultibase"])
    if "publicKeyJwk" in method and kind in ("JsonWebKey", "JsonWebKey2020"):
        return public_key_from_jwk(method["publicKeyJwk"])
    if "publicKeyBase58" in method and kind == "Ed25519VerificationKey2018":
        return ed25519_public_from_base58(method["publicKeyBase58"])
    raise KeyMaterialError(f"Verification method {method.get('id')!r} of type {kind!r} has no usable key.")


def resolve_verification_method(vm_id: str, *, resolver: Resolver) -> VerificationMethod:
    """Fetch the controller document of `vm_id` and return its key and the relationships listing it."""
    if not isinstance(vm_id, str) or not vm_id:
        raise KeyMaterialError("The proof names no verification method.")
    if vm_id.startswith("did:key:") and getattr(resolver, "resolves_did_key_locally", False):
        # A did:key is its own document: the same identifier always gives the same method.
        return _did_key_method(vm_id)
    return _resolve_verification_method(vm_id, resolver)


@lru_cache(maxsize=1024)
def _did_key_method(vm_id: str) -> VerificationMethod:
    return _resolve_verification_method(vm_id, did_key_document)


def _resolve_verification_method(vm_id: str, resolver: Resolver) -> VerificationMethod:
    controller_id = vm_id.split("#", 1)[0]
    try:
        document = resolver(controller_id)
    except VcError:
        raise
    except Exception as exc:
        raise ResolutionError(f"Could not resolve {controller_id}: {exc}") from exc
    if not isinstance(document, dict):
        raise ResolutionError(f"Resolving {controller_id} did not give a JSON object.")
    # DID Core 7.1.2: the resolved document's id must be the DID that was resolved.
    if document.get("id") != controller_id:
        raise KeyMaterialError(
            f"The document resolved for {controller_id} names itself {document.get('id')!r}."
        )
    wanted = vm_id
    if "#" not in vm_id and vm_id.startswith("did:key:"):
        # did:key 0.7: the bare DID stands for its single key, did:key:<mb>#<mb>.
        wanted = f"{vm_id}#{vm_id.removeprefix('did:key:')}"

    candidates = [m for m in document.get("verificationMethod") or [] if isinstance(m, dict)]
    for rel in RELATIONSHIPS:
        candidates += [m for m in document.get(rel) or [] if isinstance(m, dict)]
    method = next((m for m in candidates if _ref_id(m, controller_id) == wanted), None)
    if method is None:
        raise KeyMaterialError(f"{controller_id} does not list the verification method {vm_id}.")
    purposes = frozenset(
        rel
        for rel in RELATIONSHIPS
        if any(_ref_id(r, controller_id) == wanted for r in document.get(rel) or [])
    )
    controller = method.get("controller")
    # CID 1.0 3.2: a verification method's controller is the document that lists it.
    if controller != controller_id:
        raise KeyMaterialError(
            f"Verification method {vm_id} is controlled by {controller!r}, not by {controller_id}."
        )
    return VerificationMethod(
        id=wanted,
        controller=controller,
        type=str(method.get("type")),
        public_key=_public_key(method),
        purposes=purposes,
    )

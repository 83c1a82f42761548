"""Pure helpers for the vc tests (no database, no network)."""

import json
from pathlib import Path

import pytest

from vc import did, keys
from vc.errors import ResolutionError

FIXTURES = Path(__file__).parent / "fixtures"


def load_json(relative):
    """Parse a fixture file under tests/vc/fixtures."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def verification_methods(document):
    """Every verificationMethod named by a proof in the document or in credentials nested in it."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "proof":
                for proof in value if isinstance(value, list) else [value]:
                    if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str):
                        found.append(proof["verificationMethod"])
            else:
                found += verification_methods(value)
    elif isinstance(document, list):
        for item in document:
            found += verification_methods(item)
    return found


def controller_documents(*documents):
    """Controller documents for the https issuers of the 1EdTech fixtures.

    Those issuers (example.edu, 1edtech.edu, ...) publish nothing we can fetch offline. The
    verificationMethod ids end in the Multikey itself (``https://example.edu/issuers/565049#z6Mk...``),
    so these stand-ins list exactly that key under assertionMethod, as the issuer would publish it.
    """
    by_controller = {}
    for document in documents:
        for vm in verification_methods(document):
            if vm.startswith("did:") or "#" not in vm:
                continue
            controller, fragment = vm.split("#", 1)
            entry = by_controller.setdefault(
                controller,
                {
                    "@context": [did.DID_CONTEXT, did.MULTIKEY_CONTEXT],
                    "id": controller,
                    "verificationMethod": [],
                    "assertionMethod": [],
                },
            )
            if vm not in entry["assertionMethod"]:
                entry["verificationMethod"].append(
                    {"id": vm, "type": "Multikey", "controller": controller, "publicKeyMultibase": fragment}
                )
                entry["assertionMethod"].append(vm)
    return by_controller


def resolver_for(*documents):
    """A resolver: did:key locally, https controllers from `controller_documents`."""
    known = controller_documents(*documents)

    def other(identifier):
        if identifier in known:
            return known[identifier]
        raise ResolutionError(f"{identifier} is not known offline")

    return did.default_resolver(other=other)


@pytest.fixture(name="resolver_for")
def resolver_for_fixture():
    """`resolver_for(*documents)`: did:key locally plus stand-in controller documents for the fixtures."""
    return resolver_for


@pytest.fixture(scope="module")
def signer():
    """A did:key issuer from a fixed seed: (private key, DID, verification method)."""
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    issuer = did.did_key_from_public(private.public_key())
    return private, issuer, did.did_key_document(issuer)["assertionMethod"][0]

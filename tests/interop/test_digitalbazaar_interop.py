"""Interop: what vc/ issues verifies in Digital Bazaar's implementation, and the reverse.

Digital Bazaar's side runs in Node (tests/interop/dbvc.mjs, pinned packages in package.json),
offline, over the project's bundled JSON-LD contexts. See tests/interop/README.md.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "vc" / "fixtures" / "examples" / "validator-fixtures"
SEED_HEX = "9b3f0c54a1d2e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"
CREATED = "2026-01-15T10:00:00Z"


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def controller_document(controller: str, public_multibases: list[str]) -> dict:
    """A controller document listing each Ed25519 Multikey as `{controller}#{multibase}`."""
    ids = [f"{controller}#{multibase}" for multibase in public_multibases]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": controller,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": multibase}
            for vm_id, multibase in zip(ids, public_multibases, strict=True)
        ],
        "assertionMethod": ids,
    }


def fixture_controller_documents(credential: dict) -> list[dict]:
    """The validator fixtures name an unfetchable example.com/example.edu issuer and put the
    key's multibase in the verification method fragment; state that as the issuer's document."""
    by_controller: dict[str, list[str]] = {}
    proofs = credential["proof"] if isinstance(credential["proof"], list) else [credential["proof"]]
    for proof in proofs:
        controller, _, multibase = proof["verificationMethod"].partition("#")
        by_controller.setdefault(controller, []).append(multibase)
    return [controller_document(c, keys) for c, keys in by_controller.items()]


def encode_status_bits(set_indexes: set[int], size: int = 131072) -> str:
    """Bitstring Status List encoding written out here (GZIP, base64url, multibase 'u'; index 0
    is the most significant bit of the first byte), independent of vc/status.py."""
    bits = bytearray(size // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")


# ---------------------------------------------------------------------------------------------
# (a) the Node side on its own: 1EdTech's validator fixtures verify, tampered copies do not


def test_digital_bazaar_verifies_the_1edtech_ob30_validator_fixture(digital_bazaar):
    credential = load_fixture("ob30-simple.json")

    result = digital_bazaar.verify(credential, did_docs=fixture_controller_documents(credential))

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert result.output["errors"] == []


def test_digital_bazaar_verifies_the_1edtech_clr20_validator_fixture_and_its_nested_badge(digital_bazaar):
    clr = load_fixture("clr20-simple.json")
    nested = clr["credentialSubject"]["verifiableCredential"]
    did_docs = fixture_controller_documents(clr) + fixture_controller_documents(nested[0])

    result = digital_bazaar.verify(clr, did_docs=did_docs, nested=True)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert [n["verified"] for n in result.output["nested"]] == [True], result


@pytest.mark.parametrize("fixture", ["ob30-simple.json", "clr20-simple.json"])
def test_digital_bazaar_rejects_a_tampered_copy_of_a_validator_fixture(digital_bazaar, fixture):
    credential = load_fixture(fixture)
    did_docs = fixture_controller_documents(credential)
    tampered = copy.deepcopy(credential)
    tampered["name"] += " (edited)"

    result = digital_bazaar.verify(tampered, did_docs=did_docs)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert any("Invalid signature" in e for e in result.output["errors"]), result


def test_digital_bazaar_rejects_a_clr_fixture_whose_nested_badge_was_edited(digital_bazaar):
    clr = load_fixture("clr20-simple.json")
    nested = clr["credentialSubject"]["verifiableCredential"][0]
    did_docs = fixture_controller_documents(clr) + fixture_controller_documents(nested)
    nested["credentialSubject"]["achievement"]["name"] = "Leadership"

    result = digital_bazaar.verify(clr, did_docs=did_docs, nested=True)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert [n["verified"] for n in result.output["nested"]] == [False], result


def test_digital_bazaar_rejects_a_fixture_whose_key_its_issuer_does_not_list(digital_bazaar):
    credential = load_fixture("ob30-simple.json")
    (issuer_document,) = fixture_controller_documents(credential)
    issuer_document["assertionMethod"] = []

    result = digital_bazaar.verify(credential, did_docs=[issuer_document])

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert any("not authorized by controller" in e for e in result.output["errors"]), result


def test_digital_bazaar_detects_the_set_bit_in_a_status_list_it_signed_itself(digital_bazaar):
    """Sanity check of the Node status path before it judges vc/'s lists."""
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    list_url = "https://issuer.example/status/1"
    status_list = digital_bazaar.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": list_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{list_url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_status_bits({7}),
            },
        },
        seed_hex=SEED_HEX,
        created=CREATED,
    )

    def badge_with_status(index: int) -> dict:
        unsigned = load_fixture("ob30-simple.json")
        del unsigned["proof"]
        unsigned["issuer"]["id"] = did
        unsigned["credentialStatus"] = {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
        return digital_bazaar.sign(unsigned, seed_hex=SEED_HEX, created=CREATED)

    revoked = digital_bazaar.verify(badge_with_status(7), status_lists=[status_list])
    clear = digital_bazaar.verify(badge_with_status(8), status_lists=[status_list])

    assert revoked.output["verified"] is True, revoked
    assert revoked.output["revoked"] is True, revoked
    assert revoked.returncode == 1, revoked
    assert clear.output["verified"] is True, clear
    assert clear.output["revoked"] is False, clear
    assert clear.returncode == 0, clear

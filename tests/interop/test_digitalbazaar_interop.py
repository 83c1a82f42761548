"""Interop: what vc/ issues verifies in Digital Bazaar's implementation, and the reverse.

Digital Bazaar's side runs in Node (tests/interop/dbvc.mjs, pinned packages in package.json),
offline, over the project's bundled JSON-LD contexts. See tests/interop/README.md.

vc/ modules are imported inside the tests that use them, so the Node-only sanity tests run
on their own.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "vc" / "fixtures" / "examples"
VALIDATOR_FIXTURES = EXAMPLES / "validator-fixtures"

SEED_HEX = "9b3f0c54a1d2e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"
OTHER_SEED_HEX = "4c7e2a91d0b3f5e6a7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f901"
CREATED = "2026-01-15T10:00:00Z"
STATUS_LIST_URL = "https://issuer.example/status/revocation/1"


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


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


def fixture_controller_documents(*credentials: dict) -> list[dict]:
    """The validator fixtures name unfetchable example.com / example.edu issuers and put each
    key's multibase in the verification method fragment; state that as the issuer's document."""
    by_controller: dict[str, list[str]] = {}
    for credential in credentials:
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


def unsigned_copy(document: dict, *, issuer: str) -> dict:
    """The document without its proof, issued by `issuer` (kept an object if it was one)."""
    document = copy.deepcopy(document)
    document.pop("proof", None)
    if isinstance(document.get("issuer"), dict):
        document["issuer"]["id"] = issuer
    else:
        document["issuer"] = issuer
    return document


# ---------------------------------------------------------------------------------------------
# (a) the Node side on its own: 1EdTech's published fixtures verify, tampered copies do not

SIGNED_FIXTURES = [
    "validator-fixtures/ob30-simple.json",
    "validator-fixtures/ob30-complete.json",
    "validator-fixtures/ob30-endorsement-valid.json",
    "validator-fixtures/clr20-simple.json",
    "clr_v2p0/impl-guide-ldp-signed-credential.json",
]


@pytest.mark.parametrize("fixture", SIGNED_FIXTURES)
def test_digital_bazaar_verifies_a_signed_1edtech_fixture(digital_bazaar, fixture):
    credential = load_json(EXAMPLES / fixture)

    # ob30-complete carries a 1EdTechRevocationList status, which Digital Bazaar does not read
    result = digital_bazaar.verify(
        credential, did_docs=fixture_controller_documents(credential), skip_status=True
    )

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert result.output["errors"] == [], result


@pytest.mark.parametrize("fixture", SIGNED_FIXTURES)
def test_digital_bazaar_rejects_a_tampered_copy_of_a_signed_1edtech_fixture(digital_bazaar, fixture):
    credential = load_json(EXAMPLES / fixture)
    did_docs = fixture_controller_documents(credential)
    tampered = copy.deepcopy(credential)
    tampered["validFrom"] = "2011-01-01T00:00:00Z"

    result = digital_bazaar.verify(tampered, did_docs=did_docs, skip_status=True)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert any("Invalid signature" in e for e in result.output["errors"]), result


def test_digital_bazaar_verifies_the_nested_badge_of_the_clr20_fixture(digital_bazaar):
    clr = load_json(VALIDATOR_FIXTURES / "clr20-simple.json")
    (nested,) = clr["credentialSubject"]["verifiableCredential"]

    result = digital_bazaar.verify(clr, did_docs=fixture_controller_documents(clr, nested), nested=True)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert [n["verified"] for n in result.output["nested"]] == [True], result


def test_digital_bazaar_rejects_the_clr20_fixture_when_its_nested_badge_was_edited(digital_bazaar):
    clr = load_json(VALIDATOR_FIXTURES / "clr20-simple.json")
    (nested,) = clr["credentialSubject"]["verifiableCredential"]
    did_docs = fixture_controller_documents(clr, nested)
    nested["credentialSubject"]["achievement"]["name"] = "Leadership"

    result = digital_bazaar.verify(clr, did_docs=did_docs, nested=True)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert [n["verified"] for n in result.output["nested"]] == [False], result


def test_digital_bazaar_rejects_a_fixture_whose_key_its_issuer_does_not_list(digital_bazaar):
    credential = load_json(VALIDATOR_FIXTURES / "ob30-simple.json")
    (issuer_document,) = fixture_controller_documents(credential)
    issuer_document["assertionMethod"] = []

    result = digital_bazaar.verify(credential, did_docs=[issuer_document])

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert any("not authorized by controller" in e for e in result.output["errors"]), result


def test_digital_bazaar_fetches_nothing_outside_the_bundle_and_the_documents_given(digital_bazaar):
    credential = load_json(VALIDATOR_FIXTURES / "ob30-simple.json")
    did_docs = fixture_controller_documents(credential)
    credential["@context"].append("https://contexts.example/not-bundled/v1")

    result = digital_bazaar.verify(credential, did_docs=did_docs)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert any(
        'no bundled or supplied document for "https://contexts.example/not-bundled/v1"' in e
        for e in result.output["errors"]
    ), result


def test_digital_bazaar_detects_the_set_bit_in_a_status_list_it_signed_itself(digital_bazaar):
    """Sanity check of the Node status path (and of the bit order) before it judges vc/'s lists."""
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    status_list = digital_bazaar.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": STATUS_LIST_URL,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{STATUS_LIST_URL}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_status_bits({7}),
            },
        },
        seed_hex=SEED_HEX,
        created=CREATED,
    )

    def badge_with_status(index: int) -> dict:
        unsigned = unsigned_copy(load_json(VALIDATOR_FIXTURES / "ob30-simple.json"), issuer=did)
        unsigned["credentialStatus"] = status_entry(index)
        return digital_bazaar.sign(unsigned, seed_hex=SEED_HEX, created=CREATED)

    revoked = digital_bazaar.verify(badge_with_status(7), status_lists=[status_list])
    clear = digital_bazaar.verify(badge_with_status(8), status_lists=[status_list])

    assert revoked.output["verified"] is True, revoked
    assert revoked.output["revoked"] is True, revoked
    assert revoked.returncode == 1, revoked
    assert clear.output["verified"] is True, clear
    assert clear.output["revoked"] is False, clear
    assert clear.returncode == 0, clear


def status_entry(index: int, list_url: str = STATUS_LIST_URL) -> dict:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


# ---------------------------------------------------------------------------------------------
# (b) vc/ issues, Digital Bazaar verifies


class VcIssuer:
    """An Ed25519 key from SEED_HEX in vc/, named by vc/'s did:key."""

    def __init__(self, seed_hex: str = SEED_HEX):
        from vc.did import did_key_from_public
        from vc.keys import ed25519_private_from_seed

        self.private_key = ed25519_private_from_seed(bytes.fromhex(seed_hex))
        self.did = did_key_from_public(self.private_key.public_key())
        self.verification_method = f"{self.did}#{self.did.removeprefix('did:key:')}"

    def sign(self, document: dict) -> dict:
        from vc.data_integrity import sign

        return sign(
            document,
            private_key=self.private_key,
            verification_method=self.verification_method,
            created=CREATED,
        )


SPEC_EXAMPLES = [
    "ob_v3p0/basic-openbadgecredential.json",
    "ob_v3p0/complete-openbadgecredential.json",
    "ob_v3p0/endorsementcredential.json",
    "ob_v3p0/achievement-alignment-case.json",
    "ob_v3p0/achievement-alignment-credential-engine.json",
    "ob_v3p0/skill-assertion-case.json",
    "ob_v3p0/skill-assertion-ctdl.json",
    "ob_v3p0/examples-page-complete-openbadgecredential-a.json",
    "clr_v2p0/impl-guide-ldp-credential.json",
]


@pytest.mark.parametrize("example", SPEC_EXAMPLES)
def test_digital_bazaar_verifies_a_spec_example_signed_by_vc(digital_bazaar, example):
    issuer = VcIssuer()
    signed = issuer.sign(unsigned_copy(load_json(EXAMPLES / example), issuer=issuer.did))

    # some examples carry a 1EdTechRevocationList status, which Digital Bazaar does not read
    result = digital_bazaar.verify(signed, skip_status=True)

    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert result.returncode == 0, result
    assert result.output["verified"] is True, result


def test_digital_bazaar_rejects_a_credential_vc_signed_and_someone_then_edited(digital_bazaar):
    issuer = VcIssuer()
    signed = issuer.sign(
        unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=issuer.did)
    )
    signed["credentialSubject"]["achievement"]["name"] = "Something else"

    result = digital_bazaar.verify(signed)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
    assert any("Invalid signature" in e for e in result.output["errors"]), result


def test_digital_bazaar_verifies_a_credential_vc_signed_under_its_did_web_document(digital_bazaar):
    from vc.data_integrity import sign
    from vc.did import did_web_document

    issuer = VcIssuer()
    did = "did:web:issuer.example:institutions:7"
    did_document = did_web_document(did=did, ed25519_keys=[("key-1", issuer.private_key.public_key())])
    vm_id = did_document["assertionMethod"][0]
    signed = sign(
        unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=did),
        private_key=issuer.private_key,
        verification_method=vm_id,
        created=CREATED,
    )

    result = digital_bazaar.verify(signed, did_docs=[did_document])
    other_key = did_web_document(
        did=did, ed25519_keys=[("key-1", VcIssuer(OTHER_SEED_HEX).private_key.public_key())]
    )
    with_wrong_key = digital_bazaar.verify(signed, did_docs=[other_key])

    assert vm_id.startswith(did + "#")
    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert with_wrong_key.output["verified"] is False, with_wrong_key


def vc_status_list_credential(
    issuer: VcIssuer, *, revoked: set[int], list_url: str = STATUS_LIST_URL
) -> dict:
    """A BitstringStatusListCredential built by vc/documents.py, bits set by vc/status.py, signed by vc/."""
    from vc.documents import status_list_credential
    from vc.status import BitstringStatusList

    bits = BitstringStatusList()
    for index in revoked:
        bits.set(index, True)
    return issuer.sign(
        status_list_credential(
            id=list_url, issuer=issuer.did, status_list=bits, valid_from="2026-01-01T00:00:00Z"
        )
    )


def vc_badge_with_status(issuer: VcIssuer, index: int, list_url: str = STATUS_LIST_URL) -> dict:
    from vc.status import status_entry

    return vc_achievement_credential(
        issuer, number=index, credential_status=status_entry(list_url=list_url, index=index)
    )


def test_digital_bazaar_verifies_a_status_list_credential_signed_by_vc(digital_bazaar):
    status_list = vc_status_list_credential(VcIssuer(), revoked={12, 4000})

    result = digital_bazaar.verify(status_list)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result


def test_digital_bazaar_reports_revoked_a_credential_whose_bit_vc_set(digital_bazaar):
    issuer = VcIssuer()
    status_list = vc_status_list_credential(issuer, revoked={12, 4000})

    result = digital_bazaar.verify(vc_badge_with_status(issuer, 4000), status_lists=[status_list])

    assert result.output["verified"] is True, result  # the proofs (badge and list) verify ...
    assert result.output["revoked"] is True, result  # ... and the list marks it revoked
    assert result.output["statusResult"]["entries"][0]["statusListIndex"] == "4000", result
    assert result.returncode == 1, result


def test_digital_bazaar_reports_not_revoked_a_credential_whose_bit_vc_left_clear(digital_bazaar):
    issuer = VcIssuer()
    status_list = vc_status_list_credential(issuer, revoked={12, 4000})

    result = digital_bazaar.verify(vc_badge_with_status(issuer, 13), status_lists=[status_list])

    assert result.output["verified"] is True, result
    assert result.output["revoked"] is False, result
    assert result.returncode == 0, result


def test_digital_bazaar_refuses_a_vc_status_list_edited_after_signing(digital_bazaar):
    issuer = VcIssuer()
    status_list = vc_status_list_credential(issuer, revoked={12})
    status_list["credentialSubject"]["encodedList"] = vc_status_list_credential(issuer, revoked=set())[
        "credentialSubject"
    ]["encodedList"]

    result = digital_bazaar.verify(vc_badge_with_status(issuer, 12), status_lists=[status_list])

    assert result.output["verified"] is False, result
    assert result.output["revoked"] is None, result
    assert any("BitstringStatusListCredential" in e for e in result.output["errors"]), result
    assert result.returncode == 1, result


def vc_achievement_credential(
    issuer: VcIssuer, *, number: int, credential_status: dict | None = None
) -> dict:
    """An OB 3.0 OpenBadgeCredential built by vc/documents.py (most optional parts filled) and signed by vc/."""
    from vc import documents as d

    achievement = d.Achievement(
        id=f"https://issuer.example/achievements/{number}",
        name=f"Data Structures {number}",
        description="Arrays, lists, trees and graphs; their costs.",
        criteria=d.Criteria(narrative="Pass **all** assessments with at least 70%.\n\n- labs\n- exam"),
        achievement_type="Course",
        image=d.Image(id="https://issuer.example/img/ds.png", caption="Course badge"),
        alignments=(
            d.Alignment(
                target_name="Data structures",
                target_url="https://case.example/items/ds",
                target_type="CFItem",
                target_code="CS-201",
            ),
        ),
        result_descriptions=(
            d.ResultDescription(
                id=f"urn:uuid:00000000-0000-4000-8000-00000000{number:04d}",
                name="Final grade",
                result_type="LetterGrade",
                allowed_values=("A", "B", "C", "D", "F"),
            ),
        ),
        credits_available=5.0,
        field_of_study="Computer Science",
        human_code="CS-201",
        in_language="en",
        tags=("computing", "algorithms"),
        creator=d.Profile(id=issuer.did, name="Example Polytechnic"),
    )
    subject = d.AchievementSubject(
        id="did:example:learner-42",
        identifiers=(d.IdentityObject.hashed_email("learner@example.org", salt="pepper-1"),),
        achievement=achievement,
        results=(
            d.Result(
                result_description=f"urn:uuid:00000000-0000-4000-8000-00000000{number:04d}",
                value="A",
                status="Completed",
            ),
        ),
        credits_earned=5.0,
        term="Autumn 2025",
        activity_start_date="2025-09-01T00:00:00Z",
        activity_end_date="2025-12-19T00:00:00Z",
        narrative="Completed with distinction; café project «Ünïcode» 🎓.",
    )
    issuer_profile = d.Profile(
        id=issuer.did,
        name="Example Polytechnic",
        url="https://issuer.example/",
        email="registrar@issuer.example",
        address=d.Address(locality="Utrecht", country="Netherlands", country_code="NL"),
        other_identifiers=(d.IdentifierEntry(identifier="EP-001", identifier_type="sourcedId"),),
    )
    unsigned = d.achievement_credential(
        id=f"urn:uuid:11111111-2222-4333-8444-55555555{number:04d}",
        issuer=issuer_profile,
        subject=subject,
        name=f"Data Structures {number} - completed",
        description="Awarded on completion.",
        valid_from="2026-01-10T09:00:00Z",
        valid_until="2036-01-10T09:00:00Z",
        awarded_date="2026-01-10T09:00:00Z",
        evidence=(d.Evidence(id="https://issuer.example/evidence/1", name="Final project", genre="Project"),),
        credential_status=credential_status,
    )
    return issuer.sign(unsigned)


def vc_clr_credential(issuer: VcIssuer, nested: list[dict]) -> dict:
    """A CLR 2.0 ClrCredential built by vc/documents.py around signed credentials and signed by vc/."""
    from vc import documents as d

    achievements = [n["credentialSubject"]["achievement"]["id"] for n in nested]
    subject = d.ClrSubject(
        id="did:example:learner-42",
        verifiable_credentials=tuple(nested),
        associations=(
            d.Association(association_type="precedes", source_id=achievements[0], target_id=achievements[1]),
        ),
    )
    unsigned = d.clr_credential(
        id="urn:uuid:99999999-2222-4333-8444-555555550001",
        issuer=d.Profile(id=issuer.did, name="Example Polytechnic"),
        subject=subject,
        name="Transcript",
        description="Comprehensive Learner Record",
        valid_from="2026-01-11T09:00:00Z",
        partial=True,
    )
    return issuer.sign(unsigned)


def test_digital_bazaar_verifies_an_achievement_credential_issued_by_vc(digital_bazaar):
    credential = vc_achievement_credential(VcIssuer(), number=1)

    result = digital_bazaar.verify(credential)

    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert result.returncode == 0, result
    assert result.output["verified"] is True, result


def test_digital_bazaar_rejects_an_achievement_credential_issued_by_vc_then_edited(digital_bazaar):
    credential = vc_achievement_credential(VcIssuer(), number=1)
    credential["credentialSubject"]["result"][0]["value"] = "B"

    result = digital_bazaar.verify(credential)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result


def test_digital_bazaar_verifies_a_clr_issued_by_vc(digital_bazaar):
    issuer = VcIssuer()
    clr = vc_clr_credential(
        issuer, [vc_achievement_credential(issuer, number=1), vc_achievement_credential(issuer, number=2)]
    )

    result = digital_bazaar.verify(clr, nested=True)

    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert [n["verified"] for n in result.output["nested"]] == [True, True], result


def test_digital_bazaar_rejects_a_clr_issued_by_vc_whose_nested_credential_was_edited(digital_bazaar):
    issuer = VcIssuer()
    clr = vc_clr_credential(
        issuer, [vc_achievement_credential(issuer, number=1), vc_achievement_credential(issuer, number=2)]
    )
    clr["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["result"][0]["value"] = "F"

    result = digital_bazaar.verify(clr, nested=True)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result  # the outer proof covers the nested credentials
    assert [n["verified"] for n in result.output["nested"]] == [True, False], result


def test_digital_bazaar_rejects_a_clr_whose_nested_credential_vc_signed_with_another_key(digital_bazaar):
    issuer = VcIssuer()
    stranger = VcIssuer(OTHER_SEED_HEX)
    forged = vc_achievement_credential(stranger, number=2)
    forged["issuer"]["id"] = issuer.did  # claims our issuer, signed by someone else
    forged = stranger.sign({k: v for k, v in forged.items() if k != "proof"})
    clr = vc_clr_credential(issuer, [vc_achievement_credential(issuer, number=1), forged])

    result = digital_bazaar.verify(clr, nested=True)

    assert result.output["verified"] is True, result  # the CLR issuer did sign the CLR ...
    assert [n["verified"] for n in result.output["nested"]] == [True, False], result  # ... not the forgery
    assert any("issuer must match" in e for e in result.output["nested"][1]["errors"]), result
    assert result.returncode == 1, result


def test_digital_bazaar_verifies_an_endorsement_credential_issued_by_vc(digital_bazaar):
    from vc import documents as d

    issuer = VcIssuer()
    endorsement = issuer.sign(
        d.endorsement_credential(
            id="urn:uuid:eeeeeeee-2222-4333-8444-555555550001",
            issuer=d.Profile(id=issuer.did, name="Accreditation Board"),
            subject=d.EndorsementSubject(
                id="https://issuer.example/achievements/1", endorsement_comment="Meets the standard."
            ),
            name="Endorsement of Data Structures 1",
            valid_from="2026-01-12T09:00:00Z",
        )
    )

    result = digital_bazaar.verify(endorsement)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result


# ---------------------------------------------------------------------------------------------
# (c) Digital Bazaar signs, vc/ verifies


def vc_verify(document: dict):
    from vc.data_integrity import verify
    from vc.did import default_resolver

    return verify(document, resolver=default_resolver())


def test_vc_derives_the_same_did_key_from_a_seed_as_digital_bazaar(digital_bazaar):
    node_key = digital_bazaar.keyinfo(seed_hex=SEED_HEX)

    issuer = VcIssuer(SEED_HEX)

    assert issuer.did == node_key["did"]
    assert issuer.verification_method == node_key["verificationMethod"]


@pytest.mark.parametrize("example", SPEC_EXAMPLES)
def test_vc_verifies_a_spec_example_signed_by_digital_bazaar(digital_bazaar, example):
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    signed = digital_bazaar.sign(
        unsigned_copy(load_json(EXAMPLES / example), issuer=did), seed_hex=SEED_HEX, created=CREATED
    )

    check = vc_verify(signed)

    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert check.ok is True, check.reason
    assert check.verification_method == signed["proof"]["verificationMethod"]


def test_vc_rejects_a_credential_digital_bazaar_signed_and_someone_then_edited(digital_bazaar):
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    signed = digital_bazaar.sign(
        unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=did),
        seed_hex=SEED_HEX,
        created=CREATED,
    )
    edited = copy.deepcopy(signed)
    edited["credentialSubject"]["achievement"]["name"] = "Something else"

    assert vc_verify(signed).ok is True
    assert vc_verify(edited).ok is False


def test_vc_rejects_a_credential_digital_bazaar_signed_with_a_key_other_than_the_issuers(digital_bazaar):
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    signed = digital_bazaar.sign(
        unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=did),
        seed_hex=OTHER_SEED_HEX,
        created=CREATED,
    )

    check = vc_verify(signed)

    assert check.ok is False, check.reason


def test_vc_verifies_a_clr_and_its_nested_badge_signed_by_digital_bazaar(digital_bazaar):
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    badge = digital_bazaar.sign(
        unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=did),
        seed_hex=SEED_HEX,
        created=CREATED,
    )
    clr = unsigned_copy(load_json(EXAMPLES / "clr_v2p0/impl-guide-ldp-credential.json"), issuer=did)
    clr["credentialSubject"]["verifiableCredential"] = [badge]
    signed_clr = digital_bazaar.sign(clr, seed_hex=SEED_HEX, created=CREATED)

    outer = vc_verify(signed_clr)
    inner = vc_verify(signed_clr["credentialSubject"]["verifiableCredential"][0])

    assert outer.ok is True, outer.reason
    assert inner.ok is True, inner.reason


def test_vc_reads_the_bits_of_a_status_list_digital_bazaar_made(digital_bazaar):
    from vc.status import NOT_REVOKED, REVOKED, check_status, status_entry

    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    made = digital_bazaar.run(
        "status-list", "--id", STATUS_LIST_URL, "--seed", SEED_HEX, "--set", "3,70000", "--created", CREATED
    )
    assert made.returncode == 0, made
    status_list = made.output
    lists = {STATUS_LIST_URL: status_list}

    def status_of(index: int):
        credential = {"issuer": did, "credentialStatus": status_entry(list_url=STATUS_LIST_URL, index=index)}
        return check_status(
            credential, fetch=lists.__getitem__, verify_list=lambda document: vc_verify(document).ok
        )

    assert vc_verify(status_list).ok is True
    assert [status_of(i).state for i in (3, 70000)] == [REVOKED, REVOKED]
    assert [status_of(i).state for i in (0, 2, 4, 69999, 131071)] == [NOT_REVOKED] * 5


def digital_bazaar_badge_with_status(digital_bazaar, index: int) -> dict:
    from vc.status import status_entry

    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    unsigned = unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=did)
    unsigned["credentialStatus"] = status_entry(list_url=STATUS_LIST_URL, index=index)
    return digital_bazaar.sign(unsigned, seed_hex=SEED_HEX, created=CREATED)


def test_vc_verifier_accepts_a_clr_and_its_nested_badge_signed_by_digital_bazaar(digital_bazaar):
    from vc.did import default_resolver
    from vc.verify import verify_credential

    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    badge = digital_bazaar.sign(
        unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=did),
        seed_hex=SEED_HEX,
        created=CREATED,
    )
    clr = unsigned_copy(load_json(EXAMPLES / "clr_v2p0/impl-guide-ldp-credential.json"), issuer=did)
    clr["credentialSubject"]["verifiableCredential"] = [badge]
    signed_clr = digital_bazaar.sign(clr, seed_hex=SEED_HEX, created=CREATED)

    result = verify_credential(signed_clr, resolver=default_resolver())

    assert result.verdict == "verified", result.checks
    assert result.verified is True
    assert [n.verified for n in result.nested] == [True], result.nested


def test_vc_verifier_finds_revocation_in_a_status_list_digital_bazaar_made(digital_bazaar):
    from vc.did import default_resolver
    from vc.verify import verify_credential

    made = digital_bazaar.run(
        "status-list", "--id", STATUS_LIST_URL, "--seed", SEED_HEX, "--set", "3", "--created", CREATED
    )
    assert made.returncode == 0, made
    lists = {STATUS_LIST_URL: made.output}

    revoked = verify_credential(
        digital_bazaar_badge_with_status(digital_bazaar, 3),
        resolver=default_resolver(),
        fetch_status=lists.__getitem__,
    )
    clear = verify_credential(
        digital_bazaar_badge_with_status(digital_bazaar, 4),
        resolver=default_resolver(),
        fetch_status=lists.__getitem__,
    )

    assert revoked.verified is False, revoked.checks
    assert revoked.verdict == "not_valid", revoked.checks
    assert any("revoked" in c.message for c in revoked.checks if c.status == "failed"), revoked.checks
    assert clear.verified is True, clear.checks
    assert clear.verdict == "verified", clear.checks


# ---------------------------------------------------------------------------------------------
# the two command lines against each other: `python -m vc` and dbvc.mjs


def python_m_vc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vc", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_what_python_m_vc_sign_writes_verifies_in_digital_bazaar(digital_bazaar, tmp_path):
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(
        json.dumps(
            unsigned_copy(load_json(EXAMPLES / "ob_v3p0/complete-openbadgecredential.json"), issuer=did)
        )
    )

    signed = python_m_vc("sign", "--seed", SEED_HEX, str(unsigned), "-")
    assert signed.returncode == 0, signed.stderr
    result = digital_bazaar.verify(json.loads(signed.stdout), skip_status=True)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result


def test_python_m_vc_verify_accepts_a_digital_bazaar_badge_and_refuses_a_revoked_one(
    digital_bazaar, tmp_path
):
    made = digital_bazaar.run(
        "status-list", "--id", STATUS_LIST_URL, "--seed", SEED_HEX, "--set", "3", "--created", CREATED
    )
    assert made.returncode == 0, made
    status_list = tmp_path / "status-list.json"
    status_list.write_text(json.dumps(made.output))
    clear = tmp_path / "clear.json"
    clear.write_text(json.dumps(digital_bazaar_badge_with_status(digital_bazaar, 4)))
    revoked = tmp_path / "revoked.json"
    revoked.write_text(json.dumps(digital_bazaar_badge_with_status(digital_bazaar, 3)))

    clear_run = python_m_vc("verify", str(clear), "--status-list", str(status_list))
    revoked_run = python_m_vc("verify", str(revoked), "--status-list", str(status_list))

    assert clear_run.returncode == 0, clear_run.stdout + clear_run.stderr
    assert json.loads(clear_run.stdout)["verdict"] == "verified"
    assert revoked_run.returncode == 1, revoked_run.stdout + revoked_run.stderr
    revoked_result = json.loads(revoked_run.stdout)
    assert revoked_result["verdict"] == "not_valid"
    assert [c["status"] for c in revoked_result["checks"] if c["name"] == "status"] == ["failed"], (
        revoked_result
    )

"""verify_credential: a reasoned check per concern, nested CLR credentials, limits on bad input."""

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.vc.mutations import changed, leaves, with_value
from vc import data_integrity as di
from vc import did, documents, jwt, keys
from vc.errors import ResolutionError
from vc.status import BitstringStatusList, status_entry
from vc.verify import Limits, verify_credential

VALIDATOR = "examples/validator-fixtures/"
FIXTURES = Path(__file__).parent / "fixtures"


def load_json(relative):
    """Parse a fixture file under tests/vc/fixtures."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _statuses(result):
    return {check.name: check.status for check in result.checks}


@pytest.fixture(name="verify")
def verify_fixture(resolver_for):
    """verify_credential at NOW, resolving the fixtures' issuers through conftest's stand-in documents."""

    def verify(document, **kwargs):
        kwargs.setdefault("resolver", resolver_for(document))
        kwargs.setdefault("now", NOW)
        return verify_credential(document, **kwargs)

    return verify


# --- the 1EdTech validator fixtures, end to end --------------------------------------------------

ALL_PASS = {
    "well_formed": "passed",
    "schema": "passed",
    "proof": "passed",
    "issuer_key": "passed",
    "validity_period": "passed",
    "status": "passed",
}


@pytest.mark.parametrize("name", ["ob30-simple.json", "ob30-endorsement-valid.json"])
def test_a_signed_open_badge_fixture_verifies_with_every_check_passed(verify, name):
    result = verify(load_json(VALIDATOR + name))
    assert result.verdict == "verified"
    assert result.verified is True
    assert _statuses(result) == ALL_PASS
    assert result.check("proof").message == "The signature matches the credential's content."
    assert "offers no status" in result.check("status").message


def test_the_complete_open_badge_verifies_but_its_1edtech_revocation_list_cannot_be_checked_offline(verify):
    # Its credentialStatus is a 1EdTechRevocationList at https://1edtech.edu/...; nothing is fetched,
    # so whether it was revoked is unknown: "could not check", never "not revoked".
    result = verify(load_json(VALIDATOR + "ob30-complete.json"))
    assert _statuses(result) == {**ALL_PASS, "status": "could_not_check"}
    assert result.verdict == "could_not_check"
    assert result.verified is False
    assert "1EdTechRevocationList" in result.check("status").message
    assert "not known" in result.check("status").message


def test_an_unreachable_status_list_is_could_not_check(verify):
    document = load_json(VALIDATOR + "ob30-bsl-credential-status-revoked.json")

    def offline(url):
        raise ResolutionError(f"{url} is not reachable offline")

    result = verify(document, fetch_status=offline)
    assert result.check("proof").status == "passed"
    assert result.check("status").status == "could_not_check"
    assert "not reachable offline" in result.check("status").message
    assert result.verdict == "could_not_check"


def test_the_simple_clr_verifies_and_reports_its_nested_credential(verify):
    result = verify(load_json(VALIDATOR + "clr20-simple.json"))
    assert result.verdict == "verified"
    assert _statuses(result) == {**ALL_PASS, "nested_credentials": "passed"}
    assert len(result.nested) == 1
    inner = result.nested[0]
    assert inner.verdict == "verified"
    assert inner.credential == {
        "id": "http://example.com/credentials/3527",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": "https://example.com/issuers/876543",
    }
    assert result.credential["type"] == ["VerifiableCredential", "ClrCredential"]


def test_the_legacy_complex_clr_has_valid_proofs_but_a_key_that_is_not_its_issuers(verify):
    # VC 1.1 + Ed25519Signature2020. Every proof verifies, but each is made with a did:key while the
    # issuer is a urn:uuid, so nothing ties the key to the issuer; and the 2.0-based schemas do not apply.
    result = verify(load_json(VALIDATOR + "clr20-complex.json"))
    assert result.verdict == "not_valid"
    statuses = _statuses(result)
    assert statuses["proof"] == "passed"
    assert statuses["schema"] == "could_not_check"
    assert "VC 1.1" in result.check("schema").message
    assert statuses["issuer_key"] == "failed"
    assert "urn:uuid:4ca4a241-fc3b-4d92-978e-f56fa96ae795" in result.check("issuer_key").message
    assert len(result.nested) == 6
    for inner in result.nested:
        assert inner.check("proof").status == "passed"
        assert inner.check("issuer_key").status == "failed"
        assert inner.credential["name"]
    assert "6 of 6 credentials inside do not verify" in result.check("nested_credentials").message


def _jwt_fixture(name):
    return (FIXTURES / VALIDATOR / name).read_text(encoding="utf-8")


def test_the_clr_jwt_fixture_signature_verifies_with_its_embedded_key_but_the_key_is_not_bound(verify):
    # Its header carries a jwk (no kid): the signature can be checked, its owner cannot. Its contexts
    # are draft URLs outside the bundle, which makes it not well formed here.
    result = verify(_jwt_fixture("clr20-simple.jwt"), resolver=did.default_resolver())
    assert result.check("proof").status == "passed"
    assert result.check("issuer_key").status == "could_not_check"
    assert result.check("well_formed").status == "failed"
    assert "dc.imsglobal.org/draft" in result.check("well_formed").message
    assert [n.credential["name"] for n in result.nested] == ["Example University Degree"]
    assert result.nested[0].check("proof").status == "passed"


def test_the_open_badge_jwt_fixture_names_no_key_so_its_signature_could_not_be_checked(verify):
    result = verify(_jwt_fixture("ob30-simple.jwt"), resolver=did.default_resolver())
    assert result.check("proof").status == "could_not_check"
    assert "names no key" in result.check("proof").message


# --- any one change breaks the proof -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ob30-simple.json",
        "ob30-complete.json",
        "ob30-endorsement-valid.json",
        "clr20-simple.json",
        "clr20-complex.json",
    ],
)
def test_changing_any_one_field_of_a_fixture_fails_it_with_the_proof_check_named(resolver_for, name):
    document = load_json(VALIDATOR + name)
    resolver = resolver_for(document)
    paths = list(leaves(document))
    assert len(paths) > 10
    wrong = []
    for path, value in paths:
        result = verify_credential(with_value(document, path, changed(value)), resolver=resolver, now=NOW)
        if result.verdict != "not_valid" or result.check("proof").status != "failed":
            wrong.append((path, _statuses(result)))
    assert wrong == []


def test_changing_a_claim_of_the_clr_jwt_fixture_fails_its_proof(verify):
    token = _jwt_fixture("clr20-simple.jwt").strip()
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["name"] += "x"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = verify(f"{header}.{forged}.{signature}", resolver=did.default_resolver())
    assert result.check("proof").status == "failed"
    assert result.verdict == "not_valid"


# --- our own credentials: did:key, validity, status ----------------------------------------------


def _did_key():
    private = keys.generate_ed25519()
    issuer = did.did_key_from_public(private.public_key())
    return private, issuer, f"{issuer}#{issuer.removeprefix('did:key:')}"


def _unsigned(issuer, **members):
    document = load_json(VALIDATOR + "ob30-simple.json")
    document.pop("proof")
    document["issuer"]["id"] = issuer
    document.update(members)
    return document


def _signed(**members):
    private, issuer, vm = _did_key()
    return di.sign(_unsigned(issuer, **members), private_key=private, verification_method=vm), private, vm


def test_a_credential_signed_with_a_did_key_verifies_with_the_default_resolver():
    signed, _, _ = _signed()
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.verdict == "verified", result.to_dict()


def test_input_may_be_a_dict_json_text_json_bytes_or_a_vc_jwt():
    signed, private, vm = _signed()
    resolver = did.default_resolver()
    token = jwt.encode(
        {k: v for k, v in signed.items() if k != "proof"}, private_key=private, kid=vm, alg="EdDSA"
    )
    for given in (signed, json.dumps(signed), json.dumps(signed).encode(), token, f"  {token}\n"):
        assert verify_credential(given, resolver=resolver, now=NOW).verdict == "verified"


def test_an_expired_credential_fails_the_validity_period_check():
    signed, _, _ = _signed(validFrom="2020-01-01T00:00:00Z", validUntil="2025-06-30T00:00:00Z")
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("proof").status == "passed"
    assert result.check("validity_period").status == "failed"
    assert "expired on 2025-06-30" in result.check("validity_period").message
    assert result.verdict == "not_valid"
    later_ok = verify_credential(signed, resolver=did.default_resolver(), now="2025-01-01T00:00:00Z")
    assert later_ok.check("validity_period").status == "passed"


def test_a_credential_not_yet_valid_fails_the_validity_period_check():
    signed, _, _ = _signed(validFrom="2030-01-01T00:00:00Z")
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").status == "failed"
    assert "not valid until 2030-01-01" in result.check("validity_period").message


def test_a_vc_1_1_expiration_date_is_honoured(verify):
    document = load_json(VALIDATOR + "clr20-complex.json")
    document["expirationDate"] = "2025-01-01T00:00:00Z"
    result = verify(document)
    assert result.check("validity_period").status == "failed"


# --- Open Badges in the VC 1.1 data model (OB 3.0 before 3.0.3) ----------------------------------

VC11_SAMPLE = Path(__file__).parents[1] / "interop" / "fixtures" / "vc11-ob30-eddsa-rdfc-2022.json"


def _signed_vc11(**members):
    """The Digital Bazaar VC 1.1 sample, changed by `members` (None deletes) and signed again by vc/."""
    private, issuer, vm = _did_key()
    document = json.loads(VC11_SAMPLE.read_text(encoding="utf-8"))
    document.pop("proof")
    document["issuer"]["id"] = issuer
    for name, value in members.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return di.sign(document, private_key=private, verification_method=vm)


def test_a_vc_1_1_open_badge_is_checked_against_the_schema_in_its_vc_1_1_form_and_verifies():
    result = verify_credential(_signed_vc11(), resolver=did.default_resolver(), now=NOW)
    assert result.verdict == "verified", result.to_dict()
    assert result.check("schema").message == (
        "The credential meets the 1EdTech AchievementCredential schema in its VC 1.1 form "
        "(issuanceDate and expirationDate for validFrom and validUntil)."
    )


def test_a_vc_1_1_open_badge_that_breaks_the_schema_fails_it_naming_the_path():
    subject = json.loads(VC11_SAMPLE.read_text(encoding="utf-8"))["credentialSubject"]
    del subject["achievement"]["criteria"]
    signed = _signed_vc11(credentialSubject=subject)
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("proof").status == "passed"
    schema_check = result.check("schema")
    assert schema_check.status == "failed"
    assert schema_check.message.startswith(
        "The credential does not meet the 1EdTech AchievementCredential schema in its VC 1.1 form"
    )
    assert "$.credentialSubject.achievement.criteria: 'criteria' is required but missing (required)" in (
        schema_check.details
    )
    assert result.verdict == "not_valid"


def test_a_vc_1_1_credential_without_an_issuance_date_is_not_well_formed_nor_schema_valid():
    signed = _signed_vc11(issuanceDate=None, expirationDate=None)
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("proof").status == "passed"
    assert result.check("well_formed").message == (
        "The credential is not well formed: it is a VC 1.1 credential without the issuanceDate "
        "that VC 1.1 requires."
    )
    missing = "$.issuanceDate: 'issuanceDate' is required but missing (required)"
    assert missing in result.check("schema").details
    assert result.verdict == "not_valid"


def test_a_vc_1_1_issuance_date_in_the_future_is_not_yet_valid():
    signed = _signed_vc11(issuanceDate="2030-01-01T00:00:00Z")
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").status == "failed"
    assert result.check("validity_period").message == (
        "The credential is not valid until 2030-01-01T00:00:00+00:00."
    )


def test_a_vc_1_1_expiration_date_in_the_past_has_expired():
    signed = _signed_vc11(expirationDate="2025-06-30T00:00:00Z")
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").message == "The credential expired on 2025-06-30T00:00:00+00:00."
    assert result.verdict == "not_valid"


def test_a_vc_1_1_expiration_date_is_the_end_of_the_validity_period():
    signed = _signed_vc11()
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").message == (
        "The credential is within its validity period (until 2099-12-31T23:59:59+00:00)."
    )


def test_a_credential_with_dates_of_both_forms_is_bound_by_all_of_them():
    # No context defines both forms, so such a document cannot be signed; the dates still count.
    document = _unsigned("did:key:z6MkuZcechDhU1eRYbmx9TwSryxGwcs5E2GGavPCpnWcJJvV")
    document.update(validFrom="2020-01-01T00:00:00Z", expirationDate="2025-06-30T00:00:00Z")
    result = verify_credential(document, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").message == "The credential expired on 2025-06-30T00:00:00+00:00."
    document.update(issuanceDate="2030-01-01T00:00:00Z", expirationDate="2099-01-01T00:00:00Z")
    result = verify_credential(document, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").message == (
        "The credential is not valid until 2030-01-01T00:00:00+00:00."
    )


def test_the_legacy_clrs_nested_vc_1_1_badges_are_checked_in_the_vc_1_1_form_of_the_schema(verify):
    # Five meet it; one has an embedded endorsement without the name the schema requires of it.
    result = verify(load_json(VALIDATOR + "clr20-complex.json"))
    assert result.check("schema").status == "could_not_check"
    assert result.check("schema").message == (
        "This ClrCredential uses the older VC 1.1 data model; the 1EdTech ClrCredential schema "
        "describes the VC 2.0 form only, so its structure was not checked against it."
    )
    statuses = [inner.check("schema").status for inner in result.nested]
    assert statuses == ["failed", "passed", "passed", "passed", "passed", "passed"]
    assert result.nested[0].check("schema").details == (
        "$.credentialSubject.achievement.endorsement[0].name: 'name' is required but missing (required)",
    )


def test_a_validity_date_that_is_not_a_date_time_is_named():
    signed = _signed_vc11(issuanceDate="1 March 2024")
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("validity_period").message == (
        "The credential's issuanceDate is not a valid date-time: '1 March 2024'."
    )


def _status_world(*, revoked=(), suspended_list=False):
    """A did:key issuer, its signed status list, and a fetcher serving it."""
    private, issuer, vm = _did_key()
    url = "https://portal.example/status/1"
    bits = BitstringStatusList()
    for index in revoked:
        bits.set(index)
    purpose = "suspension" if suspended_list else "revocation"
    status_list = documents.status_list_credential(
        id=url, issuer=issuer, status_list=bits, valid_from="2025-01-01T00:00:00Z", purpose=purpose
    )
    signed_list = di.sign(status_list, private_key=private, verification_method=vm)

    def credential(index):
        document = _unsigned(
            issuer, credentialStatus=status_entry(list_url=url, index=index, purpose=purpose)
        )
        return di.sign(document, private_key=private, verification_method=vm)

    served = {url: signed_list}

    def fetch(wanted):
        if wanted not in served:
            raise ResolutionError(f"{wanted} not found")
        return served[wanted]

    return credential, fetch, served, url


def test_a_revoked_credential_fails_the_status_check_saying_revoked():
    credential, fetch, _, _ = _status_world(revoked=[42])
    result = verify_credential(credential(42), resolver=did.default_resolver(), fetch_status=fetch, now=NOW)
    assert result.check("proof").status == "passed"
    assert result.check("status").status == "failed"
    assert result.check("status").message.startswith("The credential was revoked by its issuer.")
    assert result.verdict == "not_valid"


def test_a_credential_not_on_the_list_passes_the_status_check():
    credential, fetch, _, _ = _status_world(revoked=[42])
    result = verify_credential(credential(41), resolver=did.default_resolver(), fetch_status=fetch, now=NOW)
    assert result.check("status").status == "passed"
    assert "not been revoked" in result.check("status").message
    assert result.verdict == "verified"


def test_a_suspended_credential_fails_the_status_check_saying_suspended():
    credential, fetch, _, _ = _status_world(revoked=[7], suspended_list=True)
    result = verify_credential(credential(7), resolver=did.default_resolver(), fetch_status=fetch, now=NOW)
    assert result.check("status").status == "failed"
    assert "suspended" in result.check("status").message


def test_a_status_list_that_cannot_be_had_is_could_not_check_never_not_revoked():
    credential, fetch, served, url = _status_world(revoked=[42])
    served.pop(url)
    for kwargs in ({"fetch_status": fetch}, {"fetch_status": None}):
        result = verify_credential(credential(42), resolver=did.default_resolver(), now=NOW, **kwargs)
        assert result.check("status").status == "could_not_check"
        assert result.verdict == "could_not_check"


def test_a_status_list_whose_proof_fails_is_not_trusted():
    credential, fetch, served, url = _status_world(revoked=[42])
    served[url] = copy.deepcopy(served[url])
    served[url]["credentialSubject"]["encodedList"] = BitstringStatusList().encode()
    result = verify_credential(credential(42), resolver=did.default_resolver(), fetch_status=fetch, now=NOW)
    assert result.check("status").status == "could_not_check"


# --- keys: unresolvable, unknown, another DID's, compromised -------------------------------------


def _did_web_credential(*, publish_key=True, revoked=None):
    private = keys.generate_ed25519()
    issuer = "did:web:issuer.example"
    vm = f"{issuer}#key-1"
    published = private.public_key() if publish_key else keys.generate_ed25519().public_key()
    document = did.did_web_document(did=issuer, ed25519_keys=[("key-1", published)])
    if revoked:
        document["verificationMethod"][0]["revoked"] = revoked
    signed = di.sign(_unsigned(issuer), private_key=private, verification_method=vm)
    return signed, document


def test_an_issuer_did_that_cannot_be_resolved_is_could_not_check_not_invalid():
    signed, _ = _did_web_credential()
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("issuer_key").status == "could_not_check"
    assert result.check("proof").status == "could_not_check"
    assert "did:web:issuer.example" in result.check("issuer_key").message
    assert result.verdict == "could_not_check"


def test_a_resolved_did_web_issuer_verifies():
    signed, document = _did_web_credential()
    result = verify_credential(signed, resolver=did.default_resolver(did_web=lambda _: document), now=NOW)
    assert result.verdict == "verified"


def test_a_key_not_in_the_issuers_did_document_fails():
    signed, document = _did_web_credential()
    document["verificationMethod"][0]["id"] = "did:web:issuer.example#key-2"
    document["assertionMethod"] = ["did:web:issuer.example#key-2"]
    result = verify_credential(signed, resolver=did.default_resolver(did_web=lambda _: document), now=NOW)
    assert result.check("issuer_key").status == "failed"
    assert "key-1" in result.check("issuer_key").message
    assert result.verdict == "not_valid"


def test_a_signature_by_a_key_other_than_the_one_published_fails_the_proof():
    signed, document = _did_web_credential(publish_key=False)
    result = verify_credential(signed, resolver=did.default_resolver(did_web=lambda _: document), now=NOW)
    assert result.check("proof").status == "failed"
    assert "does not match" in result.check("proof").message


def test_a_key_the_issuer_marked_revoked_fails():
    signed, document = _did_web_credential(revoked="2025-01-01T00:00:00Z")
    result = verify_credential(signed, resolver=did.default_resolver(did_web=lambda _: document), now=NOW)
    assert result.check("issuer_key").status == "failed"
    assert "compromised" in result.check("issuer_key").message


def test_a_verification_method_of_another_did_fails_the_issuer_key_check():
    private, other_did, vm = _did_key()
    _, issuer, _ = _did_key()
    signed = di.sign(_unsigned(issuer), private_key=private, verification_method=vm)
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    check = result.check("issuer_key")
    assert check.status == "failed"
    assert other_did in check.message
    assert issuer in check.message
    assert result.verdict == "not_valid"


def test_a_key_not_listed_for_assertions_fails():
    signed, document = _did_web_credential()
    document["assertionMethod"] = []
    result = verify_credential(signed, resolver=did.default_resolver(did_web=lambda _: document), now=NOW)
    assert result.check("issuer_key").status == "failed"
    assert "assertionMethod" in result.check("issuer_key").message


# --- bad input: limits, unknown suites and contexts, garbage ------------------------------------


@pytest.mark.parametrize("suite", ["ecdsa-rdfc-2019", "eddsa-jcs-2022", "bbs-2023"])
def test_an_unknown_cryptosuite_fails_the_proof_with_a_clear_message(suite):
    signed, _, _ = _signed()
    signed["proof"]["cryptosuite"] = suite
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("proof").status == "failed"
    assert suite in result.check("proof").message
    assert "cryptosuite" in result.check("proof").message


def test_an_unknown_proof_type_fails_the_proof_with_a_clear_message():
    signed, _, _ = _signed()
    signed["proof"]["type"] = "RsaSignature2018"
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("proof").status == "failed"
    assert "RsaSignature2018" in result.check("proof").message


def test_a_credential_without_a_proof_fails():
    result = verify_credential(_unsigned(_did_key()[1]), resolver=did.default_resolver(), now=NOW)
    assert result.check("proof").status == "failed"
    assert "no proof" in result.check("proof").message


def test_a_context_outside_the_bundle_fails_well_formed_and_proof_without_an_exception():
    signed, _, _ = _signed()
    signed["@context"] = [*signed["@context"], "https://evil.example/context.jsonld"]
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("well_formed").status == "failed"
    assert "https://evil.example/context.jsonld" in result.check("well_formed").message
    assert result.check("proof").status == "failed"
    assert result.verdict == "not_valid"


def test_an_oversized_document_is_refused_with_a_clear_message():
    signed, _, _ = _signed()
    signed["description"] = "x" * 2_100_000
    for given in (signed, json.dumps(signed), json.dumps(signed).encode()):
        result = verify_credential(given, resolver=did.default_resolver(), now=NOW)
        assert [c.name for c in result.checks] == ["well_formed"]
        assert result.check("well_formed").status == "failed"
        assert "2,000,000-byte limit" in result.check("well_formed").message
    small = verify_credential(_signed()[0], resolver=did.default_resolver(), limits=Limits(max_bytes=1000))
    assert "1,000-byte limit" in small.check("well_formed").message


def test_a_deeply_nested_document_is_refused_with_a_clear_message():
    signed, _, _ = _signed()
    deep = {}
    cursor = deep
    for _ in range(100):
        cursor["a"] = {}
        cursor = cursor["a"]
    signed["credentialSubject"]["extra"] = deep
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    assert result.check("well_formed").status == "failed"
    assert "64 levels" in result.check("well_formed").message


def test_json_text_deeper_than_the_parser_allows_is_refused_without_an_exception():
    result = verify_credential("[" * 200_000 + "]" * 200_000, resolver=did.default_resolver())
    assert result.check("well_formed").status == "failed"
    assert result.verdict == "not_valid"


def test_a_self_referencing_dict_is_refused_without_an_exception():
    document = {"type": ["VerifiableCredential"]}
    document["loop"] = document
    result = verify_credential(document, resolver=did.default_resolver())
    assert result.check("well_formed").status == "failed"


def test_too_many_nested_credentials_are_refused_without_verifying_them(verify):
    document = load_json(VALIDATOR + "clr20-simple.json")
    document["credentialSubject"]["verifiableCredential"] = [{"type": "VerifiableCredential"}] * 1001
    result = verify(document)
    check = result.check("nested_credentials")
    assert check.status == "failed"
    assert "1,001" in check.message
    assert "1,000" in check.message
    assert result.nested == []


@pytest.mark.parametrize(
    "garbage",
    [b"\xff\xfe\x00garbage", "not json at all", '{"unterminated": ', "[1, 2, 3]", "null", 42, None, "a.b.c"],
)
def test_garbage_fails_the_well_formed_check_with_a_message(garbage):
    result = verify_credential(garbage, resolver=did.default_resolver())
    assert result.verdict == "not_valid"
    assert result.checks[0].name == "well_formed"
    assert result.checks[0].status == "failed"
    assert len(result.checks[0].message) > 20


def test_a_document_missing_type_and_issuer_is_reported_as_not_well_formed():
    signed, _, _ = _signed()
    signed["type"] = ["OpenBadgeCredential"]
    del signed["issuer"]
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    message = result.check("well_formed").message
    assert "VerifiableCredential" in message
    assert "no issuer" in message


def test_a_schema_failure_reports_the_path_and_rule():
    private, issuer, vm = _did_key()
    document = _unsigned(issuer)
    del document["credentialSubject"]["achievement"]["criteria"]
    signed = di.sign(document, private_key=private, verification_method=vm)
    result = verify_credential(signed, resolver=did.default_resolver(), now=NOW)
    check = result.check("schema")
    assert check.status == "failed"
    assert "$.credentialSubject.achievement.criteria" in check.message
    assert "(required)" in check.message
    assert result.check("proof").status == "passed"


# --- CLR with nested JSON and VC-JWT credentials -------------------------------------------------


def _clr_with_jwt_nested(tamper_nested=False):
    private, issuer, vm = _did_key()
    clr = load_json(VALIDATOR + "clr20-simple.json")
    clr.pop("proof")
    clr["issuer"]["id"] = issuer
    inner = clr["credentialSubject"]["verifiableCredential"][0]
    inner.pop("proof")
    inner["issuer"]["id"] = issuer
    signed_inner = di.sign(inner, private_key=private, verification_method=vm)
    jwt_inner = dict(inner, id="urn:uuid:jwt-one", name="Badge as JWT")
    token = jwt.encode(jwt_inner, private_key=private, kid=vm, alg="EdDSA")
    if tamper_nested:
        signed_inner = dict(signed_inner, name="Forged name")
    clr["credentialSubject"]["verifiableCredential"] = [signed_inner, token]
    return di.sign(clr, private_key=private, verification_method=vm)


def test_a_clr_verifies_each_nested_credential_whether_json_or_vc_jwt():
    result = verify_credential(_clr_with_jwt_nested(), resolver=did.default_resolver(), now=NOW)
    assert [n.credential["name"] for n in result.nested] == ["Teamwork Badge", "Badge as JWT"]
    assert [n.verdict for n in result.nested] == ["verified", "verified"]
    assert result.check("nested_credentials").status == "passed"
    assert result.check("proof").status == "passed"
    # The 1EdTech CLR schema only admits objects in verifiableCredential, and says so.
    assert "$.credentialSubject.verifiableCredential[1]" in result.check("schema").message


def test_a_clr_with_one_bad_nested_credential_is_not_valid_and_names_it():
    result = verify_credential(
        _clr_with_jwt_nested(tamper_nested=True), resolver=did.default_resolver(), now=NOW
    )
    # The outer proof was made over the forged content, so it holds; the nested one does not.
    assert result.check("proof").status == "passed"
    assert result.nested[0].check("proof").status == "failed"
    assert result.check("nested_credentials").status == "failed"
    assert "Forged name" in result.check("nested_credentials").message
    assert result.verdict == "not_valid"


# --- the JSON-ready form -------------------------------------------------------------------------


def test_to_dict_is_json_ready_with_the_agreed_members(verify):
    result = verify(load_json(VALIDATOR + "clr20-simple.json"))
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) == {"verified", "verdict", "checks", "credential", "nested"}
    assert data["verified"] is True
    assert set(data["credential"]) == {"id", "type", "name", "issuer"}
    assert [c["name"] for c in data["checks"]] == [
        "well_formed",
        "schema",
        "proof",
        "issuer_key",
        "validity_period",
        "status",
        "nested_credentials",
    ]
    assert all(set(c) >= {"name", "status", "message"} for c in data["checks"])
    assert data["nested"][0]["credential"]["name"] == "Teamwork Badge"


def test_a_resolver_that_raises_something_unexpected_does_not_escape():
    signed, _ = _did_web_credential()

    def broken(_did):
        raise RuntimeError("boom")

    result = verify_credential(signed, resolver=did.default_resolver(did_web=broken), now=NOW)
    assert result.verdict in ("could_not_check", "not_valid")
    assert result.check("issuer_key").status != "passed"

"""did:key and did:web documents and verification-method resolution."""

import pytest

from vc import did, keys
from vc.errors import KeyMaterialError, ResolutionError

W3C_DID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def test_a_did_key_is_made_from_an_ed25519_public_key():
    public = keys.ed25519_public_from_multibase(W3C_DID.removeprefix("did:key:"))
    assert did.did_key_from_public(public) == W3C_DID


def test_a_did_key_document_lists_one_multikey_under_assertion_method():
    document = did.did_key_document(W3C_DID)
    vm_id = W3C_DID + "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert document["id"] == W3C_DID
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["verificationMethod"] == [
        {
            "id": vm_id,
            "type": "Multikey",
            "controller": W3C_DID,
            "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        }
    ]
    assert document["assertionMethod"] == [vm_id]


def test_a_did_key_resolves_to_its_key_with_or_without_the_fragment():
    resolver = did.default_resolver()
    for vm in (W3C_DID + "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", W3C_DID):
        method = did.resolve_verification_method(vm, resolver=resolver)
        assert method.controller == W3C_DID
        assert method.type == "Multikey"
        assert "assertionMethod" in method.purposes
        assert keys.ed25519_public_multibase(method.public_key) == W3C_DID.removeprefix("did:key:")


def test_a_did_key_with_another_fragment_is_not_found():
    with pytest.raises(KeyMaterialError):
        did.resolve_verification_method(W3C_DID + "#other", resolver=did.default_resolver())


@pytest.mark.parametrize("bad", ["did:key:zQ3sh", "did:key:z6Mk111", "did:example:1"])
def test_malformed_or_foreign_did_keys_do_not_resolve(bad):
    with pytest.raises((ResolutionError, KeyMaterialError)):
        did.resolve_verification_method(bad + "#x", resolver=did.default_resolver())


@pytest.mark.parametrize(
    ("did_web", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:issuers:7", "https://example.com:3000/issuers/7/did.json"),
    ],
)
def test_did_web_translates_to_its_https_url(did_web, url):
    assert did.did_web_url(did_web) == url


def test_did_web_is_made_from_an_https_url_and_path():
    assert (
        did.did_web_from_url("https://example.com:3000", "issuers", "7")
        == "did:web:example.com%3A3000:issuers:7"
    )
    assert did.did_web_from_url("https://portal.example.edu/") == "did:web:portal.example.edu"


@pytest.mark.parametrize("bad", ["did:web:", "did:web:example.com:..:x", "did:key:z6Mk"])
def test_malformed_did_webs_are_refused(bad):
    with pytest.raises(ResolutionError):
        did.did_web_url(bad)


def _web_document():
    ed = keys.generate_ed25519()
    rs = keys.generate_rsa()
    doc = did.did_web_document(
        did="did:web:portal.example.edu:issuers:1",
        ed25519_keys=[("key-ed", ed.public_key())],
        rsa_keys=[("#key-rsa", rs.public_key())],
    )
    return doc, ed, rs


def test_a_did_web_document_lists_ed25519_as_multikey_and_rsa_as_json_web_key():
    doc, ed, rs = _web_document()
    methods = {m["id"]: m for m in doc["verificationMethod"]}
    ed_vm = methods["did:web:portal.example.edu:issuers:1#key-ed"]
    rsa_vm = methods["did:web:portal.example.edu:issuers:1#key-rsa"]
    assert ed_vm["type"] == "Multikey"
    assert ed_vm["publicKeyMultibase"] == keys.ed25519_public_multibase(ed.public_key())
    assert rsa_vm["type"] == "JsonWebKey"
    assert rsa_vm["publicKeyJwk"] == keys.public_jwk(rs)
    assert sorted(doc["assertionMethod"]) == sorted(methods)


def test_did_web_resolves_through_the_callable_passed_in():
    doc, _ed, rs = _web_document()
    asked = []

    def fetch(identifier):
        asked.append(identifier)
        return doc

    resolver = did.default_resolver(did_web=fetch)
    method = did.resolve_verification_method(doc["id"] + "#key-rsa", resolver=resolver)
    assert asked == [doc["id"]]
    assert method.public_key.public_numbers() == rs.public_key().public_numbers()
    assert "assertionMethod" in method.purposes


def test_without_a_did_web_fetcher_did_web_cannot_resolve():
    with pytest.raises(ResolutionError):
        did.resolve_verification_method("did:web:example.com#k", resolver=did.default_resolver())


def test_a_document_that_names_another_did_is_refused():
    doc, _, _ = _web_document()
    resolver = did.default_resolver(did_web=lambda _: doc)
    with pytest.raises(KeyMaterialError):
        did.resolve_verification_method("did:web:attacker.example#key-ed", resolver=resolver)


def test_a_key_controlled_by_someone_else_is_refused():
    doc, _, _ = _web_document()
    doc["verificationMethod"][0]["controller"] = "did:web:attacker.example"
    resolver = did.default_resolver(did_web=lambda _: doc)
    with pytest.raises(KeyMaterialError):
        did.resolve_verification_method(doc["id"] + "#key-ed", resolver=resolver)


def test_a_key_not_listed_for_assertion_has_no_assertion_purpose():
    doc, _, _ = _web_document()
    doc["assertionMethod"] = []
    resolver = did.default_resolver(did_web=lambda _: doc)
    method = did.resolve_verification_method(doc["id"] + "#key-ed", resolver=resolver)
    assert "assertionMethod" not in method.purposes


def test_resolver_failures_become_resolution_errors():
    def broken(_):
        raise OSError("network down")

    with pytest.raises(ResolutionError) as caught:
        did.resolve_verification_method(
            "did:web:example.com#k", resolver=did.default_resolver(did_web=broken)
        )
    assert "network down" in caught.value.reason


def test_a_did_key_method_resolved_by_the_default_resolver_is_remembered_but_a_custom_resolver_is_always_asked():
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    issuer = did.did_key_from_public(private.public_key())
    vm = did.did_key_document(issuer)["assertionMethod"][0]

    first = did.resolve_verification_method(vm, resolver=did.default_resolver())
    again = did.resolve_verification_method(vm, resolver=did.default_resolver())
    assert again is first
    assert first.controller == issuer and "assertionMethod" in first.purposes

    asked = []

    def refusing(identifier):
        asked.append(identifier)
        raise ResolutionError(f"{identifier} is not trusted here")

    with pytest.raises(ResolutionError):
        did.resolve_verification_method(vm, resolver=refusing)
    assert asked == [issuer]

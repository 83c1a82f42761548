"""The expansion memo for credentials nested in a CLR: canonical N-Quads stay byte-identical to plain pyld."""

import copy
import json
import threading
from pathlib import Path

import pytest
from pyld import jsonld

from tests.vc.portal_like import portal_achievement, portal_credential
from vc import canonical, did, jwt, rdfc
from vc import data_integrity as di
from vc import documents as d
from vc.errors import DocumentError
from vc.loader import document_loader

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"
CREATED = "2026-01-01T00:00:00Z"
OB_301 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


def load(name):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def plain_pyld(document):
    """Canonical N-Quads from an unmodified pyld processor (no vc memo of any kind)."""
    return jsonld.JsonLdProcessor().normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "base": "",
        },
    )


@pytest.fixture
def memo(monkeypatch):
    """Start with an empty memo, switched on; tests switch it off with `memo.off()`."""
    canonical.clear_embedded()

    class Switch:
        def off(self):
            monkeypatch.setattr(canonical, "EMBEDDED_MEMO_ENABLED", False)
            monkeypatch.setattr(canonical, "FAST_RDFC_ENABLED", False)

        def on(self):
            monkeypatch.setattr(canonical, "EMBEDDED_MEMO_ENABLED", True)
            monkeypatch.setattr(canonical, "FAST_RDFC_ENABLED", True)

    switch = Switch()
    switch.on()
    yield switch
    canonical.clear_embedded()


def portal_clr(nested, signer, *, achievements=True):
    _, issuer, _ = signer
    ids = [c["credentialSubject"]["achievement"]["id"] for c in nested if isinstance(c, dict)]
    return d.clr_credential(
        id="urn:uuid:11111111-0000-4000-8000-000000000000",
        issuer=d.Profile(id=issuer, name="Example University"),
        subject=d.ClrSubject(
            id="did:example:learner",
            verifiable_credentials=tuple(nested),
            achievements=tuple(portal_achievement(int(a.rsplit("/", 1)[1])) for a in ids)
            if achievements
            else (),
        ),
        name="Comprehensive Learner Record",
        valid_from="2026-01-01T00:00:00Z",
    )


def assert_same_everywhere(document, memo, *, safe=False):
    """Memo cold, memo warm and memo off all give exactly plain pyld's canonical N-Quads."""
    expected = plain_pyld(document)
    canonical.clear_embedded()
    cold = canonical.canonize(document, safe=safe)
    warm = canonical.canonize(document, safe=safe)
    memo.off()
    off = canonical.canonize(document, safe=safe)
    memo.on()
    assert cold == expected
    assert warm == expected
    assert off == expected
    return expected


@pytest.mark.parametrize(
    "name",
    ["validator-fixtures/clr20-simple.json", "clr_v2p0/impl-guide-ldp-signed-credential.json"],
)
def test_published_clr_examples_canonicalize_exactly_as_plain_pyld(name, memo):
    document = load(name)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    assert_same_everywhere(document, memo)
    assert_same_everywhere(unsecured, memo, safe=True)
    assert canonical.embedded_stats()["hits"] >= 1


@pytest.mark.parametrize("count", [1, 10, 40])
def test_portal_clrs_nesting_many_signed_credentials_canonicalize_exactly_as_plain_pyld(count, signer, memo):
    nested = [portal_credential(i, signer) for i in range(count)]
    assert all(2500 < len(json.dumps(c)) < 4500 for c in nested)
    clr = portal_clr(nested, signer)
    assert_same_everywhere(clr, memo, safe=True)
    stats = canonical.embedded_stats()
    # each nested credential, the achievement inside it and the CLR's own copy of that achievement
    assert stats["entries"] == 3 * count
    assert stats["hits"] >= 2 * count  # warm: the credential (not entered again) and the CLR's achievement


def test_the_same_credential_nested_twice_keeps_both_proof_graphs_as_in_plain_pyld(signer, memo):
    credential = portal_credential(7, signer)
    clr = portal_clr([credential, copy.deepcopy(credential)], signer)
    nquads = assert_same_everywhere(clr, memo, safe=True)
    assert nquads.count("<https://w3id.org/security#proof>") == 2


def test_a_clr_nesting_a_vc_jwt_string_canonicalizes_exactly_as_plain_pyld(signer, memo):
    private, _, vm = signer
    token = jwt.encode(
        {k: v for k, v in portal_credential(3, signer).items() if k != "proof"},
        private_key=private,
        kid=vm,
        alg="EdDSA",
    )
    clr = portal_clr([portal_credential(1, signer), portal_credential(2, signer)], signer)
    clr["credentialSubject"]["verifiableCredential"].insert(1, token)
    assert isinstance(clr["credentialSubject"]["verifiableCredential"][1], str)
    assert_same_everywhere(clr, memo, safe=True)


def test_a_nested_credential_with_other_contexts_than_the_clr_canonicalizes_exactly_as_plain_pyld(
    signer, memo
):
    other = portal_credential(4, signer, extra_contexts=(EXTENSIONS,))
    assert other["@context"] != portal_clr([other], signer)["@context"]
    clr = portal_clr([portal_credential(5, signer), other], signer)
    assert_same_everywhere(clr, memo, safe=True)


def test_an_ob_3_0_1_credential_in_an_ob_3_0_3_clr_is_refused_with_and_without_the_memo(signer, memo):
    # OB 3.0.3 protects its terms; the 3.0.1 context redefines some of them, which JSON-LD forbids.
    older = portal_credential(4, signer)
    older["@context"] = [d.VC_V2, OB_301]
    clr = portal_clr([portal_credential(5, signer), older], signer)
    with pytest.raises(jsonld.JsonLdError):
        plain_pyld(clr)
    messages = []
    for enabled in (True, True, False):
        if not enabled:
            memo.off()
        with pytest.raises(DocumentError) as caught:
            canonical.canonize(clr, safe=True)
        messages.append(caught.value.reason)
    assert len(set(messages)) == 1
    assert isinstance(caught.value.__cause__, jsonld.JsonLdError)


def test_one_credential_under_different_outer_contexts_is_not_confused(signer, memo):
    credential = portal_credential(6, signer)
    clr = portal_clr([credential], signer)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential],
    }
    assert_same_everywhere(clr, memo)
    assert_same_everywhere(presentation, memo)
    canonical.clear_embedded()
    first = canonical.canonize(clr)
    assert canonical.canonize(presentation) == plain_pyld(presentation)
    assert canonical.canonize(clr) == first
    # the credential and its achievement inside the CLR and inside the presentation; the CLR's achievement
    assert canonical.embedded_stats()["entries"] == 5


def test_undefined_terms_in_a_nested_credential_are_refused_in_safe_mode_also_when_remembered(signer, memo):
    nested = portal_credential(8, signer)
    nested["credentialSubject"]["favouriteColour"] = "green"
    clr = portal_clr([nested], signer)
    for _ in range(2):
        with pytest.raises(DocumentError) as caught:
            canonical.canonize(clr, safe=True)
        assert caught.value.extra["dropped"] == ["favouriteColour"]
    assert canonical.embedded_stats()["hits"] >= 1
    assert canonical.canonize(clr) == plain_pyld(clr)


def test_signatures_made_with_the_memo_verify_without_it_and_the_other_way_round(signer, memo):
    private, _, vm = signer
    resolver = did.default_resolver()
    clr = portal_clr([portal_credential(i, signer) for i in range(5)], signer)
    canonical.canonize(clr)  # warm: the nested credentials are remembered
    fast = di.sign(clr, private_key=private, verification_method=vm, created=CREATED)
    memo.off()
    plain = di.sign(clr, private_key=private, verification_method=vm, created=CREATED)
    assert plain == fast
    di.clear_verification_cache()
    assert di.verify(fast, resolver=resolver).ok
    memo.on()
    di.clear_verification_cache()
    assert di.verify(plain, resolver=resolver).ok


def test_a_tampered_nested_credential_still_fails_verification_with_the_memo_warm(signer, memo):
    private, _, vm = signer
    resolver = did.default_resolver()
    clr = portal_clr([portal_credential(i, signer) for i in range(3)], signer)
    signed = di.sign(clr, private_key=private, verification_method=vm, created=CREATED)
    assert di.verify(signed, resolver=resolver).ok
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["result"][0]["value"] = "F"
    di.clear_verification_cache()
    check = di.verify(tampered, resolver=resolver)
    assert not check.ok
    assert "does not match" in check.reason
    nested = tampered["credentialSubject"]["verifiableCredential"][1]
    assert not di.verify(nested, resolver=resolver).ok


def test_concurrent_canonicalization_from_many_threads_gives_plain_pyld_output(signer, memo):
    clrs = [portal_clr([portal_credential(i + j, signer) for i in range(4)], signer) for j in range(3)]
    expected = [plain_pyld(c) for c in clrs]
    results: list = []
    errors: list = []

    def work(k):
        try:
            for _ in range(3):
                results.append((k % 3, canonical.canonize(clrs[k % 3])))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 18
    assert all(nquads == expected[k] for k, nquads in results)


def test_the_memo_is_bounded_by_the_size_of_what_it_holds(signer, memo, monkeypatch):
    small = canonical.LRUCache(maxsize=8000, getsizeof=lambda entry: entry[2])
    monkeypatch.setattr(canonical, "_embedded", small)
    clr = portal_clr([portal_credential(i, signer) for i in range(6)], signer)
    assert canonical.canonize(clr) == plain_pyld(clr)
    stats = canonical.embedded_stats()
    assert 0 < stats["entries"] < 6
    assert stats["bytes"] <= 8000


def test_an_embedded_document_too_large_to_remember_is_canonicalized_without_being_kept(
    signer, memo, monkeypatch
):
    monkeypatch.setattr(canonical, "_EMBEDDED_MAX_BYTES", 8000)
    clr = portal_clr([portal_credential(i, signer) for i in range(2)], signer)
    assert canonical.canonize(clr, safe=True) == plain_pyld(clr)
    assert canonical.embedded_stats()["entries"] == 0


ALL_EXAMPLES = sorted(str(path.relative_to(EXAMPLES)) for path in EXAMPLES.rglob("*.json"))


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_every_example_document_canonicalizes_exactly_as_plain_pyld_or_fails_the_same_way(name, memo):
    document = load(name)
    if not isinstance(document, dict):
        pytest.skip("not a JSON object")
    try:
        expected = plain_pyld(document)
    except jsonld.JsonLdError:
        expected = None
    for _ in range(2):
        if expected is None:
            with pytest.raises(DocumentError):
                canonical.canonize(document)
        else:
            assert canonical.canonize(document) == expected


def test_blank_nodes_only_the_n_degree_hash_can_tell_apart_are_labelled_as_plain_pyld_does(
    signer, memo, monkeypatch
):
    calls = []
    original = rdfc._Canonicalizer.hash_n_degree

    def counting(self, node, issuer):
        calls.append(node)
        return original(self, node, issuer)

    monkeypatch.setattr(rdfc._Canonicalizer, "hash_n_degree", counting)
    # Each achievement sits in the CLR and in its credential: their alignments are twin blank nodes.
    clr = portal_clr([portal_credential(i, signer) for i in range(3)], signer)
    assert canonical.canonize(clr) == plain_pyld(clr)
    assert calls, "the N-degree hash was not exercised"
    ring = {
        "@context": {"@vocab": "https://example.org/"},
        "@graph": [
            {"@id": f"_:n{i}", "next": {"@id": f"_:n{(i + 1) % 6}"}, "label": "same"} for i in range(6)
        ],
    }
    assert canonical.canonize(ring) == plain_pyld(ring)


def test_achievements_shared_by_the_clrs_of_different_learners_are_remembered_and_stay_exact(signer, memo):
    first = portal_clr([portal_credential(i, signer) for i in range(3)], signer)
    canonical.canonize(first)
    second = copy.deepcopy(first)
    second["credentialSubject"]["id"] = "did:example:another-learner"
    for credential in second["credentialSubject"]["verifiableCredential"]:
        credential["credentialSubject"]["id"] = "did:example:another-learner"
    before = canonical.embedded_stats()["hits"]
    assert canonical.canonize(second, safe=True) == plain_pyld(second)
    # the three achievements the CLR lists and the three inside its (different) credentials
    assert canonical.embedded_stats()["hits"] - before == 6


def test_canonicalization_runs_on_a_frame_stack_chunk_of_its_own():
    # CPython gh-142183: a recursion crossing a 16 KB chunk boundary over and over maps and unmaps memory on
    # every call. The frame canonize() runs under asks for more than a chunk holds, so it starts a new one.
    assert canonical._call_with_stack_room.__code__.co_stacksize * 8 > 16 * 1024
    assert canonical._call_with_stack_room(max, 1, 2) == 2

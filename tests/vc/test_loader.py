"""The strict offline JSON-LD loader and RDFC-1.0 canonicalization."""

import json
from pathlib import Path

import pytest
from pyld import jsonld

from vc import canonical, loader
from vc.canonical import canonize, expand
from vc.errors import ContextError, DocumentError

FIXTURES = Path(__file__).parent / "fixtures"
VECTORS = FIXTURES / "test-vectors" / "vc-di-eddsa"


def _json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("url", sorted(loader.BUNDLED_CONTEXTS))
def test_every_bundled_context_loads_as_a_static_remote_document(url):
    remote = loader.document_loader(url, {})
    assert remote["documentUrl"] == url
    assert remote["contextUrl"] is None
    assert remote["tag"] == "static"
    assert "@context" in remote["document"]


def test_the_bundle_covers_the_contexts_credentials_use():
    needed = {
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://www.w3.org/ns/did/v1",
        "https://www.w3.org/ns/credentials/status/v1",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3id.org/security/jwk/v1",
    }
    assert needed <= set(loader.BUNDLED_CONTEXTS)


def test_it_refuses_an_unknown_context_naming_the_url():
    with pytest.raises(ContextError) as caught:
        loader.document_loader("https://evil.example/context.jsonld", {})
    assert "https://evil.example/context.jsonld" in caught.value.reason


def test_canonicalizing_a_document_with_an_unknown_context_fails_naming_the_url():
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"], "type": "X"}
    with pytest.raises(ContextError) as caught:
        canonize(doc)
    assert "https://evil.example/ctx" in caught.value.reason


def test_the_loader_hands_out_copies_so_pyld_cannot_corrupt_the_bundle():
    first = loader.context_document("https://www.w3.org/ns/credentials/v2")
    first["@context"]["mutated"] = True
    assert "mutated" not in loader.context_document("https://www.w3.org/ns/credentials/v2")["@context"]


def test_processed_contexts_are_cached_so_the_loader_is_not_asked_again():
    doc = _json(FIXTURES / "examples/ob_v3p0/complete-openbadgecredential.json")
    canonize(doc)
    before = dict(loader.LOAD_COUNTS)
    for _ in range(3):
        canonize(doc)
    assert before == loader.LOAD_COUNTS
    assert canonical.is_resolved("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")


def test_it_canonicalizes_the_w3c_alumni_credential_exactly():
    doc = _json(VECTORS / "unsigned.json")
    assert canonize(doc) == (VECTORS / "eddsa-rdfc-2022/canonDocDataInt.txt").read_text(encoding="utf-8")


def test_safe_mode_rejects_terms_no_context_defines():
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "notDefinedAnywhere": 1,
    }
    with pytest.raises(DocumentError) as caught:
        canonize(doc, safe=True)
    assert "notDefinedAnywhere" in caught.value.reason
    assert "notDefinedAnywhere" not in canonize(doc)


def test_expand_gives_absolute_iris():
    expanded = expand(_json(VECTORS / "unsigned.json"))
    assert expanded[0]["@type"] == [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://www.w3.org/ns/credentials/examples#AlumniCredential",
    ]


def _clr_with_nested(count):
    clr = _json(FIXTURES / "examples/validator-fixtures/clr20-simple.json")
    nested = clr["credentialSubject"]["verifiableCredential"][0]
    clr["credentialSubject"]["verifiableCredential"] = []
    for i in range(count):
        item = json.loads(json.dumps(nested))
        item["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        clr["credentialSubject"]["verifiableCredential"].append(item)
    return clr


def _count_context_processing(monkeypatch):
    """Count the context processing pyld really does (calls that get past the shared memo)."""
    calls = []
    original = jsonld.JsonLdProcessor._process_context

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jsonld.JsonLdProcessor, "_process_context", counting)
    return calls


def test_scoped_contexts_are_processed_once_not_once_per_nested_credential(monkeypatch):
    canonical.clear_caches()
    calls = _count_context_processing(monkeypatch)
    canonize(_clr_with_nested(3))
    first = len(calls)
    assert first > 0
    calls.clear()
    canonize(_clr_with_nested(30))
    # Ten times as many nested credentials, yet no context is processed again.
    assert len(calls) == 0
    assert canonical.memo_stats()["entries"] > 0


@pytest.mark.parametrize(
    "name",
    [
        "examples/validator-fixtures/clr20-simple.json",
        "examples/validator-fixtures/clr20-complex.json",
        "examples/validator-fixtures/ob30-complete.json",
        "examples/ob_v3p0/complete-openbadgecredential.json",
        "examples/clr_v2p0/impl-guide-ldp-signed-credential.json",
    ],
)
def test_the_shared_context_memo_gives_exactly_what_plain_pyld_gives(name):
    document = _json(FIXTURES / name)
    plain = jsonld.JsonLdProcessor().normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader.document_loader},
    )
    assert canonize(document) == plain
    assert canonize(document) == plain  # and again, now from the memo


def test_canonicalizing_from_many_threads_at_once_gives_the_same_result():
    import threading

    document = _json(FIXTURES / "examples/validator-fixtures/clr20-simple.json")
    expected = canonize(document)
    canonical.clear_caches()
    results, errors = [], []

    def work():
        try:
            for _ in range(3):
                results.append(canonize(document))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [expected] * 18

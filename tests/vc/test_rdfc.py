"""RDFC-1.0 in vc.rdfc and the expanded JSON-LD -> quads walk in vc.rdf.

Where pyld follows the spec, the canonical N-Quads are pyld's, byte for byte; where it does not
(escaping of control characters and IRIs), the spec's. Digital Bazaar's rdf-canonize is compared in
tests/interop/test_rdfc_interop.py.
"""

from __future__ import annotations

import gc
import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from frozendict import frozendict
from pyld import jsonld
from pyld.canon import URDNA2015

from vc import canonical, did, keys, rdf, rdfc
from vc import data_integrity as di
from vc.errors import ContextError, DocumentError
from vc.loader import document_loader

EX = "https://example.org/"


def pyld_canonical(quads) -> str:
    """pyld's URDNA2015 over the same quads (terms parsed back into pyld's dict shape)."""
    dataset: dict[str, list] = {}
    for s, p, o, g in quads:
        graph = g[1:-1] if g.startswith("<") else g or "@default"
        dataset.setdefault(graph, []).append(
            {"subject": _pyld_term(s), "predicate": _pyld_term(p), "object": _pyld_term(o)}
        )
    return URDNA2015().main(dataset, {"format": "application/n-quads"})


def _pyld_term(term: str) -> dict:
    if term.startswith("_:"):
        return {"type": "blank node", "value": term}
    if term.startswith("<"):
        return {"type": "IRI", "value": term[1:-1]}
    body, _, tail = term[1:].rpartition('"')
    value = json.loads(f'"{body}"')  # the test literals use JSON-compatible escapes only
    if tail.startswith("@"):
        return {"type": "literal", "value": value, "datatype": rdfc.RDF_LANGSTRING, "language": tail[1:]}
    datatype = tail[3:-1] if tail.startswith("^^") else rdfc.XSD_STRING
    return {"type": "literal", "value": value, "datatype": datatype}


def random_dataset(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """A few quads over a small pool of blank nodes, so that many are indistinguishable at first degree."""
    blanks = [f"_:n{i}" for i in range(rng.randint(1, 6))]
    iris = [rdfc.iri(f"{EX}r{i}") for i in range(3)]
    predicates = [rdfc.iri(f"{EX}p{i}") for i in range(rng.randint(1, 3))]
    literals = [rdfc.literal("same"), rdfc.literal("x", language="en"), rdfc.literal("4", f"{EX}int")]
    quads = []
    for _ in range(rng.randint(1, 14)):
        s = rng.choice(blanks + iris[:1])
        o = rng.choice(blanks + iris + literals)
        g = rng.choice(["", "", *iris[1:], *blanks])
        if s == o or (s.startswith("_:") and s == g) or (o.startswith("_:") and o == g):
            continue  # a node twice in one quad: pyld counts that quad twice (see below)
        quads.append((s, rng.choice(predicates), o, g))
    return list(dict.fromkeys(quads))  # a dataset is a set (pyld would hash a repeated quad twice)


def order_sensitive(quads) -> bool:
    """Blank nodes the hashes cannot tell apart although they are not interchangeable: RDFC-1.0 then
    labels them in the order it meets them (rdf-canonize: dataset order; pyld: Python set order)."""
    rng = random.Random(len(quads))
    reference = rdfc.canonicalize(quads)
    for _ in range(8):
        shuffled = list(quads)
        rng.shuffle(shuffled)
        if rdfc.canonicalize(shuffled) != reference:
            return True
    return False


def test_random_blank_node_datasets_canonicalize_exactly_as_pyld():
    compared = 0
    for seed in range(600):
        quads = random_dataset(random.Random(seed))
        if order_sensitive(quads):
            continue
        assert rdfc.canonicalize(quads) == pyld_canonical(quads), f"seed {seed}: {quads}"
        compared += 1
    assert compared > 550


def _ring(size: int, start: int = 0, graph: str = "") -> list:
    p = rdfc.iri(f"{EX}next")
    return [(f"_:r{start + i}", p, f"_:r{start + (i + 1) % size}", graph) for i in range(size)]


@pytest.mark.parametrize(
    "quads",
    [
        pytest.param(_ring(6), id="six-ring"),
        pytest.param(_ring(3) + _ring(3, start=3), id="two-identical-three-rings"),
        pytest.param(
            [(f"_:a{i}", rdfc.iri(f"{EX}knows"), f"_:b{j}", "") for i in range(3) for j in range(3)],
            id="complete-bipartite-3-3",
        ),
        pytest.param(
            [*_ring(4, graph="_:g"), ("_:g", rdfc.iri(f"{EX}in"), "_:r0", "")], id="ring-in-a-graph"
        ),
    ],
)
def test_symmetric_blank_node_structures_canonicalize_exactly_as_pyld(quads):
    assert rdfc.canonicalize(quads) == pyld_canonical(quads)


def test_the_result_does_not_depend_on_blank_node_labels_nor_on_quad_order_where_hashes_decide():
    rng = random.Random(7)
    for _ in range(200):
        quads = random_dataset(rng)
        renamed = {f"_:n{i}": f"_:other{5 - i}" for i in range(6)}
        relabelled = [tuple(renamed.get(t, t) for t in quad) for quad in quads]
        assert rdfc.canonicalize(relabelled) == rdfc.canonicalize(quads)
        if not order_sensitive(quads):
            rng.shuffle(relabelled)
            assert rdfc.canonicalize(relabelled) == rdfc.canonicalize(quads)


def test_a_quad_given_twice_is_output_twice_as_rdf_canonize_does():
    quad = ("_:x", rdfc.iri(f"{EX}p"), rdfc.literal("v"), "")
    assert rdfc.canonicalize([quad, quad]) == f'_:c14n0 <{EX}p> "v" .\n' * 2


def test_an_empty_list_given_twice_is_two_quads_as_in_pyld_and_jsonld_js():
    document = {
        "@context": VOCAB,
        "@graph": [{"@id": f"{EX}a", "list": []}, {"@id": f"{EX}a", "list": [], "ref": f"{EX}b"}],
    }
    nil = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
    assert canonical.canonize(document).count(f"<{EX}a> <{EX}list> {nil} .") == 2
    assert canonical.canonize(document) == plain_pyld(document)


def test_literals_use_the_canonical_n_quads_escapes():
    text = 'q" b\\ n\n r\r t\t b\b f\f nul\x00 one\x01 us\x1f del\x7f é 中 😀'
    assert rdfc.literal(text) == (
        '"q\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0000 one\\u0001 us\\u001F del\\u007F é 中 😀"'
    )
    assert rdfc.literal("x", language="en-GB") == '"x"@en-GB'
    assert rdfc.literal("1", "http://www.w3.org/2001/XMLSchema#integer") == (
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    )


def test_iris_escape_the_characters_n_quads_does_not_allow():
    assert rdfc.iri('https://example.org/a b<c>"{d}|^`\\') == (
        "<https://example.org/a\\u0020b\\u003Cc\\u003E\\u0022\\u007Bd\\u007D\\u007C\\u005E\\u0060\\u005C>"
    )


def test_a_poison_graph_is_refused_instead_of_running_for_ever():
    # Every blank node linked to every other by the same predicate: factorially many paths.
    p = rdfc.iri(f"{EX}p")
    clique = [(f"_:k{i}", p, f"_:k{j}", "") for i in range(12) for j in range(12) if i != j]
    with pytest.raises(rdfc.TooComplex):
        rdfc.canonicalize(clique)


def test_a_document_with_a_poison_graph_fails_verification_with_a_reason():
    document = {
        "@context": {"@vocab": EX},
        "@graph": [
            {"@id": f"_:k{i}", "p": [{"@id": f"_:k{j}"} for j in range(12) if j != i]} for i in range(12)
        ],
    }
    with pytest.raises(DocumentError, match="too symmetric"):
        canonical.canonize(document)
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    issuer = did.did_key_from_public(private.public_key())
    vm = did.did_key_document(issuer)["assertionMethod"][0]
    signed = {
        **document,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-01T00:00:00Z",
            "verificationMethod": vm,
            "proofPurpose": "assertionMethod",
            "proofValue": keys.multibase_encode(bytes(64)),
        },
    }
    check = di.verify(signed, resolver=did.default_resolver(), check_issuer=False)
    assert not check.ok
    assert "too symmetric" in check.reason


# --- the walk from expanded JSON-LD to quads ---------------------------------------------------------


def plain_pyld(document: dict) -> str:
    return jsonld.JsonLdProcessor().normalize(
        document,
        # base None, as vc and Digital Bazaar's cryptosuite: relative IRIs stay relative and give no quads
        # (pyld's default base "" would resolve them against http://example.org/base/).
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "base": None,
        },
    )


VOCAB = {
    "@vocab": EX,
    "list": {"@container": "@list"},
    "ref": {"@type": "@id"},
    "when": {"@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    "named": {"@container": "@graph"},
}

WALKED = {
    "lists, nested lists and empty lists": {
        "@context": VOCAB,
        "@id": f"{EX}s",
        "list": [1, "a", {"@id": "_:x", "name": "in a list"}, {"@list": [2, 3]}, {"@list": []}],
        "other": {"@list": []},
    },
    "one node in several places, merged": {
        "@context": VOCAB,
        "@graph": [
            {"@id": f"{EX}a", "name": ["one", "two"], "ref": f"{EX}b"},
            {"@id": f"{EX}a", "name": "one", "ref": [f"{EX}b", f"{EX}c"]},
            {"@id": f"{EX}c", "knows": {"@id": f"{EX}a", "name": "three"}},
        ],
    },
    "relative ids drop their quads, not their children's": {
        "@context": VOCAB,
        "@id": "relative/subject",
        "child": {"@id": f"{EX}child", "name": "kept", "ref": "relative/object"},
        "ref": "relative/other",
    },
    "named graphs, blank and IRI, nested": {
        "@context": VOCAB,
        "@id": f"{EX}doc",
        "named": {"@id": f"{EX}inner", "name": "in a blank graph", "named": {"name": "deeper"}},
        "@graph": [{"@id": f"{EX}g1", "name": "in the IRI graph"}],
    },
    "literal kinds": {
        "@context": VOCAB,
        "@id": f"{EX}v",
        "int": [1, -7, 10**21],
        "double": [1.5, {"@value": "2.50", "@type": "http://www.w3.org/2001/XMLSchema#double"}],
        "bool": [True, False],
        "text": [{"@value": "hello", "@language": "en"}, "plain", "tab\there"],
        "when": "2026-01-01T00:00:00Z",
        "data": {"@value": {"b": [1, 2], "a": None}, "@type": "@json"},
    },
    "blank node types and ids": {
        "@context": VOCAB,
        "@id": "_:me",
        "@type": ["_:T", "Thing"],
        "knows": [{"@id": "_:you", "knows": {"@id": "_:me"}}, {"name": "anonymous"}, {}],
    },
}

FALLBACK = {
    "@reverse": {"@context": VOCAB, "@id": f"{EX}a", "@reverse": {f"{EX}parent": {"@id": f"{EX}b"}}},
    "@included": {"@context": VOCAB, "@id": f"{EX}a", "@included": [{"@id": f"{EX}b", "name": "b"}]},
    "@index on a value": {
        "@context": {**VOCAB, "tagged": {"@container": "@index"}},
        "@id": f"{EX}a",
        "tagged": {"en": "hello", "fr": "bonjour"},
    },
    "@index on a node": {
        "@context": {**VOCAB, "byKey": {"@container": "@index"}},
        "@id": f"{EX}a",
        "byKey": {"first": {"@id": f"{EX}b", "name": "b"}, "second": {"name": "anonymous"}},
    },
}


def _expanded(document):
    processor = canonical._processor(None)
    options = canonical.rdf_options()
    return processor, options, processor.expand(document, options)


@pytest.mark.parametrize("name", sorted(WALKED))
def test_the_walk_gives_the_quads_of_pyld_node_map(name):
    document = WALKED[name]
    processor, options, expanded = _expanded(document)
    rdf.quads(expanded, object_to_rdf=processor._object_to_rdf, options=options)  # walked, no fallback
    assert canonical.canonize(document) == plain_pyld(document)


@pytest.mark.parametrize("name", sorted(FALLBACK))
def test_constructs_the_walk_leaves_to_pyld_still_canonicalize_as_pyld(name):
    document = FALLBACK[name]
    processor, options, expanded = _expanded(document)
    with pytest.raises(rdf.Unsupported):
        rdf.quads(expanded, object_to_rdf=processor._object_to_rdf, options=options)
    assert canonical.canonize(document) == plain_pyld(document)


def test_the_walk_does_not_change_the_expanded_document():
    processor, options, expanded = _expanded(WALKED["blank node types and ids"])
    before = json.dumps(expanded, sort_keys=True)
    rdf.quads(expanded, object_to_rdf=processor._object_to_rdf, options=options)
    assert json.dumps(expanded, sort_keys=True) == before


# --- the cyclic garbage collector ------------------------------------------------------------------


def test_the_cyclic_collector_pauses_while_canonicalizing_and_runs_again_after_even_on_failure(monkeypatch):
    assert gc.isenabled()
    seen = []
    original = rdfc.canonicalize

    def watching(quads):
        seen.append(gc.isenabled())
        return original(quads)

    monkeypatch.setattr(rdfc, "canonicalize", watching)
    canonical.canonize(WALKED["literal kinds"])
    assert seen == [False]
    assert gc.isenabled()
    with pytest.raises(ContextError):
        canonical.canonize({"@context": "https://unknown.example/context", "name": "x"})
    assert gc.isenabled()


def test_concurrent_canonicalizations_leave_the_collector_running():
    documents = [WALKED[name] for name in sorted(WALKED)] * 20
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(canonical.canonize, documents))
    assert results[: len(WALKED)] == results[len(WALKED) : 2 * len(WALKED)]
    assert gc.isenabled()


def test_a_collector_the_application_switched_off_stays_off():
    gc.disable()
    try:
        canonical.canonize(WALKED["literal kinds"])
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- pyld's type predicates ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(canonical._FAST_PREDICATES))
def test_the_faster_pyld_predicates_answer_exactly_as_pyld_own(name):
    ours, theirs = canonical._FAST_PREDICATES[name], canonical._PYLD_PREDICATES[name]
    samples = [
        *sorted(jsonld.KEYWORDS),
        "@notakeyword",
        "",
        "name",
        "https://example.org/a",
        "urn:uuid:1",
        "_:b0",
        "_:",
        "ex:term",
        "1abc:x",
        "a b:c",
        "https://example.org/with space",
        "mailto:a@b.c",
        "a+b-c.d:e",
        "://x",
        None,
        0,
        1.5,
        True,
        [],
        ["@id"],
        {},
        {"@id": "x"},
        frozendict(),
        frozendict({"a": 1}),
        ("@id",),
    ]
    for value in samples * 2:  # twice: the remembered answers too
        assert bool(ours(value)) == bool(theirs(value)), value


def random_json_ld(rng: random.Random, depth: int = 0) -> dict:
    """A node object over a small vocabulary: shared and blank ids, types, lists, graphs, literal kinds."""
    node: dict = {}
    if rng.random() < 0.6:
        node["@id"] = rng.choice([f"{EX}n{rng.randint(0, 3)}", f"_:x{rng.randint(0, 3)}", "relative"])
    if rng.random() < 0.4:
        node["@type"] = rng.sample(["Thing", "Other", "_:T"], rng.randint(1, 2))
    for _ in range(rng.randint(0, 4)):
        prop = rng.choice(["name", "count", "score", "flag", "ref", "list", "knows", "named", "when"])
        if prop in ("knows", "named") and depth < 3:
            value = [random_json_ld(rng, depth + 1) for _ in range(rng.randint(1, 2))]
        elif prop == "list":
            value = [
                rng.choice(["a", "b", 1, {"@id": f"{EX}n{rng.randint(0, 3)}"}])
                for _ in range(rng.randint(0, 3))
            ]
        elif prop == "ref":
            value = rng.choice([f"{EX}n{rng.randint(0, 3)}", "relative/ref"])
        else:
            value = rng.choice(["same", "other", 3, 2.5, True, False, {"@value": "v", "@language": "en"}])
        node[prop] = value
    return node


def test_random_json_ld_documents_canonicalize_exactly_as_plain_pyld():
    compared = 0
    for seed in range(300):
        rng = random.Random(seed)
        document = {"@context": VOCAB, "@graph": [random_json_ld(rng) for _ in range(rng.randint(1, 3))]}
        processor, options, expanded = _expanded(document)
        quads = rdf.quads(expanded, object_to_rdf=processor._object_to_rdf, options=options)
        if any(s == o or (s[:2] == "_:" and s == g) or (o[:2] == "_:" and o == g) for s, _, o, g in quads):
            continue  # a node twice in one quad: pyld counts that quad twice (rdf-canonize does not)
        if order_sensitive(quads):
            continue
        assert canonical.canonize(document) == plain_pyld(document), f"seed {seed}: {json.dumps(document)}"
        compared += 1
    assert compared > 200


def test_a_base_direction_becomes_an_i18n_datatype_as_in_digital_bazaars_cryptosuite():
    document = {
        "@context": VOCAB,
        "@id": f"{EX}a",
        "text": [
            {"@value": "مرحبا", "@language": "AR-EG", "@direction": "rtl"},
            {"@value": "x", "@direction": "ltr"},
        ],
    }
    assert canonical.canonize(document) == (
        f'<{EX}a> <{EX}text> "x"^^<https://www.w3.org/ns/i18n#_ltr> .\n'
        f'<{EX}a> <{EX}text> "مرحبا"^^<https://www.w3.org/ns/i18n#ar-eg_rtl> .\n'
    )


def test_conflicting_indexes_on_one_node_are_refused_as_by_pyld_and_jsonld_js():
    document = {
        "@context": {**VOCAB, "byKey": {"@container": "@index"}},
        "@id": f"{EX}s",
        "byKey": {"i": {"@id": f"{EX}n"}, "j": {"@id": f"{EX}n"}},
    }
    with pytest.raises(DocumentError, match="conflicting @index"):
        canonical.canonize(document)


def test_input_that_trips_pyld_with_a_plain_python_error_is_a_document_error():
    # pyld 3.3.0 indexes a string when one node carries the same @index twice on its node-map path.
    document = {
        "@context": VOCAB,
        "@id": f"{EX}s",
        "p": [{"@id": f"{EX}n", "@index": "i"}, {"@id": f"{EX}n", "@index": "i"}],
        "@included": [],
    }
    with pytest.raises(DocumentError, match="could not be canonicalized"):
        canonical.canonize(document)


CREDENTIAL_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("a relative @id", lambda d: d["credentialSubject"].update(id="learners/42")),
        (
            "a relative type",
            lambda d: d["credentialSubject"]["achievement"].update(type=["Achievement", "Badgex"]),
        ),
        (
            "a relative @id on pyld's node-map path",
            lambda d: d.update({"https://example.org/p": {"@id": "things/1", "@index": "i"}}),
        ),
    ],
)
def test_signing_refuses_relative_iri_references_a_proof_would_not_cover(where, change):
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    issuer = did.did_key_from_public(private.public_key())
    vm = did.did_key_document(issuer)["assertionMethod"][0]
    document = {
        "@context": CREDENTIAL_CONTEXT,
        "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example University"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/1",
                "type": ["Achievement"],
                "name": "Statistics",
                "criteria": {"narrative": "Pass."},
            },
        },
    }
    di.sign(document, private_key=private, verification_method=vm)  # fine as it is
    change(document)
    with pytest.raises(DocumentError, match="relative IRI references"):
        di.sign(document, private_key=private, verification_method=vm)
    assert "relative IRI" not in canonical.canonize(document)  # without safe mode: left out, no error

"""Interop: vc/rdfc.py canonicalizes as Digital Bazaar's rdf-canonize does (RDFC-1.0), and
credentials whose text needs canonical N-Quads escaping verify in both directions.

rdf-canonize (pinned in package.json) runs under Node through `dbvc.mjs canonize`, one Node
process for all the datasets of a test. See tests/interop/README.md.

vc/ modules are imported inside the functions that use them, as in test_digitalbazaar_interop.py,
so that collecting this file needs nothing from vc/.
"""

from __future__ import annotations

import copy
import random

import pytest
from test_digitalbazaar_interop import (
    CREATED,
    EXAMPLES,
    SEED_HEX,
    VcIssuer,
    load_json,
    unsigned_copy,
    vc_verify,
)

pytestmark = pytest.mark.e2e

Quad = tuple[str, str, str, str]

RANDOM_DATASETS = 300
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# IRIs, some with characters canonical N-Quads writes as \u00XX (space, controls, <>"{}|^`\),
# including a literal backslash before "u0041" that must not be read back as an escape.
IRI_VALUES = [
    "http://example.org/a",
    "http://example.org/b",
    "urn:example:c",
    "http://example.org/with space",
    "http://example.org/{curly}|pipe^caret`tick",
    'http://example.org/q"<angle>',
    "http://example.org/back\\u0041slash",
    "http://example.org/tab\tand\u0001control",
    "http://example.org/é/中/🎓",
]
PREDICATE_VALUES = [
    "http://example.org/p",
    "http://example.org/q",
    "http://example.org/knows",
    "http://example.org/odd predicate{1}",
    "http://example.org/back\\slash",
]
CONTROL_CHARACTERS = [chr(n) for n in [*range(0x20), 0x7F]]
# how canonical N-Quads writes each of them in a literal (RDFC-1.0 / RDF 1.2 N-Quads)
CONTROL_ESCAPES = [
    {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}.get(c, f"\\u{ord(c):04X}")
    for c in CONTROL_CHARACTERS
]
LITERAL_VALUES = [
    "",
    "plain ascii",
    'say "hi"',
    "back\\slash",
    "\\u0041 is not an escape",
    "tab\tnewline\nreturn\rform\fbackspace\b",
    *(f"c{c}c" for c in CONTROL_CHARACTERS),
    "".join(CONTROL_CHARACTERS),
    "café",
    "中文",
    "emoji 🎓 and 👩🏽‍🎓",
    'mixed "é"\\\u0001\t中',
]
DATATYPES = [
    XSD + "string",
    XSD + "integer",
    XSD + "dateTime",
    "http://example.org/type with space",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Markdown",
]
LANGUAGES = ["en", "en-US", "zh-Hant", "fr"]


def nquads(quads: list[Quad]) -> str:
    """N-Quads text of the quads, in the order given (the input for rdf-canonize)."""
    return "".join(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads)


def random_literal(rng: random.Random) -> str:
    from vc import rdfc

    value = rng.choice(LITERAL_VALUES)
    kind = rng.random()
    if kind < 0.5:
        return rdfc.literal(value)
    if kind < 0.75:
        return rdfc.literal(value, RDF_LANGSTRING, rng.choice(LANGUAGES))
    return rdfc.literal(value, rng.choice(DATATYPES))


class Pools:
    """The few blank nodes, IRIs, predicates and literals one random dataset draws from."""

    def __init__(self, rng: random.Random):
        from vc import rdfc

        self.rng = rng
        self.blanks = [f"_:n{i}" for i in range(rng.randint(1, 7))]
        self.iris = [rdfc.iri(v) for v in rng.sample(IRI_VALUES, rng.randint(1, 3))]
        self.predicates = [rdfc.iri(v) for v in rng.sample(PREDICATE_VALUES, rng.randint(1, 2))]
        self.literals = [random_literal(rng) for _ in range(rng.randint(1, 3))]
        self.graphs = ["", "", *self.iris[:1], *self.blanks[:2]]

    def node(self) -> str:
        return self.rng.choice(self.blanks) if self.rng.random() < 0.75 else self.rng.choice(self.iris)

    def value(self) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return self.rng.choice(self.blanks)
        return self.rng.choice(self.iris) if roll < 0.6 else self.rng.choice(self.literals)

    def quad(self) -> Quad:
        rng = self.rng
        return (self.node(), rng.choice(self.predicates), self.value(), rng.choice(self.graphs))


def circulant_dataset(pools: Pools) -> list[Quad]:
    """Blank nodes n0..n(k-1) on a circle, each linked to the nodes some offsets further on, perhaps
    in the graph named by the node a further offset on: every node looks the same to first-degree
    hashing. Offset 0 makes self loops; equal object and graph offsets make a node both."""
    rng = pools.rng
    k = len(pools.blanks)
    literal = rng.choice(pools.literals)
    quads: list[Quad] = []
    for _ in range(rng.randint(1, min(3, 25 // k))):
        offset = rng.randrange(k)
        predicate = rng.choice(pools.predicates)
        graph_offset = rng.choice([None, None, offset, rng.randrange(k)])
        fixed_graph = rng.choice(pools.graphs[:3])
        for i, b in enumerate(pools.blanks):
            graph = fixed_graph if graph_offset is None else pools.blanks[(i + graph_offset) % k]
            quads.append((b, predicate, pools.blanks[(i + offset) % k], graph))
    if rng.random() < 0.5 and len(quads) + k <= 25:
        quads += [(b, pools.predicates[0], literal, "") for b in pools.blanks]
    while rng.random() < 0.3 and len(quads) < 25:  # a little asymmetry on top, sometimes
        quads.append(pools.quad())
    return quads


def twins_dataset(pools: Pools) -> list[Quad]:
    """A small random graph over blank nodes, and identical copies of it under other labels."""
    rng = pools.rng
    motif = [pools.quad() for _ in range(rng.randint(1, 8))]
    quads: list[Quad] = []
    for copy_number in range(rng.randint(2, 3)):

        def relabel(term: str, copy_number=copy_number) -> str:
            return f"{term}c{copy_number}" if term.startswith("_:") else term

        quads += [tuple(map(relabel, q)) for q in motif]
    return quads[:25]


def scattered_dataset(pools: Pools, seed: int) -> list[Quad]:
    """1-25 random quads, with a self loop or a node that is object and graph name every so often."""
    rng = pools.rng
    quads: list[Quad] = []
    if seed % 3 == 0:
        b = rng.choice(pools.blanks)
        quads.append((b, rng.choice(pools.predicates), b, rng.choice(pools.graphs)))
    if seed % 3 == 1:
        b = rng.choice(pools.blanks)
        quads.append((pools.node(), rng.choice(pools.predicates), b, b))
    size = rng.randint(1, 25)
    while len(quads) < size:
        quads.append(pools.quad())
    return quads


def random_dataset(seed: int) -> list[Quad]:
    """1-25 quads over a few blank nodes, IRIs, predicates and literals: symmetric circles (which
    need Hash N-Degree Quads), twin copies, and scattered quads."""
    pools = Pools(random.Random(seed))
    kind = seed % 3
    if kind == 0:
        return circulant_dataset(pools)
    if kind == 1:
        return twins_dataset(pools)
    return scattered_dataset(pools, seed // 3)


def symmetric_structures() -> dict[str, list[Quad]]:
    """Hand-made datasets whose blank nodes first-degree hashing cannot tell apart."""
    from vc import rdfc

    p = rdfc.iri("http://example.org/p")
    name = rdfc.iri("http://example.org/name")
    same = rdfc.literal("same \f\b\u0001 label")

    def ring(labels: list[str], graph: str = "") -> list[Quad]:
        return [(b, p, labels[(i + 1) % len(labels)], graph) for i, b in enumerate(labels)]

    six = [f"_:r{i}" for i in range(6)]
    left = [f"_:a{i}" for i in range(3)]
    right = [f"_:b{i}" for i in range(3)]
    return {
        "a 6-ring of blank nodes with identical labels": [
            *ring(six),
            *((b, name, same, "") for b in six),
        ],
        "two identical disjoint 3-rings": [
            *ring(left),
            *ring(right),
            *((b, name, same, "") for b in left + right),
        ],
        "a 6-ring beside two 3-rings": [
            *ring(six),
            *ring(left),
            *ring(right),
        ],
        "the bipartite graph K3,3": [(a, p, b, "") for a in left for b in right],
        "K3,3 inside a blank-node graph": [(a, p, b, "_:g") for a in left for b in right],
        "a blank node that is its own graph name": [
            ("_:g", p, "_:g", "_:g"),
            ("_:g", name, same, "_:g"),
            ("_:h", p, "_:g", ""),
            ("_:h", p, "_:h", "_:g"),
        ],
        "two 3-rings each in its own blank-node graph": [*ring(left, "_:g1"), *ring(right, "_:g2")],
        "a 4-clique with self loops": [(a, p, b, "") for a in six[:4] for b in six[:4]],
    }


def rdf_canonize(digital_bazaar, datasets: list[list[Quad]]) -> list:
    """rdf-canonize's canonical N-Quads of each dataset, all in one Node process."""
    result = digital_bazaar.run("canonize", digital_bazaar.file([nquads(q) for q in datasets], "nquads"))
    assert result.returncode == 0, result
    canonical = result.output["canonical"]
    assert len(canonical) == len(datasets), result
    return canonical


def first_disagreement(names: list[str], datasets: list[list[Quad]], theirs: list) -> str | None:
    from vc import rdfc

    for name, quads, expected in zip(names, datasets, theirs, strict=True):
        try:
            ours = rdfc.canonicalize(quads)
        except Exception as exc:  # reported with the dataset, like a wrong result
            ours = f"raised {exc!r}"
        if ours != expected:
            return (
                f"{name}: vc/rdfc.py and rdf-canonize disagree\n"
                f"--- input N-Quads\n{nquads(quads)}"
                f"--- rdf-canonize\n{expected}\n"
                f"--- vc/rdfc.py\n{ours}"
            )
    return None


def test_vc_canonicalizes_random_datasets_as_rdf_canonize_does(digital_bazaar):
    seeds = range(RANDOM_DATASETS)
    # A dataset is a set: rdf-canonize's N-Quads parser drops repeated quads, and so does this side.
    datasets = [list(dict.fromkeys(random_dataset(seed))) for seed in seeds]

    theirs = rdf_canonize(digital_bazaar, datasets)

    # the corpus does hold the cases that set RDFC-1.0 implementations apart
    corpus = "".join(map(nquads, datasets))
    literals = "".join(o for q in datasets for _, _, o, _ in q if o.startswith('"'))
    assert all(1 <= len(q) <= 25 for q in datasets)
    assert sum(any(s == o and s.startswith("_:") for s, _, o, _ in q) for q in datasets) >= 100
    assert sum(any(o == g and o.startswith("_:") for _, _, o, g in q) for q in datasets) >= 100
    assert sum(any(g.startswith("_:") for *_, g in q) for q in datasets) >= 200
    assert [e for e in CONTROL_ESCAPES if e not in literals] == []
    assert all(text in literals for text in ("é", "中", "🎓", '\\"', "\\\\", '"@en-US', '"^^<'))
    assert all(text in corpus for text in ("\\u0020", "\\u005Cu0041", "\\u007B", "é/中/🎓"))
    assert [t for t in theirs if not isinstance(t, str)] == []
    disagreement = first_disagreement([f"random dataset seed={s}" for s in seeds], datasets, theirs)
    assert disagreement is None, disagreement


def test_vc_canonicalizes_symmetric_blank_node_structures_as_rdf_canonize_does(digital_bazaar):
    structures = symmetric_structures()

    theirs = rdf_canonize(digital_bazaar, list(structures.values()))

    assert [t for t in theirs if not isinstance(t, str)] == []
    disagreement = first_disagreement(list(structures), list(structures.values()), theirs)
    assert disagreement is None, disagreement


# ---------------------------------------------------------------------------------------------
# credentials whose text canonical N-Quads escapes (ECHAR \b \t \n \f \r, \u00XX for other controls)

AWKWARD_TEXT = 'tab\t form\f back\b soh\u0001 del\u007f "quoted" back\\slash\nnew line é 中 🎓'


def credential_with_awkward_text(issuer: str) -> dict:
    credential = unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=issuer)
    credential["name"] = f"Badge: {AWKWARD_TEXT}"
    credential["description"] = f"Description: {AWKWARD_TEXT}"
    credential["issuer"]["name"] = f"Issuer {AWKWARD_TEXT}"
    achievement = credential["credentialSubject"]["achievement"]
    achievement["name"] = f"Achievement {AWKWARD_TEXT}"
    achievement["description"] = f"Achievement description {AWKWARD_TEXT}"
    achievement["criteria"]["narrative"] = f"Narrative {AWKWARD_TEXT}"
    return credential


AWKWARD_TEXT_ESCAPED = (
    'tab\\t form\\f back\\b soh\\u0001 del\\u007F \\"quoted\\" back\\\\slash\\nnew line é 中 🎓'
)


def test_vc_writes_control_characters_in_credential_text_as_canonical_n_quads_escapes():
    from vc.canonical import canonize

    canonical = canonize(credential_with_awkward_text("did:example:issuer"))

    assert canonical.count(AWKWARD_TEXT_ESCAPED) == 6, canonical
    assert not any(c in canonical for c in CONTROL_CHARACTERS if c != "\n"), canonical


def test_digital_bazaar_verifies_a_credential_with_control_characters_signed_by_vc(digital_bazaar):
    issuer = VcIssuer()
    signed = issuer.sign(credential_with_awkward_text(issuer.did))

    result = digital_bazaar.verify(signed)

    assert signed["credentialSubject"]["achievement"]["criteria"]["narrative"].endswith(AWKWARD_TEXT)
    assert result.returncode == 0, result
    assert result.output["verified"] is True, result


def test_vc_verifies_a_credential_with_control_characters_signed_by_digital_bazaar(digital_bazaar):
    did = digital_bazaar.keyinfo(seed_hex=SEED_HEX)["did"]
    signed = digital_bazaar.sign(credential_with_awkward_text(did), seed_hex=SEED_HEX, created=CREATED)

    check = vc_verify(signed)

    assert signed["name"] == f"Badge: {AWKWARD_TEXT}"
    assert check.ok is True, check.reason


def test_vc_and_digital_bazaar_sign_a_credential_with_control_characters_to_the_same_proof_value(
    digital_bazaar,
):
    """Ed25519 is deterministic: the same key, `created` and canonical N-Quads give the same bytes."""
    issuer = VcIssuer(SEED_HEX)
    unsigned = credential_with_awkward_text(issuer.did)

    ours = issuer.sign(unsigned)
    theirs = digital_bazaar.sign(unsigned, seed_hex=SEED_HEX, created=CREATED)

    assert ours["proof"] == theirs["proof"]


def credential_with_base_directions(issuer: str) -> dict:
    """Text with a language and a base direction (JSON-LD 1.1 value objects, as VC 2.0 allows)."""
    credential = unsigned_copy(load_json(EXAMPLES / "ob_v3p0/basic-openbadgecredential.json"), issuer=issuer)
    credential["name"] = {"@value": "شهادة الإحصاء", "@language": "ar-EG", "@direction": "rtl"}
    credential["description"] = {"@value": "Statistics, left to right", "@direction": "ltr"}
    return credential


def test_vc_and_digital_bazaar_sign_text_with_a_base_direction_to_the_same_proof_value(digital_bazaar):
    """Digital Bazaar's eddsa-rdfc-2022 turns a base direction into an i18n datatype; so does vc."""
    issuer = VcIssuer(SEED_HEX)
    unsigned = credential_with_base_directions(issuer.did)

    ours = issuer.sign(unsigned)
    theirs = digital_bazaar.sign(unsigned, seed_hex=SEED_HEX, created=CREATED)

    assert ours["proof"] == theirs["proof"]
    assert digital_bazaar.verify(ours).output["verified"] is True
    assert vc_verify(theirs).ok is True


def test_changing_only_the_base_direction_breaks_the_proof_on_both_sides(digital_bazaar):
    issuer = VcIssuer(SEED_HEX)
    signed = issuer.sign(credential_with_base_directions(issuer.did))
    flipped = copy.deepcopy(signed)
    flipped["name"]["@direction"] = "ltr"

    assert vc_verify(flipped).ok is False
    assert digital_bazaar.verify(flipped).output["verified"] is False

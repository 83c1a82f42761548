"""Poison credentials: blank nodes that first-degree hashing cannot tell apart, in the shapes that make
RDFC-1.0's Hash N-Degree Quads explode (rings, cliques, grids, many of them nested in one CLR).

Each is a schema-valid OB 3.0 AchievementCredential whose subject holds the nodes under `nodes`, with a
Data Integrity proof of the right shape (its signature is 64 zero bytes: canonicalization comes before
the signature check, so the verifier's work is that of a genuinely signed one). Used by tests/vc,
tests/wallet and bench/poison_bench.py.
"""

from __future__ import annotations

from vc import data_integrity as di
from vc import documents as d
from vc import keys, rdfc

V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
POISON_TERMS = {"nodes": "https://example.org/poison#nodes", "next": "https://example.org/poison#next"}
CREATED = "2026-01-01T00:00:00Z"


def ring(n: int, prefix: str = "r") -> list[dict]:
    """n blank nodes, each pointing to the next, the last to the first."""
    return [{"id": f"_:{prefix}{i}", "next": {"id": f"_:{prefix}{(i + 1) % n}"}} for i in range(n)]


def clique(n: int, prefix: str = "k") -> list[dict]:
    """n blank nodes, each pointing to every other."""
    return [
        {"id": f"_:{prefix}{i}", "next": [{"id": f"_:{prefix}{j}"} for j in range(n) if j != i]}
        for i in range(n)
    ]


def grid(width: int, height: int, prefix: str = "g") -> list[dict]:
    """width x height blank nodes on a torus, each pointing right and down."""
    return [
        {
            "id": f"_:{prefix}{x}_{y}",
            "next": [{"id": f"_:{prefix}{(x + 1) % width}_{y}"}, {"id": f"_:{prefix}{x}_{(y + 1) % height}"}],
        }
        for x in range(width)
        for y in range(height)
    ]


def fake_proof(verification_method: str) -> dict:
    """An eddsa-rdfc-2022 proof whose signature is 64 zero bytes."""
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
        "proofValue": keys.multibase_encode(bytes(64)),
    }


def credential(nodes: list[dict], issuer: str, *, index: int = 0) -> dict:
    """An unsigned AchievementCredential whose subject holds `nodes`."""
    return {
        "@context": [V2, OB, POISON_TERMS],
        "id": f"urn:uuid:0000dead-0000-4000-8000-{index:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Poison Institute"},
        "validFrom": CREATED,
        "name": f"Poison {index}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://example.org/achievements/{index}",
                "type": ["Achievement"],
                "name": "Symmetry",
                "description": "Blank nodes nothing tells apart.",
                "criteria": {"narrative": "None."},
            },
            "nodes": nodes,
        },
    }


def with_fake_proof(document: dict, verification_method: str) -> dict:
    """The document with a proof of the right shape and a zero signature."""
    return {**document, "proof": fake_proof(verification_method)}


def sign_unbounded(document: dict, signer) -> dict:
    """A genuine signature, canonicalizing without the default bounds (only for small poison)."""
    private, _, vm = signer
    with rdfc.work_budget(steps=10**9, max_quads=10**7, max_blank_nodes=10**7):
        return di.sign(document, private_key=private, verification_method=vm, created=CREATED)


def clr(nested: list[dict], issuer: str, verification_method: str) -> dict:
    """A ClrCredential nesting `nested` credentials, with a zero-signature proof."""
    unsigned = d.clr_credential(
        id="urn:uuid:0000dead-1111-4000-8000-000000000000",
        issuer=d.Profile(id=issuer, name="Poison Institute"),
        subject=d.ClrSubject(id="did:example:learner", verifiable_credentials=tuple(nested)),
        name="Poison record",
        valid_from=CREATED,
    )
    return with_fake_proof(unsigned, verification_method)


def _one(nodes, issuer, verification_method, index=0):
    return with_fake_proof(credential(nodes, issuer, index=index), verification_method)


# name -> (issuer, verification_method) -> document: the inputs the verifier must answer quickly.
CORPUS = {
    "ring of 800": lambda issuer, vm: _one(ring(800), issuer, vm),
    "ring of 250": lambda issuer, vm: _one(ring(250), issuer, vm),
    "clique of 8": lambda issuer, vm: _one(clique(8), issuer, vm),
    "clique of 40": lambda issuer, vm: _one(clique(40), issuer, vm),
    "torus grid 10x10": lambda issuer, vm: _one(grid(10, 10), issuer, vm),
    "torus grid 40x40": lambda issuer, vm: _one(grid(40, 40), issuer, vm),
    "CLR nesting 20 rings of 800 (same labels)": lambda issuer, vm: clr(
        [_one(ring(800), issuer, vm, i) for i in range(20)], issuer, vm
    ),
    "CLR nesting 20 rings of 800 (own labels)": lambda issuer, vm: clr(
        [_one(ring(800, prefix=f"r{i}x"), issuer, vm, i) for i in range(20)], issuer, vm
    ),
    "CLR nesting 40 grids 8x8": lambda issuer, vm: clr(
        [_one(grid(8, 8, prefix=f"g{i}x"), issuer, vm, i) for i in range(40)], issuer, vm
    ),
}


def corpus(issuer: str, verification_method: str) -> dict[str, dict]:
    """Every poison input of CORPUS, by name."""
    return {name: make(issuer, verification_method) for name, make in CORPUS.items()}

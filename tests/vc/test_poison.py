"""Poison graphs: verification refuses them with a reason after bounded work (counted, not timed).

RDFC-1.0 4.4 lets an implementation bound the work it spends on datasets whose blank nodes first-degree
hashing cannot tell apart; vc.rdfc counts that work in steps (see Budget) and vc.verify shares one
budget and one processor-time deadline between a credential, the credentials nested in it and their
status lists. The time each takes through HTTP is bench/poison_bench.py's to measure.
"""

from __future__ import annotations

import random

import pytest

from tests.vc import poison
from tests.vc.portal_like import portal_achievement, portal_credential
from tests.vc.test_rdfc import random_dataset
from vc import canonical, did, rdfc
from vc import data_integrity as di
from vc import documents as d
from vc.verify import COULD_NOT, FAILED, NOT_VALID, PASSED, VERIFIED, Limits, verify_credential

EX = "https://example.org/"
NEXT = rdfc.iri(f"{EX}next")


def verify(document, **options):
    return verify_credential(document, resolver=did.default_resolver(), now="2026-06-01T00:00:00Z", **options)


def ring_quads(n: int, prefix: str = "r") -> list:
    return [(f"_:{prefix}{i}", NEXT, f"_:{prefix}{(i + 1) % n}", "") for i in range(n)]


def clique_quads(n: int) -> list:
    return [(f"_:k{i}", NEXT, f"_:k{j}", "") for i in range(n) for j in range(n) if i != j]


def grid_quads(width: int, height: int) -> list:
    quads = []
    for x in range(width):
        for y in range(height):
            quads.append((f"_:g{x}_{y}", NEXT, f"_:g{(x + 1) % width}_{y}", ""))
            quads.append((f"_:g{x}_{y}", NEXT, f"_:g{x}_{(y + 1) % height}", ""))
    return quads


def bipartite_quads(left: int, right: int) -> list:
    return [(f"_:a{i}", NEXT, f"_:b{j}", "") for i in range(left) for j in range(right)]


def n_degree_calls(monkeypatch) -> list:
    calls: list = []
    original = rdfc._Canonicalizer.hash_n_degree

    def counting(self, node, issuer):
        calls.append(node)
        return original(self, node, issuer)

    monkeypatch.setattr(rdfc._Canonicalizer, "hash_n_degree", counting)
    return calls


# --- vc.rdfc: counts and shapes up front, steps while running ------------------------------------


def test_a_ring_of_800_alike_blank_nodes_is_refused_before_any_hash_n_degree_work(monkeypatch):
    calls = n_degree_calls(monkeypatch)
    budget = rdfc.Budget(steps=500_000)

    with pytest.raises(rdfc.TooComplex, match="too symmetric: canonicalizing them takes at least"):
        rdfc.canonicalize(ring_quads(800), budget=budget)

    assert calls == []
    assert budget.spent == 800 + 1_600  # the linear part only: 800 quads, 1,600 blank-node map entries


def test_datasets_over_the_quad_or_blank_node_counts_are_refused_before_any_hashing():
    budget = rdfc.Budget(max_quads=1_000, max_blank_nodes=300)

    with pytest.raises(rdfc.TooComplex, match="1,001 RDF statements, over the limit of 1,000"):
        rdfc.canonicalize(
            [(rdfc.iri(f"{EX}s"), NEXT, rdfc.literal(str(i)), "") for i in range(1_001)], budget=budget
        )
    with pytest.raises(rdfc.TooComplex, match="301 blank nodes, over the limit of 300"):
        rdfc.canonicalize([(f"_:n{i}", NEXT, rdfc.literal(str(i)), "") for i in range(301)], budget=budget)
    assert budget.spent == 0


@pytest.mark.parametrize(
    "quads, up_front",
    [
        pytest.param(ring_quads(250), True, id="ring-250"),
        pytest.param(ring_quads(300) + ring_quads(300, prefix="s"), True, id="two-rings-300"),
        pytest.param(clique_quads(8), False, id="clique-8"),
        pytest.param(clique_quads(40), False, id="clique-40"),
        pytest.param(grid_quads(10, 10), False, id="torus-10x10"),
        pytest.param(bipartite_quads(3, 300), True, id="bipartite-3x300"),
        pytest.param(bipartite_quads(3, 9), False, id="bipartite-3x9"),
    ],
)
def test_every_poison_shape_stops_at_the_step_budget_or_before(quads, up_front):
    budget = rdfc.Budget(steps=200_000)

    with pytest.raises(rdfc.TooComplex, match="too symmetric"):
        rdfc.canonicalize(quads, budget=budget)

    if up_front:  # its shape shows the work: refused after the linear part
        assert budget.spent < 5_000
    else:  # no step goes uncounted, and none runs past the budget by more than one charge
        assert budget.steps < budget.spent < budget.steps + 1_000


def test_the_estimate_made_up_front_never_exceeds_the_steps_really_spent():
    datasets = [random_dataset(random.Random(seed)) for seed in range(800)]
    datasets += [ring_quads(n) for n in (3, 10, 64, 65, 200)]
    datasets += [clique_quads(n) for n in (3, 5, 6)] + [grid_quads(4, 5), bipartite_quads(3, 4)]
    for quads in datasets:
        canonicalizer = rdfc._Canonicalizer(list(quads), rdfc.Budget(steps=10**12))
        groups: dict[str, list] = {}
        for node in canonicalizer.quads_of:
            groups.setdefault(canonicalizer.hash_first_degree(node), []).append(node)
        shared = [groups[h] for h in sorted(groups) if len(groups[h]) > 1]
        estimate = canonicalizer.least_n_degree_steps(shared) if shared else 0
        budget = rdfc.Budget(steps=10**12)
        running = rdfc._Canonicalizer(list(quads), budget)
        linear = budget.spent
        running.run()
        assert estimate <= budget.spent - linear, quads


def test_a_budget_once_used_up_refuses_every_later_dataset_at_once():
    budget = rdfc.Budget(steps=100_000)
    with pytest.raises(rdfc.TooComplex):
        rdfc.canonicalize(clique_quads(8), budget=budget)
    spent = budget.spent

    with pytest.raises(rdfc.TooComplex, match="used up its 100,000 canonicalization steps before it"):
        rdfc.canonicalize([("_:x", NEXT, rdfc.literal("v"), "")], budget=budget)
    assert budget.spent == spent


def test_the_deadline_is_a_base_exception_so_that_no_except_exception_swallows_it():
    now = [0.0]
    budget = rdfc.Budget(steps=10**9, seconds=1.0, clock=lambda: now[0])
    rdfc.canonicalize(ring_quads(6), budget=budget)
    now[0] = 1.5

    with pytest.raises(rdfc.DeadlineExceeded) as caught:
        try:
            rdfc.canonicalize(ring_quads(6), budget=budget)
        except Exception:  # what every guard on the way does
            pytest.fail("the deadline was caught as an Exception")
    assert "ran past its limit of 1 s of processor time" in caught.value.reason


def test_symmetric_datasets_within_the_budget_still_canonicalize_as_before():
    # The interop suite compares these shapes with rdf-canonize; here: they fit easily.
    budget = rdfc.Budget(steps=500_000)
    for quads in (ring_quads(6), clique_quads(4), grid_quads(3, 3), bipartite_quads(3, 3)):
        rdfc.canonicalize(quads, budget=budget)
    assert budget.spent < 50_000


# --- vc.verify: one budget and one deadline per verification -------------------------------------


@pytest.mark.parametrize("name", ["ring of 800", "clique of 8", "torus grid 10x10", "torus grid 40x40"])
def test_a_poison_credential_is_not_valid_and_the_proof_check_says_it_is_too_complex(signer, name):
    _, issuer, vm = signer
    document = poison.CORPUS[name](issuer, vm)

    with rdfc.work_budget(steps=Limits().max_work) as budget:
        result = verify(document)

    assert result.verdict == NOT_VALID
    proof = result.check("proof")
    assert proof.status == FAILED
    assert "The credential is too complex to check (its blank nodes are too symmetric" in proof.message
    assert budget.spent <= Limits().max_work + 1_000


def test_a_clr_nesting_20_poison_credentials_spends_one_budget_for_all_of_them(signer, monkeypatch):
    _, issuer, vm = signer
    calls = n_degree_calls(monkeypatch)
    document = poison.clr(
        [poison.with_fake_proof(poison.credential(poison.grid(8, 8, prefix=f"g{i}x"), issuer, index=i), vm)
         for i in range(20)],
        issuer,
        vm,
    )  # fmt: skip

    with rdfc.work_budget(steps=Limits().max_work) as budget:
        result = verify(document)

    assert result.verdict == NOT_VALID
    assert "too complex to check" in result.check("proof").message
    # The outer proof used up the budget: the 20 inside are not examined (each would be refused at once).
    assert result.nested == []
    assert "20 credentials inside were not examined" in result.check("nested_credentials").message
    assert budget.spent <= Limits().max_work + 1_000
    assert len(calls) < 100_000
    # The summary names why they fail, not a broken signature.
    summary = result.check("nested_credentials").message
    assert "too complex to check" in summary and "signature" not in summary


def test_a_genuinely_signed_poison_credential_is_refused_once_its_work_is_over_the_budget(signer):
    _, issuer, _ = signer
    # Six nodes each linked to all others: about 120,000 steps, small enough to sign here.
    signed = poison.sign_unbounded(poison.credential(poison.clique(6), issuer), signer)

    assert verify(signed).verdict == VERIFIED
    di.clear_verification_cache()  # its hashData would be remembered, not canonicalized again
    refused = verify(signed, limits=Limits(max_work=50_000))
    assert refused.verdict == NOT_VALID
    assert "too complex to check" in refused.check("proof").message
    assert "50,000 steps" in refused.check("proof").message


def expansions(monkeypatch) -> list:
    calls: list = []
    original = canonical._MemoProcessor.expand

    def counting(self, document, options):
        calls.append(document.get("id"))
        return original(self, document, options)

    monkeypatch.setattr(canonical._MemoProcessor, "expand", counting)
    return calls


def test_a_credential_over_the_blank_node_limit_is_refused_with_the_count_before_expansion(
    signer, monkeypatch
):
    _, issuer, vm = signer
    document = poison.with_fake_proof(poison.credential(poison.ring(800), issuer), vm)
    expanded = expansions(monkeypatch)

    result = verify(document, limits=Limits(max_blank_nodes=500))

    assert result.verdict == NOT_VALID
    assert (
        "too complex to check (it has over 500 objects without an IRI, each a blank node or a reference to "
        "one, the limit; it was not expanded)" in result.check("proof").message
    )
    assert expanded == []


def test_blank_nodes_the_json_does_not_show_are_counted_once_the_quads_exist(signer):
    _, issuer, vm = signer
    document = poison.with_fake_proof(poison.credential([], issuer), vm)
    # A list of 600 strings is one JSON array, but 600 blank nodes (rdf:first / rdf:rest) in RDF.
    document["@context"] = [poison.V2, poison.OB, {"nodes": {"@id": f"{EX}nodes", "@container": "@list"}}]
    document["credentialSubject"]["nodes"] = [str(i) for i in range(600)]

    result = verify(document, limits=Limits(max_blank_nodes=500))

    assert result.verdict == NOT_VALID
    assert "blank nodes, over the limit of 500" in result.check("proof").message


@pytest.mark.parametrize(
    "name", ["CLR nesting 20 rings of 800 (own labels)", "CLR nesting 20 rings of 800 (same labels)"]
)
def test_a_clr_nesting_20_symmetric_rings_is_refused_before_expansion(signer, monkeypatch, name):
    # 20 x 1,600 ring objects; with the same labels they name only 800 blank nodes, but each reference is
    # expanded and walked all the same.
    _, issuer, vm = signer
    document = poison.CORPUS[name](issuer, vm)
    expanded = expansions(monkeypatch)

    result = verify(document)

    assert result.verdict == NOT_VALID
    proof = result.check("proof")
    assert "too complex to check (it has over 10,000 objects without an IRI" in proof.message
    assert expanded == []
    # Nothing inside is examined either: each would be refused at once.
    assert result.nested == []
    assert "20 credentials inside were not examined" in result.check("nested_credentials").message


@pytest.fixture(scope="module")
def clr_of_120(signer):
    """A signed portal-like CLR of 120 credentials (the largest the portal's own tests issue)."""
    private, issuer, vm = signer
    nested = tuple(portal_credential(i, signer) for i in range(120))
    unsigned = d.clr_credential(
        id="urn:uuid:11111111-0000-4000-8000-000000000120",
        issuer=d.Profile(id=issuer, name="Example University"),
        subject=d.ClrSubject(
            id="did:example:learner",
            verifiable_credentials=nested,
            achievements=tuple(portal_achievement(i) for i in range(120)),
        ),
        name="Comprehensive Learner Record",
        valid_from="2026-01-01T00:00:00Z",
    )
    return di.sign(unsigned, private_key=private, verification_method=vm, created=poison.CREATED)


def test_a_clr_of_120_real_credentials_stays_far_within_the_default_limits(clr_of_120):
    di.clear_verification_cache()
    limits = Limits()
    with rdfc.work_budget(steps=limits.max_work) as budget:
        result = verify(clr_of_120)

    assert result.check("proof").status == PASSED
    assert [n.check("proof").status for n in result.nested] == [PASSED] * 120
    # Status lists at portal.example cannot be fetched here; nothing else is in doubt.
    assert {c.name for r in (result, *result.nested) for c in r.checks if c.status != PASSED} <= {
        "status",
        "nested_credentials",
    }
    assert budget.spent < limits.max_work / 3


def test_a_clr_of_120_real_credentials_has_under_a_tenth_of_the_objects_without_an_iri_allowed(clr_of_120):
    # A genuine credential names each of its blank nodes once (proofs, criteria, results...).
    assert not canonical._objects_without_iri_exceed(clr_of_120, Limits().max_blank_nodes // 10)


def test_past_the_deadline_the_remaining_nested_credentials_are_could_not_check_not_examined(signer):
    private, issuer, vm = signer
    nested = [portal_credential(i, signer) for i in range(3)]
    clr = di.sign(
        d.clr_credential(
            id="urn:uuid:11111111-0000-4000-8000-000000000003",
            issuer=d.Profile(id=issuer, name="Example University"),
            subject=d.ClrSubject(id="did:example:learner", verifiable_credentials=tuple(nested)),
            name="Comprehensive Learner Record",
            valid_from="2026-01-01T00:00:00Z",
        ),
        private_key=private,
        verification_method=vm,
        created=poison.CREATED,
    )
    di.clear_verification_cache()
    now = [0.0]

    def clock_runs_out_once_the_clr_itself_is_checked(document):
        if document.get("id") == clr["id"]:
            now[0] = 10.0
        return None

    with rdfc.work_budget(seconds=1.0, clock=lambda: now[0]):
        result = verify(clr, extra_status=clock_runs_out_once_the_clr_itself_is_checked)

    assert result.check("proof").status == PASSED
    assert result.verdict == COULD_NOT
    assert [n.verdict for n in result.nested] == [COULD_NOT] * 3
    for item in result.nested:
        [check] = item.checks
        assert check.name == "proof"
        assert check.status == COULD_NOT
        assert check.message.startswith("The credential is too complex to check (the verification ran past")
    assert result.nested[0].credential["id"] == nested[0]["id"]
    assert (
        "3 of 3 credentials inside could not be fully checked" in result.check("nested_credentials").message
    )


def test_a_deadline_passed_while_canonicalizing_gives_could_not_check_never_verified(signer):
    private, issuer, vm = signer
    signed = di.sign(
        poison.credential(poison.ring(3), issuer),
        private_key=private,
        verification_method=vm,
        created=poison.CREATED,
    )
    di.clear_verification_cache()
    reads = iter([0.0, 0.0] + [5.0] * 100)  # set, checked on entry, then past it

    with rdfc.work_budget(seconds=1.0, clock=lambda: next(reads)):
        result = verify(signed)

    assert result.verdict == COULD_NOT
    assert [c.name for c in result.checks] == ["proof"]
    assert "too complex to check" in result.checks[0].message
    assert result.credential["id"] == signed["id"]

"""Benchmark of the credential core: sign and verify an OB 3.0 credential and ClrCredentials.

Run as `python bench/vc_bench.py` (from the repository root). Prints medians with the targets
beside them, how time grows with the number of nested credentials, and the share of time spent
in RDFC-1.0 canonicalization proper (pyld's URDNA2015) versus JSON-LD expansion / RDF conversion.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from tests.vc.portal_like import portal_achievement, portal_credential  # noqa: E402
from vc import canonical, data_integrity, did, keys, rdf, rdfc  # noqa: E402
from vc import documents as d  # noqa: E402

FIXTURES = ROOT / "tests/vc/fixtures/examples"
SEED = bytes(range(32))
CREATED = "2026-01-01T00:00:00Z"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _timings_ms(fn, repeat: int) -> tuple[float, float]:
    """(median, best) wall time of fn in milliseconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def _issuer():
    private = keys.ed25519_private_from_seed(SEED)
    issuer = did.did_key_from_public(private.public_key())
    vm = did.did_key_document(issuer)["assertionMethod"][0]
    return private, issuer, vm


def _with_issuer(document: dict, issuer: str) -> dict:
    document = copy.deepcopy(document)
    document.pop("proof", None)
    if isinstance(document.get("issuer"), dict):
        document["issuer"]["id"] = issuer
    else:
        document["issuer"] = issuer
    return document


def achievement_credential(issuer: str) -> dict:
    """A realistic AchievementCredential: the 1EdTech validator's ob30-simple.json, unsigned."""
    return _with_issuer(_json(FIXTURES / "validator-fixtures/ob30-simple.json"), issuer)


def complete_credential(issuer: str) -> dict:
    """The spec's 'Complete OpenBadgeCredential' (every property, endorsement, evidence, status)."""
    return _with_issuer(_json(FIXTURES / "ob_v3p0/complete-openbadgecredential.json"), issuer)


def clr_credential(n: int, private, issuer: str, vm: str) -> dict:
    """A ClrCredential shaped like clr20-simple.json nesting n signed AchievementCredentials."""
    base = achievement_credential(issuer)
    nested = []
    for i in range(n):
        item = copy.deepcopy(base)
        item["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        item["credentialSubject"]["achievement"]["id"] = f"https://example.com/achievements/{i}"
        item["credentialSubject"]["achievement"]["name"] = f"Achievement {i}"
        nested.append(data_integrity.sign(item, private_key=private, verification_method=vm, created=CREATED))
    clr = _with_issuer(_json(FIXTURES / "validator-fixtures/clr20-simple.json"), issuer)
    clr["credentialSubject"]["verifiableCredential"] = nested
    clr["credentialSubject"]["achievement"] = [c["credentialSubject"]["achievement"] for c in nested]
    clr["credentialSubject"].pop("association", None)
    return clr


def portal_clr(n: int, private, issuer: str, vm: str) -> dict:
    """A portal-like ClrCredential: n signed AchievementCredentials of ~3 KB (results, alignments,
    result descriptions with rubric levels, evidence, credentialStatus) and their achievements."""
    nested = [portal_credential(i, (private, issuer, vm)) for i in range(n)]
    return d.clr_credential(
        id="urn:uuid:11111111-0000-4000-8000-000000000000",
        issuer=d.Profile(id=issuer, name="Example University"),
        subject=d.ClrSubject(
            id="did:example:learner",
            verifiable_credentials=tuple(nested),
            achievements=tuple(portal_achievement(i) for i in range(n)),
        ),
        name="Comprehensive Learner Record",
        valid_from="2026-01-01T00:00:00Z",
    )


def nested_memo_rows(private, issuer: str, vm: str, resolver) -> list[tuple]:
    """Sign / verify medians of portal-like CLRs with the nested-credential expansion memo on, off,
    on but cold (every nested credential new to the process, as for a CLR signed the first time), and
    cold but with the expansions an earlier process kept (`kept_expansions`, as the portal signs a
    learner's next CLR)."""
    rows = []
    for n, repeat in ((10, 21), (40, 15), (120, 7)):
        document = portal_clr(n, private, issuer, vm)
        size = len(json.dumps(document["credentialSubject"]["verifiableCredential"][0]))
        signed = data_integrity.sign(document, private_key=private, verification_method=vm, created=CREATED)

        with canonical.kept_expansions({}) as learned:
            canonical.clear_embedded()
            data_integrity.sign(document, private_key=private, verification_method=vm, created=CREATED)
        kept = {key: value for key, (_digest, value) in learned.items()}

        def do_sign(cold=False, document=document, kept=kept):
            if cold:
                canonical.clear_embedded()
            with canonical.kept_expansions(kept if cold == "kept" else {}):
                return data_integrity.sign(
                    document, private_key=private, verification_method=vm, created=CREATED
                )

        def do_verify(cold=False, signed=signed, kept=kept):
            # The hashData of an already-verified document is remembered: forget it so canonicalization runs.
            data_integrity.clear_verification_cache()
            if cold:
                canonical.clear_embedded()
            with canonical.kept_expansions(kept if cold == "kept" else {}):
                check = data_integrity.verify(signed, resolver=resolver)
            assert check.ok, check.reason

        for mode in ("off", "on", "cold", "kept"):
            canonical.EMBEDDED_MEMO_ENABLED = mode != "off"
            canonical.FAST_RDFC_ENABLED = mode != "off"
            canonical.use_fast_predicates(mode != "off")
            cold = {"cold": True, "kept": "kept"}.get(mode, False)
            do_sign(cold)
            do_verify(cold)
            sign_ms, _ = _timings_ms(lambda cold=cold: do_sign(cold), repeat)
            verify_ms, _ = _timings_ms(lambda cold=cold: do_verify(cold), repeat)
            rows.append((n, size, mode, sign_ms, verify_ms))
        canonical.EMBEDDED_MEMO_ENABLED = True
        canonical.FAST_RDFC_ENABLED = True
        canonical.use_fast_predicates(True)
    return rows


def _phase_shares(document: dict, config: dict, sign_ms: float, repeat: int) -> tuple[float, float, float]:
    """Shares of sign time in JSON-LD expansion (pyld), the walk to quads (vc.rdf) and RDFC-1.0 proper
    (vc.rdfc), for document and proof config together (the embedded-document memo stays as it is)."""
    processor = canonical._processor(None)
    options = canonical.rdf_options()
    expand_times, walk_times, rdfc_times = [], [], []
    for _ in range(repeat):
        expand_ms = walk_ms = rdfc_ms = 0.0
        for doc in (document, config):
            start = time.perf_counter()
            expanded = processor.expand(canonical._Document(doc), options)
            middle = time.perf_counter()
            quads = rdf.quads(expanded, object_to_rdf=processor._object_to_rdf, options=options)
            end = time.perf_counter()
            rdfc.canonicalize(quads)
            expand_ms += (middle - start) * 1000
            walk_ms += (end - middle) * 1000
            rdfc_ms += (time.perf_counter() - end) * 1000
        expand_times.append(expand_ms)
        walk_times.append(walk_ms)
        rdfc_times.append(rdfc_ms)
    return tuple(statistics.median(times) / sign_ms for times in (expand_times, walk_times, rdfc_times))


def verify_overhead_us(private, vm: str, resolver) -> dict:
    """Medians (µs) of what verifying does beyond signing: Ed25519 verify (libsodium) vs sign (OpenSSL)
    of a 32+32-byte hashData, resolving the verification method, decoding the multibase proofValue."""
    message = bytes(range(64))
    signature = private.sign(message)
    public = private.public_key()
    proof_value = keys.multibase_encode(signature)
    runs = {
        "ed25519 sign": lambda: private.sign(message),
        "ed25519 verify": lambda: keys.ed25519_verify(public, signature, message),
        "resolve key": lambda: did.resolve_verification_method(vm, resolver=resolver),
        "decode proofValue": lambda: keys.multibase_decode(proof_value),
    }
    return {name: _timings_ms(fn, 2001)[0] * 1000 for name, fn in runs.items()}


def main() -> None:
    private, issuer, vm = _issuer()
    resolver = did.default_resolver()
    rows = []

    def measure(label, document, sign_target, repeat):
        signed = data_integrity.sign(document, private_key=private, verification_method=vm, created=CREATED)
        check = data_integrity.verify(signed, resolver=resolver)
        assert check.ok, check.reason

        def do_sign():
            return data_integrity.sign(document, private_key=private, verification_method=vm, created=CREATED)

        def do_verify():
            # Forget remembered hashData, so every run canonicalizes as a first verification does.
            data_integrity.clear_verification_cache()
            return data_integrity.verify(signed, resolver=resolver)

        do_sign()
        do_verify()  # warm: bundled contexts are processed once per process
        sign_ms, sign_best = _timings_ms(do_sign, repeat)
        verify_ms, verify_best = _timings_ms(do_verify, repeat)
        config = data_integrity.proof_config(document, verification_method=vm, created=CREATED)
        shares = _phase_shares(document, config, sign_ms, repeat)
        rows.append((label, sign_ms, sign_best, verify_ms, verify_best, sign_target, shares))
        return sign_ms, sign_best

    measure("OB 3.0 AchievementCredential (ob30-simple)", achievement_credential(issuer), 2.0, 51)
    measure("OB 3.0 complete example (endorsement, evidence...)", complete_credential(issuer), None, 21)
    clr_ms = {}
    for n, repeat in ((10, 21), (40, 15), (120, 9)):
        target = 75.0 if n == 40 else None
        clr_ms[n] = measure(
            f"ClrCredential nesting {n} signed credentials",
            clr_credential(n, private, issuer, vm),
            target,
            repeat,
        )

    memo_rows = nested_memo_rows(private, issuer, vm, resolver)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load:.2f} (other work on the machine skews medians)"
    )
    print(
        f"{'case':<52} {'sign ms':>8} {'(best)':>7} {'target':>8} "
        f"{'verify ms':>10} {'(best)':>7} {'v/s':>5} {'expand':>6} {'walk':>5} {'RDFC':>5}"
    )
    for label, sign_ms, sign_best, verify_ms, verify_best, target, (expand, walk, rdfc_share) in rows:
        target_s = f"<= {target:g}" if target else "-"
        print(
            f"{label:<52} {sign_ms:8.2f} {sign_best:7.2f} {target_s:>8} {verify_ms:10.2f} {verify_best:7.2f} "
            f"{verify_ms / sign_ms:5.2f} {expand:6.0%} {walk:5.0%} {rdfc_share:5.0%}"
        )
    print("targets: OB 3.0 sign <= 2 ms; CLR(40) sign <= 75 ms; linear in nested count; verify <= 1.1x sign")
    overhead = verify_overhead_us(private, vm, resolver)
    ob_sign, ob_verify = rows[0][1], rows[0][3]
    print(
        f"OB 3.0 verify - sign = {(ob_verify - ob_sign) * 1000:.0f} µs, of which Ed25519 verify - sign = "
        f"{overhead['ed25519 verify'] - overhead['ed25519 sign']:.0f} µs "
        f"(OpenSSL sign {overhead['ed25519 sign']:.0f}, libsodium verify {overhead['ed25519 verify']:.0f}), "
        "key resolution "
        f"{overhead['resolve key']:.0f} µs, proofValue decoding {overhead['decode proofValue']:.0f} µs; "
        "both canonicalize the same document and proof configuration"
    )
    print("(medians; best = fastest run; v/s = verify median / sign median)")
    for n in (10, 40, 120):
        median, best = clr_ms[n]
        print(f"CLR({n}): {median / n:.2f} ms per nested credential (median), {best / n:.2f} (best)")
    print(
        f"CLR 120/40 ratio: {clr_ms[120][0] / clr_ms[40][0]:.2f} (median), "
        f"{clr_ms[120][1] / clr_ms[40][1]:.2f} (best); linear = 3.00"
    )
    print(
        "expand / walk / RDFC = shares of sign time in JSON-LD expansion (pyld), expanded JSON-LD to quads "
        "(vc.rdf) and RDFC-1.0 proper (vc.rdfc), document and proof config; the rest is hashing and Ed25519."
    )
    print()
    print("portal-like CLRs (nested credentials ~3.5 KB: results, alignments, rubric result descriptions,")
    print("evidence, status). off = plain pyld end to end (expansion, node map, URDNA2015), the reference;")
    print("on = vc's path, nested credentials seen before in the process; cold = vc's path with the memo of")
    print("nested credentials emptied before every run (a CLR signed for the first time); kept = cold, with")
    print("the expansions an earlier process kept (a learner's next CLR, as the portal signs it);")
    print("verify forgets remembered hashData each run so the CLR is canonicalized every time:")
    print(f"{'case':<34} {'memo':>5} {'sign ms':>8} {'verify ms':>10}")
    for n, size, mode, sign_ms, verify_ms in memo_rows:
        print(f"{f'CLR({n}), nested ~{size} bytes':<34} {mode:>5} {sign_ms:8.2f} {verify_ms:10.2f}")
    cold = {n: sign_ms for n, _, mode, sign_ms, _ in memo_rows if mode == "cold"}
    print(f"cold CLR 120/40 ratio: {cold[120] / cold[40]:.2f} (linear = 3.00)")
    print("target: CLR(40) sign <= 75 ms; >= 12 CLR(40)/s over 2 workers")


if __name__ == "__main__":
    main()

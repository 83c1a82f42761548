"""Benchmark of the credential core: sign and verify an OB 3.0 credential and ClrCredentials.

Run as `python bench/vc_bench.py` (from the repository root). Prints medians with the targets
beside them, how time grows with the number of nested credentials, and the share of time spent
in RDFC-1.0 canonicalization proper (pyld's URDNA2015) versus JSON-LD expansion / RDF conversion.
"""

from __future__ import annotations

import copy
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vc import data_integrity, did, keys  # noqa: E402

FIXTURES = ROOT / "tests/vc/fixtures/examples"
SEED = bytes(range(32))
CREATED = "2026-01-01T00:00:00Z"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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


def _canonical_share(fn) -> float:
    """Fraction of fn's time inside pyld's URDNA2015 (canonicalization proper)."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    canon = 0.0
    for (filename, _, name), row in stats.stats.items():
        if filename.endswith("pyld/canon.py") and name == "main":
            canon += row[3]  # cumulative time
    return canon / total if total else 0.0


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
            return data_integrity.verify(signed, resolver=resolver)

        do_sign()
        do_verify()  # warm: bundled contexts processed once per process
        sign_ms = _median_ms(do_sign, repeat)
        verify_ms = _median_ms(do_verify, repeat)
        share = _canonical_share(do_sign)
        rows.append((label, sign_ms, verify_ms, sign_target, share))
        return sign_ms

    measure("OB 3.0 AchievementCredential (ob30-simple)", achievement_credential(issuer), 2.0, 51)
    measure("OB 3.0 complete example (endorsement, evidence...)", complete_credential(issuer), None, 21)
    clr_ms = {}
    for n, repeat in ((10, 11), (40, 7), (120, 5)):
        target = 75.0 if n == 40 else None
        clr_ms[n] = measure(
            f"ClrCredential nesting {n} signed credentials",
            clr_credential(n, private, issuer, vm),
            target,
            repeat,
        )

    print(f"{'case':<52} {'sign ms':>9} {'target':>8} {'verify ms':>10} {'v/s':>6} {'canon share':>12}")
    for label, sign_ms, verify_ms, target, share in rows:
        target_s = f"<= {target:g}" if target else "-"
        print(
            f"{label:<52} {sign_ms:9.2f} {target_s:>8} {verify_ms:10.2f} "
            f"{verify_ms / sign_ms:6.2f} {share:11.0%}"
        )
    print("targets: OB 3.0 sign <= 2 ms; CLR(40) sign <= 75 ms; linear in nested count; verify <= 1.1x sign")
    per10 = clr_ms[10] / 10
    per40 = clr_ms[40] / 40
    per120 = clr_ms[120] / 120
    print(
        f"CLR per nested credential: n=10 {per10:.2f} ms, n=40 {per40:.2f} ms, n=120 {per120:.2f} ms "
        f"(120/40 time ratio {clr_ms[120] / clr_ms[40]:.2f}, linear = 3.00)"
    )
    print(
        "canon share = time inside pyld URDNA2015 (canonicalization proper) / total sign time; "
        "the rest is JSON-LD expansion, RDF conversion, hashing and Ed25519."
    )


if __name__ == "__main__":
    main()

"""Benchmark of POST /api/v1/verify on poison input: how long each answer takes, served by gunicorn.

Run as `python bench/poison_bench.py [--repeat R] [--workers W] [--flood-seconds S]`. A throw-away
SQLite portal (migrated, nothing seeded) is served by gunicorn with W (default 2) sync workers. Each input
of the poison corpus (tests/vc/poison.py: rings, cliques and grids of blank nodes that first-degree
hashing cannot tell apart, and CLRs nesting many of them) is posted R times; every answer must be a 200
JSON verdict that is not "verified" and says "too complex to check"; each post differs in a name, so
nothing the server remembers helps (every one is as costly as a first). Three portal-like CLRs of 120
genuine credentials are posted too: they must not be refused by the limits. Then 4 clients post the
largest poison CLR over and over for S seconds while /healthz is probed (the issue: every worker timed
out and /healthz stopped answering). Prints the median and worst time of each input beside the 1 s target.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.verify_api_bench import _environment, _manage, gunicorn_start  # noqa: E402
from tests.processes import free_port, http_get, stop  # noqa: E402
from tests.vc import poison  # noqa: E402
from tests.vc.portal_like import portal_achievement, portal_credential  # noqa: E402
from vc import data_integrity, did, keys  # noqa: E402
from vc import documents as d  # noqa: E402

TARGET_S = 1.0
FLOODERS = 4


def _signer():
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    issuer = did.did_key_from_public(private.public_key())
    return private, issuer, did.did_key_document(issuer)["assertionMethod"][0]


def _variant(body: bytes, repetition: int) -> bytes:
    """The same poison with other names, so nothing the server remembers (expansions of nested
    credentials and achievements, hashes of verified documents) helps: every post is a first."""
    return body.replace(b'"Poison ', f'"Poison v{repetition} '.encode()).replace(
        b'"Symmetry"', f'"Symmetry v{repetition}"'.encode()
    )


def _legit_clr(signer, repetition: int, n: int = 120) -> dict:
    """A signed portal-like CLR of n credentials, all new for each repetition."""
    private, issuer, vm = signer
    first = 1000 * repetition
    unsigned = d.clr_credential(
        id=f"urn:uuid:11111111-0000-4000-8000-{repetition:012d}",
        issuer=d.Profile(id=issuer, name="Example University"),
        subject=d.ClrSubject(
            id="did:example:learner",
            verifiable_credentials=tuple(portal_credential(first + i, signer) for i in range(n)),
            achievements=tuple(portal_achievement(first + i) for i in range(n)),
        ),
        name="Comprehensive Learner Record",
        valid_from="2026-01-01T00:00:00Z",
    )
    return data_integrity.sign(unsigned, private_key=private, verification_method=vm, created=poison.CREATED)


def _post(connection: http.client.HTTPConnection, body: bytes) -> tuple[float, int, dict]:
    started = time.perf_counter()
    connection.request("POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = {"unreadable": payload[:200].decode(errors="replace")}
    return elapsed, response.status, answer


def _refused(status: int, answer: dict) -> bool:
    """A 200 JSON verdict, not verified, naming the reason."""
    return status == 200 and answer.get("verified") is False and "too complex to check" in json.dumps(answer)


def _flood(port: int, body: bytes, seconds: float) -> tuple[int, list[float], list[float]]:
    """FLOODERS clients post `body` for `seconds` while /healthz is probed: (answers, post times, probes)."""
    stop_at = time.monotonic() + seconds
    posts: list[float] = []
    probes: list[float] = []

    def flooder():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop_at:
            elapsed, _, _ = _post(connection, body)
            posts.append(elapsed)
        connection.close()

    threads = [threading.Thread(target=flooder) for _ in range(FLOODERS)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            status, _ = http_get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        except OSError:
            status = 0
        probes.append(time.perf_counter() - started if status == 200 else float("inf"))
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    return len(posts), posts, probes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--flood-seconds", type=float, default=8)
    args = parser.parse_args()

    signer = _signer()
    _, issuer, vm = signer
    bodies = {name: json.dumps(make(issuer, vm)).encode() for name, make in poison.CORPUS.items()}
    legits = [json.dumps(_legit_clr(signer, repetition)).encode() for repetition in range(3)]

    with tempfile.TemporaryDirectory(prefix="poison-bench-") as tmp:
        folder = Path(tmp)
        port = free_port()
        env = _environment(folder, port)
        _manage(env, "migrate", "--noinput", "-v0")
        gunicorn = gunicorn_start(env, folder, port, workers=args.workers)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for _ in range(2 * args.workers):  # every worker loads contexts and schemas once
                _post(connection, bodies["clique of 8"])
            rows, failures = [], []
            for name, body in bodies.items():
                times = []
                for repetition in range(args.repeat):
                    elapsed, status, answer = _post(connection, _variant(body, repetition))
                    times.append(elapsed)
                    if not _refused(status, answer):
                        failures.append((name, status, str(answer)[:300]))
                rows.append((name, len(body), answer.get("verdict"), statistics.median(times), max(times)))
            legit_times, legit_refused = [], False
            for legit in legits:
                elapsed, status, answer = _post(connection, legit)
                legit_times.append(elapsed)
                legit_refused = legit_refused or status != 200 or "too complex" in json.dumps(answer)
            connection.close()
            largest = max(
                (name for name in bodies if name.startswith("CLR")), key=lambda name: len(bodies[name])
            )
            flood = _flood(port, _variant(bodies[largest], args.repeat), args.flood_seconds)
        finally:
            stop(gunicorn)

    print(
        f"POST /api/v1/verify, gunicorn {args.workers} sync workers, {args.repeat} posts of each poison "
        f"input, one client (load average {os.getloadavg()[0]:.2f}); wall time per answer, "
        f"target <= {TARGET_S:g} s"
    )
    print(f"{'input':<44}{'bytes':>10}  {'verdict':<16}{'median s':>9}{'worst s':>9}")
    worst = 0.0
    for name, size, verdict, median, slowest in rows:
        worst = max(worst, slowest)
        mark = "OK" if slowest <= TARGET_S else "OVER TARGET"
        print(f"{name:<44}{size:>10,}  {verdict or '-':<16}{median:>9.3f}{slowest:>9.3f}   {mark}")
    print(f"worst case over the poison corpus: {worst:.3f} s (target <= {TARGET_S:g} s)")
    verdict = "REFUSED by the limits" if legit_refused else "not refused"
    print(
        f"portal-like CLR of 120 genuine credentials ({len(legits[0]):,} bytes, 3 different): median "
        f"{statistics.median(legit_times):.3f} s, worst {max(legit_times):.3f} s, {verdict}"
    )
    answers, posts, probes = flood
    answered = [p for p in probes if p != float("inf")]
    print(
        f"flood: {FLOODERS} clients posting '{largest}' for {args.flood_seconds:g} s: {answers} answers "
        f"(median {statistics.median(posts or [0]):.2f} s); /healthz answered {len(answered)} of "
        f"{len(probes)} probes, worst {max(answered or [float('nan')]):.2f} s"
    )
    for failure in failures[:3]:
        print("not refused as expected:", failure)
    return 1 if failures or legit_refused or len(answered) < len(probes) else 0


if __name__ == "__main__":
    sys.exit(main())

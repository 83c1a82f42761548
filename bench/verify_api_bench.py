"""Benchmark of POST /api/v1/verify: requests per second for OB 3.0 credentials, served by gunicorn.

Run as `python bench/verify_api_bench.py [--seconds S] [--workers W] [--clients C] [--students N]`.
A throw-away SQLite portal is seeded with the demo institution and its credentials are issued; gunicorn then
serves it with W (default 2) worker processes while C client threads on the same machine post signed
credentials for up to S seconds: first each credential once ("distinct": nothing the server remembers helps),
then a few hundred over and over ("repeat": the verifier remembers the canonical hash of documents it has
verified, though it checks the signature, key and status every time). Every answer must say "verified".
Prints requests/s and p50/p95 latency beside the target (>= 200 requests/s with 2 processes).
The clients share the 2 cores with the server, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.processes import free_port, http_get, start, stop, wait_until  # noqa: E402

TARGET_RPS = 200


def _environment(folder: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="clrportal.settings.production",
        SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
        DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        KEY_ENCRYPTION_KEY="bench-key-encryption-key-0123456789abcdef",
        PORTAL_VAR_DIR=str(folder),
        SECURE_SSL_REDIRECT="false",
        EMAIL_URL="smtp://localhost:25",  # production needs a real mail server; the bench sends none
        CELERY_TASK_ALWAYS_EAGER="true",
        PORTAL_VERIFY_API_RATE="1000000/minute",
        PORTAL_RSA_KEY_BITS="2048",
        LOG_LEVEL="WARNING",
    )
    return env


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def gunicorn_start(env: dict, folder: Path, port: int, *, workers: int):
    """The portal under gunicorn with production settings, once /healthz answers."""
    gunicorn = start(
        [str(Path(sys.executable).parent / "gunicorn"), "clrportal.wsgi", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        log_path=folder / "gunicorn.log",
    )  # fmt: skip
    try:
        healthy = f"http://127.0.0.1:{port}/healthz"
        wait_until(lambda: http_get(healthy)[0] == 200, timeout=60, what="gunicorn")
    except BaseException:
        stop(gunicorn)
        raise
    return gunicorn


def _credentials(env: dict, folder: Path) -> list[bytes]:
    out = folder / "credentials.json"
    _manage(
        env,
        "shell",
        "-c",
        "import json; from credentials.models import IssuedCredential; "
        "docs = [c.document for c in IssuedCredential.objects.filter("
        "kind='AchievementCredential', state='signed')]; "
        f"open({str(out)!r}, 'w').write(json.dumps(docs))",
    )
    return [json.dumps(document).encode() for document in json.loads(out.read_text())]


class Feed:
    """Hands out request bodies: cycling over them (repeat) or each one once (distinct)."""

    def __init__(self, bodies: list[bytes], *, cycle: bool):
        self._bodies, self._cycle, self._next, self._lock = bodies, cycle, 0, threading.Lock()

    def take(self) -> bytes | None:
        with self._lock:
            if not self._cycle and self._next >= len(self._bodies):
                return None
            body = self._bodies[self._next % len(self._bodies)]
            self._next += 1
            return body


def _client(port: int, feed: Feed, stop_at: float, latencies: list, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < stop_at:
        body = feed.take()
        if body is None:
            break
        started = time.perf_counter()
        connection.request(
            "POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/ld+json"}
        )
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200 or not json.loads(payload).get("verified"):
            errors.append((response.status, payload[:300]))
        latencies.append(elapsed)
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--students", type=int, default=60, help="Demo students (about 30 credentials each).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        folder = Path(tmp)
        port = free_port()
        env = _environment(folder, port)
        print("seeding the demo institution and issuing its credentials ...", flush=True)
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "seed_demo", "--students", str(args.students))
        _manage(env, "issue_credentials", "--institution", "northbridge", "--no-clr", "--wait")
        bodies = _credentials(env, folder)
        gunicorn = gunicorn_start(env, folder, port, workers=args.workers)
        try:
            warm = Feed(bodies[:20], cycle=True)  # every worker loads contexts, schemas and keys once
            warm_errors: list = []
            _client(port, warm, time.monotonic() + 3, [], warm_errors)
            if warm_errors:
                print(f"warm-up answers were not 'verified': {warm_errors[:2]}")
                return 1
            # Distinct: every request a credential the server has not seen (nothing remembered helps).
            # Repeat: the same credentials again, as when employers re-check shared records.
            results = {
                "distinct": _run(port, Feed(bodies[20:], cycle=False), args),
                "repeat": _run(port, Feed(bodies[20:220], cycle=True), args),
            }
        finally:
            stop(gunicorn)

    print(
        f"POST /api/v1/verify, OB 3.0 credentials, gunicorn {args.workers} workers, "
        f"{args.clients} client threads on the same 2-core machine (load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"{'mode':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
        f"   target >= {TARGET_RPS} req/s"
    )
    failed = False
    for mode, (count, rps, p50, p95, errors) in results.items():
        verdict = "OK" if rps >= TARGET_RPS else "BELOW TARGET"
        print(f"{mode:<10}{count:>10}{rps:>9.1f}{p50:>9.1f}{p95:>9.1f}{errors:>8}   {verdict}")
        failed = failed or errors > 0
    return 1 if failed else 0


def _run(port: int, feed: Feed, args) -> tuple[int, float, float, float, int]:
    latencies: list = []
    errors: list = []
    stop_at = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=_client, args=(port, feed, stop_at, latencies, errors))
        for _ in range(args.clients)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - began
    if errors:
        print(f"answers that were not 'verified': {errors[:2]}")
    ordered = sorted(latencies) or [0.0]
    return (
        len(latencies),
        len(latencies) / duration,
        statistics.median(ordered) * 1000,
        ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        len(errors),
    )


if __name__ == "__main__":
    sys.exit(main())

"""`make run` serves the portal and a Celery worker; both stop together."""

import os
import signal
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest

from tests.processes import celery_ping, free_port, http_get, log_text, start, stop, wait_until

pytestmark = pytest.mark.e2e


def embedded_env(tmp_path) -> dict:
    """The environment of a fresh machine: no DATABASE_URL, no REDIS_URL, everything under one folder."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["PORTAL_VAR_DIR"] = str(tmp_path / "var")
    env["VENV"] = os.path.dirname(os.path.dirname(sys.executable))
    return env


def test_the_run_script_serves_the_login_page_and_a_worker_that_answers_ping(tmp_path):
    env = embedded_env(tmp_path)
    port = free_port()
    env["PORTAL_PORT"] = str(port)
    portal = start(["bash", "scripts/run-portal.sh"], env=env, log_path=tmp_path / "run.log")
    try:
        status, body = wait_until(
            lambda: http_get(f"http://127.0.0.1:{port}/accounts/login/"), timeout=90, what="the login page"
        )
        assert status == 200
        assert b'name="password"' in body

        ping = wait_until(
            lambda: (result := celery_ping(env)).returncode == 0 and result,
            timeout=60,
            what="celery inspect ping",
        )
        assert "pong" in ping.stdout

        # The worker signs the demo credentials the run script queued.
        database = tmp_path / "var" / "db.sqlite3"

        def signed_count():
            with sqlite3.connect(database, timeout=5) as connection:
                query = "SELECT count(*) FROM credentials_issuedcredential WHERE state = 'signed'"
                return connection.execute(query).fetchone()[0]

        assert wait_until(signed_count, timeout=120, what="the worker signing demo credentials") > 0

        output = log_text(portal)
        assert f"http://127.0.0.1:{port}/" in output
        assert "student@northbridge.example" in output
        assert "admin@northbridge.example" in output
    finally:
        code = stop(portal, sig=signal.SIGINT)
    # Ctrl-C stopped both: nothing listens any more and no worker is left.
    with pytest.raises(OSError):
        http_get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
    assert code == 0, f"Ctrl-C is how the portal is stopped, not a failure:\n{log_text(portal)[-2000:]}"
    assert celery_ping(env, timeout=3).returncode != 0, "a worker still answered after Ctrl-C"


def test_a_worker_on_the_configured_broker_answers_ping(tmp_path):
    """In CI REDIS_URL points at Redis; on a fresh machine this is the file broker."""
    env = dict(os.environ)
    env.setdefault("PORTAL_VAR_DIR", str(tmp_path / "var"))
    worker = start(
        [sys.executable, "-m", "clrportal.worker", "--concurrency", "1",
         "--hostname", f"ping-test-{os.getpid()}@%h", "--loglevel", "INFO"],
        env=env,
        log_path=tmp_path / "worker.log",
    )  # fmt: skip
    try:
        result = wait_until(
            lambda: (r := celery_ping(env)).returncode == 0 and f"ping-test-{os.getpid()}" in r.stdout and r,
            timeout=60,
            what="the worker's pong",
        )
        assert "pong" in result.stdout
    finally:
        stop(worker)


# --- the run script's own behaviour, on stand-ins for Django and Celery (seconds, not minutes) -------

FAKE_PYTHON = """\
#!/usr/bin/env bash
# Stands in for `python manage.py ...` and `python -m clrportal.worker`: what run-portal.sh runs.
if [ "$1 $2" = "-m clrportal.worker" ]; then shift 2; exec "$(dirname "$0")/worker" "$@"; fi
case "$2" in
  seed_demo)
    echo "Demo institution: Northbridge University (did:web:example)"
    echo "Demo accounts (password: demo-password):"
    echo "  admin      admin@northbridge.example"
    echo "  student    student@northbridge.example"
    echo "Catalog: 57 achievements; 50 demo students added." ;;
  runserver)
    trap 'echo "[web] stopped"; exit 0' TERM
    echo "[web] Starting development server"
    echo $$ > "$FAKE_DIR/web.pid"
    while :; do sleep 0.1; done ;;
  issue_credentials)
    # --wait: returns once the worker has signed them.
    until [ -e "$FAKE_DIR/signed" ]; do sleep 0.05; done
    echo "Done: 3 signed, 0 failed." ;;
esac
"""

FAKE_WORKER = """\
#!/usr/bin/env bash
echo $$ > "$FAKE_DIR/worker.pid"
echo "$*" > "$FAKE_DIR/worker.args"
trap 'echo "[worker] warm shutdown"; exit 0' TERM INT
echo "[worker] -------------- portal@host v5 (banner)"
until [ -e "$FAKE_DIR/web.pid" ]; do sleep 0.05; done  # the web server's lines come first
echo "[worker] signed 3 credentials"
touch "$FAKE_DIR/signed"
if [ -n "${FAKE_WORKER_DIES:-}" ]; then echo "[worker] unrecoverable error"; exit 3; fi
while :; do sleep 0.1; done
"""


def _stand_in_run(tmp_path):
    fake = tmp_path / "fake"
    (fake / "venv" / "bin").mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON), ("worker", FAKE_WORKER)):
        path = fake / "venv" / "bin" / name
        path.write_text(textwrap.dedent(text))
        path.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "CELERY_LOGLEVEL"}
    env |= {"VENV": str(fake / "venv"), "FAKE_DIR": str(fake), "PORTAL_VAR_DIR": str(tmp_path / "var")}
    env["PORTAL_PORT"] = str(free_port())
    return fake, env


def _alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text()), 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_run_script_stops_both_and_exits_0_after_showing_the_accounts_last(tmp_path, sig):
    fake, env = _stand_in_run(tmp_path)
    portal = start(["bash", "scripts/run-portal.sh"], env=env, log_path=tmp_path / "run.log")
    try:
        wait_until(lambda: "Press Ctrl-C to stop" in log_text(portal), timeout=20, what="the announcement")
        running = log_text(portal)
    finally:
        code = stop(portal, sig=sig)
    output = log_text(portal)

    assert code == 0, output
    assert "CLR Portal stopped." in output
    assert "[web] stopped" in output and "[worker] warm shutdown" in output
    assert not _alive(fake / "web.pid") and not _alive(fake / "worker.pid")
    # The accounts are printed by seed_demo, and again once the worker signed the demo credentials: what
    # is on screen while the portal runs ends with them.
    assert running.count("student@northbridge.example") == 2
    last_lines = running[running.index("Done: 3 signed") :]
    assert running.index("[worker] signed 3 credentials") < running.index("Done: 3 signed")
    assert "admin@northbridge.example" in last_lines and "student@northbridge.example" in last_lines
    assert "[worker]" not in last_lines and "[web]" not in last_lines
    assert running.rstrip().endswith("Press Ctrl-C to stop the web server and the worker.")
    # Per-task lines are not logged: the worker runs at warning level unless CELERY_LOGLEVEL says otherwise.
    assert "--loglevel WARNING" in (fake / "worker.args").read_text()


def test_a_worker_that_dies_stops_the_web_server_and_fails_the_run(tmp_path):
    fake, env = _stand_in_run(tmp_path)
    env["FAKE_WORKER_DIES"] = "1"
    portal = start(["bash", "scripts/run-portal.sh"], env=env, log_path=tmp_path / "run.log")
    try:
        code = portal.wait(timeout=20)
    finally:
        stop(portal)
    output = log_text(portal)

    assert code == 3, output
    assert "The Celery worker stopped (exit status 3): stopping the rest." in output
    assert "[web] stopped" in output
    assert not _alive(fake / "web.pid")

"""`make run` serves the portal and a Celery worker; both stop together."""

import os
import signal
import sqlite3
import sys

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
    assert code is not None
    assert celery_ping(env, timeout=3).returncode != 0, "a worker still answered after Ctrl-C"


def test_a_worker_on_the_configured_broker_answers_ping(tmp_path):
    """In CI REDIS_URL points at Redis; on a fresh machine this is the file broker."""
    env = dict(os.environ)
    env.setdefault("PORTAL_VAR_DIR", str(tmp_path / "var"))
    worker = start(
        [os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "clrportal", "worker",
         "--concurrency", "1", "--hostname", f"ping-test-{os.getpid()}@%h", "--loglevel", "INFO"],
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

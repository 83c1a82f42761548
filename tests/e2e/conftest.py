"""Real Celery workers for end-to-end tests, on the test's own database and a broker queue of their own.

The workers run `celery -A clrportal worker` with the test settings, pointed at the test database
through DATABASE_URL (for SQLite the test database is a file, see clrportal/settings/test.py). Each
test gets its own queue (Redis, when REDIS_URL is set) or its own broker folder (the file broker), so
workers of other test runs, or messages left over by them, never take its tasks. Tasks go through
the broker: eager mode is off in the test process for the test's duration.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from clrportal.celery import app as celery_app
from credentials.models import IssuanceJob
from tests.interop.conftest import digital_bazaar  # noqa: F401  (the Node verifier, shared)
from tests.processes import BIN, log_text, start, stop, wait_until

WORKER_START_TIMEOUT = 60


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the one in settings)."""
    settings_dict = connection.settings_dict
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = str(settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("A worker process cannot open an in-memory SQLite test database.")
        return f"sqlite:///{name}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
    raise RuntimeError(f"No worker database URL for {engine}")


def _file_broker_options(var_dir: Path) -> dict:
    folder = var_dir / "celery-broker"
    for sub in ("queue", "control", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
    }


def forget_redis_queue(app, queue: str) -> None:
    """Delete a queue from Redis with kombu's keys for it, and the messages a killed worker left unacked."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        client = channel.client
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for tag, raw in client.hgetall("unacked").items():
            if f'"routing_key": "{queue}"' in raw.decode(errors="replace"):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def _reset_celery_connections() -> None:
    """Drop Celery's cached connection pool and routing, so changed broker settings take effect."""
    celery_app.close()
    celery_app.__dict__.pop("amqp", None)


class Workers:
    """Starts worker processes on the test's queue and stops every one of them at teardown."""

    def __init__(self, tmp_path: Path, queue: str, var_dir: Path):
        self.tmp_path = tmp_path
        self.queue = queue
        self.var_dir = var_dir
        self.processes: list[subprocess.Popen] = []

    def env(self, *, prefetch: int) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
        env.update(
            DJANGO_SETTINGS_MODULE="clrportal.settings.test",
            DATABASE_URL=database_url(),
            CELERY_TASK_ALWAYS_EAGER="0",
            CELERY_WORKER_PREFETCH_MULTIPLIER=str(prefetch),
            PORTAL_VAR_DIR=str(self.var_dir),
        )
        return env

    def start(self, name: str, *, concurrency: int = 1, prefetch: int = 1) -> subprocess.Popen:
        hostname = f"{name}-{uuid.uuid4().hex[:8]}@%h"
        command = [
            str(BIN / "celery"), "-A", "clrportal", "worker", "--queues", self.queue,
            "--hostname", hostname, "--concurrency", str(concurrency), "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        log_path = self.tmp_path / f"{name}-{len(self.processes)}.log"
        process = start(command, env=self.env(prefetch=prefetch), log_path=log_path)
        self.processes.append(process)

        def ready():
            if process.poll() is not None:
                raise AssertionError(f"worker {name} exited with {process.returncode}:\n{log_text(process)}")
            return " ready." in log_text(process)

        wait_until(ready, timeout=WORKER_START_TIMEOUT, interval=0.2, what=f"worker {name} to be ready")
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes at once: no warm shutdown, no acknowledgements."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        # A cold shutdown: by now the test has its answer, and a warm one waits on the pool for
        # up to the stop timeout (SIGTERM reaches the pool processes too, as they share the group).
        for process in self.processes:
            stop(process, sig=signal.SIGQUIT)

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_path}\n{log_text(p)[-4000:]}" for p in self.processes)


@pytest.fixture
def workers(transactional_db, settings, tmp_path):
    """Real worker processes on a queue of this test; tasks enqueued by the test go through the broker."""
    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    overrides = {"task_always_eager": False, "task_default_queue": queue}
    if not os.environ.get("REDIS_URL"):
        overrides["broker_transport_options"] = _file_broker_options(var_dir)
    # Celery reads Django's settings live; what the app was told directly is its "changes" layer.
    # Put that layer back as it was afterwards, so later tests see their own settings (eager mode).
    changes = celery_app.conf.changes
    saved = {key: changes[key] for key in overrides if key in changes}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(overrides)
    _reset_celery_connections()
    running = Workers(tmp_path, queue, var_dir)
    try:
        yield running
    finally:
        running.stop_all()
        if os.environ.get("REDIS_URL"):
            forget_redis_queue(celery_app, queue)
        for key in overrides:
            changes.pop(key, None)
        changes.update(saved)
        _reset_celery_connections()


def wait_for_job(job: IssuanceJob, workers: Workers, *, timeout: float) -> IssuanceJob:
    """Wait until the job is no longer running; on a timeout the message shows the workers' logs."""

    def finished():
        job.refresh_from_db()
        return not job.is_running

    try:
        wait_until(finished, timeout=timeout, interval=0.2, what=f"job {job.pk}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{job}\n{workers.logs()}") from None
    return job

"""Real Celery workers for end-to-end tests, on the test's own database and a broker queue of their own.

The workers run `python -m clrportal.worker` (`celery worker`'s options) with the test settings,
pointed at the test database through DATABASE_URL (for SQLite the test database is a file, see
clrportal/settings/test.py). Each
test gets its own queue (Redis, when REDIS_URL is set) or its own broker folder (the file broker), so
workers of other test runs, or messages left over by them, never take its tasks. Tasks go through
the broker: eager mode is off in the test process for the test's duration. A test that stops the
broker gets a Redis server of its own (`own_broker`): the machine's Redis is shared.

Every worker sweeps queued work older than SWEEP_AFTER seconds when the sweep runs; one started with
`beat=True` runs it every second (as `make run`'s worker, embedding beat, does every minute).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from clrportal.celery import app as celery_app
from credentials.models import IssuanceJob
from tests.interop.conftest import digital_bazaar  # noqa: F401  (the Node verifier, shared)
from tests.processes import BIN, free_port, log_text, start, stop, wait_until

WORKER_START_TIMEOUT = 60
# Seconds queued work waits before the sweep sends it again, and between sweeps (beat=True workers).
SWEEP_AFTER = 4
SWEEP_INTERVAL = 1


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
    """Drop Celery's cached connection pool and routing, so changed broker settings take effect.

    Not `celery_app.close()`: it also unregisters the app, and a task module imported after that (the
    services import theirs when they first send) would register its tasks nowhere (NotRegistered)."""
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


class Workers:
    """Starts worker processes on the test's queue and stops every one of them at teardown."""

    def __init__(self, tmp_path: Path, queue: str, var_dir: Path, broker_url: str | None = None):
        self.tmp_path = tmp_path
        self.queue = queue
        self.var_dir = var_dir
        self.broker_url = broker_url
        self.processes: list[subprocess.Popen] = []
        self.own_queues: set[str] = set()  # queues of workers started with `queue=`, forgotten at teardown
        self.mail_dir = var_dir / "mail"  # what the workers send, one file per connection

    def sent_mail(self) -> str:
        """Every message the workers sent so far, as text."""
        if not self.mail_dir.exists():
            return ""
        return "\n".join(path.read_text() for path in sorted(self.mail_dir.iterdir()))

    def env(self, *, prefetch: int) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
        env.update(
            DJANGO_SETTINGS_MODULE="clrportal.settings.test",
            DATABASE_URL=database_url(),
            CELERY_TASK_ALWAYS_EAGER="0",
            CELERY_WORKER_PREFETCH_MULTIPLIER=str(prefetch),
            PORTAL_VAR_DIR=str(self.var_dir),
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            PORTAL_RESEND_QUEUED_AFTER=str(SWEEP_AFTER),
            PORTAL_RESEND_INTERVAL=str(SWEEP_INTERVAL),
            PORTAL_TEST_MAIL_DIR=str(self.mail_dir),
        )
        if self.broker_url:
            env["REDIS_URL"] = self.broker_url
        return env

    def start(
        self,
        name: str,
        *,
        concurrency: int = 1,
        prefetch: int = 1,
        beat: bool = False,
        queue: str | None = None,
        env: dict | None = None,
    ) -> subprocess.Popen:
        """A worker on the test's queue (or `queue`), with the test's environment and `env`; with `beat`, it
        also runs the periodic sweep (Celery beat embedded, as `make run`'s)."""
        hostname = f"{name}-{uuid.uuid4().hex[:8]}@%h"
        if queue:
            self.own_queues.add(queue)
        command = [
            str(BIN / "python"), "-m", "clrportal.worker", "--queues", queue or self.queue,
            "--hostname", hostname, "--concurrency", str(concurrency), "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(self.tmp_path / f"beat-{name}-{len(self.processes)}")]
        log_path = self.tmp_path / f"{name}-{len(self.processes)}.log"
        process = start(command, env={**self.env(prefetch=prefetch), **(env or {})}, log_path=log_path)
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


@contextmanager
def _workers_running(settings, tmp_path: Path, *, broker_url: str | None = None):
    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    overrides = {"task_always_eager": False, "task_default_queue": queue}
    if broker_url:
        overrides["broker_url"] = broker_url
        overrides["broker_transport_options"] = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    elif not os.environ.get("REDIS_URL"):
        overrides["broker_transport_options"] = _file_broker_options(var_dir)
    # Celery reads Django's settings live; what the app was told directly is its "changes" layer.
    # Put that layer back as it was afterwards, so later tests see their own settings (eager mode).
    changes = celery_app.conf.changes
    saved = {key: changes[key] for key in overrides if key in changes}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(overrides)
    _reset_celery_connections()
    running = Workers(tmp_path, queue, var_dir, broker_url)
    try:
        yield running
    finally:
        running.stop_all()
        if os.environ.get("REDIS_URL") and not broker_url:
            for name in {queue, *running.own_queues}:
                forget_redis_queue(celery_app, name)
        for key in overrides:
            changes.pop(key, None)
        changes.update(saved)
        _reset_celery_connections()


@pytest.fixture
def workers(transactional_db, settings, tmp_path):
    """Real worker processes on a queue of this test; tasks enqueued by the test go through the broker."""
    with _workers_running(settings, tmp_path) as running:
        yield running


class OwnRedis:
    """A Redis server of the test's own, on a free port, that the test stops and starts again.

    Nothing is persisted: stopping it loses every message in it, as the worst outage would.
    """

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        command = [
            shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.tmp_path),
        ]  # fmt: skip
        self.starts += 1
        self.process = start(
            command, env=dict(os.environ), log_path=self.tmp_path / f"redis-{self.starts}.log"
        )
        wait_until(self.answers, timeout=20, interval=0.1, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=1).ping()

    def stop(self) -> None:
        """Kill it (no shutdown, no save): what a crash or a lost machine does."""
        if self.process is not None:
            stop(self.process, sig=signal.SIGKILL)
            self.process = None


@pytest.fixture
def own_broker(tmp_path):
    """A throwaway Redis broker; the test may stop and start it (never the machine's shared Redis)."""
    if not shutil.which("redis-server"):
        if os.environ.get("CI") or os.environ.get("REDIS_URL"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    broker = OwnRedis(tmp_path)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def workers_on_own_broker(transactional_db, settings, tmp_path, own_broker):
    """Like `workers`, with the workers and the test process on `own_broker`."""
    with _workers_running(settings, tmp_path, broker_url=own_broker.url) as running:
        yield running


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

"""A real worker keeps its PostgreSQL connection from one task to the next, as the web server's requests do
(CONN_MAX_AGE), and drops it after a task that failed: a time limit can interrupt a query and leave
the connection in a state nothing else would notice (celery#9824, clrportal/celery.py)."""

import re

import pytest
from django.db import connection

from credentials.tasks import publish_status_list, resend_queued_work
from tests.processes import log_text, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite connections are opened for each task (CONN_MAX_AGE 0); this is about PostgreSQL's"
        )


def worker_backends() -> set[int]:
    """The server processes of the other connections to the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def run(worker, task, *args, outcome: str) -> None:
    """Send the task through the broker and wait for the worker to log its end (`succeeded`/`raised`)."""
    name = re.escape(task.name)
    done_before = len(re.findall(rf"{name}\[[^\]]+\] (succeeded|raised)", log_text(worker)))
    task.delay(*args)

    def finished():
        ends = re.findall(rf"{name}\[[^\]]+\] (succeeded|raised)", log_text(worker))
        return ends[done_before:] if len(ends) > done_before else None

    assert wait_until(finished, timeout=30, interval=0.1, what=f"{task.name} to end") == [outcome]


def test_tasks_one_after_another_use_one_connection(workers):
    worker = workers.start("worker")
    run(worker, resend_queued_work, outcome="succeeded")
    after_one = worker_backends()
    assert len(after_one) == 1, "the worker closed its connection after the task"

    for _ in range(3):
        run(worker, resend_queued_work, outcome="succeeded")
    assert worker_backends() == after_one


def test_a_task_that_fails_leaves_no_connection_behind(workers):
    worker = workers.start("worker")
    run(worker, resend_queued_work, outcome="succeeded")
    kept = worker_backends()
    assert len(kept) == 1

    run(worker, publish_status_list, 987654321, outcome="raised")  # no such status list
    assert wait_until(lambda: not (worker_backends() & kept), timeout=10, interval=0.1, what="it to close")

    run(worker, resend_queued_work, outcome="succeeded")
    assert len(worker_backends() - kept) == 1, "the next task did not open a connection of its own"

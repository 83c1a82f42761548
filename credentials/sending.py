"""Sending tasks when the broker may be unreachable, and the retry policy the credential tasks share.

The signing, publishing and PDF rendering tasks are `SweptTask`s, whose work the periodic sweep
(`services.queued_work_resend`) finds in the database again, so a send that cannot reach the broker is
logged and skipped instead of failing the request whose rows are already saved.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import Task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)


def retry_on(*errors: type[Exception]) -> dict:
    """Retry with backoff when the database or broker was briefly unreachable or locked, or on `errors`."""
    return {
        "autoretry_for": (OperationalError, InterfaceError, *errors),
        "retry_backoff": 2,
        "retry_backoff_max": 120,
        "max_retries": 8,
    }


# A bulk job's work (its credentials, its CLRs and their PDFs) is sent at the lowest priority. On Redis
# a worker takes every message of a higher priority first, whichever of its queues it is on, so what
# people do during an end-of-term batch (a revocation, a claim, a share's record, a download) does not
# wait behind half an hour of it. Redis counts 0 as the highest; a message sent without one is 0.
BULK_PRIORITY = 9


def priority(*, bulk: bool) -> dict:
    """The `apply_async` options of work that is a bulk job's (`bulk`) or somebody's request."""
    return {"priority": BULK_PRIORITY} if bulk else {}


# The names of the tasks of the current `sends_deferred()` block that were not sent.
_deferred: ContextVar[list[str] | None] = ContextVar("credentials_deferred_sends", default=None)


@contextmanager
def sends_deferred() -> Iterator[list[str]]:
    """Collect the names of the tasks sent in this block that have to wait for the broker.

    Once one send failed, the block's later sends are not attempted: each would wait for the broker's
    timeout again. Nested blocks share the outermost one's list.
    """
    current = _deferred.get()
    if current is not None:
        yield current
        return
    token = _deferred.set([])
    try:
        yield _deferred.get()
    finally:
        _deferred.reset(token)


def _ids(args) -> str:
    ids = [item for arg in (args or ()) for item in (arg if isinstance(arg, list | tuple) else [arg])]
    return f"{ids[0]} and {len(ids) - 1} more" if len(ids) > 1 else ", ".join(map(str, ids))


class SweptTask(Task):
    """A task whose work the periodic sweep also finds, so sending it can wait for the broker."""

    def apply_async(self, args=None, kwargs=None, **options):
        deferred = _deferred.get()
        if deferred:
            reason = "an earlier send failed"
        else:
            try:
                return super().apply_async(args, kwargs, **options)
            except BrokerUnreachable as exc:
                reason = str(exc)
        logger.warning(
            "broker unreachable, %s(%s) not sent; the sweep sends it later: %s", self.name, _ids(args), reason
        )
        if deferred is not None:
            deferred.append(self.name)
        return None

"""Celery tasks: ids in, one service call, the retry policy. Running any of them twice is harmless.

Sending may wait for the broker: the signing, publishing and PDF rendering tasks are `SweptTask`s, whose
work the periodic sweep (`resend_queued_work`) finds in the database again, so a send that cannot reach
the broker is logged and skipped instead of failing the request whose rows are already saved.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerUnreachable

from . import services, status_lists

logger = logging.getLogger(__name__)

# Errors worth retrying with backoff: the database or broker was briefly unreachable or locked.
TRANSIENT = (OperationalError, InterfaceError, services.TransientIssuanceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 2, "retry_backoff_max": 120, "max_retries": 8}

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


@shared_task(bind=True, base=SweptTask, acks_late=True, **RETRY)
def sign_credentials(self, credential_ids: list[str]) -> dict:
    signed, failed = services.credentials_sign(credential_ids=credential_ids)
    return {"signed": signed, "failed": failed}


@shared_task(bind=True, base=SweptTask, acks_late=True, **RETRY)
def sign_clr(self, credential_id: str) -> str | None:
    clr = services.clr_sign(credential_id=credential_id)
    return clr.state if clr else None


@shared_task(bind=True, base=SweptTask, acks_late=True, **RETRY)
def publish_status_list(self, status_list_id: int) -> int:
    return status_lists.status_list_publish(status_list_id=status_list_id).signed_revision


@shared_task(bind=True, base=SweptTask, acks_late=True, **RETRY)
def render_companion_pdf(self, credential_id: str) -> str | None:
    from .companion import CompanionError

    try:
        credential = services.companion_pdf_store(credential_id=credential_id)
    except CompanionError as exc:  # permanent: the credential stands without its PDF
        logger.error("PDF companion of credential %s could not be rendered: %s", credential_id, exc)
        services.companion_pdf_failed(credential_id=credential_id, reason=str(exc))
        return None
    return credential.pdf.name if credential else None


@shared_task(acks_late=True)
def resend_queued_work() -> dict:
    return services.queued_work_resend()


@shared_task(acks_late=True)
def resume_stalled_jobs() -> int:
    return len(services.jobs_resume_stalled())

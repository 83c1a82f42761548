"""Celery tasks: ids in, one service call, the retry policy. Running any of them twice is harmless.

Sending may wait for the broker (`sending.SweptTask`). The PDF companion's task is in `companion_tasks`,
which a PDF-only worker imports without this module's services.
"""

from celery import shared_task

from . import services, status_lists
from .sending import SweptTask, retry_on

RETRY = retry_on(services.TransientIssuanceError)


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


@shared_task(acks_late=True)
def resend_queued_work() -> dict:
    return services.queued_work_resend()


@shared_task(acks_late=True)
def resume_stalled_jobs() -> int:
    return len(services.jobs_resume_stalled())

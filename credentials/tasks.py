"""Celery tasks: ids in, one service call, the retry policy. Running any of them twice is harmless."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services, status_lists

# Errors worth retrying with backoff: the database or broker was briefly unreachable or locked.
TRANSIENT = (OperationalError, InterfaceError, services.TransientIssuanceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 2, "retry_backoff_max": 120, "max_retries": 8}


@shared_task(bind=True, acks_late=True, **RETRY)
def sign_credentials(self, credential_ids: list[str]) -> dict:
    signed, failed = services.credentials_sign(credential_ids=credential_ids)
    return {"signed": signed, "failed": failed}


@shared_task(bind=True, acks_late=True, **RETRY)
def sign_clr(self, credential_id: str) -> str | None:
    clr = services.clr_sign(credential_id=credential_id)
    return clr.state if clr else None


@shared_task(bind=True, acks_late=True, **RETRY)
def publish_status_list(self, status_list_id: int) -> int:
    return status_lists.status_list_publish(status_list_id=status_list_id).signed_revision


@shared_task(acks_late=True)
def resume_stalled_jobs() -> int:
    return len(services.jobs_resume_stalled())

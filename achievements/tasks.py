"""Celery tasks of the achievements room: ids in, one service call. Running any of them twice is harmless."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import claims
from .imports import background

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 2, "max_retries": 8}


@shared_task(acks_late=True, **RETRY)
def send_learner_invitations(invitation_ids: list[int]) -> int:
    return claims.learner_invitations_send(invitation_ids=invitation_ids)


@shared_task(acks_late=True)
def resend_queued_invitations() -> int:
    return claims.queued_invitations_resend()


@shared_task(acks_late=True, **RETRY)
def check_import(run_id: int) -> str | None:
    return background.import_check(run_id=run_id)


@shared_task(acks_late=True, **RETRY)
def write_import(run_id: int) -> str | None:
    return background.import_write(run_id=run_id)


@shared_task(acks_late=True)
def resume_imports() -> int:
    return background.imports_resume()

"""Celery tasks of the experiences room: ids in, one call. Running any of them twice is harmless.

A database outage or a mail server that does not answer is retried with backoff; a message that did go
out is not sent again by a retry of the supervisor tasks (they record it under a row lock).
"""

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import notifications, services

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 2, "max_retries": 8}
MAIL_RETRY = {**RETRY, "autoretry_for": (OperationalError, InterfaceError, smtplib.SMTPException, OSError)}


@shared_task(acks_late=True, **MAIL_RETRY)
def send_submission(experience_id: int) -> int:
    return notifications.submission_send(experience_id=experience_id)


@shared_task(acks_late=True, **MAIL_RETRY)
def send_decision(event_id: int) -> int:
    return notifications.decision_send(event_id=event_id)


@shared_task(acks_late=True, **MAIL_RETRY)
def send_supervisor_request(request_id: int) -> int:
    return notifications.supervisor_request_send(request_id=request_id)


@shared_task(acks_late=True, **MAIL_RETRY)
def remind_supervisor(request_id: int) -> int:
    return notifications.supervisor_request_send(request_id=request_id, reminder=True)


@shared_task(acks_late=True)
def sweep_supervisor_requests() -> dict:
    return notifications.supervisor_sweep()


@shared_task(acks_late=True)
def send_advisor_digests() -> int:
    return notifications.digests_send()


@shared_task(acks_late=True)
def sweep_deadlines() -> dict:
    return services.deadline_sweep()

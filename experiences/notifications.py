"""E-mail about experiences: to advisors when students submit, to students when advisors decide, to
supervisors with their link (and one reminder).

Services call the `*_noted` functions inside their transaction; the mail goes out from a Celery task once
it commits (only ids cross the broker). Mail is sent in the institution's name, with the reply-to address
it set, from the portal's own domain, so it is neither spoofed nor filtered as a third party's.
"""

import logging
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from achievements.claims import verified_addresses

from .models import (
    REVIEW_STATES,
    AdvisorAssignment,
    AdvisorPreference,
    Experience,
    ExperienceEvent,
    ExperiencePolicy,
    State,
    SupervisorRequest,
    Visibility,
)

logger = logging.getLogger(__name__)


def _link(name: str, **kwargs) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _send(*, institution, template: str, context: dict, to: list[str]) -> None:
    """One message in the institution's name from the portal's address, replies to the institution's."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    policy = ExperiencePolicy.objects.filter(institution=institution).first()
    context = {**context, "institution": institution}
    subject = render_to_string(f"experiences/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"experiences/email/{template}_body.txt", context)
    EmailMessage(
        subject,
        body,
        formataddr((institution.name, address)),
        to,
        reply_to=[policy.reply_to] if policy and policy.reply_to else None,
    ).send()


def student_address(experience: Experience) -> str:
    """Where the student hears of decisions: their account's verified address, else the SIS address."""
    learner = experience.learner
    if learner.user_id:
        addresses = verified_addresses(learner.user)
        if addresses:
            return addresses[0]
        return learner.user.email
    return learner.email


def _advisors(experience: Experience, notify: str):
    assignments = AdvisorAssignment.objects.filter(learner_id=experience.learner_id).select_related("advisor")
    daily = set(
        AdvisorPreference.objects.filter(
            institution_id=experience.institution_id, notify=AdvisorPreference.Notify.DAILY
        ).values_list("user_id", flat=True)
    )
    wanted_daily = notify == AdvisorPreference.Notify.DAILY
    return [a.advisor for a in assignments if (a.advisor_id in daily) == wanted_daily]


# --- noted inside a service's transaction, sent after commit ------------------------------------------


def submission_noted(experience: Experience) -> None:
    from .tasks import send_submission

    transaction.on_commit(lambda: send_submission.delay(experience.pk), robust=True)


def decision_noted(experience: Experience) -> None:
    from .tasks import send_decision

    event_id = experience.events.order_by("-at", "-pk").values_list("pk", flat=True).first()
    transaction.on_commit(lambda: send_decision.delay(event_id), robust=True)


def expiry_noted(experience: Experience) -> None:
    decision_noted(experience)


def supervisor_request_noted(request: SupervisorRequest) -> None:
    from .tasks import send_supervisor_request

    transaction.on_commit(lambda: send_supervisor_request.delay(request.pk), robust=True)


# --- what the tasks run ------------------------------------------------------------------------------


def submission_send(*, experience_id: int) -> int:
    """Tell each advisor of the student who wants one e-mail per submission; returns how many."""
    experience = Experience.objects.select_related("institution", "learner").filter(pk=experience_id).first()
    if experience is None or experience.state not in REVIEW_STATES:
        return 0
    advisors = _advisors(experience, AdvisorPreference.Notify.EACH)
    link = _link("advising:review", slug=experience.institution.slug, experience_id=experience.uuid)
    for advisor in advisors:
        _send(
            institution=experience.institution,
            template="submitted",
            context={"experience": experience, "advisor": advisor, "link": link},
            to=[advisor.email],
        )
    return len(advisors)


def decision_send(*, event_id: int) -> int:
    """Tell the student what was decided (the shared note of the event, never an internal one)."""
    event = (
        ExperienceEvent.objects.select_related("experience__institution", "experience__learner__user")
        .filter(pk=event_id, visibility=Visibility.SHARED)
        .first()
    )
    if event is None:
        return 0
    experience = event.experience
    address = student_address(experience)
    if not address:
        return 0
    _send(
        institution=experience.institution,
        template="decided",
        context={
            "experience": experience,
            "event": event,
            "link": _link("experiences:mine", experience_id=experience.uuid),
        },
        to=[address],
    )
    return 1


def supervisor_request_send(*, request_id: int, reminder: bool = False) -> int:
    """Mail the supervisor a new link (for a reminder too: the earlier link then stops working)."""
    from .services import supervisor_link_make

    request = (
        SupervisorRequest.objects.select_related("experience__institution", "experience__learner")
        .filter(pk=request_id, attested_at__isnull=True, cancelled_at__isnull=True)
        .first()
    )
    if request is None or (request.sent_at and not reminder):
        return 0
    if request.experience.state not in (*REVIEW_STATES, State.DRAFT, State.CHANGES_REQUESTED):
        return 0
    link = supervisor_link_make(request)
    _send(
        institution=request.experience.institution,
        template="supervisor_reminder" if reminder else "supervisor_request",
        context={
            "request": request,
            "experience": request.experience,
            "link": link,
            "days": settings.PORTAL_SUPERVISOR_LINK_DAYS,
        },
        to=[request.email],
    )
    now = timezone.now()
    if reminder:
        SupervisorRequest.objects.filter(pk=request.pk).update(reminded_at=now)
    else:
        SupervisorRequest.objects.filter(pk=request.pk).update(sent_at=now)
    return 1


def supervisor_sweep() -> dict[str, int]:
    """Requests whose mail never went out are sent; those unanswered for a while get their one reminder."""
    from .tasks import remind_supervisor, send_supervisor_request

    now = timezone.now()
    open_requests = SupervisorRequest.objects.filter(attested_at__isnull=True, cancelled_at__isnull=True)
    unsent = list(
        open_requests.filter(
            sent_at__isnull=True, created_at__lt=now - timedelta(seconds=settings.PORTAL_RESEND_QUEUED_AFTER)
        ).values_list("pk", flat=True)[:500]
    )
    due = list(
        open_requests.filter(
            reminded_at__isnull=True,
            sent_at__lt=now - timedelta(days=settings.PORTAL_SUPERVISOR_REMINDER_DAYS),
            experience__state__in=REVIEW_STATES,
        ).values_list("pk", flat=True)[:500]
    )
    for pk in unsent:
        send_supervisor_request.delay(pk)
    for pk in due:
        remind_supervisor.delay(pk)
    if unsent:
        logger.warning("sweep: %d supervisor request(s) not sent yet, sending them again", len(unsent))
    return {"unsent": len(unsent), "reminded": len(due)}


def digests_send(*, now=None) -> int:
    """The daily digest for advisors who chose it: the submissions of their students since the last one."""
    now = now or timezone.now()
    sent = 0
    preferences = AdvisorPreference.objects.filter(notify=AdvisorPreference.Notify.DAILY).filter(
        Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lt=now - timedelta(hours=23))
    )
    for preference in preferences.select_related("user", "institution"):
        since = preference.digest_sent_at or now - timedelta(days=1)
        waiting = list(
            Experience.objects.filter(
                institution=preference.institution,
                learner__advisor_assignments__advisor=preference.user,
                state__in=REVIEW_STATES,
                submitted_at__gte=since,
            ).select_related("learner").order_by("submitted_at")
        )  # fmt: skip
        AdvisorPreference.objects.filter(pk=preference.pk).update(digest_sent_at=now)
        if not waiting:
            continue
        _send(
            institution=preference.institution,
            template="digest",
            context={
                "advisor": preference.user,
                "experiences": waiting,
                "link": _link("advising:queue", slug=preference.institution.slug),
            },
            to=[preference.user.email],
        )
        sent += 1
    return sent


def deadline_reminders_send(*, policy: ExperiencePolicy) -> int:
    """Before the deadline: each student with an open experience, and each advisor with some to decide."""
    open_experiences = Experience.objects.filter(
        institution=policy.institution, state__in=(State.DRAFT, State.CHANGES_REQUESTED, *REVIEW_STATES)
    ).select_related("learner__user", "institution")
    sent = 0
    for experience in open_experiences:
        address = student_address(experience)
        if address and experience.state in (State.DRAFT, State.CHANGES_REQUESTED):
            _send(
                institution=policy.institution,
                template="deadline_student",
                context={
                    "experience": experience,
                    "deadline": policy.deadline,
                    "link": _link("experiences:mine", experience_id=experience.uuid),
                },
                to=[address],
            )
            sent += 1
    advisors = AdvisorAssignment.objects.filter(
        institution=policy.institution, learner__experiences__state__in=REVIEW_STATES
    ).values_list("advisor__email", flat=True).distinct()  # fmt: skip
    for email in advisors:
        _send(
            institution=policy.institution,
            template="deadline_advisor",
            context={
                "deadline": policy.deadline,
                "link": _link("advising:queue", slug=policy.institution.slug),
            },
            to=[email],
        )
        sent += 1
    return sent

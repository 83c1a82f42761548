"""E-mail about experiences: to advisors when students submit, to students when advisors decide, to
supervisors with their link (and one reminder), and before an institution's deadline.

- Services call the `*_noted` functions inside their transaction; the mail goes out from a Celery task
  once it commits (only ids cross the broker). The periodic sweeps (`supervisor_sweep`, `digests_send`,
  `services.deadline_sweep`) run as Celery tasks too.
- Every message is sent in the institution's name from the portal's own address
  (`"<institution name>" <DEFAULT_FROM_EMAIL's address>`), so it is neither spoofed nor a third party's,
  with `Reply-To` the address the institution set in its policy, if any.
- A student is only ever told what is shared with them: a decision's own note (shared by construction),
  never an internal note.
- An advisor hears of submissions only while they still hold the advisor role at the institution.
"""

import logging
from datetime import timedelta
from email.utils import formataddr, parseaddr

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from institutions.models import Membership, Role, User

from .models import (
    OPEN_STATES,
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
    reply_to = (
        ExperiencePolicy.objects.filter(institution=institution).values_list("reply_to", flat=True).first()
    )
    context = {**context, "institution": institution}
    # A header is one line: a title typed with a line break must not break (or inject into) the subject.
    subject = " ".join(render_to_string(f"experiences/email/{template}_subject.txt", context).split())
    body = render_to_string(f"experiences/email/{template}_body.txt", context)
    EmailMessage(
        subject,
        body,
        formataddr((institution.name, address)),
        to,
        reply_to=[reply_to] if reply_to else None,
    ).send()


def student_address(experience: Experience) -> str:
    """Where the student hears of decisions: their account's (primary) verified address, else the account's
    address, else the one the institution's records hold."""
    learner = experience.learner
    if learner.user_id:
        verified = (
            EmailAddress.objects.filter(user_id=learner.user_id, verified=True)
            .order_by("-primary", "pk")
            .values_list("email", flat=True)
            .first()
        )
        return verified or learner.user.email
    return learner.email


def _current_advisors(institution_id: int):
    return Membership.objects.filter(institution_id=institution_id, role=Role.ADVISOR).values("user_id")


def _advisors(experience: Experience, notify: str) -> list[User]:
    """The student's assigned advisors (still advisors there) who chose `notify`."""
    assignments = AdvisorAssignment.objects.filter(
        learner_id=experience.learner_id,
        advisor__is_active=True,
        advisor_id__in=_current_advisors(experience.institution_id),
    ).select_related("advisor")
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
    """The decision just written (the experience's latest event) is mailed to the student after commit."""
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
    if not advisors:
        return 0
    attestation = experience.supervisor_requests.filter(attested_at__isnull=False).first()
    link = _link("advising:review", slug=experience.institution.slug, experience_id=experience.uuid)
    for advisor in advisors:
        _send(
            institution=experience.institution,
            template="submitted",
            context={
                "experience": experience,
                "advisor": advisor,
                "link": link,
                "attestation": attestation,
                "awaiting_supervisor": experience.state == State.AWAITING_SUPERVISOR,
            },
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
    # What the event decided, not what the experience is by the time the task runs.
    state = (event.changes.get("state") or {}).get("to") or experience.state
    _send(
        institution=experience.institution,
        template="decided",
        context={
            "experience": experience,
            "event": event,
            "state": state,
            "state_label": State(state).label if state in State.values else state,
            "link": _link("experiences:mine", experience_id=experience.uuid),
        },
        to=[address],
    )
    return 1


def supervisor_request_send(*, request_id: int, reminder: bool = False) -> int:
    """Mail the supervisor their link, or its one reminder with a new link (the earlier one then stops
    working). Running it again sends nothing: the first mail once, the reminder once."""
    from .services import supervisor_link_make

    with transaction.atomic():
        request = (
            SupervisorRequest.objects.select_for_update()
            .filter(pk=request_id, attested_at__isnull=True, cancelled_at__isnull=True)
            .first()
        )
        if request is None:
            return 0
        if reminder and (request.sent_at is None or request.reminded_at is not None):
            return 0
        if not reminder and request.sent_at is not None:
            return 0
        experience = Experience.objects.select_related("institution", "learner").get(pk=request.experience_id)
        if experience.state not in OPEN_STATES:
            return 0
        link = supervisor_link_make(request)
        # Sent inside the transaction: if the mail fails, the new token and the sent time are not kept,
        # so the task (or the sweep) sends it again with a working link.
        _send(
            institution=experience.institution,
            template="supervisor_reminder" if reminder else "supervisor_request",
            context={
                "request": request,
                "experience": experience,
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


def supervisor_sweep(*, now=None) -> dict[str, int]:
    """Requests whose mail never went out are sent; those unanswered for a while get their one reminder."""
    from .tasks import remind_supervisor, send_supervisor_request

    now = now or timezone.now()
    open_requests = SupervisorRequest.objects.filter(
        attested_at__isnull=True, cancelled_at__isnull=True, experience__state__in=OPEN_STATES
    )
    unsent = list(
        open_requests.filter(
            sent_at__isnull=True, created_at__lt=now - timedelta(seconds=settings.PORTAL_RESEND_QUEUED_AFTER)
        ).values_list("pk", flat=True)[:500]
    )
    due = list(
        open_requests.filter(
            reminded_at__isnull=True,
            sent_at__lt=now - timedelta(days=settings.PORTAL_SUPERVISOR_REMINDER_DAYS),
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
    preferences = AdvisorPreference.objects.filter(
        notify=AdvisorPreference.Notify.DAILY, user__is_active=True
    ).filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - timedelta(hours=23)))
    for preference in preferences.select_related("user", "institution"):
        if not Membership.objects.filter(
            institution=preference.institution, user=preference.user, role=Role.ADVISOR
        ).exists():
            continue
        since = preference.digest_sent_at or now - timedelta(days=1)
        waiting = list(
            Experience.objects.filter(
                institution=preference.institution,
                learner__advisor_assignments__advisor=preference.user,
                state__in=REVIEW_STATES,
                submitted_at__gte=since,
                submitted_at__lt=now,
            ).select_related("learner").order_by("submitted_at", "pk")
        )  # fmt: skip
        if waiting:
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
        # After the mail: one that failed is sent with the next run (the window then reaches back to it).
        AdvisorPreference.objects.filter(pk=preference.pk).update(digest_sent_at=now)
    return sent


def deadline_reminders_send(*, policy: ExperiencePolicy) -> int:
    """Before the deadline: each student with experiences still to submit (one mail listing them), and
    each advisor with submissions still to decide. Returns how many mails went out."""
    institution = policy.institution
    to_submit: dict[str, list[Experience]] = {}
    for experience in (
        Experience.objects.filter(institution=institution, state__in=(State.DRAFT, State.CHANGES_REQUESTED))
        .select_related("learner__user")
        .order_by("learner_id", "created_at", "pk")
    ):
        address = student_address(experience)
        if address:
            to_submit.setdefault(address, []).append(experience)
    sent = 0
    for address, experiences in to_submit.items():
        _send(
            institution=institution,
            template="deadline_student",
            context={
                "learner": experiences[0].learner,
                "experiences": [
                    (experience, _link("experiences:mine", experience_id=experience.uuid))
                    for experience in experiences
                ],
                "deadline": policy.deadline,
            },
            to=[address],
        )
        sent += 1
    pending = (
        Experience.objects.filter(institution=institution, state__in=REVIEW_STATES)
        .values("learner_id")
    )  # fmt: skip
    advisors = (
        AdvisorAssignment.objects.filter(
            institution=institution,
            learner_id__in=pending,
            advisor__is_active=True,
            advisor_id__in=_current_advisors(institution.pk),
        )
        .values_list("advisor__email", flat=True)
        .distinct()
        .order_by("advisor__email")
    )
    for email in advisors:
        _send(
            institution=institution,
            template="deadline_advisor",
            context={"deadline": policy.deadline, "link": _link("advising:queue", slug=institution.slug)},
            to=[email],
        )
        sent += 1
    return sent

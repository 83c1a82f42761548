"""What happens to an experience: recorded, submitted, attested, annotated, decided, and turned into an award.

Every service runs in one transaction, checks the state it starts from (a refused transition changes
nothing and says why) and writes its line of the timeline. Mail goes out from tasks after commit
(experiences.notifications).
"""

import contextlib
import secrets
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from achievements.models import Achievement, Association, AwardSource, Evidence, Learner
from achievements.services import achievement_create, award_create, award_withdraw
from credentials.models import CredentialKind, IssuedCredential
from credentials.services import clr_issue, credential_issue
from institutions.models import Institution, Membership, Role
from institutions.services import audit_record
from institutions.services import invitation_token_hash as token_hash

from .models import (
    EDITABLE_STATES,
    OPEN_STATES,
    REVIEW_STATES,
    AdvisorAssignment,
    Annotation,
    CompetencyLevel,
    CompetencyRating,
    Experience,
    ExperienceEvent,
    ExperiencePolicy,
    HoursEntry,
    State,
    SupervisorRequest,
    Visibility,
)

# What a student fills in; the timeline records each one's old and new value when it changes.
EDITABLE_FIELDS = (
    "title", "organisation", "role", "category", "term", "start_date", "end_date", "hours", "description",
    "reflection",
)  # fmt: skip


class ExperienceRefused(ValidationError):
    """The action cannot be taken in the experience's state, or by this person; the message says why."""


class SupervisorLinkRefused(Exception):
    """A supervisor's link that cannot be used; the message says why, for the person holding it."""

    def __init__(self, message: str, *, status: int = 410):
        super().__init__(message)
        self.message, self.status = message, status


def policy_for(institution: Institution) -> ExperiencePolicy:
    policy, _ = ExperiencePolicy.objects.get_or_create(institution=institution)
    return policy


def _plain(value):
    """A field value as the timeline stores it (JSON)."""
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def _event(
    experience: Experience,
    *,
    actor,
    action: str,
    changes: dict | None = None,
    note: str = "",
    visibility: str = Visibility.SHARED,
    actor_label: str = "",
) -> ExperienceEvent:
    return ExperienceEvent.objects.create(
        experience=experience,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label,
        action=action,
        changes=changes or {},
        note=note,
        visibility=visibility,
    )


def _locked(experience: Experience) -> Experience:
    return (
        Experience.objects.select_for_update().select_related("institution", "learner").get(pk=experience.pk)
    )


def _require_state(experience: Experience, states, doing: str) -> None:
    if experience.state not in states:
        raise ExperienceRefused(
            f"This experience is {experience.get_state_display().lower()}: it cannot be {doing} now."
        )


def _move(experience: Experience, state: str, *, actor, action: str, note: str = "", **fields) -> None:
    previous = experience.state
    experience.state = state
    for name, value in fields.items():
        setattr(experience, name, value)
    experience.save()
    _event(
        experience, actor=actor, action=action, note=note, changes={"state": {"from": previous, "to": state}}
    )


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ExperienceRefused({"end_date": "The end date is before the start date."})


def _competencies_of(institution: Institution, competencies) -> list[Achievement]:
    chosen = list(competencies)
    for competency in chosen:
        if (
            competency.institution_id != institution.pk
            or competency.current_version.achievement_type != "Competency"
        ):
            raise ExperienceRefused(
                {"competencies": f"{competency} is not a competency of {institution.name}."}
            )
    return chosen


# --- the student's side ------------------------------------------------------------------------------


@transaction.atomic
def experience_create(*, learner: Learner, fields: dict, competencies=(), actor=None) -> Experience:
    """A new experience, in draft."""
    experience = Experience(institution_id=learner.institution_id, learner=learner)
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(experience, name, fields[name])
    _check_dates(experience.start_date, experience.end_date)
    experience.full_clean(exclude=["competencies"])
    experience.save()
    experience.competencies.set(_competencies_of(learner.institution, competencies))
    _event(experience, actor=actor, action="created")
    return experience


@transaction.atomic
def experience_update(*, experience: Experience, fields: dict, competencies=None, actor=None) -> Experience:
    """Change what the student wrote; only in draft or after changes were requested."""
    experience = _locked(experience)
    _require_state(experience, EDITABLE_STATES, "edited")
    changes = {}
    for name in EDITABLE_FIELDS:
        if name in fields and getattr(experience, name) != fields[name]:
            changes[name] = {"from": _plain(getattr(experience, name)), "to": _plain(fields[name])}
            setattr(experience, name, fields[name])
    _check_dates(experience.start_date, experience.end_date)
    experience.full_clean(exclude=["competencies"])
    if competencies is not None:
        before = sorted(c.human_code for c in experience.competencies.all())
        chosen = _competencies_of(experience.institution, competencies)
        after = sorted(c.human_code for c in chosen)
        if before != after:
            changes["competencies"] = {"from": before, "to": after}
            experience.competencies.set(chosen)
    if changes:
        experience.save()
        _event(experience, actor=actor, action="edited", changes=changes)
    return experience


@transaction.atomic
def hours_entry_add(
    *, experience: Experience, day: date, hours: Decimal, note: str = "", actor=None
) -> HoursEntry:
    """A dated line of the hours log; the experience's hours become the log's total."""
    experience = _locked(experience)
    _require_state(experience, EDITABLE_STATES, "edited")
    entry = HoursEntry(experience=experience, date=day, hours=hours, note=note)
    entry.full_clean(exclude=["experience"])
    entry.save()
    total = sum((e.hours for e in experience.hours_log.all()), Decimal(0))
    changes = {"hours": {"from": _plain(experience.hours), "to": _plain(total)}}
    experience.hours = total
    experience.save(update_fields=["hours", "updated_at"])
    _event(experience, actor=actor, action="hours_logged", changes=changes, note=f"{hours} h on {day}")
    return entry


@transaction.atomic
def experience_submit(*, experience: Experience, actor=None) -> Experience:
    """Send the experience to the advisors; one needing a supervisor waits for their attestation first."""
    experience = _locked(experience)
    _require_state(experience, EDITABLE_STATES, "submitted")
    if not experience.description.strip():
        raise ExperienceRefused({"description": "Describe what you did before submitting."})
    policy = policy_for(experience.institution)
    waiting_for_supervisor = experience.supervisor_requests.filter(
        attested_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    attested = experience.supervisor_requests.filter(attested_at__isnull=False).exists()
    if policy.requires_supervisor(experience.category) and not (attested or waiting_for_supervisor):
        raise ExperienceRefused(
            f"{experience.institution.name} asks a supervisor to confirm "
            f"{experience.get_category_display().lower()} experiences: name your supervisor first."
        )
    state = State.AWAITING_SUPERVISOR if waiting_for_supervisor else State.SUBMITTED
    _move(experience, state, actor=actor, action="submitted", submitted_at=timezone.now())
    from .notifications import submission_noted

    submission_noted(experience)
    return experience


# --- outside supervisors -----------------------------------------------------------------------------


@transaction.atomic
def supervisor_request_create(
    *, experience: Experience, email: str, name: str = "", actor=None
) -> SupervisorRequest:
    """Ask a supervisor to attest the experience; the link is e-mailed by a task after commit.

    A new request replaces an open one. A submitted experience waits for the answer.
    """
    experience = _locked(experience)
    _require_state(experience, (*EDITABLE_STATES, *REVIEW_STATES), "sent to a supervisor")
    request = SupervisorRequest(
        experience=experience, email=email.strip(), name=name.strip(), requested_by=actor
    )
    request.full_clean(exclude=["experience"])
    experience.supervisor_requests.filter(attested_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    request.save()
    _event(
        experience, actor=actor, action="supervisor_asked", note=f"{request.name or request.email}".strip()
    )
    if experience.state == State.SUBMITTED:
        _move(experience, State.AWAITING_SUPERVISOR, actor=actor, action="awaiting_supervisor")
    from .notifications import supervisor_request_noted

    supervisor_request_noted(request)
    return request


def supervisor_link_make(request: SupervisorRequest) -> str:
    """A new token for the request (the old link stops working); stores its hash; returns the link."""
    from django.urls import reverse

    token = secrets.token_urlsafe(32)
    SupervisorRequest.objects.filter(pk=request.pk).update(
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.PORTAL_SUPERVISOR_LINK_DAYS),
    )
    request.refresh_from_db(fields=["token_hash", "expires_at"])
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "supervisors:attest", kwargs={"supervisor_token": token}
    )


def supervisor_request_for_token(token: str) -> SupervisorRequest:
    """The request this link belongs to, if it can still be answered; else SupervisorLinkRefused says why."""
    request = (
        SupervisorRequest.objects.select_related("experience__institution", "experience__learner")
        .filter(token_hash=token_hash(token))
        .first()
        if token and len(token) <= 100
        else None
    )
    if request is None:
        raise SupervisorLinkRefused(
            "This link is not valid. Check that you copied the whole link.", status=404
        )
    institution = request.experience.institution.name
    if request.attested_at:
        raise SupervisorLinkRefused(
            f"This link has been used: you confirmed this experience on {request.attested_at:%d %B %Y}. "
            f"Thank you. If something needs correcting, write to {institution}."
        )
    if request.cancelled_at:
        raise SupervisorLinkRefused(
            f"This request was withdrawn or replaced by a newer one from {institution}."
        )
    if request.expires_at and request.expires_at < timezone.now():
        raise SupervisorLinkRefused(
            f"This link expired on {request.expires_at:%d %B %Y}. "
            f"Ask the student or {institution} to send a new one."
        )
    if request.experience.state in (State.VERIFIED, State.DECLINED, State.EXPIRED):
        raise SupervisorLinkRefused(
            f"{institution} has already decided on this experience: nothing more is needed."
        )
    return request


@transaction.atomic
def supervisor_attest(
    *,
    request: SupervisorRequest,
    hours: Decimal | None,
    competencies: list[tuple[Achievement, CompetencyLevel]],
    comment: str,
    signer_name: str,
    signer_title: str,
    signer_organisation: str,
) -> SupervisorRequest:
    """Keep what the supervisor confirmed; the link is used up and the experience goes back to advisors."""
    request = SupervisorRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open or (request.expires_at and request.expires_at < timezone.now()):
        raise SupervisorLinkRefused("This link can no longer be used.")
    if not signer_name.strip():
        raise ExperienceRefused({"signer_name": "Type your name: it is kept with your confirmation."})
    experience = _locked(request.experience)
    request.attested_at = timezone.now()
    request.attested_hours = hours
    request.attested_competencies = [
        {"competency": competency.pk, "name": competency.current_version.name, "level": level.name}
        for competency, level in competencies
    ]
    request.comment = comment.strip()
    request.signer_name = signer_name.strip()
    request.signer_title = signer_title.strip()
    request.signer_organisation = signer_organisation.strip()
    request.save()
    label = ", ".join(
        p for p in (request.signer_name, request.signer_title, request.signer_organisation) if p
    )
    _event(
        experience,
        actor=None,
        actor_label=label,
        action="supervisor_attested",
        changes={"hours": {"from": _plain(experience.hours), "to": _plain(hours)}}
        if hours is not None
        else {},
        note=request.comment,
    )
    if experience.state == State.AWAITING_SUPERVISOR:
        _move(experience, State.SUBMITTED, actor=None, action="back_to_advisor")
        from .notifications import submission_noted

        submission_noted(experience)
    return request


# --- advisors ----------------------------------------------------------------------------------------


def _refuse_own(experience: Experience, actor) -> None:
    if experience.learner.user_id is not None and experience.learner.user_id == getattr(actor, "pk", None):
        raise ExperienceRefused("You cannot decide on your own experience: another advisor must.")


@transaction.atomic
def annotation_add(*, experience: Experience, author, text: str, visibility: str) -> Annotation:
    experience = _locked(experience)
    _refuse_own(experience, author)
    text = text.strip()
    if not text:
        raise ExperienceRefused({"text": "Write the note first."})
    if visibility not in Visibility.values:
        raise ExperienceRefused({"visibility": "Choose whether the note is shared with the student."})
    annotation = Annotation.objects.create(
        experience=experience, author=author, text=text, visibility=visibility
    )
    _event(experience, actor=author, action="noted", note=text, visibility=visibility)
    return annotation


def _send_back(
    experience: Experience, *, actor, state: str, action: str, note: str, missing: dict, doing: str
):
    """Request changes or decline: a decision with a note the student reads (and must be given)."""
    experience = _locked(experience)
    _refuse_own(experience, actor)
    _require_state(experience, REVIEW_STATES, doing)
    if not note.strip():
        raise ExperienceRefused(missing)
    _move(
        experience, state, actor=actor, action=action, note=note.strip(), decided_at=timezone.now(),
        decided_by=actor,
    )  # fmt: skip
    from .notifications import decision_noted

    decision_noted(experience)
    return experience


@transaction.atomic
def experience_request_changes(*, experience: Experience, actor, comment: str) -> Experience:
    return _send_back(
        experience, actor=actor, state=State.CHANGES_REQUESTED, action="changes_requested", note=comment,
        missing={"comment": "Tell the student what to change."}, doing="sent back for changes",
    )  # fmt: skip


@transaction.atomic
def experience_decline(*, experience: Experience, actor, reason: str) -> Experience:
    return _send_back(
        experience, actor=actor, state=State.DECLINED, action="declined", note=reason,
        missing={"reason": "Say why it is declined: the student sees the reason."}, doing="declined",
    )  # fmt: skip


def assessor_for(*, institution: Institution, user) -> dict:
    """OB 3.0 source of an advisor's decision: a stable URI (no e-mail in it), their name and role."""
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return {
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{institution.did}#advisor-{user.pk}')}",
        "name": (name or "").strip() or user.email,
        "role": f"Advisor, {institution.name}",
    }


def _result_descriptions(ratings, hours: Decimal | None, levels: list[CompetencyLevel]) -> list[dict]:
    """One rubric per rated competency (the institution's levels), and the hours as a number."""
    rubric = [{"name": level.name, "description": level.description} for level in levels]
    descriptions = [
        {"name": competency.current_version.name, "result_type": "RubricCriterionLevel", "levels": rubric}
        for competency, _level in ratings
    ]
    if hours is not None:
        descriptions.append({"name": "Hours", "result_type": "RawScore", "value_min": "0"})
    return descriptions


def _evidence_of(experience: Experience) -> list[dict]:
    items = []
    for attestation in experience.supervisor_requests.filter(attested_at__isnull=False):
        confirmed = "; ".join(
            f"{item['name']}: {item['level']}" for item in attestation.attested_competencies
        )
        who = ", ".join(
            p
            for p in (attestation.signer_name, attestation.signer_title, attestation.signer_organisation)
            if p
        )
        lines = [f"Confirmed by {who} on {attestation.attested_at:%d %B %Y}."]
        if attestation.attested_hours is not None:
            lines.append(f"Hours: {attestation.attested_hours}.")
        if confirmed:
            lines.append(f"Competencies: {confirmed}.")
        if attestation.comment:
            lines.append(attestation.comment)
        items.append(
            {"name": "Supervisor's attestation", "genre": "Attestation", "narrative": " ".join(lines)}
        )
    for evidence in experience.evidence.all():
        if evidence.url:
            items.append({"name": evidence.name or evidence.url, "url": evidence.url})
        elif evidence.file:
            # The same private file; the award's evidence serves it by its own capability URL.
            items.append({"name": evidence.name or evidence.file_name, "file": evidence.file.name})
    return items


def _award_for(experience: Experience, *, actor, hours, ratings, narrative: str):
    institution = experience.institution
    levels = list(CompetencyLevel.objects.filter(institution=institution))
    version_fields = {
        "achievement_type": experience.achievement_type,
        "name": experience.title,
        "description": experience.description,
        "criteria_narrative": (
            f"A {experience.get_category_display().lower()} experience at {experience.organisation}, "
            f"recorded by the learner and verified by an advisor of {institution.name}."
        ),
        "tags": ["co-curricular", experience.category],
    }
    achievement = achievement_create(
        institution=institution,
        human_code=f"EXP-{str(experience.uuid)[:8].upper()}-{timezone.now():%y%m%d%H%M%S}",
        fields=version_fields,
        alignments=[
            alignment for competency, _level in ratings for alignment in _competency_alignments(competency)
        ],
        result_descriptions=_result_descriptions(ratings, hours, levels),
        actor=actor,
    )
    Achievement.objects.filter(pk=achievement.pk).update(personal=True)
    for competency, _level in ratings:
        Association.objects.create(
            institution=institution, source=achievement, target=competency, association_type="isRelatedTo"
        )
    descriptions = {
        d.name: d for d in achievement.current_version.result_descriptions.prefetch_related("levels")
    }
    results = []
    for competency, level in ratings:
        description = descriptions[competency.current_version.name]
        achieved = next(item for item in description.levels.all() if item.name == level.name)
        results.append(
            {
                "result_description": description,
                "value": level.name,
                "achieved_level": achieved,
                "aligned_to": competency,
            }
        )
    if hours is not None:
        results.append({"result_description": descriptions["Hours"], "value": str(hours.normalize())})
    evidence = _evidence_of(experience)
    award = award_create(
        learner=experience.learner,
        achievement=achievement,
        term=experience.term,
        results=results,
        activity_start_date=experience.start_date,
        activity_end_date=experience.end_date,
        narrative=narrative,
        evidence=[item for item in evidence if "file" not in item],
        source=AwardSource.ADVISOR,
        role=experience.role,
        assessor=assessor_for(institution=institution, user=actor),
        actor=actor,
    )
    for item in evidence:
        if "file" in item:
            Evidence.objects.create(award=award, name=item["name"], file=item["file"])
    return award


def _competency_alignments(competency: Achievement) -> list[dict]:
    """The competency's own framework alignments (e.g. NACE), carried by the experience's achievement."""
    return [
        {
            "target_name": alignment.target_name,
            "target_url": alignment.target_url,
            "target_framework": alignment.target_framework,
            "target_code": alignment.target_code,
            "target_type": alignment.target_type,
        }
        for alignment in competency.current_version.alignments.all()
    ]


def _clr_refresh(learner: Learner, actor) -> None:
    """A learner whose full CLR exists gets a new one saying what the record says now."""
    has_clr = IssuedCredential.objects.filter(
        learner=learner, kind=CredentialKind.CLR, is_current=True
    ).exists()
    if has_clr:
        # Nothing issuable left raises: the old CLR's nested credential is revoked already, which says it.
        with contextlib.suppress(ValidationError):
            clr_issue(learner=learner, actor=actor)


@transaction.atomic
def experience_verify(
    *,
    experience: Experience,
    actor,
    hours: Decimal | None,
    ratings: list[tuple[Achievement, CompetencyLevel]],
    comment: str = "",
) -> Experience:
    """Verify: the confirmed hours and rated competencies become an Award, which the pipeline issues."""
    experience = _locked(experience)
    _refuse_own(experience, actor)
    _require_state(experience, REVIEW_STATES, "verified")
    policy = policy_for(experience.institution)
    attested = experience.supervisor_requests.filter(attested_at__isnull=False).exists()
    if policy.requires_supervisor(experience.category) and not attested:
        raise ExperienceRefused(
            "This experience needs its supervisor's attestation before it can be verified."
        )
    if hours is not None and hours < 0:
        raise ExperienceRefused({"hours": "Hours cannot be negative."})
    competencies = _competencies_of(experience.institution, [competency for competency, _ in ratings])
    for level in {level for _, level in ratings}:
        if level.institution_id != experience.institution_id:
            raise ExperienceRefused(
                {"ratings": f"{level} is not a level of {experience.institution.name}'s rubric."}
            )
    if len(set(competencies)) != len(competencies):
        raise ExperienceRefused({"ratings": "Rate each competency once."})
    if comment.strip():
        Annotation.objects.create(
            experience=experience, author=actor, text=comment.strip(), visibility=Visibility.SHARED
        )
    narrative = comment.strip() or next(
        (
            a.text
            for a in experience.annotations.filter(visibility=Visibility.SHARED).order_by(
                "-created_at", "-pk"
            )
        ),
        "",
    )
    award = _award_for(experience, actor=actor, hours=hours, ratings=ratings, narrative=narrative)
    changes = {"state": {"from": experience.state, "to": State.VERIFIED}}
    if hours != experience.hours:
        changes["hours"] = {"from": _plain(experience.hours), "to": _plain(hours)}
    changes["competencies"] = {
        "from": sorted(c.current_version.name for c in experience.competencies.all()),
        "to": [f"{c.current_version.name}: {level.name}" for c, level in ratings],
    }
    experience.ratings.all().delete()
    CompetencyRating.objects.bulk_create(
        CompetencyRating(experience=experience, competency=competency, level=level)
        for competency, level in ratings
    )
    experience.state = State.VERIFIED
    experience.confirmed_hours = hours
    experience.decided_at = timezone.now()
    experience.decided_by = actor
    experience.award = award
    experience.save()
    _event(experience, actor=actor, action="verified", changes=changes, note=comment.strip())
    audit_record(
        actor=actor,
        action="experience.verified",
        institution=experience.institution,
        target=str(experience.uuid),
    )
    credential_issue(award=award, actor=actor)
    _clr_refresh(experience.learner, actor)
    from .notifications import decision_noted

    decision_noted(experience)
    return experience


@transaction.atomic
def experience_unverify(*, experience: Experience, actor, reason: str) -> Experience:
    """Undo a verification: the award is withdrawn (its credential revoked) and the experience reopened."""
    experience = _locked(experience)
    _refuse_own(experience, actor)
    _require_state(experience, (State.VERIFIED,), "un-verified")
    reason = reason.strip()
    if not reason:
        raise ExperienceRefused(
            {"reason": "Say why the verification is undone: the student sees the reason."}
        )
    award = experience.award
    experience.ratings.all().delete()
    # Detached first: the withdrawal below is then not taken for a registrar's (award_withdrawn_elsewhere).
    _move(
        experience, State.SUBMITTED, actor=actor, action="unverified", note=reason,
        award=None, confirmed_hours=None, decided_at=timezone.now(), decided_by=actor,
    )  # fmt: skip
    if award is not None and not award.is_withdrawn:
        award_withdraw(award=award, reason=f"Verification undone: {reason}", actor=actor)
    audit_record(
        actor=actor, action="experience.unverified", institution=experience.institution,
        target=str(experience.uuid), reason=reason,
    )  # fmt: skip
    _clr_refresh(experience.learner, actor)
    from .notifications import decision_noted

    decision_noted(experience)
    return experience


@transaction.atomic
def award_withdrawn_elsewhere(*, award, reason: str, actor=None) -> None:
    """A registrar withdrew a verified experience's award: the experience is reopened, never left saying
    "verified" with nothing behind it, and its timeline says who did it and why."""
    experience = Experience.objects.filter(award=award, state=State.VERIFIED).first()
    if experience is None:
        return
    experience = _locked(experience)
    experience.ratings.all().delete()
    _move(
        experience, State.SUBMITTED, actor=actor, action="award_withdrawn", note=reason,
        award=None, confirmed_hours=None,
    )  # fmt: skip
    _clr_refresh(experience.learner, actor)


@transaction.atomic
def experience_reopen(*, experience: Experience, actor) -> Experience:
    """An expired (or declined) experience back in draft, e.g. after the deadline was moved."""
    experience = _locked(experience)
    _require_state(experience, (State.EXPIRED, State.DECLINED), "reopened")
    _move(experience, State.DRAFT, actor=actor, action="reopened")
    return experience


# --- the deadline ------------------------------------------------------------------------------------


def deadline_sweep(*, today: date | None = None) -> dict[str, int]:
    """Reminders before each institution's deadline, and open experiences expired after it; periodic.

    Never silent: the reminders go out (once per deadline) before anything expires, and the student is
    told when it does.
    """
    from .notifications import deadline_reminders_send, expiry_noted

    today = today or timezone.localdate()
    counts = {"reminded": 0, "expired": 0}
    for policy in ExperiencePolicy.objects.filter(deadline__isnull=False).select_related("institution"):
        remind_from = policy.deadline - timedelta(days=policy.reminder_days)
        if remind_from <= today <= policy.deadline and policy.reminded_for != policy.deadline:
            with transaction.atomic():
                ExperiencePolicy.objects.filter(pk=policy.pk).update(reminded_for=policy.deadline)
                counts["reminded"] += deadline_reminders_send(policy=policy)
        if today > policy.deadline:
            # Only what was recorded by the deadline: a draft started after it is not late for it.
            deadline_ends = timezone.make_aware(
                datetime.combine(policy.deadline + timedelta(days=1), time.min)
            )
            expiring = Experience.objects.filter(
                institution=policy.institution, state__in=OPEN_STATES, created_at__lt=deadline_ends
            )
            for experience in expiring.iterator():
                with transaction.atomic():
                    experience = _locked(experience)
                    if experience.state not in OPEN_STATES:
                        continue
                    _move(
                        experience, State.EXPIRED, actor=None, action="expired",
                        note=f"Not decided by the deadline of {policy.deadline:%d %B %Y}.",
                    )  # fmt: skip
                    expiry_noted(experience)
                    counts["expired"] += 1
    return counts


# --- assignments -------------------------------------------------------------------------------------


def _is_advisor(institution: Institution, user) -> bool:
    return Membership.objects.filter(institution=institution, user=user, role=Role.ADVISOR).exists()


@transaction.atomic
def advisor_assign(
    *, institution: Institution, advisor, learner: Learner, actor=None
) -> tuple[AdvisorAssignment, bool]:
    """Make `advisor` an advisor of `learner` (idempotent); returns the assignment and whether it is new."""
    if learner.institution_id != institution.pk:
        raise ExperienceRefused(f"{learner} is not a learner of {institution.name}.")
    if not _is_advisor(institution, advisor):
        raise ExperienceRefused(f"{advisor.email} is not an advisor at {institution.name}.")
    if learner.user_id == advisor.pk:
        raise ExperienceRefused("An advisor cannot advise themselves: assign another advisor.")
    assignment, created = AdvisorAssignment.objects.get_or_create(
        advisor=advisor, learner=learner, defaults={"institution": institution, "assigned_by": actor}
    )
    if created:
        audit_record(
            actor=actor, action="advisor.assigned", institution=institution, target=learner.student_id,
            advisor=advisor.email,
        )  # fmt: skip
    return assignment, created


@transaction.atomic
def advisor_unassign(*, assignment: AdvisorAssignment, actor=None) -> None:
    audit_record(
        actor=actor, action="advisor.unassigned", institution=assignment.institution,
        target=assignment.learner.student_id, advisor=assignment.advisor.email,
    )  # fmt: skip
    assignment.delete()


# --- the competency rubric ---------------------------------------------------------------------------

NACE_URL = "https://www.naceweb.org/career-readiness/competencies/career-readiness-defined/"
# The names of NACE's eight career-readiness competencies (names only: NACE's definitions are its own).
NACE_COMPETENCIES = (
    ("NACE-CSD", "Career & Self-Development"),
    ("NACE-COM", "Communication"),
    ("NACE-CT", "Critical Thinking"),
    ("NACE-EI", "Equity & Inclusion"),
    ("NACE-LEAD", "Leadership"),
    ("NACE-PROF", "Professionalism"),
    ("NACE-TEAM", "Teamwork"),
    ("NACE-TECH", "Technology"),
)
# Best first, as every scale of the portal is ordered.
DEFAULT_LEVELS = (
    ("Advanced", "Shows the competency consistently and helps others develop it."),
    ("Proficient", "Shows the competency reliably, without guidance."),
    ("Developing", "Shows the competency with some guidance."),
    ("Emerging", "Is beginning to show the competency."),
)


@transaction.atomic
def competency_rubric_seed(*, institution: Institution, actor=None) -> int:
    """Give the institution the NACE competencies (as catalog Competencies) and four rubric levels.

    Idempotent: what exists (even edited by the institution) is left as it is. Returns how many were added.
    """
    added = 0
    existing = set(Achievement.objects.filter(institution=institution).values_list("human_code", flat=True))
    for code, name in NACE_COMPETENCIES:
        if code in existing:
            continue
        achievement_create(
            institution=institution,
            human_code=code,
            fields={
                "achievement_type": "Competency",
                "name": name,
                "description": f"{name}, one of NACE's eight career-readiness competencies.",
                "criteria_url": NACE_URL,
                "tags": ["career-readiness", "NACE"],
            },
            alignments=[
                {
                    "target_name": name,
                    "target_url": NACE_URL,
                    "target_framework": "NACE Career Readiness Competencies",
                    "target_code": code,
                    "target_type": "ceasn:Competency",
                }
            ],
            actor=actor,
        )
        added += 1
    if not CompetencyLevel.objects.filter(institution=institution).exists():
        CompetencyLevel.objects.bulk_create(
            CompetencyLevel(institution=institution, name=name, description=description, position=i)
            for i, (name, description) in enumerate(DEFAULT_LEVELS)
        )
        added += len(DEFAULT_LEVELS)
    return added


# --- evidence ----------------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *, experience: Experience, name: str = "", url: str = "", file=None, content_type: str = "", actor=None
):
    """A link or an uploaded file shown as evidence; only while the student may edit.

    The caller has judged the file (size, and a type its bytes show: experiences.student_forms); it is
    stored through the model's private storage.
    """
    from .models import ExperienceEvidence

    experience = _locked(experience)
    _require_state(experience, EDITABLE_STATES, "edited")
    if bool(url) == bool(file):
        raise ExperienceRefused("Give a link or a file.")
    evidence = ExperienceEvidence(experience=experience, name=name.strip()[:200], url=url)
    if file is not None:
        evidence.file = file
        evidence.content_type = content_type
        evidence.size = file.size
        evidence.name = evidence.name or (file.name or "")[:200]
    evidence.full_clean(exclude=["experience", "file"])
    evidence.save()
    _event(experience, actor=actor, action="evidence_added", note=evidence.name or url)
    return evidence

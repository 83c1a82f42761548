"""Claiming a learner record: how an SIS learner becomes linked to a portal account.

Only the record's owner links it, in one of two ways:
- an **invitation**: an e-mail with a single-use link, sent to the address the institution holds;
  whoever opens it while signed in claims the record into that account;
- a **verified address**: a signed-in person whose account has verified the learner's address sees the
  record waiting and confirms it, institution by institution.

An import or a registrar never links an account, and nothing here tells staff whether an address
has one: they see whether the learner claimed the record, and when an invitation was sent.
"""

import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from institutions.services import audit_record
from institutions.services import invitation_token_hash as token_hash

from .models import Learner, LearnerInvitation

logger = logging.getLogger(__name__)


class ClaimRefused(Exception):
    """The record cannot be claimed; the message says why, in words for the person claiming."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _pending(queryset):
    return queryset.filter(used_at__isnull=True, cancelled_at__isnull=True)


# --- invitations -----------------------------------------------------------------------------------


def learners_invitable(queryset):
    """The learners of `queryset` an invitation can go to: an address, and the record not yet claimed."""
    return queryset.filter(user__isnull=True).exclude(email="")


@transaction.atomic
def learner_invitations_queue(*, learners, actor=None) -> int:
    """Invite these learners (those `learners_invitable`) to claim their records; returns how many.

    Each gets a new invitation, which replaces any link sent before; the e-mails go out from a task once
    the transaction commits (or from the sweep, when the broker could not be reached).
    """
    from .tasks import send_learner_invitations

    chosen = list(learners_invitable(learners).select_related("institution"))
    if not chosen:
        return 0
    now = timezone.now()
    _pending(LearnerInvitation.objects.filter(learner__in=chosen)).update(cancelled_at=now)
    invitations = LearnerInvitation.objects.bulk_create(
        LearnerInvitation(learner=learner, email=learner.email, invited_by=actor) for learner in chosen
    )
    by_institution: dict = {}
    for learner in chosen:
        by_institution.setdefault(learner.institution, []).append(learner.student_id)
    for institution, student_ids in by_institution.items():
        audit_record(
            actor=actor, action="learner.invited", institution=institution, target=",".join(student_ids[:20]),
            count=len(student_ids),
        )  # fmt: skip
    ids = [invitation.pk for invitation in invitations]
    transaction.on_commit(lambda: send_learner_invitations.delay(ids), robust=True)
    return len(invitations)


def learner_invitations_send(*, invitation_ids: list[int]) -> int:
    """Send the queued invitations among these ids (others are skipped: running twice is harmless)."""
    sent = 0
    queued = _pending(LearnerInvitation.objects.filter(pk__in=invitation_ids, sent_at__isnull=True))
    for invitation in queued.select_related("learner__institution"):
        learner = invitation.learner
        if learner.user_id is not None:
            LearnerInvitation.objects.filter(pk=invitation.pk).update(cancelled_at=timezone.now())
            continue
        token = secrets.token_urlsafe(32)
        path = reverse("claims:invitation", kwargs={"claim_token": token})
        link = settings.PORTAL_BASE_URL.rstrip("/") + path
        context = {
            "learner": learner,
            "institution": learner.institution,
            "link": link,
            "days": settings.PORTAL_CLAIM_INVITATION_DAYS,
        }
        subject = render_to_string("achievements/email/claim_invitation_subject.txt", context).strip()
        body = render_to_string("achievements/email/claim_invitation_body.txt", context)
        # The hash is stored first: a link that went out always works, and a mail that failed is sent
        # again with a new link by the sweep (sent_at stays empty).
        expires_at = timezone.now() + timedelta(days=settings.PORTAL_CLAIM_INVITATION_DAYS)
        LearnerInvitation.objects.filter(pk=invitation.pk).update(
            token_hash=token_hash(token), expires_at=expires_at
        )
        send_mail(subject, body, None, [invitation.email])
        LearnerInvitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


def queued_invitations_resend(*, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Send invitations whose mail never went out (the broker or the mail server was down); periodic."""
    from .tasks import send_learner_invitations

    if older_than is None:
        older_than = timedelta(seconds=settings.PORTAL_RESEND_QUEUED_AFTER)
    waiting = list(
        _pending(LearnerInvitation.objects.filter(sent_at__isnull=True))
        .filter(created_at__lt=timezone.now() - older_than)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if waiting:
        logger.warning("sweep: %d learner invitation(s) not sent yet, sending them again", len(waiting))
        send_learner_invitations.delay(waiting)
    return len(waiting)


def invitation_for_token(token: str) -> LearnerInvitation:
    """The invitation this link belongs to, if it can still be used; otherwise ClaimRefused says why."""
    invitation = (
        LearnerInvitation.objects.select_related("learner__institution", "learner__user")
        .filter(token_hash=token_hash(token), sent_at__isnull=False)
        .first()
        if token and len(token) <= 100
        else None
    )
    if invitation is None:
        raise ClaimRefused("This link is not valid. Check that you copied the whole link.", status=404)
    if invitation.used_at or invitation.learner.user_id:
        raise ClaimRefused("This link has already been used: its record has been claimed.", status=410)
    if invitation.cancelled_at:
        raise ClaimRefused(
            "This link has been replaced by a newer invitation. Use the most recent e-mail you received.",
            status=410,
        )
    if invitation.expires_at and invitation.expires_at < timezone.now():
        raise ClaimRefused(
            f"This link expired on {invitation.expires_at:%d %B %Y}. "
            f"Ask {invitation.learner.institution.name} to send you a new invitation.",
            status=410,
        )
    return invitation


# --- claiming --------------------------------------------------------------------------------------


def verified_addresses(user) -> list[str]:
    return [
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]


def learners_claimable(user):
    """Records waiting for this person: unclaimed, at an address their account verified, at institutions
    where they hold no record yet."""
    addresses = verified_addresses(user)
    if not addresses:
        return Learner.objects.none()
    address_match = Q()
    for address in addresses:
        address_match |= Q(email__iexact=address)
    held = Learner.objects.filter(user=user).values("institution_id")
    return (
        Learner.objects.filter(address_match, user__isnull=True)
        .exclude(institution_id__in=held)
        .select_related("institution")
        .order_by("institution__name", "pk")
    )


@transaction.atomic
def learner_claim(*, learner: Learner, user, invitation: LearnerInvitation | None = None) -> Learner:
    """Link the record to `user`'s account, by an invitation or by an address the account verified."""
    learner = Learner.objects.select_for_update().select_related("institution").get(pk=learner.pk)
    if learner.user_id is not None:
        raise ClaimRefused("This record has already been claimed.", status=410)
    if Learner.objects.filter(institution=learner.institution, user=user).exists():
        raise ClaimRefused(
            f"Your account already holds a record of {learner.institution.name}. If this one is yours too, "
            f"ask {learner.institution.name} to merge them.",
            status=409,
        )
    if invitation is None and learner.email.lower() not in verified_addresses(user):
        raise ClaimRefused("This record is not for an address your account has verified.", status=404)
    now = timezone.now()
    learner.user, learner.claimed_at = user, now
    learner.save(update_fields=["user", "claimed_at", "updated_at"])
    if invitation is not None:
        LearnerInvitation.objects.filter(pk=invitation.pk).update(used_at=now)
    _pending(LearnerInvitation.objects.filter(learner=learner)).update(cancelled_at=now)
    audit_record(
        actor=user,
        action="learner.claimed",
        institution=learner.institution,
        target=learner.student_id,
        by="invitation" if invitation else "verified address",
    )
    return learner


def learner_address_changed(*, learner: Learner) -> None:
    """Links sent to the learner's old address stop working once the institution corrects it."""
    _pending(LearnerInvitation.objects.filter(learner=learner).exclude(email__iexact=learner.email)).update(
        cancelled_at=timezone.now()
    )

"""Holder-bound copies: the credential of an award (or a CLR) issued again to the DID of the learner's wallet.

The institution's copy, whose subject has no DID (or the learner's recorded one), stays as it is and stays
the award's current credential. A holder copy is a new credential of the same award with
`credentialSubject.id` set to the holder's DID, its own status-list index, signed by a worker like any
other, never current, and revoked with the others when the award is withdrawn (`award_credentials_revoke`
revokes every credential of an award) or its record is corrected (`holder_copies_revoke`).

Callers (the delivery room) pass the DID that *proved control of a key*, never one the wallet merely
asserted; only did:key identifiers are accepted, as they resolve without fetching anything.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from achievements.models import Award, Learner
from institutions.services import audit_record
from vc.did import did_key_document
from vc.errors import VcError

from . import services
from .models import CredentialKind, CredentialState, IssuedCredential
from .status_lists import status_indexes_allocate

MAX_DID_LENGTH = 500


def holder_did_normalized(did: str) -> str:
    """The bare did:key (no fragment) of an Ed25519 did:key; ValidationError for anything else."""
    if not isinstance(did, str) or not did or len(did) > MAX_DID_LENGTH:
        raise ValidationError("The holder must be an Ed25519 did:key.")
    try:
        return did_key_document(did.split("#", 1)[0])["id"]
    except VcError as exc:
        raise ValidationError(f"The holder must be an Ed25519 did:key: {exc.reason}") from exc


def _valid_copy(*, award: Award, holder_did: str) -> IssuedCredential | None:
    return (
        IssuedCredential.objects.filter(
            award=award, kind=CredentialKind.ACHIEVEMENT, holder_did=holder_did, revoked_at__isnull=True
        )
        .exclude(state=CredentialState.FAILED)
        .first()
    )


def _new_copy(*, award: Award, holder_did: str) -> IssuedCredential:
    [(status_list, index)] = status_indexes_allocate(institution=award.institution, count=1)
    return IssuedCredential.objects.create(
        institution=award.institution,
        kind=CredentialKind.ACHIEVEMENT,
        learner_id=award.learner_id,
        award=award,
        holder_did=holder_did,
        is_current=False,
        status_list=status_list,
        status_index=index,
    )


@transaction.atomic
def holder_credential_issue(*, award: Award, holder_did: str, actor=None) -> IssuedCredential:
    """The award's AchievementCredential bound to `holder_did` (the valid one it has, or a new queued one).

    Refused as the institution's own copy would be: a withdrawn award, an attempt, or a revoked credential
    that holds the award back (`credentials.services.credential_issue` checks, under the award's row lock).
    """
    holder_did = holder_did_normalized(holder_did)
    services.credential_issue(award=award, actor=actor)  # the checks, and the institution's copy if missing
    award = Award.objects.select_related("institution").get(pk=award.pk)
    existing = _valid_copy(award=award, holder_did=holder_did)
    if existing is not None:
        return existing
    copy = _new_copy(award=award, holder_did=holder_did)
    audit_record(
        actor=actor, action="credential.holder_copy_queued", institution=award.institution,
        target=str(copy.id), holder_did=holder_did,
    )  # fmt: skip
    services._enqueue_signing([copy.id])
    return copy


@transaction.atomic
def holder_clr_issue(*, learner: Learner, holder_did: str, awards=None, actor=None) -> IssuedCredential:
    """A new ClrCredential bound to `holder_did`, nesting the holder-bound copies of the awards.

    All the learner's issuable awards, or the chosen ones (`partial: true`); an award held back by a
    revoked credential is left out, as in the institution's CLR. Signed by a worker (`sign_clr`).
    """
    holder_did = holder_did_normalized(holder_did)
    partial = awards is not None
    chosen = list(awards) if partial else list(learner.awards.filter(withdrawn_at__isnull=True))
    if any(award.learner_id != learner.pk for award in chosen):
        raise ValidationError("A CLR may only contain the learner's own awards.")
    nested = []
    for award in services._issuable_awards(chosen):
        try:
            nested.append(holder_credential_issue(award=award, holder_did=holder_did, actor=actor))
        except ValidationError:
            continue  # held back (revoked): left out, as services.clr_issue does
    if not nested:
        raise ValidationError(
            "There is nothing to put in a CLR: the learner has no awards that can be issued."
        )
    [(status_list, index)] = status_indexes_allocate(institution=learner.institution, count=1)
    clr = IssuedCredential.objects.create(
        institution=learner.institution,
        kind=CredentialKind.CLR,
        learner=learner,
        partial=partial,
        holder_did=holder_did,
        is_current=False,
        content_hash=services.clr_content_hash(nested_ids=[c.id for c in nested], partial=partial),
        status_list=status_list,
        status_index=index,
    )
    clr.nested.set(nested)
    audit_record(
        actor=actor, action="clr.holder_copy_queued", institution=learner.institution, target=str(clr.id),
        holder_did=holder_did, partial=partial,
    )  # fmt: skip
    services._enqueue_signing([clr.id], kind=CredentialKind.CLR)
    return clr


@transaction.atomic
def holder_copies_revoke(*, award_ids: list[int], reason: str, actor=None) -> int:
    """Revoke the valid holder copies of awards whose record changed (they state what is no longer true).

    The holder claims again to get a copy of the corrected record. Returns how many were revoked.
    """
    copies = list(
        IssuedCredential.objects.filter(
            award_id__in=award_ids, kind=CredentialKind.ACHIEVEMENT, revoked_at__isnull=True
        )
        .exclude(holder_did="")
        .select_related("status_list", "institution")
    )
    for copy in copies:
        services.credential_revoke(credential=copy, reason=reason, actor=actor)
    return len(copies)

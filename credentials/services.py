"""Issuing, signing, revoking: every write of the credential lifecycle.

Services write rows inside a transaction and start background work on commit; only ids cross the
broker. Signing is idempotent: a queued row is stored signed once (checked again under a row lock),
whatever runs it or how often; the signing itself runs outside the lock.
"""

import hashlib
import logging
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from achievements.models import Award, Learner
from institutions.models import AuditEntry, Institution
from institutions.services import audit_record
from vc import canonical
from vc.errors import VcError

from . import builders
from .models import (
    CredentialKind,
    CredentialState,
    IssuanceJob,
    IssuedCredential,
    NestedExpansion,
    StatusList,
    StatusPurpose,
)
from .signing import NoActiveKeyError, document_sign
from .status_lists import status_bit_set, status_indexes_allocate

logger = logging.getLogger(__name__)

# Credentials signed per task: small credentials are chunked so per-task overhead stays small.
SIGNING_CHUNK = 50
# Learners whose CLRs a bulk job creates together (bounds the size of each batch of inserts).
BULK_CLR_BATCH = 500
# Awards looked up per query (SQLite allows 32,766 parameters in a statement).
LOOKUP_BATCH = 5000
# Credentials (and status lists) the periodic sweep sends again per run; a backlog drains over runs.
SWEEP_LIMIT = 5000
# Signed ClrCredentials whose missing PDF companion the sweep renders per run (each takes a few hundred ms
# of a worker), and how far back it looks; an older one, or one whose render failed for good, is rendered
# when first downloaded.
COMPANION_SWEEP_LIMIT = 100
COMPANION_SWEEP_WINDOW = timedelta(days=7)


class TransientIssuanceError(Exception):
    """Worth retrying: the database or broker was briefly unavailable."""


# --- creating rows -------------------------------------------------------------------------------


def _issuable_awards(awards: list[Award]) -> list[Award]:
    """The awards a credential may claim, in their order: not withdrawn, and achieved (not attempts)."""
    issuable = set(
        Award.objects.filter(pk__in=[award.pk for award in awards], withdrawn_at__isnull=True)
        .achieved()
        .values_list("pk", flat=True)
    )
    return [award for award in awards if award.pk in issuable]


def _valid(credentials: list[IssuedCredential]) -> list[IssuedCredential]:
    """What a CLR may nest: an award whose credential was revoked is left out until it is replaced."""
    return [credential for credential in credentials if credential.revoked_at is None]


REVOKED_HOLDS = (
    "Its credential was revoked{when}, so it will not be issued again on its own: withdraw the award if it "
    "is wrong, or issue a replacement (with a reason) from the revoked credential's page."
)


def _revocation_hold(credential: IssuedCredential) -> ValidationError:
    when = f" on {credential.revoked_at:%-d %B %Y}" if credential.revoked_at else ""
    return ValidationError(REVOKED_HOLDS.format(when=when))


def _credentials_for_awards(
    *, institution: Institution, awards: list[Award], job: IssuanceJob | None
) -> tuple[list[IssuedCredential], list[IssuedCredential]]:
    """The current AchievementCredential of each award, creating queued ones where missing.

    Returns (all credentials in award order, the ones created now).
    """
    existing = {}
    for start in range(0, len(awards), LOOKUP_BATCH):
        existing.update(
            (credential.award_id, credential)
            for credential in IssuedCredential.objects.filter(
                award__in=awards[start : start + LOOKUP_BATCH],
                kind=CredentialKind.ACHIEVEMENT,
                is_current=True,
            )
        )
    missing = [award for award in awards if award.pk not in existing]
    created = []
    if missing:
        allocations = status_indexes_allocate(institution=institution, count=len(missing))
        created = IssuedCredential.objects.bulk_create(
            [
                IssuedCredential(
                    institution=institution,
                    kind=CredentialKind.ACHIEVEMENT,
                    learner_id=award.learner_id,
                    award=award,
                    job=job,
                    status_list=status_list,
                    status_index=index,
                )
                for award, (status_list, index) in zip(missing, allocations, strict=True)
            ]
        )
        existing.update({credential.award_id: credential for credential in created})
    return [existing[award.pk] for award in awards], created


def _enqueue_signing(
    credential_ids: list, *, kind: str = CredentialKind.ACHIEVEMENT, bulk: bool = False
) -> None:
    """Send the credentials to the workers once the transaction commits; a bulk job's (`bulk`) after
    everyone else's (`sending.BULK_PRIORITY`).

    Never fails the caller: with the broker unreachable the rows stay queued, `sending.sends_deferred`
    records it (for the page to say so), and `queued_work_resend` sends them when the broker is back.
    """
    from .sending import priority, sends_deferred
    from .tasks import sign_clr, sign_credentials

    ids = [str(credential_id) for credential_id in credential_ids]
    if not ids:
        return
    options = priority(bulk=bulk)

    def send():
        with sends_deferred():
            if kind == CredentialKind.CLR:
                for credential_id in ids:
                    sign_clr.apply_async((credential_id,), **options)
                return
            for start in range(0, len(ids), SIGNING_CHUNK):
                sign_credentials.apply_async((ids[start : start + SIGNING_CHUNK],), **options)

    transaction.on_commit(send)


@transaction.atomic
def credential_issue(*, award: Award, actor=None) -> IssuedCredential:
    """Issue the award's AchievementCredential (or return the one it already has)."""
    # Read the row afresh and lock it, so a withdrawal happening now cannot slip past this check.
    award = Award.objects.select_for_update().select_related("institution").get(pk=award.pk)
    if award.withdrawn_at is not None:
        raise ValidationError("A withdrawn award cannot be issued as a credential.")
    if award.is_attempt:
        raise ValidationError(
            "This is an attempt, not an achievement: its result is below the criteria, so no credential "
            "may claim it. It stays on the learner's record with its grade."
        )
    [credential], created = _credentials_for_awards(institution=award.institution, awards=[award], job=None)
    if credential.is_revoked:
        raise _revocation_hold(credential)
    if created:
        audit_record(
            actor=actor, action="credential.queued", institution=award.institution, target=str(credential.id)
        )
        _enqueue_signing([credential.id])
    return credential


def clr_content_hash(*, nested_ids, partial: bool) -> str:
    """What a ClrCredential says, as a hash: the nested credentials (each stable once created) and scope."""
    payload = "|".join(sorted(str(i) for i in nested_ids)) + f"|partial={partial}"
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def clr_issue(
    *, learner: Learner, awards=None, actor=None, job: IssuanceJob | None = None, include_name: bool = False
) -> IssuedCredential:
    """Issue a ClrCredential of all the learner's awards, or of a chosen subset (`partial: true`).

    A full CLR whose content did not change since the last one is not signed again: the current one
    is returned. A new full CLR replaces the current one; the old one stays valid unless revoked.
    `include_name` names the learner in the subject as well (a share link's choice).
    """
    partial = awards is not None
    chosen = list(awards) if partial else list(learner.awards.filter(withdrawn_at__isnull=True))
    if any(award.learner_id != learner.pk for award in chosen):
        raise ValidationError("A CLR may only contain the learner's own awards.")
    chosen = _issuable_awards(chosen)
    if not chosen:
        raise ValidationError(
            "There is nothing to put in a CLR: the learner has no awards that can be issued."
        )
    nested, created = _credentials_for_awards(institution=learner.institution, awards=chosen, job=job)
    if created:
        _enqueue_signing([credential.id for credential in created], bulk=job is not None)
    nested = _valid(nested)
    if not nested:
        raise ValidationError(
            "There is nothing to put in a CLR: the credentials of the chosen awards were revoked."
        )
    content_hash = clr_content_hash(nested_ids=[c.id for c in nested], partial=partial)

    same = IssuedCredential.objects.filter(
        learner=learner, kind=CredentialKind.CLR, content_hash=content_hash, revoked_at__isnull=True,
        names_learner=include_name,
    ).exclude(state=CredentialState.FAILED)  # fmt: skip
    if not partial:
        same = same.filter(is_current=True)
    existing = same.first()
    if existing is not None:
        return existing

    [(status_list, index)] = status_indexes_allocate(institution=learner.institution, count=1)
    if not partial:
        IssuedCredential.objects.filter(learner=learner, kind=CredentialKind.CLR, is_current=True).update(
            is_current=False
        )
    clr = IssuedCredential.objects.create(
        institution=learner.institution,
        kind=CredentialKind.CLR,
        learner=learner,
        partial=partial,
        names_learner=include_name,
        is_current=not partial,
        content_hash=content_hash,
        job=job,
        status_list=status_list,
        status_index=index,
    )
    clr.nested.set(nested)
    audit_record(
        actor=actor, action="clr.queued", institution=learner.institution, target=str(clr.id), partial=partial
    )
    _enqueue_signing([clr.id], kind=CredentialKind.CLR, bulk=job is not None)
    return clr


def _clrs_issue(*, institution: Institution, learner_ids: list[int], job: IssuanceJob, actor=None) -> int:
    """Full CLRs for many learners at once, by the rules of `clr_issue`, in a few queries per batch.

    Returns how many were created (learners whose current CLR already says the same get none).
    """
    awards_of: dict[int, list[Award]] = defaultdict(list)
    for award in Award.objects.filter(learner_id__in=learner_ids).active().achieved().order_by("pk"):
        awards_of[award.learner_id].append(award)
    all_awards = [award for learner_id in learner_ids for award in awards_of[learner_id]]
    nested, created = _credentials_for_awards(institution=institution, awards=all_awards, job=job)
    _enqueue_signing([credential.id for credential in created], bulk=True)
    nested_of: dict[int, list[IssuedCredential]] = defaultdict(list)
    for credential in _valid(nested):
        nested_of[credential.learner_id].append(credential)
    hashes = {
        learner_id: clr_content_hash(nested_ids=[c.id for c in nested_of[learner_id]], partial=False)
        for learner_id in learner_ids
        if nested_of[learner_id]
    }
    unchanged = set(
        IssuedCredential.objects.filter(
            learner_id__in=list(hashes), kind=CredentialKind.CLR, is_current=True, revoked_at__isnull=True
        )
        .exclude(state=CredentialState.FAILED)
        .values_list("learner_id", "content_hash")
    )
    todo = [learner_id for learner_id, digest in hashes.items() if (learner_id, digest) not in unchanged]
    if not todo:
        return 0
    allocations = status_indexes_allocate(institution=institution, count=len(todo))
    IssuedCredential.objects.filter(learner_id__in=todo, kind=CredentialKind.CLR, is_current=True).update(
        is_current=False
    )
    clrs = IssuedCredential.objects.bulk_create(
        [
            IssuedCredential(
                institution=institution, kind=CredentialKind.CLR, learner_id=learner_id, partial=False,
                is_current=True, content_hash=hashes[learner_id], job=job, status_list=status_list,
                status_index=index,
            )
            for learner_id, (status_list, index) in zip(todo, allocations, strict=True)
        ]
    )  # fmt: skip
    through = IssuedCredential.nested.through
    through.objects.bulk_create(
        [
            through(from_issuedcredential_id=clr.pk, to_issuedcredential_id=credential.pk)
            for clr in clrs
            for credential in nested_of[clr.learner_id]
        ],
        batch_size=5000,
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor if getattr(actor, "pk", None) else None, institution=institution, action="clr.queued",
            target=str(clr.id), data={"partial": False},
        )
        for clr in clrs
    )  # fmt: skip
    _enqueue_signing([clr.id for clr in clrs], kind=CredentialKind.CLR, bulk=True)
    return len(clrs)


@dataclass(frozen=True)
class Selection:
    """What a bulk job covers: the awards of a term and/or of chosen achievements (e.g. a program's)."""

    term: str | None = None
    achievement_ids: tuple[int, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.term:
            parts.append(f"term {self.term}")
        if self.achievement_ids:
            parts.append(f"{len(self.achievement_ids)} achievement(s)")
        return "All awards of " + (", ".join(parts) if parts else "the institution")

    def as_json(self) -> dict:
        return {"term": self.term, "achievement_ids": list(self.achievement_ids)}


def _selected_awards(*, institution: Institution, selection: Selection):
    awards = Award.objects.filter(institution=institution).active().achieved()
    if selection.term:
        awards = awards.filter(term=selection.term)
    if selection.achievement_ids:
        awards = awards.filter(achievement_id__in=selection.achievement_ids)
    return awards


@transaction.atomic
def bulk_issue(
    *, institution: Institution, selection: Selection, actor=None, with_clrs: bool = True
) -> IssuanceJob:
    """Issue every selected award not yet issued, then a CLR for each learner whose record changed."""
    job = IssuanceJob.objects.create(
        institution=institution, actor=actor if getattr(actor, "pk", None) else None,
        description=selection.describe(), selection=selection.as_json(),
    )  # fmt: skip
    awards = list(
        _selected_awards(institution=institution, selection=selection)
        .exclude(credentials__kind=CredentialKind.ACHIEVEMENT, credentials__is_current=True)
        .order_by("learner_id", "pk")
    )
    _credentials, created = _credentials_for_awards(institution=institution, awards=awards, job=job)
    _enqueue_signing([credential.id for credential in created], bulk=True)
    if with_clrs:
        learner_ids = sorted({award.learner_id for award in awards})
        for start in range(0, len(learner_ids), BULK_CLR_BATCH):
            _clrs_issue(
                institution=institution,
                learner_ids=learner_ids[start : start + BULK_CLR_BATCH],
                job=job,
                actor=actor,
            )
    # Everything created for this job counts, including credentials of other awards a CLR needed.
    counts = IssuedCredential.objects.filter(job=job).aggregate(
        total=Count("pk"), clrs=Count("pk", filter=Q(kind=CredentialKind.CLR))
    )
    job.total, job.pdfs_expected = counts["total"], counts["clrs"]
    if job.total == 0:
        job.state = IssuanceJob.State.DONE
        job.finished_at = timezone.now()
    job.save(update_fields=["total", "pdfs_expected", "state", "finished_at"])
    audit_record(
        actor=actor,
        action="issuance_job.started",
        institution=institution,
        target=str(job.id),
        total=job.total,
    )
    return job


# --- signing (called by the Celery tasks) -------------------------------------------------------


def _achievement_rows(ids):
    return (
        IssuedCredential.objects
        .filter(pk__in=ids, state=CredentialState.QUEUED, kind=CredentialKind.ACHIEVEMENT)
        .select_related(
            "institution", "learner", "status_list__institution", "award__achievement_version__achievement",
        )
        .prefetch_related(
            "award__results__result_description", "award__results__achieved_level", "award__evidence",
            "award__results__aligned_to__current_version__alignments",
            "award__results__aligned_to__institution",
        )
        .order_by("created_at", "pk")
    )  # fmt: skip


def _count_for_jobs(outcomes: list[tuple[IssuedCredential, bool]]) -> None:
    """Add this batch's signed/failed counts to their jobs, and close jobs that are complete.

    A ClrCredential that failed will have no PDF companion: its job stops expecting one.
    """
    per_job: dict = {}
    for credential, ok in outcomes:
        if credential.job_id:
            signed, failed, failed_clrs = per_job.get(credential.job_id, (0, 0, 0))
            failed_clr = not ok and credential.kind == CredentialKind.CLR
            per_job[credential.job_id] = (signed + ok, failed + (not ok), failed_clrs + failed_clr)
    for job_id, (signed, failed, failed_clrs) in per_job.items():
        IssuanceJob.objects.filter(pk=job_id).update(
            signed=F("signed") + signed,
            failed=F("failed") + failed,
            pdfs_expected=Greatest(F("pdfs_expected") - failed_clrs, 0),
        )
    IssuanceJob.objects.filter(pk__in=list(per_job)).close_finished()


def _sign_one(credential: IssuedCredential, unsigned_builder, cache: builders.DocumentCache) -> bool:
    """Build, check and sign one credential in memory. A permanent problem marks it failed with a reason."""
    credential.attempts += 1
    try:
        unsigned = unsigned_builder()
        credential.document, credential.signing_key = document_sign(
            institution=credential.institution,
            document=unsigned,
            key=cache.signing_key(credential.institution),
        )
    except (VcError, ValidationError, NoActiveKeyError) as exc:
        reason = getattr(exc, "reason", None) or "; ".join(getattr(exc, "messages", [])) or str(exc)
        issues = getattr(exc, "issues", None)
        if issues:
            reason += " " + "; ".join(str(issue) for issue in issues[:5])
        credential.state = CredentialState.FAILED
        credential.error = reason
        logger.warning("credential %s failed permanently: %s", credential.id, reason)
        return False
    credential.state = CredentialState.SIGNED
    credential.error = ""
    return True


@transaction.atomic
def _store(outcomes: list[tuple[IssuedCredential, bool]]) -> list[tuple[IssuedCredential, bool]]:
    """Write what was signed, for the rows still queued; returns the outcomes written.

    The rows are locked and checked again here: when two runs signed the same row (a redelivered
    task, a CLR signing its nested credentials while a chunk task does too), the first to store wins
    and the other's work is dropped, so a credential is stored and counted once.
    """
    if not outcomes:
        return []
    still_queued = set(
        IssuedCredential.objects.select_for_update()
        .filter(pk__in=[row.pk for row, _ok in outcomes], state=CredentialState.QUEUED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    stored = [(row, ok) for row, ok in outcomes if row.pk in still_queued]
    # Rows of a batch mostly share their outcome: one UPDATE per outcome, then the documents alone
    # (a bulk_update of every field costs more in building its CASE expressions than in the database).
    now = timezone.now()
    groups: dict[tuple, list] = defaultdict(list)
    for row, _ok in stored:
        row.updated_at = now
        groups[(row.state, row.error, row.attempts, row.signing_key_id)].append(row.pk)
    for (state, error, attempts, key_id), pks in groups.items():
        fields = {"state": state, "error": error, "attempts": attempts, "updated_at": now}
        if state == CredentialState.SIGNED:
            fields.update(signing_key_id=key_id, signed_at=now)
        IssuedCredential.objects.filter(pk__in=pks).update(**fields)
    documents = [row for row, ok in stored if ok]
    for row in documents:
        row.signed_at = now
    IssuedCredential.objects.bulk_update(documents, ["document"], batch_size=500)
    _count_for_jobs(stored)
    return stored


def credentials_sign(*, credential_ids: list) -> tuple[int, int]:
    """Sign the queued AchievementCredentials among `credential_ids`; returns (signed, failed) as stored.

    Building and signing happen outside any transaction, so workers do not hold locks (or, on SQLite,
    the database's write lock) while they compute; `_store` then writes each credential once.
    """
    rows = list(_achievement_rows(credential_ids))
    if not rows:
        return 0, 0
    cache = builders.DocumentCache()
    cache.prime({row.award.achievement_version for row in rows})
    outcomes = [
        (
            row,
            _sign_one(
                row,
                lambda row=row: builders.achievement_credential_document(credential=row, cache=cache),
                cache,
            ),
        )
        for row in rows
    ]
    stored = _store(outcomes)
    signed = sum(ok for _row, ok in stored)
    return signed, len(stored) - signed


def clr_sign(*, credential_id) -> IssuedCredential | None:
    """Sign a queued ClrCredential, first signing any nested credential still queued."""
    clr = (
        IssuedCredential.objects.select_related("institution", "learner", "status_list__institution")
        .filter(pk=credential_id, kind=CredentialKind.CLR, state=CredentialState.QUEUED)
        .first()
    )
    if clr is None:
        return None
    nested_ids = list(clr.nested.values_list("pk", flat=True))
    credentials_sign(credential_ids=nested_ids)
    # The stored documents (whoever signed them) are what the CLR nests.
    nested = list(
        IssuedCredential.objects.filter(pk__in=nested_ids)
        .select_related("award__achievement_version__achievement")
        .order_by("award__term", "award__awarded_date", "pk")
    )
    not_signed = [item for item in nested if item.state != CredentialState.SIGNED]
    cache = builders.DocumentCache()
    if not_signed:
        clr.state = CredentialState.FAILED
        clr.attempts += 1
        clr.error = f"{len(not_signed)} of the nested credentials could not be signed: " + "; ".join(
            f"{item.award}: {item.error}" for item in not_signed[:3]
        )
        ok = False
    else:
        with canonical.kept_expansions(_kept_expansions(nested)) as learned:
            ok = _sign_one(
                clr,
                lambda: builders.clr_credential_document(credential=clr, nested=nested, cache=cache),
                cache,
            )
    if not _store([(clr, ok)]):
        return IssuedCredential.objects.get(pk=clr.pk)
    if ok:
        _keep_expansions(learned, nested)
        _enqueue_companion_pdf(clr.pk, bulk=clr.job_id is not None)
    return clr


def _kept_expansions(nested: list[IssuedCredential]) -> dict[str, bytes]:
    """What signing earlier CLRs learned of expanding these credentials (see NestedExpansion)."""
    rows = NestedExpansion.objects.filter(credential__in=nested).values_list("key", "value")
    return {key: bytes(value) for key, value in rows}


def _keep_expansions(learned: dict[str, tuple[str, bytes]], nested: list[IssuedCredential]) -> None:
    """Keep what signing a CLR learned beside the credentials it was learned of. Only a cache: a
    failure to write it is logged, and the next CLR learns it again."""
    if not learned:
        return
    digests = {digest for digest, _value in learned.values()}
    by_digest = {}
    for item in nested:
        digest = canonical.embedded_digest(item.document)
        if digest in digests:
            by_digest[digest] = item
            if len(by_digest) == len(digests):
                break
    rows = [
        NestedExpansion(credential=by_digest[digest], key=key, value=value)
        for key, (digest, value) in learned.items()
        if digest in by_digest
    ]
    try:
        with transaction.atomic():
            NestedExpansion.objects.bulk_create(rows, ignore_conflicts=True)
    except DatabaseError as exc:
        logger.warning("the expansions of %s nested credentials were not kept: %s", len(rows), exc)


# --- the PDF companion (credentials.companion) ------------------------------------------------------


def _enqueue_companion_pdf(credential_id, *, bulk: bool = False) -> None:
    """Render the credential's PDF companion in a worker once its signed row is committed (a bulk job's
    after everyone else's work).

    Never fails the caller: with the broker unreachable the PDF is rendered when first asked for
    (`companion_pdf_store` renders whatever is missing).
    """
    from kombu.exceptions import OperationalError as BrokerUnreachable

    from .companion_tasks import render_companion_pdf
    from .sending import priority

    def send():
        try:
            render_companion_pdf.apply_async((str(credential_id),), **priority(bulk=bulk))
        except BrokerUnreachable as exc:
            logger.warning("broker unreachable, PDF of credential %s not rendered: %s", credential_id, exc)

    transaction.on_commit(send)


# --- jobs -----------------------------------------------------------------------------------------


@transaction.atomic
def job_retry_failed(*, job: IssuanceJob, actor=None) -> int:
    """Queue the job's failed credentials again (after the cause was fixed); returns how many."""
    failed = list(job.credentials.filter(state=CredentialState.FAILED))
    if not failed:
        return 0
    IssuedCredential.objects.filter(pk__in=[c.pk for c in failed]).update(
        state=CredentialState.QUEUED, error=""
    )
    clrs = sum(credential.kind == CredentialKind.CLR for credential in failed)
    IssuanceJob.objects.filter(pk=job.pk).update(
        failed=F("failed") - len(failed),
        pdfs_expected=F("pdfs_expected") + clrs,
        state=IssuanceJob.State.RUNNING,
        finished_at=None,
    )
    for kind in (CredentialKind.ACHIEVEMENT, CredentialKind.CLR):
        _enqueue_signing([c.id for c in failed if c.kind == kind], kind=kind, bulk=True)
    audit_record(
        actor=actor,
        action="issuance_job.retried",
        institution=job.institution,
        target=str(job.id),
        count=len(failed),
    )
    return len(failed)


def job_requeue_stalled(*, job: IssuanceJob) -> int:
    """Send the job's still-queued credentials and missing PDFs to the workers again (e.g. after a worker
    machine died); returns how many.

    Harmless when they are in fact being signed or rendered: both are idempotent.
    """
    queued = job.credentials.filter(state=CredentialState.QUEUED)
    achievement_ids = list(queued.filter(kind=CredentialKind.ACHIEVEMENT).values_list("pk", flat=True))
    clr_ids = list(queued.filter(kind=CredentialKind.CLR).values_list("pk", flat=True))
    unrendered = list(
        job.credentials.signed()
        .filter(kind=CredentialKind.CLR, pdf="", pdf_rendered_at__isnull=True)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        _enqueue_signing(achievement_ids, bulk=True)
        _enqueue_signing(clr_ids, kind=CredentialKind.CLR, bulk=True)
        for credential_id in unrendered:
            _enqueue_companion_pdf(credential_id, bulk=True)
    return len(achievement_ids) + len(clr_ids) + len(unrendered)


def jobs_resume_stalled(*, idle_for: timedelta = timedelta(minutes=10)) -> list[IssuanceJob]:
    """Resend the waiting work of running jobs that signed nothing for `idle_for` (their worker died).

    Run periodically (Celery beat). A job still making progress is left alone, so its queue is not doubled.
    """
    cutoff = timezone.now() - idle_for
    resumed = []
    for job in IssuanceJob.objects.filter(state=IssuanceJob.State.RUNNING, created_at__lt=cutoff):
        progress = job.credentials.aggregate(signed=Max("signed_at"), rendered=Max("pdf_rendered_at"))
        if any(last is not None and last >= cutoff for last in progress.values()):
            continue
        if job_requeue_stalled(job=job):
            logger.warning(
                "issuance job %s made no progress since %s: waiting work sent again", job.pk, cutoff
            )
            resumed.append(job)
    return resumed


def queued_work_resend(
    *, older_than: timedelta | None = None, limit: int = SWEEP_LIMIT, pdf_limit: int = COMPANION_SWEEP_LIMIT
) -> dict[str, int]:
    """Send queued credentials, unsigned status lists and missing PDF companions to the workers again.

    Run periodically (Celery beat, `PORTAL_RESEND_INTERVAL`), this is what makes an outage harmless:
    work whose message never reached the broker (it was down), was lost with it, or died with a worker
    is picked up without anyone pressing a button. Idempotent, as signing and publishing are:

    - a credential is resent once it has waited `older_than` (`PORTAL_RESEND_QUEUED_AFTER`), in a job or
      not, unless its job signed something in that time (its work is on its way: resending it would
      only double the queue);
    - at most `limit` credentials and `limit` status lists per run, oldest first;
    - the PDF companion of a learner's current, unrevoked ClrCredential (or of a running job's CLR) signed
      between `COMPANION_SWEEP_WINDOW` and `older_than` ago is rendered when it has none, unless its render
      failed for good (`companion_pdf_failed`) or its job signed or rendered something in that time (the
      render is still waiting in the queue behind that work); at most `pdf_limit` per run, oldest first.

    Returns how many of each were sent (or left to the next run when the broker is still down).
    """
    from .sending import sends_deferred
    from .tasks import publish_status_list

    if older_than is None:
        older_than = timedelta(seconds=settings.PORTAL_RESEND_QUEUED_AFTER)
    cutoff = timezone.now() - older_than
    job_signing = IssuedCredential.objects.filter(job_id=OuterRef("job_id"), signed_at__gte=cutoff)
    waiting = list(
        IssuedCredential.objects.filter(state=CredentialState.QUEUED, updated_at__lt=cutoff)
        .filter(~Exists(job_signing))
        .order_by("created_at", "pk")
        .values_list("pk", "kind", "job_id")[:limit]
    )
    unsigned_lists = list(
        StatusList.objects.filter(updated_at__lt=cutoff)
        .exclude(signed_revision=F("revision"))
        .order_by("updated_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    job_busy = IssuedCredential.objects.filter(job_id=OuterRef("job_id")).filter(
        Q(signed_at__gte=cutoff) | Q(pdf_rendered_at__gte=cutoff)
    )
    unrendered = list(
        IssuedCredential.objects.signed()
        # A learner's current record, and every CLR of a job still waiting for its PDFs.
        .filter(Q(is_current=True, revoked_at__isnull=True) | Q(job__state=IssuanceJob.State.RUNNING))
        .filter(kind=CredentialKind.CLR, pdf="", pdf_rendered_at__isnull=True)
        .filter(signed_at__lt=cutoff, signed_at__gte=timezone.now() - COMPANION_SWEEP_WINDOW)
        .filter(~Exists(job_busy))
        .order_by("signed_at", "pk")
        .values_list("pk", "job_id")[:pdf_limit]
    )
    with sends_deferred() as deferred, transaction.atomic():
        for bulk in (False, True):  # a job's work after everyone else's, as when it was first sent
            for kind in (CredentialKind.ACHIEVEMENT, CredentialKind.CLR):
                ids = [pk for pk, of_kind, job in waiting if of_kind == kind and (job is not None) == bulk]
                _enqueue_signing(ids, kind=kind, bulk=bulk)
        for status_list_id in unsigned_lists:
            transaction.on_commit(lambda pk=status_list_id: publish_status_list.delay(pk))
        for credential_id, job_id in unrendered:
            _enqueue_companion_pdf(credential_id, bulk=job_id is not None)
    if waiting or unsigned_lists or unrendered:
        logger.warning(
            "sweep: %d queued credential(s), %d unsigned status list(s) and %d missing PDF companion(s) "
            "waiting since before %s %s",
            len(waiting), len(unsigned_lists), len(unrendered), cutoff,
            "left for the next run" if deferred else "sent again",
        )  # fmt: skip
    return {
        "credentials": len(waiting),
        "status_lists": len(unsigned_lists),
        "companion_pdfs": len(unrendered),
    }


# --- telling learners about status changes ---------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """What happened to one credential: `change` is revoked, replaced, suspended or reinstated."""

    credential_id: object
    change: str
    reason: str = ""


# The changes of the outermost status service running now, keyed by credential id (see `_tells_learners`).
_status_changes: ContextVar[dict | None] = ContextVar("status_changes", default=None)


@contextmanager
def _changes_collected():
    if _status_changes.get() is not None:  # an outer service collects, and tells, for all of them
        yield
        return
    changes: dict = {}
    token = _status_changes.set(changes)
    try:
        yield
    finally:
        _status_changes.reset(token)
    if changes:
        transaction.on_commit(lambda: status_emails_send(changes=list(changes.values())))


def _tells_learners(service):
    """Once the service's transaction commits, e-mail each learner once about their changed credentials.

    Nested status services (a withdrawal revoking every credential of an award, a replacement revoking
    first, a re-import replacing many) add to the outermost one's changes: one call, one e-mail a learner.
    Goes inside `@transaction.atomic`, so nothing is sent for a change that was rolled back.
    """

    @wraps(service)
    def wrapped(*args, **kwargs):
        with _changes_collected():
            return service(*args, **kwargs)

    return wrapped


def _change_noted(credential: IssuedCredential, *, change: str, reason: str = "") -> None:
    changes = _status_changes.get()
    if changes is not None:
        changes[credential.pk] = StatusChange(credential_id=credential.pk, change=change, reason=reason)


def status_email_address(*, learner: Learner) -> str:
    """Where a learner is told about their credentials: their account's address, else the SIS's, or ''."""
    user = learner.user if learner.user_id else None
    return (user.email if user is not None else "") or learner.email


def _credential_title(credential: IssuedCredential) -> str:
    if credential.kind == CredentialKind.CLR:
        return credential.name or "Comprehensive Learner Record"
    award = credential.award
    version_name = award.achievement_version.name if award and award.achievement_version_id else ""
    return credential.name or version_name or (award.achievement.human_code if award else "") or "Credential"


def status_emails_send(*, changes: list[StatusChange]) -> int:
    """E-mail each learner one plain-text message about the changes to their credentials; returns how many.

    Runs after the change committed: a mail that cannot be sent is logged and the change stands.
    """
    kept = {change.credential_id: change for change in changes}
    credentials = IssuedCredential.objects.filter(pk__in=list(kept)).select_related(
        "institution", "learner__user", "learner__institution", "award__achievement",
        "award__achievement_version",
    )  # fmt: skip
    by_learner: dict[int, list[IssuedCredential]] = defaultdict(list)
    for credential in credentials.order_by("learner_id", "award__term", "created_at"):
        by_learner[credential.learner_id].append(credential)
    base_url = settings.PORTAL_BASE_URL.rstrip("/")
    outgoing = []
    for items in by_learner.values():
        learner = items[0].learner
        address = status_email_address(learner=learner)
        if not address:
            continue
        context = {
            "learner": learner,
            "institution": learner.institution,
            "items": [
                {
                    "name": _credential_title(credential),
                    "term": credential.award.term if credential.award_id else "",
                    "change": kept[credential.pk].change,
                    "reason": kept[credential.pk].reason,
                    "link": base_url + reverse("wallet:record", kwargs={"credential_id": credential.pk}),
                }
                for credential in items
            ],
        }
        subject = " ".join(render_to_string("credentials/email/status_changed_subject.txt", context).split())
        body = render_to_string("credentials/email/status_changed_body.txt", context)
        outgoing.append((learner, [str(credential.pk) for credential in items], subject, body, address))
    sent = 0
    try:
        with get_connection() as connection:
            for learner, credential_ids, subject, body, address in outgoing:
                try:
                    EmailMessage(subject, body, None, [address], connection=connection).send()
                    sent += 1
                except Exception as error:  # the status change is committed; only the mail is lost
                    logger.warning(
                        "could not e-mail learner %s about credential(s) %s: %s: %s",
                        learner.pk, ", ".join(credential_ids), type(error).__name__, error,
                    )  # fmt: skip
    except Exception as error:  # opening or closing the mail connection
        logger.warning(
            "could not e-mail %d learner(s) about status changes: %s: %s",
            len(outgoing) - sent, type(error).__name__, error,
        )  # fmt: skip
    return sent


# --- revocation and suspension ---------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason: it is kept in the audit history.")
    return reason


def _status_changed(
    credential: IssuedCredential, *, purpose: str, value: bool, fields: list[str], action: str, actor, **data
) -> IssuedCredential:
    """Save the changed fields, flip the bit in the status list (re-signed on commit), and audit."""
    credential.save(update_fields=[*fields, "updated_at"])
    if credential.status_list_id is not None:
        status_bit_set(
            status_list=credential.status_list, index=credential.status_index, purpose=purpose, value=value
        )
    audit_record(
        actor=actor, action=action, institution=credential.institution, target=str(credential.id), **data
    )
    return credential


@transaction.atomic
@_tells_learners
def credential_revoke(*, credential: IssuedCredential, reason: str, actor=None) -> IssuedCredential:
    """Revoke for good: the revocation bit is set and the status list re-signed."""
    reason = _require_reason(reason)
    if credential.is_revoked:
        return credential
    credential.revoked_at = timezone.now()
    credential.revocation_reason = reason
    _change_noted(credential, change="revoked", reason=reason)
    # A revoked AchievementCredential stays its award's current one: that is what stops every issuing
    # path from signing the award again, until it is withdrawn or replaced on purpose (credential_replace).
    return _status_changed(
        credential,
        purpose=StatusPurpose.REVOCATION,
        value=True,
        fields=["revoked_at", "revocation_reason"],
        action="credential.revoked",
        actor=actor,
        reason=reason,
    )


@transaction.atomic
@_tells_learners
def credential_replace(*, credential: IssuedCredential, reason: str, actor=None) -> IssuedCredential:
    """Issue a new AchievementCredential for the award of `credential`, revoking it first if need be.

    The deliberate way past a revocation (see credential_revoke). Touches nothing else: other credentials,
    and CLRs that nest the old one, stay as they are (the learner's next CLR nests the replacement).
    """
    reason = _require_reason(reason)
    credential = (
        IssuedCredential.objects.select_for_update(of=("self",))
        .select_related("status_list")
        .get(pk=credential.pk)
    )
    if credential.kind != CredentialKind.ACHIEVEMENT:
        raise ValidationError("Only the credential of one award can be replaced; issue a new CLR instead.")
    if not credential.is_current:
        raise ValidationError("This credential has already been replaced.")
    award = Award.objects.select_for_update().get(pk=credential.award_id)
    if award.withdrawn_at is not None:
        raise ValidationError("The award is withdrawn: reinstate it before issuing a replacement.")
    if not credential.is_revoked:
        credential_revoke(credential=credential, reason=f"Replaced: {reason}", actor=actor)
    _change_noted(credential, change="replaced", reason=reason)
    IssuedCredential.objects.filter(pk=credential.pk).update(is_current=False, updated_at=timezone.now())
    [replacement], _created = _credentials_for_awards(
        institution=credential.institution, awards=[award], job=None
    )
    audit_record(
        actor=actor,
        action="credential.replaced",
        institution=credential.institution,
        target=str(credential.id),
        reason=reason,
        replacement=str(replacement.id),
    )
    _enqueue_signing([replacement.id])
    return replacement


@transaction.atomic
@_tells_learners
def credential_suspend(*, credential: IssuedCredential, reason: str, actor=None) -> IssuedCredential:
    """Suspend until further notice (reversible)."""
    reason = _require_reason(reason)
    if credential.is_revoked:
        raise ValidationError("A revoked credential cannot be suspended.")
    credential.suspended_at = timezone.now()
    credential.suspension_reason = reason
    _change_noted(credential, change="suspended", reason=reason)
    return _status_changed(
        credential,
        purpose=StatusPurpose.SUSPENSION,
        value=True,
        fields=["suspended_at", "suspension_reason"],
        action="credential.suspended",
        actor=actor,
        reason=reason,
    )


@transaction.atomic
@_tells_learners
def credential_unsuspend(*, credential: IssuedCredential, actor=None) -> IssuedCredential:
    """Lift a suspension."""
    if not credential.is_suspended:
        return credential
    credential.suspended_at = None
    credential.suspension_reason = ""
    _change_noted(credential, change="reinstated")
    return _status_changed(
        credential,
        purpose=StatusPurpose.SUSPENSION,
        value=False,
        fields=["suspended_at", "suspension_reason"],
        action="credential.unsuspended",
        actor=actor,
    )


@transaction.atomic
@_tells_learners
def award_credentials_revoke(*, award: Award, reason: str, actor=None) -> int:
    """Revoke every credential issued for an award (e.g. when it is withdrawn); returns how many."""
    credentials = list(
        IssuedCredential.objects.filter(award=award, revoked_at__isnull=True).select_related("status_list")
    )
    for credential in credentials:
        credential_revoke(credential=credential, reason=reason, actor=actor)
    return len(credentials)


@transaction.atomic
@_tells_learners
def awards_reissue(*, award_ids: list[int], reason: str, actor=None) -> int:
    """Replace the signed credentials of awards whose record changed (e.g. a corrected grade).

    The old credential is revoked (it states what is no longer true) and a new one is queued; a credential
    still queued needs nothing, as it is built from the award when it is signed. Returns how many.
    """
    outdated = list(
        IssuedCredential.objects.filter(
            award_id__in=award_ids,
            kind=CredentialKind.ACHIEVEMENT,
            is_current=True,
            state=CredentialState.SIGNED,
            revoked_at__isnull=True,
        ).select_related("status_list", "institution", "award")
    )
    for credential in outdated:
        if credential.award.withdrawn_at is None:
            credential_replace(credential=credential, reason=reason, actor=actor)
        else:
            credential_revoke(credential=credential, reason=reason, actor=actor)
    return len(outdated)

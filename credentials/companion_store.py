"""Storing a credential's PDF companion once, and marking one that cannot be rendered.

Apart from the renderer (`companion`), this needs only the models: it is what a PDF-only worker
(`PORTAL_PDF_WORKER`, see `companion_tasks`) loads, without signing, the catalog's services or any page.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import CredentialKind, CredentialState, IssuanceJob, IssuedCredential


def _pdf_stored(credential: IssuedCredential) -> bool:
    return bool(credential.pdf) and credential.pdf.storage.exists(credential.pdf.name)


def companion_pdf_store(*, credential_id) -> IssuedCredential | None:
    """Render and store the PDF companion of a signed credential whose PDF is missing; returns the row.

    Rendering runs outside any transaction, as signing does; the row is then locked and checked again,
    so however many runs race, one file is stored (through the `pdf` field's storage) and the others'
    work is dropped. The first render of a job's CLR counts in its job. None when there is no signed
    ClrCredential or AchievementCredential of that id; `companion.CompanionError` when it cannot be rendered.
    """
    from .companion import companion_pdf  # WeasyPrint: loaded by the processes that render, when they do

    credential = (
        IssuedCredential.objects.select_related("institution", "learner")
        .filter(pk=credential_id, state=CredentialState.SIGNED)
        .filter(kind__in=[CredentialKind.CLR, CredentialKind.ACHIEVEMENT])
        .first()
    )
    if credential is None or _pdf_stored(credential):
        return credential
    content = companion_pdf(credential)
    with transaction.atomic():
        # Not the signed document again: decoding a CLR's was ~1 % of a render.
        locked = (
            IssuedCredential.objects.select_for_update()
            .only("pk", "kind", "job_id", "pdf", "pdf_rendered_at", "pdf_error")
            .get(pk=credential.pk)
        )
        if _pdf_stored(locked):
            return locked
        first_render = locked.pdf_rendered_at is None
        locked.pdf.save(f"{locked.pk}.pdf", ContentFile(content), save=False)
        try:
            locked.pdf_rendered_at = timezone.now()
            locked.pdf_error = ""
            locked.save(update_fields=["pdf", "pdf_rendered_at", "pdf_error"])
            if first_render and locked.job_id and locked.kind == CredentialKind.CLR:
                _count_pdf_for_job(locked.job_id, rendered=True)
        except Exception:
            locked.pdf.storage.delete(locked.pdf.name)
            raise
    return locked


def companion_pdf_failed(*, credential_id, reason: str) -> None:
    """Mark that the credential's PDF companion cannot be rendered (`CompanionError`): the sweep stops trying.

    The mark is `pdf_rendered_at` without a `pdf`, with the reason in `pdf_error`; a download still tries
    again (`companion_pdf_store`). Counted once in the credential's job.
    """
    with transaction.atomic():
        marked = IssuedCredential.objects.filter(
            pk=credential_id, pdf="", pdf_rendered_at__isnull=True
        ).update(pdf_rendered_at=timezone.now(), pdf_error=reason[:2000])
        job_id = (
            IssuedCredential.objects.filter(pk=credential_id, kind=CredentialKind.CLR)
            .values_list("job_id", flat=True)
            .first()
        )
        if marked and job_id:
            _count_pdf_for_job(job_id, rendered=False)


def _count_pdf_for_job(job_id, *, rendered: bool) -> None:
    field = "pdfs_rendered" if rendered else "pdfs_failed"
    IssuanceJob.objects.filter(pk=job_id).update(**{field: F(field) + 1})
    IssuanceJob.objects.filter(pk=job_id).close_finished()

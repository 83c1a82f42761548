"""The PDF companion's Celery task, apart from `tasks` so that a PDF-only worker (`PORTAL_PDF_WORKER`)
imports the models and the renderer and nothing of signing, the catalog's services or the pages."""

import logging

from celery import shared_task

from .companion_store import companion_pdf_failed, companion_pdf_store
from .sending import SweptTask, retry_on

logger = logging.getLogger(__name__)


# The name it had when it lived in `tasks`: messages already queued under it are still understood.
@shared_task(
    name="credentials.tasks.render_companion_pdf", bind=True, base=SweptTask, acks_late=True, **retry_on()
)
def render_companion_pdf(self, credential_id: str) -> str | None:
    from .companion import CompanionError  # WeasyPrint: loaded by the processes that render

    try:
        credential = companion_pdf_store(credential_id=credential_id)
    except CompanionError as exc:  # permanent: the credential stands without its PDF
        logger.error("PDF companion of credential %s could not be rendered: %s", credential_id, exc)
        companion_pdf_failed(credential_id=credential_id, reason=str(exc))
        return None
    return credential.pdf.name if credential else None

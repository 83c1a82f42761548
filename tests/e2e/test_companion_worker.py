"""The PDF transcript companion rendered by a real Celery worker, through the broker: issuing a learner's
CLR leads the worker to sign it and then render and store its PDF; rendering it again stores no new file."""

import io
import re

import pytest
from pypdf import PdfReader

from credentials import services
from credentials.companion import credential_json
from credentials.companion_tasks import render_companion_pdf
from credentials.models import CredentialState, IssuedCredential
from tests.factories import program_transcript
from tests.processes import log_text, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RENDERED = re.compile(r"Task credentials\.tasks\.render_companion_pdf\[([0-9a-f-]+)\] succeeded")


@pytest.fixture
def learner(institution):
    """A learner with three graded courses that are part of a program."""
    learner, _awards = program_transcript(institution)
    return learner


def wait_for_pdf(credential: IssuedCredential, workers, *, timeout: float = 90) -> IssuedCredential:
    def rendered():
        credential.refresh_from_db()
        return bool(credential.pdf)

    try:
        wait_until(rendered, timeout=timeout, interval=0.2, what=f"the PDF of credential {credential.pk}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.logs()}") from None
    return credential


def stored_pdfs(settings) -> list:
    return sorted((settings.PORTAL_PRIVATE_MEDIA_ROOT / "credentials" / "pdf").glob("**/*.pdf"))


def test_a_worker_signs_a_clr_and_renders_its_pdf_once_however_often_the_render_runs(
    workers, learner, settings
):
    settings.PORTAL_PRIVATE_MEDIA_ROOT = workers.var_dir / "private"  # where the worker stores the PDF
    worker = workers.start("renderer")

    clr = services.clr_issue(learner=learner)
    assert clr.state == CredentialState.QUEUED
    clr = wait_for_pdf(clr, workers)

    assert clr.state == CredentialState.SIGNED, clr.error
    assert clr.pdf_rendered_at >= clr.signed_at
    log = log_text(worker)
    assert "credentials.tasks.sign_clr" in log
    assert len(RENDERED.findall(log)) == 1, workers.logs()
    with clr.pdf.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert PdfReader(io.BytesIO(content)).attachments["clr.json"] == [credential_json(clr)]
    assert stored_pdfs(settings) == [settings.PORTAL_PRIVATE_MEDIA_ROOT / clr.pdf.name]
    first_name, first_rendered_at = clr.pdf.name, clr.pdf_rendered_at

    again = render_companion_pdf.delay(str(clr.pk))
    wait_until(
        lambda: again.id in RENDERED.findall(log_text(worker)),
        timeout=60,
        interval=0.2,
        what=f"the worker to run the render again: {workers.logs()}",
    )

    clr.refresh_from_db()
    assert (clr.pdf.name, clr.pdf_rendered_at) == (first_name, first_rendered_at)
    assert stored_pdfs(settings) == [settings.PORTAL_PRIVATE_MEDIA_ROOT / first_name]
    with clr.pdf.open("rb") as handle:
        assert handle.read() == content


def test_a_pdf_worker_renders_the_pdf_the_signing_worker_queues_for_it(workers, learner, settings):
    """PDFs on a queue of their own (PORTAL_PDF_QUEUE), taken by a worker that renders and does nothing else
    (PORTAL_PDF_WORKER): it knows no other task, and what it stores is the signed CLR's companion."""
    settings.PORTAL_PRIVATE_MEDIA_ROOT = workers.var_dir / "private"
    pdf_queue = f"{workers.queue}-pdf"
    signer = workers.start("signer", env={"PORTAL_PDF_QUEUE": pdf_queue})
    renderer = workers.start(
        "renderer", queue=pdf_queue, env={"PORTAL_PDF_QUEUE": pdf_queue, "PORTAL_PDF_WORKER": "true"}
    )

    clr = wait_for_pdf(services.clr_issue(learner=learner), workers)

    assert clr.state == CredentialState.SIGNED, clr.error
    assert "credentials.tasks.sign_clr" in log_text(signer)
    assert not RENDERED.findall(log_text(signer)), workers.logs()
    assert len(RENDERED.findall(log_text(renderer))) == 1, workers.logs()
    banner = log_text(renderer).split(" ready.")[0]  # the tasks it knows are listed before it is ready
    assert "credentials.tasks.render_companion_pdf" in banner
    assert "credentials.tasks.sign_clr" not in banner and "achievements.tasks" not in banner
    with clr.pdf.open("rb") as handle:
        assert PdfReader(io.BytesIO(handle.read())).attachments["clr.json"] == [credential_json(clr)]

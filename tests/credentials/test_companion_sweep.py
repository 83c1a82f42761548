"""Nothing waits for a person: a signed ClrCredential whose PDF companion never got rendered (the broker was
down when it was signed, or the worker died) is rendered by the periodic sweep, a bounded number per run,
and one whose render fails for good is not tried again and again.

The broker is made unreachable as in test_broker_outage.py (a Redis port nobody listens on); once it is
back, tasks run eagerly, so the sweep's render runs in-process through the real task.
"""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from achievements.services import award_create
from credentials import companion, services, tasks
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from tests.credentials.test_broker_outage import broker  # noqa: F401  (the unreachable broker)
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def stored_pdfs(settings) -> list:
    return sorted((settings.PORTAL_PRIVATE_MEDIA_ROOT / "credentials" / "pdf").glob("**/*.pdf"))


def attachments_of(credential: IssuedCredential) -> dict[str, list[bytes]]:
    with credential.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read())).attachments


def signed_clrs(institution, catalog, count: int) -> list[IssuedCredential]:
    """`count` learners with one graded course each, and each learner's signed ClrCredential."""
    course = catalog["courses"][0]
    clrs = []
    for _ in range(count):
        learner = LearnerFactory(institution=institution)
        award_create(
            learner=learner,
            achievement=course,
            term="Fall 2025",
            results=[{"result_description": course.current_version.result_descriptions.get(), "value": "A"}],
        )
        clr = services.clr_issue(learner=learner)
        clr.refresh_from_db()
        assert clr.state == CredentialState.SIGNED, clr.error
        clrs.append(clr)
    return clrs


def signed_ago(credentials, **delta) -> None:
    IssuedCredential.objects.filter(pk__in=[c.pk for c in credentials]).update(
        signed_at=timezone.now() - timedelta(**delta)
    )


def test_a_clr_signed_while_the_broker_was_down_gets_its_pdf_from_the_sweep_once(
    learner,
    awards,
    settings,
    broker,  # noqa: F811
):
    clr = services.clr_issue(learner=learner)
    assert clr.state == CredentialState.QUEUED
    # A worker signs it, and the broker goes away before the render is sent.
    tasks.sign_clr(str(clr.pk))

    clr.refresh_from_db()
    assert clr.state == CredentialState.SIGNED, clr.error
    assert not clr.pdf and clr.pdf_rendered_at is None
    assert stored_pdfs(settings) == []

    broker.back()
    settings.PORTAL_RESEND_QUEUED_AFTER = 0
    swept = tasks.resend_queued_work.delay().get()

    assert swept["credentials"] == 0
    assert swept["companion_pdfs"] == 1
    clr.refresh_from_db()
    assert clr.pdf and clr.pdf_rendered_at is not None
    assert attachments_of(clr)["clr.json"] == [companion.credential_json(clr)]
    assert stored_pdfs(settings) == [settings.PORTAL_PRIVATE_MEDIA_ROOT / clr.pdf.name]

    again = tasks.resend_queued_work.delay().get()

    assert again == {"credentials": 0, "status_lists": 0, "companion_pdfs": 0}
    clr.refresh_from_db()
    assert stored_pdfs(settings) == [settings.PORTAL_PRIVATE_MEDIA_ROOT / clr.pdf.name]


def test_the_sweep_renders_current_clrs_that_waited_oldest_first_and_a_bounded_number_per_run(
    institution, catalog, settings, renders_sent
):
    clrs = signed_clrs(institution, catalog, 7)
    assert len(renders_sent) == 7  # signing sent each render, which never arrived
    renders_sent.clear()
    settings.PORTAL_RESEND_QUEUED_AFTER = 120

    assert services.queued_work_resend()["companion_pdfs"] == 0  # signed just now: the render is on its way

    fresh, oldest, older, old, revoked, too_old, superseded = clrs
    signed_ago([oldest], minutes=30)
    signed_ago([older], minutes=20)
    signed_ago([old, revoked, superseded], minutes=10)
    signed_ago([too_old], days=services.COMPANION_SWEEP_WINDOW.days + 1)
    IssuedCredential.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    IssuedCredential.objects.filter(pk=superseded.pk).update(is_current=False)

    first = services.queued_work_resend(pdf_limit=2)
    assert first["companion_pdfs"] == 2
    assert renders_sent == [str(oldest.pk), str(older.pk)]

    renders_sent.clear()
    assert services.queued_work_resend()["companion_pdfs"] == 3  # not yet rendered: sent again
    assert renders_sent == [str(oldest.pk), str(older.pk), str(old.pk)]
    assert str(fresh.pk) not in renders_sent


def test_the_sweep_leaves_the_pdfs_of_a_job_alone_while_the_job_is_still_signing_or_rendering(
    institution, catalog, learner, awards, settings, renders_sent
):
    job = services.bulk_issue(institution=institution, selection=services.Selection())
    job.refresh_from_db()
    clr = job.credentials.get(kind=CredentialKind.CLR)
    assert clr.state == CredentialState.SIGNED, clr.error
    settings.PORTAL_RESEND_QUEUED_AFTER = 120
    signed_ago([clr], minutes=10)
    renders_sent.clear()

    assert services.queued_work_resend()["companion_pdfs"] == 0  # the job's other credentials signed just now

    signed_ago(job.credentials.all(), minutes=10)
    another = job.credentials.filter(kind=CredentialKind.ACHIEVEMENT).first()
    IssuedCredential.objects.filter(pk=another.pk).update(pdf_rendered_at=timezone.now())
    assert services.queued_work_resend()["companion_pdfs"] == 0  # the job rendered a PDF just now
    assert renders_sent == []

    IssuedCredential.objects.filter(pk=another.pk).update(
        pdf_rendered_at=timezone.now() - timedelta(minutes=10)
    )
    assert services.queued_work_resend()["companion_pdfs"] == 1
    assert renders_sent == [str(clr.pk)]


def test_a_render_that_fails_for_good_is_not_tried_again_by_the_sweep_but_a_download_still_tries(
    client, student_user, learner, awards, settings, monkeypatch
):
    def cannot_render(credential):
        raise companion.CompanionError("The credential names no achievement to print.")

    monkeypatch.setattr(companion, "companion_pdf", cannot_render)
    clr = services.clr_issue(learner=learner)  # signs, then the render fails in the (eager) task
    clr.refresh_from_db()
    assert clr.state == CredentialState.SIGNED, clr.error
    assert not clr.pdf
    assert clr.pdf_rendered_at is not None  # the mark: tried, and it cannot be rendered

    settings.PORTAL_RESEND_QUEUED_AFTER = 0
    assert tasks.resend_queued_work.delay().get()["companion_pdfs"] == 0

    monkeypatch.undo()  # the cause fixed (say, a template repaired by a deploy): the learner downloads it
    client.force_login(student_user)
    response = client.get(reverse("credentials:download_pdf", kwargs={"credential_id": clr.pk}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    clr.refresh_from_db()
    assert clr.pdf

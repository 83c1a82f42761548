"""An end-of-term job renders its CLRs' PDF companions too: its progress counts them, and it is done only
once each is rendered or has failed for good (with the reason on the job's page).

Signing runs eagerly on commit; the renders the signing sends are collected, then run through the real task.
"""

import pytest
from django.urls import reverse

from credentials import companion, companion_store, companion_tasks, services, tasks
from credentials.models import CredentialKind, IssuanceJob, IssuedCredential
from tests.sends import keep_instead_of_sending


@pytest.fixture
def signed_job(awards, institution, renders_sent, django_capture_on_commit_callbacks) -> IssuanceJob:
    """A bulk job of every award and the learner's CLR, signed; its PDF render sent, not yet run."""
    with django_capture_on_commit_callbacks(execute=True):
        job = services.bulk_issue(institution=institution, selection=services.Selection())
    job.refresh_from_db()
    assert job.signed == job.total > 1 and job.failed == 0
    return job


def job_page(client, job) -> str:
    return client.get(reverse("credentials:job", args=[job.institution.slug, job.id])).content.decode()


def test_a_signed_job_waits_for_its_pdf_companions_and_says_so(client, login, registrar_user, signed_job):
    clr = IssuedCredential.objects.get(job=signed_job, kind=CredentialKind.CLR)
    assert (signed_job.pdfs_expected, signed_job.pdfs_rendered, signed_job.pdfs_waiting) == (1, 0, 1)
    assert signed_job.state == IssuanceJob.State.RUNNING
    assert signed_job.percent_done == int(100 * signed_job.total / (signed_job.total + 1))

    login(registrar_user)
    page = job_page(client, signed_job)
    assert "PDF transcript companions: 0 rendered, 1 waiting, of 1." in page
    assert 'http-equiv="refresh"' in page
    progress = client.get(
        reverse("credentials:job", args=[signed_job.institution.slug, signed_job.id]), {"format": "json"}
    ).json()
    assert progress["pdfs"] == {"expected": 1, "rendered": 0, "failed": 0, "waiting": 1}
    assert progress["state"] == "running"
    assert str(clr.pk) in tasks_sent_for(signed_job)


def tasks_sent_for(job) -> list[str]:
    return [
        str(pk)
        for pk in IssuedCredential.objects.filter(job=job, kind=CredentialKind.CLR).values_list(
            "pk", flat=True
        )
    ]


def test_the_job_is_done_when_the_pdf_is_rendered_and_a_second_render_counts_nothing(
    client, login, registrar_user, signed_job, renders_sent
):
    for credential_id in renders_sent:
        companion_tasks.render_companion_pdf(credential_id)
    signed_job.refresh_from_db()
    assert (signed_job.pdfs_rendered, signed_job.pdfs_failed, signed_job.pdfs_waiting) == (1, 0, 0)
    assert signed_job.state == IssuanceJob.State.DONE and signed_job.finished_at is not None
    assert signed_job.percent_done == 100

    IssuedCredential.objects.filter(pk=renders_sent[0]).update(pdf="")  # the file went missing
    companion_tasks.render_companion_pdf(renders_sent[0])
    signed_job.refresh_from_db()
    assert signed_job.pdfs_rendered == 1

    login(registrar_user)
    page = job_page(client, signed_job)
    assert "PDF transcript companions: 1 rendered, 0 waiting, of 1." in page
    assert 'http-equiv="refresh"' not in page


def test_a_pdf_that_cannot_be_rendered_ends_the_job_with_its_reason(
    client, login, registrar_user, signed_job, renders_sent, monkeypatch
):
    def broken(credential):
        raise companion.CompanionError("the institution's logo is not an image")

    monkeypatch.setattr(companion, "companion_pdf", broken)
    companion_tasks.render_companion_pdf(renders_sent[0])
    companion_tasks.render_companion_pdf(renders_sent[0])  # a redelivered message counts once

    signed_job.refresh_from_db()
    assert (signed_job.pdfs_rendered, signed_job.pdfs_failed) == (0, 1)
    assert signed_job.state == IssuanceJob.State.DONE_WITH_FAILURES
    clr = IssuedCredential.objects.get(pk=renders_sent[0])
    assert clr.pdf_error == "the institution's logo is not an image" and not clr.pdf

    login(registrar_user)
    page = job_page(client, signed_job)
    assert "1 could not be rendered" in page
    assert "PDF companions not rendered" in page and "the institution&#x27;s logo is not an image" in page

    # Once the cause is fixed, a download renders it and clears the reason (the job stays as it ended).
    monkeypatch.undo()
    assert companion_store.companion_pdf_store(credential_id=clr.pk).pdf
    clr.refresh_from_db()
    assert clr.pdf_error == ""
    signed_job.refresh_from_db()
    assert (signed_job.pdfs_rendered, signed_job.pdfs_failed) == (0, 1)


def test_a_clr_that_fails_to_sign_is_not_waited_for(awards, institution, renders_sent, monkeypatch):
    real = services._sign_one

    def clr_fails(credential, unsigned_builder, cache):
        if credential.kind == CredentialKind.CLR:
            credential.state, credential.error = "failed", "the record is not schema-valid"
            return False
        return real(credential, unsigned_builder, cache)

    monkeypatch.setattr(services, "_sign_one", clr_fails)
    job = services.bulk_issue(institution=institution, selection=services.Selection())
    clr = IssuedCredential.objects.get(job=job, kind=CredentialKind.CLR)
    services.clr_sign(credential_id=clr.pk)  # as the worker does (it signs the nested ones first)
    job.refresh_from_db()
    assert (job.failed, job.pdfs_expected) == (1, 0)
    assert job.state == IssuanceJob.State.DONE_WITH_FAILURES and renders_sent == []

    monkeypatch.undo()
    with pytest.MonkeyPatch.context() as patch:
        keep_instead_of_sending(
            patch,
            companion_tasks.render_companion_pdf,
            lambda credential_id, options: renders_sent.append(credential_id),
        )
        keep_instead_of_sending(patch, tasks.sign_clr, lambda credential_id, options: None)
        services.job_retry_failed(job=job)
    job.refresh_from_db()
    assert (job.pdfs_expected, job.state) == (1, IssuanceJob.State.RUNNING)


def test_resuming_a_stalled_job_sends_its_missing_pdfs_again(
    signed_job, renders_sent, django_capture_on_commit_callbacks
):
    renders_sent.clear()  # the first message was lost with its worker
    with django_capture_on_commit_callbacks(execute=True):
        assert services.job_requeue_stalled(job=signed_job) == 1
    assert renders_sent == tasks_sent_for(signed_job)

"""The credential pages and endpoints, through HTTP."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credentials import services
from credentials.models import CredentialKind, IssuanceJob, IssuedCredential
from institutions.models import Role
from tests.factories import MembershipFactory
from tests.sends import keep_instead_of_sending

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def credential(awards):
    issued = services.credential_issue(award=awards[0])
    issued.refresh_from_db()
    return issued


def test_the_learner_sees_their_credential_as_a_page_and_as_json_ld(client, login, student_user, credential):
    login(student_user)
    page = client.get(credential.get_absolute_url())
    assert page.status_code == 200
    assert b"Verified" in page.content
    assert b"Computing 1" in page.content

    machine = client.get(credential.get_absolute_url(), HTTP_ACCEPT="application/ld+json")
    assert machine.status_code == 200
    assert machine["Content-Type"] == "application/ld+json"
    assert machine.json()["proof"]["proofValue"] == credential.document["proof"]["proofValue"]


def test_the_json_and_jwt_downloads_carry_the_credential(client, login, student_user, credential):
    from credentials.verification import credential_verify

    login(student_user)
    json_download = client.get(f"/credentials/{credential.id}.json")
    assert json_download.status_code == 200
    assert "attachment" in json_download["Content-Disposition"]
    jwt_download = client.get(f"/credentials/{credential.id}.jwt")
    token = jwt_download.content.decode()
    assert token.count(".") == 2
    result = credential_verify(document_or_jwt=token)
    assert result.check("proof").status == "passed", result.to_dict()


def test_nobody_else_sees_a_credential(client, login, credential, institution, other_institution):
    assert client.get(credential.get_absolute_url()).status_code == 404
    other_student = MembershipFactory(institution=institution, role=Role.STUDENT).user
    assert login(other_student).get(credential.get_absolute_url()).status_code == 404
    outsider = MembershipFactory(institution=other_institution, role=Role.REGISTRAR).user
    assert (
        login(outsider).get(credential.get_absolute_url(), HTTP_ACCEPT="application/ld+json").status_code
        == 404
    )


def test_the_status_list_is_public_signed_and_cacheable(client, credential):
    url = credential.document["credentialStatus"]["statusListCredential"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert "max-age=300" in response["Cache-Control"]
    document = response.json()
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert client.get("/" + path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_registrar_revokes_through_the_page_and_the_list_changes(client, login, registrar_user, credential):
    url = credential.document["credentialStatus"]["statusListCredential"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    before = client.get(path).json()["credentialSubject"]["encodedList"]

    login(registrar_user)
    refused = client.post(
        f"/institutions/{credential.institution.slug}/credentials/{credential.id}/revoke", {"confirm": "yes"}
    )
    assert refused.status_code == 400
    assert b"Give a reason" in refused.content
    credential.refresh_from_db()
    assert not credential.is_revoked  # no reason, no revocation

    client.post(
        f"/institutions/{credential.institution.slug}/credentials/{credential.id}/revoke",
        {"reason": "Issued in error", "confirm": "yes"},
    )
    credential.refresh_from_db()
    assert credential.is_revoked
    assert client.get(path).json()["credentialSubject"]["encodedList"] != before
    page = client.get(credential.get_absolute_url())
    assert b"Not valid" in page.content
    assert b"revoked" in page.content
    assert credential.institution.audit_entries.filter(
        action="credential.revoked", actor=registrar_user
    ).exists()


def test_students_cannot_revoke_or_run_jobs(client, login, student_user, credential):
    login(student_user)
    slug = credential.institution.slug
    assert (
        client.post(
            f"/institutions/{slug}/credentials/{credential.id}/revoke", {"reason": "x", "confirm": "yes"}
        ).status_code
        == 403
    )
    assert client.get(f"/institutions/{slug}/issuance/").status_code == 403
    credential.refresh_from_db()
    assert not credential.is_revoked


def test_a_registrar_starts_a_job_and_follows_its_progress(
    client, login, registrar_user, awards, institution
):
    login(registrar_user)
    response = client.post(f"/institutions/{institution.slug}/issuance/", {"term": "Fall 2021"})
    job = IssuanceJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/institutions/{institution.slug}/issuance/{job.id}/"
    page = client.get(response["Location"])
    assert b"signed" in page.content
    progress = client.get(response["Location"] + "?format=json").json()
    assert progress["total"] == job.total == 4
    assert progress["signed"] == 4
    assert progress["state"] == "done"


def test_an_unknown_term_is_refused_with_a_message(client, login, registrar_user, awards, institution):
    login(registrar_user)
    response = client.post(
        f"/institutions/{institution.slug}/issuance/", {"term": "Summer 1999"}, follow=True
    )
    assert b"There are no awards in the term" in response.content
    assert not IssuanceJob.objects.exists()


def test_the_command_issues_a_term_and_waits(awards, institution, capsys):
    call_command("issue_credentials", "--institution", institution.slug, "--term", "Fall 2022", "--wait")
    out = capsys.readouterr().out
    assert "Done: 4 signed, 0 failed." in out
    assert IssuedCredential.objects.filter(kind=CredentialKind.CLR).count() == 1


def test_the_command_exits_non_zero_when_credentials_fail(awards, institution, monkeypatch):
    from credentials import builders
    from vc.errors import SchemaError

    def broken(**kwargs):
        raise SchemaError("criteria is required at $.credentialSubject.achievement.criteria")

    monkeypatch.setattr(builders, "achievement_credential_document", broken)
    with pytest.raises(CommandError, match="failed"):
        call_command("issue_credentials", "--institution", institution.slug, "--no-clr", "--wait")


def test_the_command_names_an_unknown_institution():
    with pytest.raises(CommandError, match="No institution with the slug 'nowhere'"):
        call_command("issue_credentials", "--institution", "nowhere")


def test_a_stalled_job_can_be_resent_to_the_workers_and_completes_once(
    client, login, registrar_user, awards, institution, monkeypatch, django_capture_on_commit_callbacks
):
    from credentials import tasks

    # The first messages are lost, as when the worker holding them dies.
    lost = []
    for task in (tasks.sign_credentials, tasks.sign_clr):
        keep_instead_of_sending(monkeypatch, task, lambda ids, options: lost.append(ids))
    job = services.bulk_issue(institution=institution, selection=services.Selection(term="Fall 2020"))
    job.refresh_from_db()
    assert lost and job.is_running and job.signed == 0
    monkeypatch.undo()

    login(registrar_user)
    page = client.get(f"/institutions/{institution.slug}/issuance/{job.id}/")
    assert b"Send the waiting work to the workers again" in page.content
    with django_capture_on_commit_callbacks(execute=True):  # the CLRs' PDF companions render too
        response = client.post(f"/institutions/{institution.slug}/issuance/{job.id}/resend", follow=True)
    assert b"sent to the workers again" in response.content
    job.refresh_from_db()
    assert (job.signed, job.failed, job.state) == (job.total, 0, IssuanceJob.State.DONE)
    assert job.pdfs_rendered == job.pdfs_expected == 1
    assert IssuedCredential.objects.filter(award=awards[0], kind=CredentialKind.ACHIEVEMENT).count() == 1


def test_a_registrar_issues_a_learners_clr_from_the_learner_credentials_page(
    client, login, registrar_user, learner, awards
):
    login(registrar_user)
    slug = learner.institution.slug
    page = client.get(f"/institutions/{slug}/learners/{learner.pk}/credentials/")
    assert page.status_code == 200
    assert b"No credentials yet." in page.content
    response = client.post(f"/institutions/{slug}/learners/{learner.pk}/issue-clr")
    clr = IssuedCredential.objects.get(kind=CredentialKind.CLR, learner=learner)
    assert response["Location"] == clr.get_absolute_url()
    page = client.get(f"/institutions/{slug}/learners/{learner.pk}/credentials/")
    assert page.content.count(b'<span class="badge ok">Signed</span>') == 4
    assert client.get(f"/institutions/{slug}/learners/{learner.pk}/").status_code == 200

"""Issuing through the services, with tasks run in-process (the Celery worker is exercised in tests/e2e)."""

import pytest
from django.core.exceptions import ValidationError

from achievements.services import award_withdraw
from credentials import services
from credentials.models import CredentialKind, CredentialState, IssuanceJob, IssuedCredential
from credentials.verification import credential_verify
from tests.sends import keep_instead_of_sending
from vc.schema import validate

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_award_is_issued_as_a_signed_schema_valid_openbadgecredential(awards, institution):
    award = awards[0]
    credential = services.credential_issue(award=award)
    credential.refresh_from_db()

    assert credential.state == CredentialState.SIGNED, credential.error
    document = credential.document
    assert validate(document, "AchievementCredential") == []
    assert document["id"] == credential.url
    assert document["issuer"]["id"] == institution.did
    assert document["credentialSubject"]["achievement"]["humanCode"] == "CS 101"
    assert document["credentialSubject"]["result"][0]["value"] == "A"
    assert document["credentialSubject"]["term"] == "Fall 2020"
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["verificationMethod"] == credential.signing_key.verification_method
    # The learner's email is only there hashed.
    assert award.learner.email not in str(document)

    result = credential_verify(document_or_jwt=document)
    assert result.verdict == "verified", result.to_dict()


def test_issuing_twice_returns_the_same_credential(awards):
    first = services.credential_issue(award=awards[0])
    second = services.credential_issue(award=awards[0])
    assert first.pk == second.pk
    assert IssuedCredential.objects.filter(award=awards[0]).count() == 1


def test_running_the_signing_task_again_changes_nothing(awards):
    credential = services.credential_issue(award=awards[0])
    credential.refresh_from_db()
    signed_document = credential.document
    assert services.credentials_sign(credential_ids=[credential.pk]) == (0, 0)
    credential.refresh_from_db()
    assert credential.document == signed_document


def test_a_withdrawn_award_is_not_issued(awards):
    award_withdraw(award=awards[0], reason="Academic misconduct")
    with pytest.raises(ValidationError, match="withdrawn"):
        services.credential_issue(award=awards[0])


def test_a_clr_nests_every_signed_credential_and_the_program_they_are_part_of(learner, awards, catalog):
    clr = services.clr_issue(learner=learner)
    clr.refresh_from_db()

    assert clr.state == CredentialState.SIGNED, clr.error
    document = clr.document
    assert validate(document, "ClrCredential") == []
    subject = document["credentialSubject"]
    assert len(subject["verifiableCredential"]) == 3
    # The program is defined beside the credentials; the courses only inside them, not twice.
    assert [achievement["name"] for achievement in subject["achievement"]] == ["BSc Computer Science"]
    nested_ids = {vc["credentialSubject"]["achievement"]["id"] for vc in subject["verifiableCredential"]}
    program_id = subject["achievement"][0]["id"]
    assert {(a["sourceId"], a["targetId"]) for a in subject["association"]} == {
        (i, program_id) for i in nested_ids
    }
    assert {a["associationType"] for a in subject["association"]} == {"isPartOf"}
    assert len(subject["association"]) == 3
    assert "partial" not in document or document["partial"] is False

    result = credential_verify(document_or_jwt=document)
    assert result.verdict == "verified", result.to_dict()
    assert len(result.nested) == 3


def test_a_clr_whose_content_did_not_change_is_not_signed_again(learner, awards):
    first = services.clr_issue(learner=learner)
    second = services.clr_issue(learner=learner)
    assert first.pk == second.pk
    assert IssuedCredential.objects.filter(kind=CredentialKind.CLR).count() == 1


def test_a_new_award_makes_a_new_clr_and_the_old_one_stays_valid(learner, awards, catalog, institution):
    from achievements.services import award_create
    from tests.factories import make_achievement

    first = services.clr_issue(learner=learner)
    extra = make_achievement(institution, "CS 999", name="Capstone")
    award_create(learner=learner, achievement=extra, term="Spring 2024")
    second = services.clr_issue(learner=learner)

    assert second.pk != first.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_current and second.is_current
    assert len(second.document["credentialSubject"]["verifiableCredential"]) == 4
    assert credential_verify(document_or_jwt=first.document).verdict == "verified"


def test_a_subset_clr_is_partial(learner, awards):
    clr = services.clr_issue(learner=learner, awards=awards[:2])
    clr.refresh_from_db()
    assert clr.document["partial"] is True
    assert len(clr.document["credentialSubject"]["verifiableCredential"]) == 2


def test_status_indexes_are_unique_and_spread_over_the_list(learner, awards, institution):
    services.clr_issue(learner=learner)
    indexes = list(IssuedCredential.objects.values_list("status_list_id", "status_index"))
    assert len(indexes) == len(set(indexes)) == 4
    assert max(index for _, index in indexes) > 1000  # random positions, not 0, 1, 2, 3


def test_revoking_makes_the_credential_fail_verification_as_revoked(awards, registrar_user):
    credential = services.credential_issue(award=awards[0])
    credential.refresh_from_db()
    services.credential_revoke(credential=credential, reason="Issued in error", actor=registrar_user)

    result = credential_verify(document_or_jwt=credential.document)
    assert result.verdict == "not_valid"
    assert "revoked" in result.check("status").message


def test_suspension_is_reported_and_can_be_lifted(awards, registrar_user):
    credential = services.credential_issue(award=awards[0])
    credential.refresh_from_db()
    services.credential_suspend(credential=credential, reason="Under review", actor=registrar_user)
    result = credential_verify(document_or_jwt=credential.document)
    assert result.verdict == "not_valid"
    assert "suspended" in result.check("status").message

    services.credential_unsuspend(credential=credential, actor=registrar_user)
    assert credential_verify(document_or_jwt=credential.document).verdict == "verified"


def test_withdrawing_an_award_revokes_its_credential(awards, registrar_user):
    credential = services.credential_issue(award=awards[0])
    services.award_credentials_revoke(award=awards[0], reason="Award withdrawn", actor=registrar_user)
    credential.refresh_from_db()
    assert credential.is_revoked
    assert credential.revocation_reason == "Award withdrawn"


def test_a_bulk_job_issues_a_term_and_the_clrs_of_its_learners(learner, awards, institution, registrar_user):
    job = services.bulk_issue(
        institution=institution, selection=services.Selection(term="Fall 2020"), actor=registrar_user
    )
    job.refresh_from_db()
    # The term's one award, the CLR of its learner, and the learner's other awards the CLR nests.
    assert job.total == 4
    assert (job.signed, job.failed) == (4, 0)
    assert job.state == IssuanceJob.State.DONE
    assert IssuedCredential.objects.filter(kind=CredentialKind.CLR, learner=learner).count() == 1

    again = services.bulk_issue(institution=institution, selection=services.Selection(term="Fall 2020"))
    assert again.total == 0
    assert again.state == IssuanceJob.State.DONE


def test_a_credential_that_fails_its_schema_is_marked_failed_with_the_field_named(awards, monkeypatch):
    from credentials import builders
    from vc.errors import SchemaError
    from vc.schema import SchemaIssue

    def broken(**kwargs):
        raise SchemaError(
            "The document does not meet the AchievementCredential schema.",
            issues=[
                SchemaIssue("$.credentialSubject.achievement.criteria", "required", "criteria is required")
            ],
        )

    monkeypatch.setattr(builders, "achievement_credential_document", broken)
    credential = services.credential_issue(award=awards[0])
    credential.refresh_from_db()
    assert credential.state == CredentialState.FAILED
    assert "$.credentialSubject.achievement.criteria" in credential.error


def test_withdrawing_an_award_through_achievements_revokes_its_credential(awards, registrar_user):
    credential = services.credential_issue(award=awards[0])
    award_withdraw(award=awards[0], reason="Grade appeal upheld", actor=registrar_user)
    credential.refresh_from_db()
    assert credential.is_revoked
    assert credential.revocation_reason == "The award was withdrawn: Grade appeal upheld"
    assert credential_verify(document_or_jwt=credential.document).verdict == "not_valid"


def test_a_corrected_sis_import_replaces_the_credential_of_the_changed_award(
    awards, learner, institution, tmp_path
):
    from django.core.management import call_command

    credential = services.credential_issue(award=awards[0])
    credential.refresh_from_db()
    assert credential.document["credentialSubject"]["result"][0]["value"] == "A"
    award = awards[0]
    csv = tmp_path / "corrected.csv"
    csv.write_text(
        "student_id,given_name,family_name,email,achievement_code,term,result,credits_earned,"
        "activity_start_date,activity_end_date,awarded_date\n"
        f"{learner.student_id},{learner.given_name},{learner.family_name},{learner.email},CS 101,Fall 2020,B,4,"
        f"2020-09-01,2020-12-15,{award.awarded_date.isoformat()}\n"
    )
    call_command("import_records", "--institution", institution.slug, str(csv), "--no-progress")

    credential.refresh_from_db()
    assert credential.is_revoked
    assert "Replaced by a corrected credential" in credential.revocation_reason
    replacement = IssuedCredential.objects.get(award=award, is_current=True)
    assert replacement.pk != credential.pk
    assert replacement.document["credentialSubject"]["result"][0]["value"] == "B"
    assert credential_verify(document_or_jwt=replacement.document).verdict == "verified"


def test_a_job_whose_worker_died_is_resumed_by_the_periodic_task_and_a_busy_one_is_not(
    awards, institution, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from credentials import tasks

    lost = []
    for task in (tasks.sign_credentials, tasks.sign_clr):
        keep_instead_of_sending(monkeypatch, task, lambda ids, options: lost.append(ids))
    job = services.bulk_issue(institution=institution, selection=services.Selection(term="Fall 2020"))
    monkeypatch.undo()
    assert lost

    assert tasks.resume_stalled_jobs.delay().get() == 0  # just started: not stalled yet
    IssuanceJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert tasks.resume_stalled_jobs.delay().get() == 1
    job.refresh_from_db()
    assert (job.signed, job.state) == (job.total, IssuanceJob.State.DONE)
    assert tasks.resume_stalled_jobs.delay().get() == 0  # done jobs are left alone


def test_a_bulk_jobs_work_is_sent_after_everyone_elses(
    awards, learner, institution, monkeypatch, django_capture_on_commit_callbacks
):
    from credentials import companion_tasks, tasks
    from credentials.sending import BULK_PRIORITY

    sent = []
    for task in (tasks.sign_credentials, tasks.sign_clr, companion_tasks.render_companion_pdf):
        keep_instead_of_sending(
            monkeypatch,
            task,
            lambda first, options, name=task.name: sent.append((name, options.get("priority"))),
        )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.bulk_issue(institution=institution, selection=services.Selection())
    services.credentials_sign(credential_ids=list(job.credentials.values_list("pk", flat=True)))
    with django_capture_on_commit_callbacks(execute=True):
        services.clr_sign(credential_id=job.credentials.get(kind=CredentialKind.CLR).pk)
    # The job's credentials, its CLR and the CLR's PDF: at the lowest priority, behind everything else.
    assert {name.rsplit(".", 1)[1] for name, _ in sent} == {
        "sign_credentials",
        "sign_clr",
        "render_companion_pdf",
    }
    assert {priority for _, priority in sent} == {BULK_PRIORITY}

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        chosen = services.clr_issue(learner=learner, awards=awards[:2])  # a share's record, say
    with django_capture_on_commit_callbacks(execute=True):
        services.clr_sign(credential_id=chosen.pk)
    assert sent == [("credentials.tasks.sign_clr", None), ("credentials.tasks.render_companion_pdf", None)]

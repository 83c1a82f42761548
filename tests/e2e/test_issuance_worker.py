"""Issuing through real Celery worker processes: signing, verification (ours and Digital Bazaar's),
revocation, a worker killed mid-job (resumed by the periodic sweep), and two workers draining one queue."""

import re
import time
from collections import Counter

import pytest

from achievements import demo
from credentials import services
from credentials.models import (
    CredentialKind,
    CredentialState,
    IssuanceJob,
    IssuedCredential,
    NestedExpansion,
    StatusList,
)
from credentials.verification import credential_verify, fetch_status_list
from institutions.selectors import institution_did_document
from tests.e2e.conftest import wait_for_job
from tests.factories import next_term_award, program_transcript
from tests.processes import log_text, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TASK_SUCCEEDED = re.compile(r"Task credentials\.tasks\.\w+\[[0-9a-f-]+\] succeeded")
NOTHING_LEFT_TO_SWEEP = re.compile(
    r"resend_queued_work\[[0-9a-f-]+\] succeeded in [\d.]+s: \{'credentials': 0,"
)


@pytest.fixture
def transcript(institution):
    """A learner with three graded courses that are part of a program."""
    return program_transcript(institution)


@pytest.fixture
def records(institution):
    """The demo catalog (40 courses, a degree, competencies) and 24 students with their transcripts."""
    demo.seed(institution=institution, students=24)
    return institution


def wait_signed(credential: IssuedCredential, workers, *, timeout: float = 60) -> IssuedCredential:
    def done():
        credential.refresh_from_db()
        return credential.state != CredentialState.QUEUED

    try:
        wait_until(done, timeout=timeout, interval=0.2, what=f"credential {credential.pk} to be signed")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.logs()}") from None
    assert credential.state == CredentialState.SIGNED, credential.error
    return credential


def node_verify(digital_bazaar, document: dict, institution):
    status_list = fetch_status_list(document["credentialStatus"]["statusListCredential"])
    return digital_bazaar.verify(
        document,
        did_docs=(institution_did_document(institution=institution),),
        status_lists=(status_list,),
        nested="verifiableCredential" in document["credentialSubject"],
    )


def assert_one_credential_per_award_and_unique_indexes(job: IssuanceJob):
    achievement = IssuedCredential.objects.filter(
        institution=job.institution, kind=CredentialKind.ACHIEVEMENT
    )
    per_award = Counter(achievement.values_list("award_id", flat=True))
    duplicated = {award: count for award, count in per_award.items() if count != 1}
    assert duplicated == {}, f"awards with more than one credential: {duplicated}"
    # Every award a credential may claim; attempts (a result below the criteria) get none.
    assert set(per_award) == set(job.institution.awards.active().achieved().values_list("pk", flat=True))
    indexes = list(IssuedCredential.objects.values_list("status_list_id", "status_index"))
    assert None not in {index for _list, index in indexes}
    assert len(indexes) == len(set(indexes)), "two credentials share a status index"
    allocated = sum(StatusList.objects.values_list("allocated", flat=True))
    assert allocated == len(indexes), "indexes were handed out that no credential holds"


def test_a_new_worker_signs_the_next_clr_from_the_expansions_the_last_one_kept_and_both_verifiers_accept_it(
    workers, transcript, institution, digital_bazaar
):
    learner, _awards = transcript
    first = workers.start("this-term")
    wait_signed(services.clr_issue(learner=learner), workers)
    workers.kill(first)  # the next term's CLR is signed by a process that never expanded anything

    next_term_award(learner, institution)
    workers.start("next-term")
    clr = wait_signed(services.clr_issue(learner=learner), workers)

    kept = NestedExpansion.objects.filter(credential__in=clr.nested.all())
    assert kept.count() == 4  # three kept by the first worker, the new course's by the second
    assert kept.filter(credential__award__term="Spring 2024").count() == 1
    assert credential_verify(document_or_jwt=clr.document).verdict == "verified"
    node = node_verify(digital_bazaar, clr.document, institution)
    assert node.returncode == 0, node
    assert node.output["verified"] is True, node


def test_a_worker_signs_a_credential_and_a_clr_that_both_verifiers_accept_until_one_is_revoked(
    workers, transcript, institution, digital_bazaar
):
    learner, awards = transcript
    workers.start("signer")

    credential = services.credential_issue(award=awards[0])
    clr = services.clr_issue(learner=learner)
    credential = wait_signed(credential, workers)
    clr = wait_signed(clr, workers)

    # The worker did the signing: nothing ran in this process.
    assert "credentials.tasks.sign_clr" in log_text(workers.processes[0])
    assert credential.signing_key.verification_method == credential.document["proof"]["verificationMethod"]
    nested_ids = [vc["id"] for vc in clr.document["credentialSubject"]["verifiableCredential"]]
    assert credential.url in nested_ids
    assert len(nested_ids) == 3

    for document in (credential.document, clr.document):
        result = credential_verify(document_or_jwt=document)
        assert result.verdict == "verified", result.to_dict()
        node = node_verify(digital_bazaar, document, institution)
        assert node.returncode == 0, node
        assert node.output["verified"] is True, node
        assert node.output["revoked"] is False, node
    assert [n["verified"] for n in node.output["nested"]] == [True, True, True], node

    status_list = credential.status_list
    revision_before = status_list.revision
    services.credential_revoke(credential=credential, reason="Issued to the wrong learner")

    # The worker re-signs the list (publish_status_list went through the broker).
    def list_republished():
        status_list.refresh_from_db()
        return status_list.revision > revision_before and status_list.signed_revision == status_list.revision

    wait_until(list_republished, timeout=60, what="the worker to re-sign the status list")

    revoked = credential_verify(document_or_jwt=credential.document)
    assert revoked.verdict == "not_valid", revoked.to_dict()
    assert "revoked" in revoked.check("status").message
    node = node_verify(digital_bazaar, credential.document, institution)
    assert node.output["verified"] is True, node  # the proofs still verify ...
    assert node.output["revoked"] is True, node  # ... and the status list says revoked
    assert node.returncode == 1, node

    # The CLR itself is not revoked, but the credential nested in it now is.
    clr_result = credential_verify(document_or_jwt=clr.document)
    revoked_nested = [n for n in clr_result.nested if n.credential.get("id") == credential.url]
    assert [n.verdict for n in revoked_nested] == ["not_valid"], clr_result.to_dict()
    assert clr_result.check("status").status == "passed", clr_result.to_dict()


def test_a_bulk_job_survives_a_worker_killed_mid_job_with_one_credential_per_award(workers, records):
    institution = records
    first = workers.start("doomed", concurrency=1, prefetch=1)
    job = services.bulk_issue(institution=institution, selection=services.Selection())
    assert job.total > 300

    def some_but_not_all_signed():
        job.refresh_from_db()
        return 0 < job.signed < job.total / 2

    wait_until(some_but_not_all_signed, timeout=120, interval=0.05, what="the job to be under way")
    workers.kill(first)
    job.refresh_from_db()
    signed_when_killed = job.signed
    assert job.is_running and signed_when_killed < job.total
    time.sleep(1)
    job.refresh_from_db()
    assert job.signed == signed_when_killed, "nothing should sign while no worker runs"

    # A new worker, and nobody pressing "resend": its embedded beat runs the periodic sweep, which
    # sends the stalled work again (perhaps more than once, racing the rescuer's own progress).
    rescuer = workers.start("rescuer", concurrency=2, prefetch=1, beat=True)

    job = wait_for_job(job, workers, timeout=240)
    wait_until(
        lambda: NOTHING_LEFT_TO_SWEEP.search(log_text(rescuer)),
        timeout=60,
        what="the rescuer's periodic sweep to find nothing left waiting",
    )
    assert job.state == IssuanceJob.State.DONE, job
    assert (job.signed, job.failed) == (job.total, 0)
    assert job.credentials.exclude(state=CredentialState.SIGNED).count() == 0
    assert_one_credential_per_award_and_unique_indexes(job)
    clrs = IssuedCredential.objects.filter(kind=CredentialKind.CLR, institution=institution)
    assert clrs.count() == institution.learners.count()
    assert all(len(c.document["credentialSubject"]["verifiableCredential"]) == c.nested.count() for c in clrs)


def test_two_workers_drain_one_queue_and_each_award_gets_exactly_one_credential(workers, records):
    institution = records
    one = workers.start("one", concurrency=1, prefetch=1)
    two = workers.start("two", concurrency=1, prefetch=1)

    job = services.bulk_issue(institution=institution, selection=services.Selection())
    assert job.total > 300
    job = wait_for_job(job, workers, timeout=300)

    assert job.state == IssuanceJob.State.DONE, job
    assert (job.signed, job.failed) == (job.total, 0)
    assert job.signed == IssuedCredential.objects.filter(job=job, state=CredentialState.SIGNED).count()
    assert_one_credential_per_award_and_unique_indexes(job)
    done_by = {name: len(TASK_SUCCEEDED.findall(log_text(p))) for name, p in (("one", one), ("two", two))}
    assert done_by["one"] > 0 and done_by["two"] > 0, f"one worker did everything: {done_by}"
    assert sum(done_by.values()) >= job.total / services.SIGNING_CHUNK
